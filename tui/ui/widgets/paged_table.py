"""A virtual table for rows that arrive page by page.

Textual's ``DataTable`` measures every cell (3.4 s for 10,000 rows, ~150 ms per
appended page) and parses cell strings as markup.  ``PagedTable`` is built on
the line API instead (``VirtualLines``, shared with ``JsonView``): it keeps the
rows in an append-only :class:`RowStore`, the visible order in a
:class:`RowOrder`, and renders only the lines on screen, as ``Strip``\\ s of
``Segment``\\ s (no markup anywhere, so ``[/nope]`` or ``[@click=app.quit]``
show literally).

Appending a page is O(page): cell texts and column widths are computed for the
new rows only, as is a lowercase "haystack" per row for the filter.  Filtering
is one O(rows) scan per keystroke and O(page) on append; sorting is O(n log n) once, then
appended rows are inserted in place (O(page · log n) comparisons).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.segment import Segment
from rich.style import Style

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.strip import Strip

from .row_store import RowOrder, RowStore, fit_cell
from .table_messages import CursorMoved, NearEnd, RowSelected
from .table_render import ColumnLayout, RowPainter, message_lines
from .virtual_lines import VirtualLines, cursor_bindings

__all__ = ["PagedTable", "RowStore", "fit_cell"]

Severity = str | None


class PagedTable(VirtualLines):
    """A virtual, append-only table on the line API."""

    HEADER_LINES = 1
    COMPONENT_PREFIX = "paged-table"
    PARTIAL_STYLES = frozenset({"failed", "attention", "separator"})

    BINDINGS: list[BindingType] = [
        *cursor_bindings("row", "First row", "Last loaded row"),
        Binding("left", "cursor_left", "Previous column", show=False),
        Binding("right", "cursor_right", "Next column", show=False),
        Binding("enter", "select_row", "Open row", show=False),
    ]

    COMPONENT_NAMES = ("header", "cursor", "cursor-row", "failed", "attention", "separator", "empty")

    DEFAULT_CSS = """
    PagedTable {
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
        & > .paged-table--cursor-row { background: $boost; }
        & > .paged-table--failed { color: $text-error; }
        & > .paged-table--attention { color: $text-warning; }
        & > .paged-table--separator { color: $foreground-darken-3; }
        & > .paged-table--empty { color: $text-muted; text-style: italic; }
        &:focus > .paged-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    # messages (defined in table_messages: ``PagedTable.NearEnd`` etc., handlers ``on_paged_table_*``)
    NearEnd = NearEnd
    RowSelected = RowSelected
    CursorMoved = CursorMoved

    # ------------------------------------------------------------------ set-up
    def __init__(
        self,
        *,
        preferred: Sequence[str] = (),
        row_style_fn: Callable[[Any], Severity] | None = None,
        pin_fn: Callable[[Any], bool] | None = None,
        max_column_width: int = 40,
        column_caps: dict[str, int] | None = None,
        empty_text: str = "No rows",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._store = RowStore(preferred, max_width=max_column_width, caps=column_caps)
        self._rows = RowOrder(self._store, pinned=pin_fn)   # pin_fn: rows sorted first (RowOrder.pinned)
        self._empty_text = empty_text
        self._cursor_col = 0
        self._layout = ColumnLayout()
        self._painter = RowPainter(self._store, self._layout, self._style, self._strip_cache)
        self._painter.row_style_fn = row_style_fn
        self._near_end_sent = -1

    # ------------------------------------------------------------------ properties
    @property
    def empty_text(self) -> str:
        """What the table says while it has no column: "No rows", or several lines of why not."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            self.refresh()

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
        return len(self._rows)

    def _line_total(self) -> int:
        return len(self._rows)

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
        return self._rows.filter_text

    @property
    def sort_column(self) -> str | None:
        return self._rows.sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._rows.sort_reverse

    @property
    def preferred(self) -> list[str]:
        return list(self._store._preferred_rank)

    @preferred.setter
    def preferred(self, keys: Sequence[str]) -> None:
        current = self.cursor_column_key
        self._store.set_preferred(keys)
        self._layout_changed(keep_column=current)

    @property
    def column_caps(self) -> dict[str, int]:
        """Widths some columns may not exceed (key → cells); the others stop at ``max_column_width``."""
        return dict(self._store.caps)

    @column_caps.setter
    def column_caps(self, caps: dict[str, int]) -> None:
        current = self.cursor_column_key
        if self._store.set_caps(caps):
            self._layout_changed(keep_column=current)

    @property
    def row_style_fn(self) -> Callable[[Any], Severity] | None:
        """``row -> "failed" | "attention" | None``; setting it repaints the rows."""
        return self._painter.row_style_fn

    @row_style_fn.setter
    def row_style_fn(self, fn: Callable[[Any], Severity] | None) -> None:
        self._painter.row_style_fn = fn
        self._painter.invalidate()
        self.refresh()

    def row_id_at(self, position: int) -> int:
        """Load-order index of the visible row at ``position``."""
        return self._rows.row_id_at(position)

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
        first_changed, scroll_shift = self._rows.appended(range(start, end), self._cursor)
        self._cursor += scroll_shift     # rows sorted in above the cursor: the view follows it down
        if widths_changed:
            self._layout_changed(quiet=True)
        else:
            self._update_virtual_size(quiet=True)
            height = self._viewport_height()
            scroll_y = self.scroll_offset.y
            if first_changed < scroll_y + height - 1:
                top = max(first_changed - scroll_y + 1, 1)
                self.refresh(Region(0, top, self.size.width, max(height - top + 1, 1)))
        if scroll_shift:
            self.scroll_to(y=self.scroll_offset.y + scroll_shift, animate=False, force=True, immediate=True)
        if not self._rows.needle:
            # Loaded rows do not fill the screen yet.  Not while filtering: a filter that
            # matches little would otherwise fetch every page; there, the user's moves ask.
            self._check_near_end()

    def clear(self) -> None:
        """Drop all rows (keeps preferred columns, drops filter and sort)."""
        self._store.clear()
        self._rows.reset()
        self._cursor = 0
        self._cursor_col = 0
        self._near_end_sent = -1
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False)
        self._layout_changed()

    # ------------------------------------------------------------------ filter and sort
    def set_filter(self, text: str) -> None:
        """Show only rows containing ``text`` in any cell (case-insensitive).

        A leading ``!`` inverts the filter.  ``""`` (or a bare ``!``) shows all.
        """
        keep_id = self.current_row_index()
        self._rows.set_filter(text)
        self._order_changed(keep_id)

    def sort_by(self, column: str | int | None, reverse: bool = False) -> None:
        """Sort by a column key (or display index); ``None`` restores load order.

        Numbers sort numerically before text, text case-insensitively, missing
        values and nulls last in both directions.  Rows appended later are
        inserted at their sorted place.
        """
        keep_id = self.current_row_index()
        if isinstance(column, int):
            column = self._store.key_at(column)
        self._rows.sort_by(column, reverse)
        self._painter.invalidate(header_only=True)
        self._order_changed(keep_id)

    def _order_changed(self, keep_id: int | None) -> None:
        self._cursor = self._rows.position_of(keep_id, self._cursor)
        self._update_virtual_size()
        self.refresh()
        self._after_cursor_change(scroll=True)

    def action_sort_column(self) -> None:
        """Sort by the cursor column; again to reverse; a third time to unsort."""
        key = self.cursor_column_key
        if key is not None:
            self.sort_by(*self._rows.next_sort(key))

    # ------------------------------------------------------------------ export
    def rows_as_tsv(self, visible_only: bool = True) -> str:
        """Header + rows as tab-separated cell texts (tabs/newlines are escaped)."""
        return self._store.as_tsv(self._rows.ids() if visible_only else range(len(self._store)))

    # ------------------------------------------------------------------ layout
    def _layout_changed(self, keep_column: str | None = None, quiet: bool = False) -> None:
        store = self._store
        self._layout.measure(store)
        if keep_column is not None and keep_column in store.ids:
            self._cursor_col = store.order.index(store.ids[keep_column])
        self._cursor_col = max(0, min(self._cursor_col, len(self._layout) - 1))
        self._painter.invalidate()
        self._update_virtual_size(quiet=quiet)
        self.refresh()

    def _update_virtual_size(self, quiet: bool = False) -> None:
        """Header line + visible rows; ``quiet`` as rows arrive (see ``VirtualLines.set_virtual_size``)."""
        self.set_virtual_size(Size(self._layout.width, self.visible_count + 1), quiet=quiet)

    def clear_caches(self) -> None:
        super().clear_caches()
        self._painter.invalidate(header_only=True)

    # ------------------------------------------------------------------ rendering
    def empty_strip(self, index: int) -> Strip:
        width = self.size.width
        if not self._store.order:
            lines = message_lines(self._empty_text, width)
            if index < len(lines):
                text = fit_cell(lines[index], max(width, 1))
                return Strip([Segment(text, self._style("empty"))], len(text)).crop(0, width)
        return Strip.blank(width, self._style("base"))

    def header_strip(self, y: int) -> Strip:
        return self._painter.header(self.sort_column, self.sort_reverse)

    def content_strip(self, pos: int) -> tuple[Strip, Style]:
        cursor = self._cursor_col if pos == self._cursor else None
        return self._painter.row(self.row_id_at(pos), cursor), self._style("base")

    def refresh_rows(self, *positions: int) -> None:
        """Repaint the given visible positions if they are on screen."""
        self.refresh_lines(*positions)

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

    def move_cursor_to(self, index: int) -> None:
        self.move_cursor(row=index)

    def _scroll_cursor_into_view(self) -> None:
        scroll_x, scroll_y = self.scroll_offset
        new_y = self.scroll_y_for(self._cursor)
        new_x = self._layout.scroll_to_show(self._cursor_col, self._store, scroll_x, self._viewport_width())
        if (new_x, new_y) != (scroll_x, scroll_y):
            self.scroll_to(new_x, new_y, animate=False, force=True)

    def _check_near_end(self) -> None:
        count = self.row_count
        if self._near_end_sent == count or not count:
            return
        if self.visible_count - 1 - self._cursor <= self.page_lines():
            self._near_end_sent = count
            self.post_message(self.NearEnd(self, count))

    def action_cursor_left(self) -> None:
        self.move_cursor(column=self._cursor_col - 1)

    def action_cursor_right(self) -> None:
        self.move_cursor(column=self._cursor_col + 1)

    def action_select_row(self) -> None:
        row_id = self.current_row_index()
        if row_id is not None:
            self.post_message(self.RowSelected(self, row_id, self._store.rows[row_id]))

    # ------------------------------------------------------------------ mouse
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = self._layout.column_at(offset.x + self.scroll_offset.x)
        pos = self.line_at(event)
        if pos is None:
            if column is not None:
                self.move_cursor(column=column)
                self.action_sort_column()
            return
        if pos >= self.visible_count:
            return
        self.move_cursor(row=pos, column=column)
        if event.chain >= 2:
            self.action_select_row()
