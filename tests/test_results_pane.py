"""ResultsPane: the filter, sort, status and detail shared by the explorer, failed-jobs and permissions screens."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.widgets import Static

from tests.ui_helpers import settle
from tui.ui.widgets.results_pane import ResultsPane
from tui.ui.widgets.tenant_session import SessionReady, TenantSession


class PaneApp(App):
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.filters: list[str] = []
        self.selected: list[int] = []
        self.backs = 0
        self.near_end: list[int] = []

    def compose(self):
        yield ResultsPane(detail=Static("detail", id="detail"), id="pane")

    def on_results_pane_filter_changed(self, message: ResultsPane.FilterChanged) -> None:
        self.filters.append(message.text)

    def on_paged_table_row_selected(self, message: ResultsPane.RowSelected) -> None:
        self.selected.append(message.row_index)

    def on_paged_table_near_end(self, message: ResultsPane.NearEnd) -> None:
        self.near_end.append(message.row_count)

    def action_back(self) -> None:
        self.backs += 1


class TestResultsPane:
    async def test_filter_sort_and_escape_live_in_the_pane(self):
        app = PaneApp()
        async with app.run_test() as pilot:
            pane = app.query_one(ResultsPane)
            pane.append_rows([{"a": "y"}, {"a": "x"}, {"a": "z"}])
            pane.focus_table()
            await pilot.press("slash", "x")
            await settle(pilot)
            assert pane.table.visible_count == 1 and app.filters[-1] == "x" and pane.filter_text == "x"
            await pilot.press("escape")                  # closes the filter, not the screen
            await settle(pilot)
            assert pane.table.has_focus and not pane.filter_focused and app.backs == 0
            await pilot.press("escape")                  # now it is the screen's Esc
            assert app.backs == 1
            await pilot.press("s")
            await settle(pilot)
            assert pane.table.sort_column == "a"
            await pilot.press("enter")
            await settle(pilot)
            assert app.selected == [1]

    async def test_a_filter_that_leaves_few_rows_asks_the_screen_for_more(self):
        # Textual stops a message at the parent that posted it: the table's NearEnd, raised by the
        # pane's filter, must still reach the screen (which loads the next page).
        app = PaneApp()
        async with app.run_test(size=(60, 20)) as pilot:
            pane = app.query_one(ResultsPane)
            pane.append_rows([{"a": f"row {i}"} for i in range(100)])
            pane.focus_table()
            await settle(pilot)
            assert app.near_end == []
            await pilot.press("slash", "7", "7")
            await settle(pilot)
            assert app.near_end == [100]

    async def test_status_progress_and_detail(self):
        app = PaneApp()
        async with app.run_test() as pilot:
            pane = app.query_one(ResultsPane)
            assert not pane.progress_shown and not pane.detail_shown
            pane.set_status("3 rows")
            pane.show_progress(10, 5)
            assert pane.progress_shown
            pane.hide_progress()
            pane.show_detail(True)
            await settle(pilot)
            assert pane.detail_shown and pane.has_class("-detail")
            pane.show_detail(False)
            await settle(pilot)
            assert not pane.detail_shown and pane.table.has_focus


class SessionApp(App):
    def __init__(self, opener) -> None:
        super().__init__()
        self.opener, self.ready = opener, []

    def compose(self):
        yield TenantSession("t1", self.opener)

    def on_session_ready(self, message: SessionReady) -> None:
        self.ready.append(message)


class TestTenantSession:
    async def test_posts_the_session(self):
        app = SessionApp(lambda name: f"session of {name}")
        async with app.run_test() as pilot:
            await settle(pilot)
            assert [(m.session, m.error, m.tenant_name) for m in app.ready] == [("session of t1", None, "t1")]

    async def test_posts_the_error(self):
        def fail(name):
            raise RuntimeError(f"no tenant {name}")
        app = SessionApp(fail)
        async with app.run_test() as pilot:
            await settle(pilot)
            (m,) = app.ready
            assert m.session is None and "no tenant t1" in str(m.error)
