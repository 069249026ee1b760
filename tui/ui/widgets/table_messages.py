"""What a ``PagedTable`` posts (also reachable as ``PagedTable.NearEnd`` etc.; the handlers are
``on_paged_table_near_end``, ``on_paged_table_row_selected``, ``on_paged_table_cursor_moved``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from .paged_table import PagedTable

__all__ = ["CursorMoved", "NearEnd", "RowSelected"]


class NearEnd(Message, namespace="paged_table"):
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

class RowSelected(Message, namespace="paged_table"):
    """Enter (or a double click) on a row. ``row_index`` is the load-order index."""

    def __init__(self, table: "PagedTable", row_index: int, row: Any) -> None:
        super().__init__()
        self.table = table
        self.row_index = row_index
        self.row = row

    @property
    def control(self) -> "PagedTable":
        return self.table

class CursorMoved(Message, namespace="paged_table"):
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
