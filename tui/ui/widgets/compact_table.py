"""A small keyed table with a row cursor: the first screen's tenant list, drawn line by line.

Textual's ``DataTable`` is built for thousands of rows and cell cursors; on the first screen it
costs more than the rest of the screen together (its stylesheet, a dozen component classes to
style, its render caches): measured, the tenant screen drew its first frame ~50 ms sooner (0.2x
of an empty Textual app's start-up) with a plain text in its place. A tenant list is a handful of
rows, so this draws them directly: a header that stays put, zebra rows, a row cursor, and the
last column cropped with an ellipsis when the width runs out (instead of a horizontal scrollbar).

Cells are ``rich.text.Text`` (user text, never markup). Keys: up/down, page up/down, home/end;
a click highlights a row and a click on the highlighted row selects it, as in ``DataTable``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["CompactTable"]

PAD = 1  # blank cells on each side of a cell, as DataTable's cell_padding


class CompactTable(ScrollView, can_focus=True):
    """Rows of Text cells under a fixed header; ``cursor_row`` is the highlighted row."""

    COMPONENT_CLASSES = {"compact-table--header", "compact-table--cursor", "compact-table--even-row"}
    DEFAULT_CSS = """
    CompactTable {
        background: $surface; color: $foreground; height: auto; max-height: 100%;
        overflow-x: hidden; overflow-y: auto;
        & > .compact-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .compact-table--even-row { background: $surface-lighten-1 50%; }
        & > .compact-table--cursor { background: $block-cursor-blurred-background;
                                     color: $block-cursor-blurred-foreground;
                                     text-style: $block-cursor-blurred-text-style; }
        &:focus { background-tint: $foreground 5%;
                  & > .compact-table--cursor { background: $block-cursor-background;
                                               color: $block-cursor-foreground;
                                               text-style: $block-cursor-text-style; } }
    }
    """
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

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
        self.cursor_row = 0

    # -- data ------------------------------------------------------------------------------------
    def set_rows(self, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Text]]],
                 cursor_key: str | None = None) -> None:
        """Replace every row; the cursor goes to ``cursor_key`` when it is among them, else stays in range."""
        self.columns = tuple(columns)
        self._keys = [key for key, _cells in rows]
        self._rows = [list(cells) for _key, cells in rows]
        self._widths = [max([len(label)] + [row[i].cell_len for row in self._rows if i < len(row)])
                        for i, label in enumerate(self.columns)]
        self.virtual_size = Size(0, len(self._rows) + 1)
        if cursor_key in self._keys:
            row = self._keys.index(cursor_key)
        else:
            row = min(self.cursor_row, max(len(self._rows) - 1, 0))
        self.cursor_row = -1  # the rows changed: announce the highlighted one even if its index did not
        self.move_cursor(row)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, row: int) -> list[Text]:
        return self._rows[row]

    def key_at(self, row: int) -> str | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    @property
    def cursor_key(self) -> str | None:
        return self.key_at(self.cursor_row)

    def row_index(self, key: str) -> int:
        return self._keys.index(key)

    # -- cursor ----------------------------------------------------------------------------------
    def move_cursor(self, row: int) -> None:
        row = min(max(row, 0), max(len(self._rows) - 1, 0))
        if row == self.cursor_row:
            return
        self.cursor_row = row
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.RowHighlighted(self, row, self.key_at(row)))

    def _keep_cursor_visible(self) -> None:
        shown = max(self.scrollable_content_region.height - 1, 1)  # the header line is not a row
        top = round(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + shown:
            self.scroll_to(y=self.cursor_row - shown + 1, animate=False)

    def on_resize(self) -> None:
        self._keep_cursor_visible()         # a shorter table (or a cursor set before the first layout)

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 2, 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header
        row = offset.y - 1 + round(self.scroll_offset.y)
        if not 0 <= row < len(self._rows):
            return
        event.stop()
        if row == self.cursor_row:
            self.post_message(self.RowSelected(self, row, self.key_at(row)))
        else:
            self.move_cursor(row)

    # -- drawing ---------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            cells = [Text(label) for label in self.columns]
            style = self.get_component_rich_style("compact-table--header")
        else:
            row = y - 1 + round(self.scroll_offset.y)
            if not 0 <= row < len(self._rows):
                return Strip.blank(width, self.rich_style)
            cells = self._rows[row]
            if row == self.cursor_row:
                style = self.get_component_rich_style("compact-table--cursor")
            elif row % 2:
                style = self.get_component_rich_style("compact-table--even-row")
            else:
                style = self.rich_style
        return self._line(cells, style, width)

    def _line(self, cells: Sequence[Text], style: Style, width: int) -> Strip:
        line = Text(style=style, no_wrap=True, overflow="ellipsis", end="")
        for cell, cell_width in zip(cells, self._widths):
            line.append(" " * PAD)
            line.append_text(cell)
            line.append(" " * (cell_width - cell.cell_len + PAD))
        line.rstrip()  # a short last cell's padding must not count against the width
        line.truncate(width, overflow="ellipsis", pad=True)
        return Strip(line.render(self.app.console), width)
