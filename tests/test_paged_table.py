"""PagedTable: a virtual, append-only table on Textual's line API."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from tests.ui_helpers import record_layouts, settle
from tui.ui.widgets import row_store as pt_module  # the cells are computed where the rows are stored
from tui.ui.widgets.paged_table import PagedTable, RowStore, fit_cell

HOSTILE = ["[/nope]", "job [id=5]", "[@click=app.quit]x[/]", "\x1b]0;pwned\x07", "\u202eevil", "[bold]x[/]"]


class TableApp(App):
    def __init__(self, **table_kwargs: Any) -> None:
        super().__init__()
        self.table_kwargs = table_kwargs
        self.near_end: list[int] = []
        self.selected: list[tuple[int, Any]] = []
        self.moved: list[int] = []

    def compose(self) -> ComposeResult:
        yield PagedTable(id="t", **self.table_kwargs)

    def on_mount(self) -> None:
        self.query_one(PagedTable).focus()

    def on_paged_table_near_end(self, message: PagedTable.NearEnd) -> None:
        self.near_end.append(message.row_count)

    def on_paged_table_row_selected(self, message: PagedTable.RowSelected) -> None:
        self.selected.append((message.row_index, message.row))

    def on_paged_table_cursor_moved(self, message: PagedTable.CursorMoved) -> None:
        self.moved.append(message.position)


def page(start: int, n: int = 100) -> list[dict]:
    return [{"id": i, "name": f"item-{i}", "size": (i * 7919) % 1000} for i in range(start, start + n)]


def lines(table: PagedTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def table_of(app: TableApp) -> PagedTable:
    return app.query_one(PagedTable)


async def test_append_pages_render_header_and_rows():
    app = TableApp(preferred=["name", "id"])
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        assert "No rows" in lines(table)[1]
        table.append_rows(page(0))
        table.append_rows(page(100))
        await settle(pilot)
        assert table.row_count == table.visible_count == 200
        assert table.columns == ["name", "id", "size"]
        rendered = lines(table)
        assert rendered[0].split("│")[0].strip() == "name"
        assert "item-0" in rendered[1] and "item-1 " in rendered[2]
        assert all(len(line) == table.size.width for line in rendered)
        assert table.virtual_size.height == 201
        # a column appearing later (and a preferred one) is placed correctly
        table.append_rows([{"extra": "e", "id": 999, "name": "late"}])
        table.preferred = ["id"]
        assert table.columns == ["id", "name", "size", "extra"]


async def test_cursor_keys_and_scrolling():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows(page(0, 300))
        await settle(pilot)
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3
        assert table.current_row()["id"] == 3
        await pilot.press("pagedown")
        height = table.scrollable_content_region.height
        assert table.cursor_row == 3 + height - 1
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == 299
        assert "item-299" in lines(table)[-1] or any("item-299" in line for line in lines(table))
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("up")
        assert table.cursor_row == 0
        await pilot.press("right", "right", "right", "left")
        assert table.cursor_column == 1
        assert table.cursor_column_key == "name"
        await pilot.press("enter")
        await settle(pilot)
        assert app.selected == [(0, table.store.rows[0])]
        assert app.moved  # CursorMoved was posted


async def test_near_end_posted_once_per_row_count():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows(page(0))
        await settle(pilot)
        assert app.near_end == []
        await pilot.press("end")
        await settle(pilot)
        assert app.near_end == [100]
        await pilot.press("up", "down", "up", "end")
        await settle(pilot)
        assert app.near_end == [100]
        table.append_rows(page(100))
        await settle(pilot)
        assert app.near_end == [100]  # cursor at 99 is far from row 199
        await pilot.press("end")
        await settle(pilot)
        assert app.near_end == [100, 200]


async def test_filter_and_inverted_filter():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows(page(0))
        table.set_filter("ITEM-1")  # case-insensitive
        assert table.visible_count == 11  # item-1, item-10..19
        assert {table.store.rows[table.row_id_at(i)]["id"] for i in range(11)} == {1, *range(10, 20)}
        table.set_filter("!item-1")
        assert table.visible_count == 89
        table.set_filter("!")
        assert table.visible_count == 100
        table.set_filter("item-5")
        assert table.visible_count == 11
        # appended rows are tested against the active filter
        table.append_rows(page(100))
        assert table.visible_count == 11
        table.append_rows([{"id": 1000, "name": "ITEM-5x"}])
        assert table.visible_count == 12
        await settle(pilot)
        assert "ITEM-5x" in "".join(lines(table))  # the 12th visible row is on screen
        table.set_filter("")
        assert table.visible_count == table.row_count == 201
        assert table.rows_as_tsv().splitlines()[2] == "1\titem-1\t919"


async def test_filter_keeps_cursor_on_same_row():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows(page(0))
        table.move_cursor(row=15)
        table.set_filter("item-1")
        assert table.current_row()["id"] == 15
        table.set_filter("")
        assert table.current_row()["id"] == 15


async def test_sort_numeric_and_append_while_sorted():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows([{"v": 10}, {"v": 9}, {"v": 100}, {"v": None}, {"v": "x"}, {"w": 1}, {"v": 2.5}])
        table.sort_by("v")
        values = [table.store.rows[table.row_id_at(i)].get("v") for i in range(table.visible_count)]
        assert values == [2.5, 9, 10, 100, "x", None, None]
        table.sort_by("v", reverse=True)
        values = [table.store.rows[table.row_id_at(i)].get("v") for i in range(table.visible_count)]
        assert values == ["x", 100, 10, 9, 2.5, None, None]
        table.append_rows([{"v": 50}, {"v": None}, {"v": 1000}])
        values = [table.store.rows[table.row_id_at(i)].get("v") for i in range(table.visible_count)]
        assert values == ["x", 1000, 100, 50, 10, 9, 2.5, None, None, None]
        table.sort_by("v")
        table.set_filter("0")
        values = [table.store.rows[table.row_id_at(i)].get("v") for i in range(table.visible_count)]
        assert values == [10, 50, 100, 1000]
        table.append_rows([{"v": 20}, {"v": 3}])
        values = [table.store.rows[table.row_id_at(i)].get("v") for i in range(table.visible_count)]
        assert values == [10, 20, 50, 100, 1000]
        await settle(pilot)
        assert "▲ v" in lines(table)[0]
        table.sort_by(None)
        table.set_filter("")
        assert [r.get("v") for r in table.store.rows][:3] == [10, 9, 100]
        assert table.row_id_at(0) == 0


async def test_rows_sorted_in_above_keep_the_cursor_on_its_row_or_at_the_head():
    """A live list sorted newest first (the failed-jobs scan): a cursor at the top stays at the
    top; one the user moved down stays on its row, and the view moves with it."""
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.sort_by("id", reverse=True)
        table.append_rows(page(0, 50))
        await settle(pilot)
        table.append_rows(page(100, 5))                   # sort above everything
        assert table.cursor_row == 0 and table.current_row()["id"] == 104
        table.move_cursor(row=10)
        await settle(pilot)
        row, screen_line = table.current_row(), table.cursor_row - table.scroll_offset.y
        table.append_rows(page(200, 30))
        await settle(pilot)
        assert table.current_row() is row
        assert table.cursor_row - table.scroll_offset.y == screen_line


async def test_sort_action_cycles_and_keeps_cursor_row():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows(page(0, 50))
        table.move_cursor(row=7, column=2)  # size column
        row = table.current_row()
        table.action_sort_column()
        assert (table.sort_column, table.sort_reverse) == ("size", False)
        assert table.current_row() is row
        table.action_sort_column()
        assert table.sort_reverse is True
        table.action_sort_column()
        assert table.sort_column is None
        await settle(pilot)


async def test_hostile_strings_render_literally_and_do_not_act():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows([{"msg": s, "other": s} for s in HOSTILE])
        await settle(pilot)
        rendered = lines(table)
        text = "\n".join(rendered)
        for s in ("[/nope]", "job [id=5]", "[@click=app.quit]x[/]", "[bold]x[/]"):
            assert s in text
        assert "␛]0;pwned␇" in text
        assert "\\u202eevil" in text
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        # no segment carries a click/action meta
        for y in range(len(HOSTILE) + 1):
            for seg in table.render_line(y):
                assert not (seg.style and seg.style.meta)
        await pilot.press("down", "enter", "right", "enter")
        await pilot.click(PagedTable, offset=(3, 3))
        await pilot.click(PagedTable, offset=(3, 3), times=2)
        await settle(pilot)
        assert app.is_running
        assert "\x1b" not in table.rows_as_tsv()


async def test_status_colouring_uses_component_classes():
    app = TableApp(row_style_fn=lambda row: row.get("state"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows([{"id": 1, "state": None}, {"id": 2, "state": "failed"}, {"id": 3, "state": "attention"}])
        await settle(pilot)
        table.move_cursor(row=0)
        error = table.get_component_rich_style("paged-table--failed", partial=True).color
        warning = table.get_component_rich_style("paged-table--attention", partial=True).color
        assert error is not None and warning is not None and error != warning

        def colours(y: int) -> set:
            return {seg.style.color for seg in table.render_line(y) if seg.text.strip() and seg.text != "│"}

        assert colours(2) == {error}
        assert colours(3) == {warning}
        assert error not in colours(1)
        cursor_bg = table.get_component_rich_style("paged-table--cursor").bgcolor
        assert cursor_bg in {seg.style.bgcolor for seg in table.render_line(1)}


async def test_truncation_and_wide_text_at_80_columns():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows([{"id": "x" * 100, "jp": "日本語" * 20, "n": 1}])
        await settle(pilot)
        row = lines(table)[1]
        assert "x" * 39 + "…" in row
        strip = table.render_line(1)
        assert strip.cell_length == table.size.width
        assert table.store.widths[0] == 40
        await pilot.press("right", "right")  # horizontal scroll follows the cursor column
        await settle(pilot)
        assert table.scroll_offset.x > 0
        assert "│" in lines(table)[0]


async def test_append_is_o_page(monkeypatch):
    """Appending a page computes cells for that page only, not for the rows already loaded."""
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        for start in range(0, 10_000, 2_000):
            table.append_rows(page(start, 2_000))
        await settle(pilot)
        calls = 0
        real = pt_module.cell_text

        def counting(value, max_len=200):
            nonlocal calls
            calls += 1
            return real(value, max_len)

        monkeypatch.setattr(pt_module, "cell_text", counting)
        table.set_filter("item")
        table.append_rows(page(10_000))
        assert calls == 300  # 100 rows x 3 columns
        assert table.visible_count == 10_100


async def test_clear_and_tsv():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows([{"a": "x\ty", "b": "l1\nl2"}, {"a": 1}])
        tsv = table.rows_as_tsv()
        assert tsv == "a\tb\nx⇥y\tl1↵l2\n1\t\n"
        table.clear()
        await settle(pilot)
        assert table.row_count == 0 and table.current_row() is None and table.columns == []
        table.append_rows(["plain", 3])  # non-dict rows go in a "value" column
        assert table.columns == ["value"]


def test_row_store_and_fit_cell_without_app():
    store = RowStore(preferred=["b"], max_width=10)
    changed = store.append([{"a": "1", "b": "22"}, {"c": "much longer than ten"}])
    assert changed
    assert store.keys == ["a", "b", "c"]
    assert [store.keys[c] for c in store.order] == ["b", "a", "c"]
    assert store.widths == [1, 2, 10]
    assert store.cell(1, 0) == ""
    assert fit_cell("abc", 5) == "abc  "
    assert fit_cell("abcdef", 4) == "abc…"
    assert fit_cell("日本語", 4) == "日 …"  # a wide char is never split
    assert fit_cell("日本", 4) == "日本"


async def test_near_end_after_short_pages_but_not_while_filtering():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows(page(0, 5))  # does not fill the screen: ask for more
        await settle(pilot)
        assert app.near_end == [5]
        table.set_filter("nothing matches this")
        await settle(pilot)
        assert app.near_end == [5]  # same row count: not again
        table.append_rows(page(5, 5))
        await settle(pilot)
        assert app.near_end == [5]  # appends while filtering do not chain fetches
        await pilot.press("down")
        await settle(pilot)
        assert app.near_end == [5, 10]  # the user's move does


async def test_row_style_fn_set_later_repaints():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        table.append_rows([{"id": 1, "state": "failed"}, {"id": 2, "state": "failed"}])
        await settle(pilot)
        before = {seg.style.color for seg in table.render_line(2)}
        table.row_style_fn = lambda row: row.get("state")
        after = {seg.style.color for seg in table.render_line(2)}
        error = table.get_component_rich_style("paged-table--failed", partial=True).color
        assert error not in before and error in after


def test_pinned_rows_sort_first_in_either_direction_and_when_appended():
    """``pin_fn`` (the failed-jobs screen's new failures): pinned rows before the others whatever the
    column and direction, rows without a value last within each group, appended rows in place."""
    from tui.ui.widgets.row_store import RowOrder
    store = RowStore()
    order = RowOrder(store, pinned=lambda row: row.get("new") == "y")
    store.append([{"n": 3, "new": ""}, {"n": 1, "new": "y"}, {"n": None, "new": "y"}, {"n": 2, "new": ""},
                  {"n": 5, "new": "y"}, {"n": None, "new": ""}])
    order.sort_by("n")
    assert [store.rows[r]["n"] for r in order.ids()] == [1, 5, None, 2, 3, None]
    order.sort_by("n", reverse=True)
    assert [store.rows[r]["n"] for r in order.ids()] == [5, 1, None, 3, 2, None]
    store.append([{"n": 4, "new": ""}, {"n": 0, "new": "y"}])
    order.appended(range(6, 8), cursor=0)
    assert [store.rows[r]["n"] for r in order.ids()] == [5, 1, 0, None, 4, 3, 2, None]
    plain = RowOrder(store)                                    # without pin_fn: the plain sort
    plain.sort_by("n")
    assert [store.rows[r]["n"] for r in plain.ids()] == [0, 1, 2, 3, 4, 5, None, None]


async def test_columns_widening_as_rows_arrive_do_not_lay_the_screen_out():
    """Issue 16: with both scrollbars shown already, a wider column only moves their thumbs."""
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = table_of(app)
        table.append_rows([{"id": i, "name": "n" * 30, "note": "x" * 30} for i in range(50)])
        await settle(pilot)
        assert table.show_vertical_scrollbar and table.show_horizontal_scrollbar
        layouts = record_layouts(table)
        width = table.virtual_size.width
        table.append_rows([{"id": 99, "name": "n" * 60, "note": "x"}])      # the name column widens
        await settle(pilot)
        assert table.virtual_size.width > width and table.virtual_size.height == 52
        assert table.horizontal_scrollbar.window_virtual_size == table.virtual_size.width
        assert table.vertical_scrollbar.window_virtual_size == 52
        assert layouts and not any(layouts)                                  # repainted, never laid out
        assert "n" * 10 in lines(table)[1]


async def test_the_first_rows_that_need_a_scrollbar_still_lay_it_out():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = table_of(app)
        table.append_rows([{"id": 1, "name": "short"}])
        await settle(pilot)
        assert not table.show_horizontal_scrollbar and not table.show_vertical_scrollbar
        table.append_rows([{"id": i, "name": "n" * 60} for i in range(2, 40)])
        await settle(pilot)
        assert table.show_horizontal_scrollbar and table.show_vertical_scrollbar
        assert table.max_scroll_x > 0 and table.max_scroll_y > 0


def test_column_caps_narrow_and_widen_a_column_from_its_cells():
    store = RowStore(["name", "note"], max_width=40)
    store.append([{"name": "n" * 30, "note": "é" * 35}, {"name": "short", "note": "x"}])
    assert store.widths == [30, 35]
    assert store.set_caps({"note": 10}) is True and store.widths == [30, 10]
    store.append([{"name": "m" * 50, "note": "y" * 50}])             # appends respect both caps
    assert store.widths == [40, 10]
    assert store.set_caps({"note": 10}) is False                      # the same caps: nothing to do
    assert store.set_caps({}) is True and store.widths == [40, 40]    # measured again from the cells
    store.set_caps({"note": 12})
    store.clear()
    store.append([{"name": "a", "note": "z" * 30}])
    assert store.caps == {"note": 12} and store.widths == [4, 12]     # clear keeps the caps
