"""CompactTable (the tenant list) and NoticeBox (the notice above it): the first screen's two
light widgets that stand in for DataTable and a container of link widgets (issue 16)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from tests.ui_helpers import settle
from tui.ui.widgets.compact_table import CompactTable
from tui.ui.widgets.notice_box import NoticeBox

COLUMNS = ("", "Name", "Notes")


def rows(n: int, note: str = "a note") -> list[tuple[str, list[Text]]]:
    return [(f"k{i}", [Text(""), Text(f"tenant-{i}"), Text(note)]) for i in range(n)]


class TableApp(App):
    def __init__(self, height: int = 10) -> None:
        super().__init__()
        self.height = height
        self.events: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        table = CompactTable(id="t")
        table.styles.height = self.height
        yield table

    def on_mount(self) -> None:
        self.query_one(CompactTable).focus()

    def on_compact_table_row_highlighted(self, event: CompactTable.RowHighlighted) -> None:
        self.events.append(("highlighted", event.key))

    def on_compact_table_row_selected(self, event: CompactTable.RowSelected) -> None:
        self.events.append(("selected", event.key))


def texts(table: CompactTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_header_stays_and_the_cursor_keeps_in_view():
    app = TableApp(height=5)                      # the header and four rows
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CompactTable)
        table.set_rows(COLUMNS, rows(20))
        await settle(pilot)
        assert texts(table)[0].split() == ["Name", "Notes"]
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_key == "k19"
        shown = texts(table)
        assert shown[0].split() == ["Name", "Notes"] and "tenant-19" in shown[-1]
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0 and "tenant-0" in texts(table)[1]
        await pilot.press("pagedown")
        await settle(pilot)
        assert table.cursor_row > 1 and f"tenant-{table.cursor_row}" in "".join(texts(table))


async def test_keys_and_clicks_post_highlighted_then_selected():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CompactTable)
        table.set_rows(COLUMNS, rows(3))
        await settle(pilot)
        assert app.events == [("highlighted", "k0")]
        await pilot.press("down")
        await settle(pilot)
        await pilot.click(CompactTable, offset=(3, 3))      # row 2: a first click highlights
        await settle(pilot)
        await pilot.click(CompactTable, offset=(3, 3))      # a click on the highlighted row selects
        await settle(pilot)
        await pilot.click(CompactTable, offset=(3, 0))      # the header: nothing
        await settle(pilot)
        assert app.events == [("highlighted", "k0"), ("highlighted", "k1"), ("highlighted", "k2"),
                              ("selected", "k2")]


async def test_replacing_the_rows_keeps_the_cursor_on_its_key_or_in_range():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CompactTable)
        table.set_rows(COLUMNS, rows(5))
        table.move_cursor_to(3)
        table.set_rows(COLUMNS, rows(5)[1:], cursor_key="k3")
        assert table.cursor_key == "k3" and table.cursor_row == 2
        table.set_rows(COLUMNS, rows(2))
        assert table.cursor_row == 1
        table.set_rows(COLUMNS, [])
        assert table.cursor_key is None and table.row_count == 0
        await settle(pilot)
        assert texts(table)[0].split() == ["Name", "Notes"]


async def test_a_long_last_column_is_cut_with_an_ellipsis_and_markup_stays_text():
    app = TableApp()
    async with app.run_test(size=(30, 12)) as pilot:
        table = app.query_one(CompactTable)
        table.set_rows(COLUMNS, [("k", [Text(""), Text("[@click=app.quit]x[/]"), Text("y" * 80)])])
        await settle(pilot)
        line = texts(table)[1]
        assert len(line) == 30 and line.endswith("…") and "[@click=app.quit]x[/]" in line
        assert texts(table)[0].split()[0] == "Name" and len(texts(table)[0]) == 30
        await pilot.click(CompactTable, offset=(5, 1))
        await settle(pilot)
        assert app.is_running


class NoticeApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []

    def compose(self) -> ComposeResult:
        yield NoticeBox(Text("[bold]not markup[/]"), actions=(("Add (a)", "app.record('add')", True),
                                                               ("Demo", "app.record('demo')", False)), id="n")

    def action_record(self, what: str) -> None:
        self.done.append(what)


async def test_notice_actions_are_clickable_spans_and_the_text_is_literal():
    app = NoticeApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await settle(pilot)
        box = app.query_one(NoticeBox)
        assert box.display and box.has_class("-visible")
        drawn = [s.text for s in box.render_lines(Region(0, 0, box.outer_size.width, box.outer_size.height))]
        assert any("[bold]not markup[/]" in line for line in drawn)
        y = next(i for i, line in enumerate(drawn) if "Add (a)" in line)
        for label in ("Demo", "Add (a)"):
            await pilot.click(NoticeBox, offset=(drawn[y].index(label) + 1, y))
            await settle(pilot)
        assert app.done == ["demo", "add"]
        box.show(None)
        await settle(pilot)
        assert not box.display
        box.show(Text("problem"), error=True)
        await settle(pilot)
        assert box.display and box.has_class("-error") and box.action_labels == []


async def test_a_new_theme_recolours_the_notice_actions():
    app = NoticeApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await settle(pilot)
        box = app.query_one(NoticeBox)

        def primary_background():
            spans = [sp for sp in box.content.spans if "@click" in (getattr(sp.style, "meta", None) or {})]
            return spans[0].style.bgcolor

        before = primary_background()
        app.theme = "nord"                        # another primary colour than textual-dark
        await settle(pilot)
        assert primary_background() != before


async def test_a_cursor_set_before_the_table_is_laid_out_is_in_view_once_it_is():
    app = TableApp(height=5)
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CompactTable)
        table.set_rows(COLUMNS, rows(20), cursor_key="k15")
        table.styles.height = 4                   # laid out again, shorter
        await settle(pilot)
        assert table.cursor_row == 15 and any("tenant-15" in line for line in texts(table))
