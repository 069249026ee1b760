"""A small keyed table with a row cursor: the first screen's tenant list, drawn line by line.

Textual's ``DataTable`` is built for thousands of rows and cell cursors; on the first screen it
costs more than the rest of the screen together (its stylesheet, a dozen component classes to
style, its render caches): measured, the tenant screen drew its first frame ~50 ms sooner (0.2x
of an empty Textual app's start-up) with a plain text in its place. A tenant list is a handful of
rows, so this draws them directly: a header that stays put, zebra rows, a row cursor, and the
last column cropped with an ellipsis when the width runs out (instead of a horizontal scrollbar).

Cells are ``rich.text.Text`` (user text, never markup). Built on ``VirtualLines`` (the line-API
scaffolding PagedTable and JsonView share: the cursor keys, the fixed header line, the style
cache); a click highlights a row and a click on the highlighted row selects it, as in ``DataTable``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui.ui.widgets.virtual_lines import VirtualLines, cursor_bindings

__all__ = ["CompactTable"]

PAD = 1  # blank cells on each side of a cell, as DataTable's cell_padding


class CompactTable(VirtualLines):
    """Rows of Text cells under a fixed header; ``cursor_row`` is the highlighted row."""

    HEADER_LINES = 1
    COMPONENT_PREFIX = "compact-table"
    COMPONENT_NAMES = ("header", "cursor", "even-row")
    DEFAULT_CSS = """
    CompactTable {
        height: auto; max-height: 100%; overflow-x: hidden; overflow-y: auto;
        & > .compact-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .compact-table--even-row { background: $surface-lighten-1 50%; }
        & > .compact-table--cursor { background: $block-cursor-blurred-background;
                                     color: $block-cursor-blurred-foreground;
                                     text-style: $block-cursor-blurred-text-style; }
        &:focus > .compact-table--cursor { background: $block-cursor-background;
                                           color: $block-cursor-foreground;
                                           text-style: $block-cursor-text-style; }
    }
    """
    BINDINGS = cursor_bindings("row", "First row", "Last row")

    class RowHighlighted(Message):
        """The cursor moved to another row (or the rows were replaced)."""

        def __init__(self, table: CompactTable, row: int, key: str | None) -> None:
            super().__init__()
            self.table, self.cursor_row, self.key = table, row, key

        @property
        def control(self) -> CompactTable:
            return self.table

    class RowSelected(RowHighlighted):
        """A click on the highlighted row."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: tuple[str, ...] = ()
        self._keys: list[str] = []
        self._rows: list[list[Text]] = []
        self._widths: list[int] = []

    # -- data ------------------------------------------------------------------------------------
    def set_rows(self, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Text]]],
                 cursor_key: str | None = None) -> None:
        """Replace every row; the cursor goes to ``cursor_key`` when it is among them, else stays in range."""
        self.columns = tuple(columns)
        self._keys = [key for key, _cells in rows]
        self._rows = [list(cells) for _key, cells in rows]
        self._widths = [max([len(label)] + [row[i].cell_len for row in self._rows if i < len(row)])
                        for i, label in enumerate(self.columns)]
        self.set_virtual_size(Size(0, len(self._rows) + 1))
        if cursor_key in self._keys:
            row = self._keys.index(cursor_key)
        else:
            row = min(self._cursor, max(len(self._rows) - 1, 0))
        self._cursor = -1  # the rows changed: announce the highlighted one even if its index did not
        self.move_cursor_to(row)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def get_row_at(self, row: int) -> list[Text]:
        return self._rows[row]

    def key_at(self, row: int) -> str | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    @property
    def cursor_key(self) -> str | None:
        return self.key_at(self._cursor)

    def row_index(self, key: str) -> int:
        return self._keys.index(key)

    # -- cursor ----------------------------------------------------------------------------------
    def move_cursor_to(self, index: int) -> None:
        row = min(max(index, 0), max(len(self._rows) - 1, 0))
        if row == self._cursor:
            return
        self._cursor = row
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.RowHighlighted(self, row, self.key_at(row)))

    def _keep_cursor_visible(self) -> None:
        self.scroll_to(y=self.scroll_y_for(self._cursor), animate=False)

    def on_resize(self) -> None:
        self._keep_cursor_visible()         # a shorter table (or a cursor set before the first layout)

    def on_click(self, event: events.Click) -> None:
        row = self.line_at(event)
        if row is None or not 0 <= row < len(self._rows):
            return                          # the header, or below the last row
        event.stop()
        if row == self._cursor:
            self.post_message(self.RowSelected(self, row, self.key_at(row)))
        else:
            self.move_cursor_to(row)

    # -- drawing ---------------------------------------------------------------------------------
    def _line_total(self) -> int:
        return len(self._rows)

    def header_strip(self, y: int) -> Strip:
        return self._line([Text(label) for label in self.columns], self._style("header"))

    def content_strip(self, index: int) -> tuple[Strip, Style]:
        name = "cursor" if index == self._cursor else "even-row" if index % 2 else None
        style = self._style(name)
        return self._line(self._rows[index], style), style

    def _line(self, cells: Sequence[Text], style: Style) -> Strip:
        width = self._viewport_width()
        line = Text(style=style, no_wrap=True, overflow="ellipsis", end="")
        for cell, cell_width in zip(cells, self._widths):
            line.append(" " * PAD)
            line.append_text(cell)
            line.append(" " * (cell_width - cell.cell_len + PAD))
        line.rstrip()  # a short last cell's padding must not count against the width
        line.truncate(width, overflow="ellipsis", pad=True)
        return Strip(line.render(self.app.console), width)
