"""A virtual table for rows that arrive page by page.

Textual's ``DataTable`` measures every cell (3.4 s for 10,000 rows, ~150 ms per
appended page) and parses cell strings as markup.  ``PagedTable`` is built on
the line API instead: it keeps the rows in an append-only :class:`RowStore`
and renders only the lines on screen, as ``Strip``\\ s of ``Segment``\\ s (no
markup anywhere, so ``[/nope]`` or ``[@click=app.quit]`` show literally).

Appending a page is O(page): cell texts and column widths are computed for the
new rows only, as is a lowercase "haystack" per row for the filter.  Filtering
is one O(rows) scan per keystroke and O(page) on append; sorting is O(n log n) once, then
appended rows are inserted in place (O(page · log n) comparisons).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Iterable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...textsafe import cell_text, safe_text

__all__ = ["PagedTable", "RowStore", "fit_cell"]

Severity = str | None

ELLIPSIS = "…"
SEPARATOR = "│"
#: cells per column besides the text: one space each side plus the separator
COLUMN_OVERHEAD = 3


def fit_cell(text: str, width: int) -> str:
    """Pad or truncate ``text`` to exactly ``width`` terminal cells (``…`` when cut)."""
    if width <= 0:
        return ""
    if text.isascii():
        n = len(text)
        if n == width:
            return text
        if n < width:
            return text + " " * (width - n)
        return text[: width - 1] + ELLIPSIS
    n = cell_len(text)
    if n <= width:
        return text + " " * (width - n)
    return set_cell_size(text, width - 1) + ELLIPSIS


def _as_mapping(row: Any) -> dict:
    return row if isinstance(row, dict) else {"value": row}


class RowStore:
    """Append-only storage of rows with incrementally tracked columns.

    * ``rows``: the original objects (usually dicts), in load order.
    * ``cells``: per row, a tuple of cell strings indexed by *column id*
      (discovery order); rows loaded before a column appeared have shorter
      tuples, and a missing cell is ``""``.
    * ``hay``: per row, the lowercase cell texts joined by tabs (filter haystack);
    * ``keys``: column id → key; ``order``: the display order (column ids),
      ``preferred`` keys first in their given order, then discovery order.
    * ``widths``: per column id, max cell width in cells (header included),
      capped at ``max_width``.
    """

    def __init__(
        self,
        preferred: Sequence[str] = (),
        max_width: int = 40,
        cell_max_len: int = 200,
    ) -> None:
        self.max_width = max_width
        self.cell_max_len = cell_max_len
        self.rows: list[Any] = []
        self.cells: list[tuple[str, ...]] = []
        self.hay: list[str] = []
        self.keys: list[str] = []
        self.ids: dict[str, int] = {}
        self.widths: list[int] = []
        self.order: list[int] = []
        self._preferred_rank: dict[str, int] = {}
        self._last_keys: tuple = ()
        self._last_ids: list[int] = []
        self.set_preferred(preferred)

    def __len__(self) -> int:
        return len(self.rows)

    def set_preferred(self, preferred: Sequence[str]) -> None:
        self._preferred_rank = {key: i for i, key in enumerate(preferred)}
        self._reorder()

    def _reorder(self) -> None:
        rank = self._preferred_rank
        big = len(rank)
        self.order = sorted(
            range(len(self.keys)),
            key=lambda cid: (rank.get(self.keys[cid], big), cid),
        )

    def _add_column(self, key: str) -> int:
        cid = len(self.keys)
        self.keys.append(key)
        self.ids[key] = cid
        self.widths.append(min(cell_len(safe_text(key)), self.max_width))
        if key in self._preferred_rank:
            self._reorder()
        else:
            self.order.append(cid)
        return cid

    def append(self, rows: Iterable[Any]) -> bool:
        """Append rows; return True when columns or column widths changed."""
        ids = self.ids
        widths = self.widths
        cap = self.max_width
        max_len = self.cell_max_len
        changed = False
        out_rows = self.rows
        out_cells = self.cells
        out_hay = self.hay
        for row in rows:
            mapping = _as_mapping(row)
            keys = tuple(mapping)
            if keys == self._last_keys:
                row_ids = self._last_ids
            else:
                row_ids = []
                for key in keys:
                    skey = key if type(key) is str else str(key)
                    cid = ids.get(skey)
                    if cid is None:
                        cid = self._add_column(skey)
                        changed = True
                    row_ids.append(cid)
                self._last_keys = keys
                self._last_ids = row_ids
            cells = [""] * (max(row_ids) + 1 if row_ids else 0)
            for cid, value in zip(row_ids, mapping.values()):
                text = cell_text(value, max_len)
                cells[cid] = text
                n = len(text)
                if n > widths[cid] or not text.isascii():
                    w = min(cell_len(text), cap)
                    if w > widths[cid]:
                        widths[cid] = w
                        changed = True
            out_rows.append(row)
            out_cells.append(tuple(cells))
            out_hay.append("\t".join(cells).lower())
        return changed

    def cell(self, row_id: int, cid: int) -> str:
        cells = self.cells[row_id]
        return cells[cid] if cid < len(cells) else ""

    def value(self, row_id: int, key: str) -> Any:
        row = self.rows[row_id]
        return row.get(key) if isinstance(row, dict) else (row if key == "value" else None)

    def clear(self) -> None:
        preferred = list(self._preferred_rank)
        self.__init__(preferred, self.max_width, self.cell_max_len)  # type: ignore[misc]


def _sort_key(value: Any) -> tuple | None:
    """Numbers numerically (group 0), everything else as text (group 1), None → None."""
    if value is None:
        return None
    t = type(value)
    if t is int:
        return (0, value)
    if t is float:
        return (0, value) if value == value else (0, float("inf"))
    if t is str:
        return (1, value.casefold())
    if t is bool:
        return (1, "true" if value else "false")
    return (1, cell_text(value).casefold())


class PagedTable(ScrollView, can_focus=True):
    """A virtual, append-only table on the line API."""

    ALLOW_SELECT = False

    BINDINGS: list[BindingType] = [
        Binding("up", "cursor_up", "Previous row", show=False),
        Binding("down", "cursor_down", "Next row", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last loaded row", show=False),
        Binding("left", "cursor_left", "Previous column", show=False),
        Binding("right", "cursor_right", "Next column", show=False),
        Binding("enter", "select_row", "Open row", show=False),
    ]

    COMPONENT_CLASSES = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--cursor-row",
        "paged-table--failed",
        "paged-table--attention",
        "paged-table--separator",
        "paged-table--empty",
    }

    DEFAULT_CSS = """
    PagedTable {
        background: $surface;
        color: $foreground;
        & > .paged-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .paged-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .paged-table--cursor-row {
            background: $boost;
        }
        & > .paged-table--failed {
            color: $text-error;
        }
        & > .paged-table--attention {
            color: $text-warning;
        }
        & > .paged-table--separator {
            color: $foreground-darken-3;
        }
        & > .paged-table--empty {
            color: $text-muted;
            text-style: italic;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .paged-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    # ------------------------------------------------------------------ messages
    class NearEnd(Message):
        """The cursor came within about one screen of the last loaded row.

        Posted at most once per ``row_count``; the screen answers by fetching
        the next page (if any) and calling :meth:`PagedTable.append_rows`.
        Checked after cursor moves and filter/sort changes, and after appends
        when no filter is active (so short pages keep coming until the screen
        is full).
        """

        def __init__(self, table: "PagedTable", row_count: int) -> None:
            super().__init__()
            self.table = table
            self.row_count = row_count

        @property
        def control(self) -> "PagedTable":
            return self.table

    class RowSelected(Message):
        """Enter (or a double click) on a row. ``row_index`` is the load-order index."""

        def __init__(self, table: "PagedTable", row_index: int, row: Any) -> None:
            super().__init__()
            self.table = table
            self.row_index = row_index
            self.row = row

        @property
        def control(self) -> "PagedTable":
            return self.table

    class CursorMoved(Message):
        """The cursor moved to another row or column."""

        def __init__(
            self,
            table: "PagedTable",
            position: int,
            row_index: int | None,
            column: str | None,
            row: Any,
        ) -> None:
            super().__init__()
            self.table = table
            self.position = position
            self.row_index = row_index
            self.column = column
            self.row = row

        @property
        def control(self) -> "PagedTable":
            return self.table

    # ------------------------------------------------------------------ set-up
    def __init__(
        self,
        *,
        preferred: Sequence[str] = (),
        row_style_fn: Callable[[Any], Severity] | None = None,
        max_column_width: int = 40,
        empty_text: str = "No rows",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._store = RowStore(preferred, max_width=max_column_width)
        self._row_style_fn = row_style_fn
        self.empty_text = empty_text
        self._index: list[int] | None = None  # None: identity (no filter, no sort)
        self._filter_text = ""
        self._needle = ""
        self._invert = False
        self._sort_column: str | None = None
        self._sort_reverse = False
        self._sort_keys: list[tuple | None] = []
        self._order: list[int] | None = None
        self._cursor = 0
        self._cursor_col = 0
        self._col_x: list[int] = []
        self._total_width = 0
        self._near_end_sent = -1
        self._generation = 0
        self._strip_cache: LRUCache[tuple[int, int], Strip] = LRUCache(512)
        self._header_cache: Strip | None = None
        self._styles: dict[str, Style] = {}

    # ------------------------------------------------------------------ properties
    @property
    def store(self) -> RowStore:
        return self._store

    @property
    def row_count(self) -> int:
        """Rows loaded (whatever the filter)."""
        return len(self._store)

    @property
    def visible_count(self) -> int:
        """Rows that pass the filter."""
        return len(self._store) if self._index is None else len(self._index)

    @property
    def columns(self) -> list[str]:
        """Column keys in display order."""
        keys = self._store.keys
        return [keys[cid] for cid in self._store.order]

    @property
    def cursor_row(self) -> int:
        """Cursor position among the visible rows."""
        return self._cursor

    @property
    def cursor_column(self) -> int:
        return self._cursor_col

    @property
    def cursor_column_key(self) -> str | None:
        order = self._store.order
        return self._store.keys[order[self._cursor_col]] if order else None

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def sort_column(self) -> str | None:
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    @property
    def preferred(self) -> list[str]:
        return list(self._store._preferred_rank)

    @preferred.setter
    def preferred(self, keys: Sequence[str]) -> None:
        current = self.cursor_column_key
        self._store.set_preferred(keys)
        self._layout_changed(keep_column=current)

    @property
    def row_style_fn(self) -> Callable[[Any], Severity] | None:
        """``row -> "failed" | "attention" | None``; setting it repaints the rows."""
        return self._row_style_fn

    @row_style_fn.setter
    def row_style_fn(self, fn: Callable[[Any], Severity] | None) -> None:
        self._row_style_fn = fn
        self._generation += 1
        self.refresh()

    def row_id_at(self, position: int) -> int:
        """Load-order index of the visible row at ``position``."""
        return position if self._index is None else self._index[position]

    def current_row(self) -> Any | None:
        if not self.visible_count:
            return None
        return self._store.rows[self.row_id_at(self._cursor)]

    def current_row_index(self) -> int | None:
        return self.row_id_at(self._cursor) if self.visible_count else None

    # ------------------------------------------------------------------ data
    def append_rows(self, rows: Sequence[Any]) -> None:
        """Append one page of rows: O(page) work (O(page·log n) when sorted)."""
        store = self._store
        start = len(store)
        widths_changed = store.append(rows)
        end = len(store)
        if end == start:
            return
        new_ids = range(start, end)
        first_changed = start  # first visible position whose content changed
        scroll_shift = 0       # rows sorted in above the cursor: the view follows it down
        if self._sort_column is not None:
            key = self._sort_column
            self._sort_keys.extend(_sort_key(store.value(r, key)) for r in new_ids)
            assert self._order is not None
            for r in new_ids:
                self._insert_sorted(self._order, r)
        if self._index is not None:
            matching = [r for r in new_ids if self._matches(r)] if self._needle else list(new_ids)
            if self._sort_column is None:
                first_changed = len(self._index)
                self._index.extend(matching)
            else:
                first_changed = len(self._index)
                # The cursor stays on its row as rows sort in above it, and the view moves with
                # it, so what the user looks at does not slide away. At the top it stays at the
                # top: a live list (a scan streaming in, newest first) reads from its head.
                cursor_id = self.row_id_at(self._cursor) if self._index and self._cursor > 0 else None
                shift = 0
                for r in matching:
                    pos = self._insert_sorted(self._index, r)
                    first_changed = min(first_changed, pos)
                    if cursor_id is not None and pos <= self._cursor + shift:
                        shift += 1
                self._cursor += shift
                scroll_shift = shift
        if widths_changed:
            self._layout_changed()
        else:
            self._update_virtual_size(quiet=True)
            height = self._viewport_height()
            scroll_y = self.scroll_offset.y
            if first_changed < scroll_y + height - 1:
                top = max(first_changed - scroll_y + 1, 1)
                self.refresh(Region(0, top, self.size.width, max(height - top + 1, 1)))
        if scroll_shift:
            self.scroll_to(y=self.scroll_offset.y + scroll_shift, animate=False, force=True, immediate=True)
        if not self._needle:
            # Loaded rows do not fill the screen yet.  Not while filtering: a filter that
            # matches little would otherwise fetch every page; there, the user's moves ask.
            self._check_near_end()

    def clear(self) -> None:
        """Drop all rows (keeps preferred columns, drops filter and sort)."""
        self._store.clear()
        self._index = None
        self._filter_text = self._needle = ""
        self._invert = False
        self._sort_column = None
        self._sort_keys = []
        self._order = None
        self._cursor = 0
        self._cursor_col = 0
        self._near_end_sent = -1
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False)
        self._layout_changed()

    # ------------------------------------------------------------------ filter
    def _matches(self, row_id: int) -> bool:
        return (self._needle in self._store.hay[row_id]) != self._invert

    def set_filter(self, text: str) -> None:
        """Show only rows containing ``text`` in any cell (case-insensitive).

        A leading ``!`` inverts the filter.  ``""`` (or a bare ``!``) shows all.
        """
        text = text or ""
        invert = text.startswith("!")
        needle = (text[1:] if invert else text).lower()
        keep_id = self.current_row_index()
        self._filter_text = text
        self._needle = needle
        self._invert = invert and bool(needle)
        self._rebuild_index(keep_id)

    def _rebuild_index(self, keep_id: int | None) -> None:
        needle = self._needle
        if needle:
            hay = self._store.hay
            if self._order is not None:
                if self._invert:
                    self._index = [r for r in self._order if needle not in hay[r]]
                else:
                    self._index = [r for r in self._order if needle in hay[r]]
            elif self._invert:
                self._index = [r for r, h in enumerate(hay) if needle not in h]
            else:
                self._index = [r for r, h in enumerate(hay) if needle in h]
        elif self._order is not None:
            self._index = list(self._order)
        else:
            self._index = None
        self._restore_cursor(keep_id)
        self._update_virtual_size()
        self.refresh()
        self._after_cursor_change(scroll=True)

    def _restore_cursor(self, keep_id: int | None) -> None:
        count = self.visible_count
        pos = 0
        if keep_id is not None and count:
            if self._index is None:
                pos = keep_id
            elif self._order is None:
                # unsorted index is ascending: binary search
                i = bisect_right(self._index, keep_id) - 1
                pos = i if i >= 0 and self._index[i] == keep_id else min(self._cursor, count - 1)
            else:
                try:
                    pos = self._index.index(keep_id)
                except ValueError:
                    pos = min(self._cursor, count - 1)
        self._cursor = max(0, min(pos, count - 1))

    # ------------------------------------------------------------------ sort
    def sort_by(self, column: str | int | None, reverse: bool = False) -> None:
        """Sort by a column key (or display index); ``None`` restores load order.

        Numbers sort numerically before text, text case-insensitively, missing
        values and nulls last in both directions.  Rows appended later are
        inserted at their sorted place.
        """
        keep_id = self.current_row_index()
        if isinstance(column, int):
            order = self._store.order
            column = self._store.keys[order[column]] if 0 <= column < len(order) else None
        if column is None:
            self._sort_column = None
            self._sort_keys = []
            self._order = None
        else:
            store = self._store
            keys = [_sort_key(store.value(r, column)) for r in range(len(store))]
            present = [r for r in range(len(keys)) if keys[r] is not None]
            missing = [r for r in range(len(keys)) if keys[r] is None]
            present.sort(key=keys.__getitem__, reverse=reverse)
            self._sort_column = column
            self._sort_reverse = reverse
            self._sort_keys = keys
            self._order = present + missing
        self._header_cache = None
        self._rebuild_index(keep_id)

    def action_sort_column(self) -> None:
        """Sort by the cursor column; again to reverse; a third time to unsort."""
        key = self.cursor_column_key
        if key is None:
            return
        if self._sort_column != key:
            self.sort_by(key)
        elif not self._sort_reverse:
            self.sort_by(key, reverse=True)
        else:
            self.sort_by(None)

    def _insert_sorted(self, lst: list[int], row_id: int) -> int:
        """Insert ``row_id`` into a list ordered like ``_order``; return its position."""
        keys = self._sort_keys
        k = keys[row_id]
        # nulls form the tail of the list in both directions
        lo, hi = 0, len(lst)
        while lo < hi:
            mid = (lo + hi) // 2
            if keys[lst[mid]] is None:
                hi = mid
            else:
                lo = mid + 1
        boundary = lo
        if k is None:
            lst.append(row_id)
            return len(lst) - 1
        if not self._sort_reverse:
            pos = bisect_right(lst, k, 0, boundary, key=keys.__getitem__)  # type: ignore[arg-type]
        else:
            lo, hi = 0, boundary
            while lo < hi:  # first position whose key is strictly smaller
                mid = (lo + hi) // 2
                if keys[lst[mid]] < k:  # type: ignore[operator]
                    hi = mid
                else:
                    lo = mid + 1
            pos = lo
        lst.insert(pos, row_id)
        return pos

    # ------------------------------------------------------------------ export
    def rows_as_tsv(self, visible_only: bool = True) -> str:
        """Header + rows as tab-separated cell texts (tabs/newlines are escaped)."""
        store = self._store
        order = store.order
        lines = ["\t".join(safe_text(store.keys[cid]) for cid in order)]
        ids: Iterable[int] = (
            (self._index if self._index is not None else range(len(store)))
            if visible_only
            else range(len(store))
        )
        for r in ids:
            cells = store.cells[r]
            n = len(cells)
            lines.append("\t".join(cells[cid] if cid < n else "" for cid in order))
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ layout
    def _viewport_height(self) -> int:
        return self.scrollable_content_region.height

    def _viewport_width(self) -> int:
        return self.scrollable_content_region.width

    def _layout_changed(self, keep_column: str | None = None) -> None:
        store = self._store
        x = 0
        col_x = []
        for cid in store.order:
            col_x.append(x)
            x += store.widths[cid] + COLUMN_OVERHEAD
        self._col_x = col_x
        self._total_width = x
        if keep_column is not None and keep_column in store.ids:
            self._cursor_col = store.order.index(store.ids[keep_column])
        self._cursor_col = max(0, min(self._cursor_col, len(col_x) - 1))
        self._generation += 1
        self._header_cache = None
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self, quiet: bool = False) -> None:
        """Set ``virtual_size`` (header line + visible rows).

        Assigning the reactive makes Textual lay out and repaint the whole
        widget, ~2-3x the cost of a plain repaint.  With ``quiet`` (appends),
        when only the height grows and the vertical scrollbar is shown
        already, the value is set silently and only the scrollbar repaints.
        """
        size = Size(self._total_width, self.visible_count + 1)
        old = self.virtual_size
        if size == old:
            return
        if (
            quiet
            and self.is_mounted
            and size.width == old.width
            and size.height > old.height
            and self.show_vertical_scrollbar
            and self.styles.scrollbar_size_vertical
        ):
            self.set_reactive(PagedTable.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            return
        self.virtual_size = size

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strip_cache.clear()
        self._header_cache = None

    def on_focus(self, event: events.Focus) -> None:
        self._styles.clear()
        self._strip_cache.clear()
        self._header_cache = None
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._styles.clear()
        self._strip_cache.clear()
        self._header_cache = None
        self.refresh()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            base = self.rich_style
            if name == "base":
                style = base
            elif name in ("failed", "attention", "separator"):
                style = base + self.get_component_rich_style(f"paged-table--{name}", partial=True)
            else:
                style = base + self.get_component_rich_style(f"paged-table--{name}")
            self._styles[name] = style
        return style

    # ------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            strip = self._header_strip()
        else:
            pos = scroll_y + y - 1
            if pos >= self.visible_count:
                if pos == 0 and not self._store.order:
                    text = fit_cell(" " + safe_text(self.empty_text), max(width, 1))
                    return Strip([Segment(text, self._style("empty"))], len(text)).crop(0, width)
                return Strip.blank(width, self._style("base"))
            strip = self._row_strip(pos)
        return strip.crop_extend(scroll_x, scroll_x + width, self._style("base"))

    def _header_strip(self) -> Strip:
        if self._header_cache is not None:
            return self._header_cache
        store = self._store
        style = self._style("header")
        segments = []
        for cid in store.order:
            key = store.keys[cid]
            label = safe_text(key)
            if key == self._sort_column:
                label = ("▼ " if self._sort_reverse else "▲ ") + label
            segments.append(Segment(" " + fit_cell(label, store.widths[cid]) + " ", style))
            segments.append(Segment(SEPARATOR, style))
        strip = Strip(segments, self._total_width)
        self._header_cache = strip
        return strip

    def _row_strip(self, pos: int) -> Strip:
        row_id = self.row_id_at(pos)
        is_cursor = pos == self._cursor
        cache_key = (row_id, self._generation)
        if not is_cursor:
            cached = self._strip_cache.get(cache_key)
            if cached is not None:
                return cached
        store = self._store
        severity = None
        if self._row_style_fn is not None:
            try:
                severity = self._row_style_fn(store.rows[row_id])
            except Exception:  # noqa: BLE001 - a colouring bug must not break the table
                severity = None
        if severity in ("failed", "attention"):
            style = self._style(severity)
        else:
            style = self._style("base")
        sep_style = self._style("separator")
        if is_cursor:
            row_bg = self._style("cursor-row")
            style = row_bg + Style(color=style.color) if severity in ("failed", "attention") else row_bg
            sep_style = row_bg + Style(color=sep_style.color)
            cursor_style = self._style("cursor")
        cells = store.cells[row_id]
        n = len(cells)
        widths = store.widths
        segments = []
        append = segments.append
        for i, cid in enumerate(store.order):
            text = " " + fit_cell(cells[cid] if cid < n else "", widths[cid]) + " "
            if is_cursor and i == self._cursor_col:
                append(Segment(text, cursor_style))
            else:
                append(Segment(text, style))
            append(Segment(SEPARATOR, sep_style))
        strip = Strip(segments, self._total_width)
        if not is_cursor:
            self._strip_cache[cache_key] = strip
        return strip

    def refresh_rows(self, *positions: int) -> None:
        """Repaint the given visible positions if they are on screen."""
        scroll_y = self.scroll_offset.y
        height = self._viewport_height()
        width = self.size.width
        for pos in positions:
            y = pos - scroll_y + 1
            if 1 <= y < height:
                self.refresh(Region(0, y, width, 1))

    # ------------------------------------------------------------------ cursor
    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        """Move the cursor to a visible position and/or display column."""
        count = self.visible_count
        old_row, old_col = self._cursor, self._cursor_col
        if row is not None:
            self._cursor = max(0, min(row, count - 1)) if count else 0
        if column is not None:
            ncols = len(self._store.order)
            self._cursor_col = max(0, min(column, ncols - 1)) if ncols else 0
        if (old_row, old_col) == (self._cursor, self._cursor_col):
            self._check_near_end()  # e.g. "down" on the last row: the user wants more
            return
        self.refresh_rows(old_row, self._cursor)
        self._after_cursor_change(scroll=True)

    def _after_cursor_change(self, scroll: bool) -> None:
        if scroll:
            self._scroll_cursor_into_view()
        row_id = self.current_row_index()
        self.post_message(
            self.CursorMoved(
                self,
                self._cursor,
                row_id,
                self.cursor_column_key,
                None if row_id is None else self._store.rows[row_id],
            )
        )
        self._check_near_end()

    def _scroll_cursor_into_view(self) -> None:
        height = max(self._viewport_height() - 1, 1)  # minus the header line
        scroll_x, scroll_y = self.scroll_offset
        new_y = scroll_y
        if self._cursor < scroll_y:
            new_y = self._cursor
        elif self._cursor >= scroll_y + height:
            new_y = self._cursor - height + 1
        new_x = scroll_x
        if self._col_x:
            width = self._viewport_width()
            x0 = self._col_x[self._cursor_col]
            cid = self._store.order[self._cursor_col]
            x1 = x0 + self._store.widths[cid] + COLUMN_OVERHEAD
            if x1 > scroll_x + width:
                new_x = x1 - width
            if x0 < new_x:
                new_x = x0
        if (new_x, new_y) != (scroll_x, scroll_y):
            self.scroll_to(new_x, new_y, animate=False, force=True)

    def _check_near_end(self) -> None:
        count = self.row_count
        if self._near_end_sent == count or not count:
            return
        screen = max(self._viewport_height() - 1, 1)
        if self.visible_count - 1 - self._cursor <= screen:
            self._near_end_sent = count
            self.post_message(self.NearEnd(self, count))

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - max(self._viewport_height() - 1, 1))

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + max(self._viewport_height() - 1, 1))

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=self.visible_count - 1)

    def action_cursor_left(self) -> None:
        self.move_cursor(column=self._cursor_col - 1)

    def action_cursor_right(self) -> None:
        self.move_cursor(column=self._cursor_col + 1)

    def action_select_row(self) -> None:
        row_id = self.current_row_index()
        if row_id is not None:
            self.post_message(self.RowSelected(self, row_id, self._store.rows[row_id]))

    # ------------------------------------------------------------------ mouse
    def _column_at(self, x: int) -> int | None:
        if not self._col_x or x < 0 or x >= self._total_width:
            return None
        return bisect_right(self._col_x, x) - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        scroll_x, scroll_y = self.scroll_offset
        column = self._column_at(offset.x + scroll_x)
        if offset.y == 0:
            if column is not None:
                self.move_cursor(column=column)
                self.action_sort_column()
            return
        pos = scroll_y + offset.y - 1
        if pos >= self.visible_count:
            return
        self.move_cursor(row=pos, column=column)
        if event.chain >= 2:
            self.action_select_row()
