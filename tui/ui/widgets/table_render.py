"""How a ``PagedTable`` lays its columns out and draws its lines, apart from the widget.

* ``ColumnLayout``: where each column starts, the table's width, the column under an x, and the
  horizontal scroll that shows a column.
* ``header_strip``, ``row_strip``: one line of the table as a ``Strip`` of ``Segment``\\ s (cell
  texts are already terminal-safe in the ``RowStore``; nothing is parsed as markup).
* ``RowPainter``: those lines in the table's colours (a row's severity, the cursor), cached until
  the layout, the colouring or the styles change.
* ``message_lines``: the text an empty table shows (wrapped to its width; several lines allowed,
  so a refused request can say what happened and what to do).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ...textsafe import safe_multiline, safe_text
from .row_store import COLUMN_OVERHEAD, SEPARATOR, RowStore, fit_cell

__all__ = ["ColumnLayout", "RowPainter", "header_strip", "message_lines", "row_strip"]


class ColumnLayout:
    """The x where each displayed column starts (``starts``) and the total width (``width``)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.width = 0

    def measure(self, store: RowStore) -> None:
        x = 0
        starts = []
        for cid in store.order:
            starts.append(x)
            x += store.widths[cid] + COLUMN_OVERHEAD
        self.starts, self.width = starts, x

    def __len__(self) -> int:
        return len(self.starts)

    def column_at(self, x: int) -> int | None:
        """The display column under content x (None past the last one)."""
        if not self.starts or x < 0 or x >= self.width:
            return None
        return bisect_right(self.starts, x) - 1

    def scroll_to_show(self, column: int, store: RowStore, scroll_x: int, view_width: int) -> int:
        """The horizontal scroll that keeps ``column`` on screen (``scroll_x`` if it already is)."""
        if not self.starts:
            return scroll_x
        x0 = self.starts[column]
        x1 = x0 + store.widths[store.order[column]] + COLUMN_OVERHEAD
        if x1 > scroll_x + view_width:
            scroll_x = x1 - view_width
        return min(scroll_x, x0)


def header_strip(store: RowStore, layout: ColumnLayout, style: Style, sort_column: str | None,
                 sort_reverse: bool) -> Strip:
    """The column names, the sorted one marked ▲ (▼ reversed)."""
    segments = []
    for cid in store.order:
        key = store.keys[cid]
        label = safe_text(key)
        if key == sort_column:
            label = ("▼ " if sort_reverse else "▲ ") + label
        segments.append(Segment(" " + fit_cell(label, store.widths[cid]) + " ", style))
        segments.append(Segment(SEPARATOR, style))
    return Strip(segments, layout.width)


def row_strip(store: RowStore, row_id: int, layout: ColumnLayout, style: Style, separator: Style,
              cursor: tuple[int, Style] | None = None) -> Strip:
    """One row; ``cursor``: (display column, its style) on the cursor's row."""
    cells = store.cells[row_id]
    n = len(cells)
    widths = store.widths
    cursor_col, cursor_style = cursor if cursor is not None else (-1, style)
    segments = []
    append = segments.append
    for i, cid in enumerate(store.order):
        text = " " + fit_cell(cells[cid] if cid < n else "", widths[cid]) + " "
        append(Segment(text, cursor_style if i == cursor_col else style))
        append(Segment(SEPARATOR, separator))
    return Strip(segments, layout.width)


class RowPainter:
    """The header and the rows of ``store`` in the table's styles (``style(name)``: its component
    styles), the strips of rows off the cursor kept in ``cache`` until ``invalidate()``."""

    def __init__(self, store: RowStore, layout: ColumnLayout, style: Callable[[str | None], Style],
                 cache: Any) -> None:
        self._store, self._layout, self._style, self._cache = store, layout, style, cache
        #: ``row -> "failed" | "attention" | None``: the row's colour
        self.row_style_fn: Callable[[Any], str | None] | None = None
        self._generation = 0
        self._header: Strip | None = None

    def invalidate(self, header_only: bool = False) -> None:
        self._header = None
        if not header_only:
            self._generation += 1

    def header(self, sort_column: str | None, sort_reverse: bool) -> Strip:
        if self._header is None:
            self._header = header_strip(self._store, self._layout, self._style("header"), sort_column, sort_reverse)
        return self._header

    def row(self, row_id: int, cursor_col: int | None = None) -> Strip:
        """Row ``row_id``; ``cursor_col``: the cursor's column when the cursor is on this row."""
        key = (row_id, self._generation)
        if cursor_col is None:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        severity = None
        if self.row_style_fn is not None:
            try:
                severity = self.row_style_fn(self._store.rows[row_id])
            except Exception:  # noqa: BLE001 - a colouring bug must not break the table
                severity = None
        coloured = severity in ("failed", "attention")
        style = self._style(severity) if coloured else self._style("base")
        separator = self._style("separator")
        if cursor_col is None:
            strip = row_strip(self._store, row_id, self._layout, style, separator)
            self._cache[key] = strip
            return strip
        row_bg = self._style("cursor-row")
        style = row_bg + Style(color=style.color) if coloured else row_bg
        return row_strip(self._store, row_id, self._layout, style, row_bg + Style(color=separator.color),
                         cursor=(cursor_col, self._style("cursor")))


def message_lines(text: str, width: int) -> list[str]:
    """``text`` (server text allowed: made safe) wrapped to ``width`` cells, one space in front."""
    if not text or width <= 2:
        return []
    lines: list[str] = []
    for paragraph in safe_multiline(text).split("\n"):
        wrapped = Text(paragraph).wrap(_console(), width - 2) if paragraph else [Text("")]
        lines.extend(" " + line.plain.rstrip() for line in wrapped)
    return lines


_CONSOLE = None


def _console():
    """A console only to measure and wrap text (never printed to)."""
    global _CONSOLE
    if _CONSOLE is None:
        from io import StringIO

        from rich.console import Console
        _CONSOLE = Console(width=1000, color_system=None, file=StringIO())
    return _CONSOLE
