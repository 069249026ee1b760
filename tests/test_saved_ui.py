"""The app's side of saved requests and the persistent history, on the simulator: the history survives
an app restart and holds no secret, `:` with filters yields the request that sends jobState=3, and
snapshots of the history with past sessions and of the tree's Saved branch (80x24 and 160x48)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tests.ui_helpers import FROZEN, FrozenApp, make_app, settle, steady_cursors, wait_until
from tui import clock
from tui.config import SavedRequest
from tui.history import HistoryEntry, HistoryStore

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    """A history file of this test's own (the session's XDG_STATE_HOME is shared by every test)."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home / "avegraph" / "history.jsonl"


async def _one_request(pilot, tenant: str = "demo-aos") -> None:
    session = pilot.app.session_for(tenant)
    await session.request("m365.cloudbackupjobs", {}, {"jobState": "3", "pageSize": "5"})
    await settle(pilot)


async def test_history_survives_a_restart_and_holds_no_secret(sim, tmp_path, state_home):
    from tui.ui.screens.history import RequestHistoryScreen
    from tui.ui.widgets.paged_table import PagedTable
    first = make_app(sim, tmp_path / "config.toml")
    tokens: list[str] = []
    async with first.run_test() as pilot:
        await _one_request(pilot)
        tokens += [t.access_token for t in first.sessions["demo-aos"].tokens.tokens.values()]
    assert state_home.exists() and tokens
    text = state_home.read_text()
    secret = sim.tenant("demo-aos")
    for sentinel in (*tokens, *(t[-16:] for t in tokens), open(secret.secret_file).read().strip()):
        assert sentinel not in text
    second = make_app(sim, tmp_path / "config.toml")           # a new process would read the same file
    async with second.run_test(size=(160, 48)) as pilot:
        entries, problems = second.past_requests("demo-aos")
        assert problems == [] and [e.endpoint for e in entries] == ["m365.cloudbackupjobs"]
        assert entries[0].params == {"jobState": "3", "pageSize": "5"} and entries[0].status == 200
        chosen = []
        second.push_screen(RequestHistoryScreen("demo-aos", entries, problems), chosen.append)
        await settle(pilot)
        row = second.screen.query_one(PagedTable).current_row()
        assert row["endpoint"] == "m365.cloudbackupjobs" and "jobState=3" in row["parameters"]
        await pilot.press("e")
        await settle(pilot)
        assert chosen == [("edit", entries[0])]


async def test_colon_with_filters_opens_the_request_that_sends_job_state_3(sim, tmp_path):
    from tui.catalog.query import Query
    from tui.ui.screens.jump import JumpScreen
    app = make_app(sim, tmp_path / "config.toml")
    async with app.run_test(size=(120, 30)) as pilot:
        chosen: list = []
        app.push_screen(JumpScreen(app.catalog, filters=True), chosen.append)
        await settle(pilot)
        await pilot.press(*"jobs state=bogus")
        await settle(pilot)
        problem = str(app.screen.query_one("#jump-problem").render())
        assert "unknown parameter" not in problem              # state is jobState, fuzzily
        assert "'bogus' is not a value of jobState" in problem and "3 (Failed)" in problem
        await pilot.press("enter")                             # a problem is not dismissed
        assert chosen == []
        for _ in "bogus":
            await pilot.press("backspace")
        await pilot.press(*"failed", "enter")
        await settle(pilot)
        (query,) = chosen
        assert isinstance(query, Query) and query.endpoint.id == "m365.cloudbackupjobs"
        before = len(sim.requests)
        session = app.session_for("demo-aos")
        await session.request(query.endpoint, query.path_params, query.params)
        sent = [r for r in sim.requests[before:] if r.kind == "api"]
        assert ("jobState", "3") in sent[-1].query_pairs


async def test_saved_requests_in_the_jump_list_resolve_like_the_cli(sim, tmp_path):
    from tui.ui.screens.jump import JumpScreen
    app = make_app(sim, tmp_path / "config.toml")
    saved = [SavedRequest(name="failed-today", endpoint="m365.cloudbackupjobs", params={"jobState": "3"})]
    async with app.run_test(size=(120, 30)) as pilot:
        chosen: list = []
        app.push_screen(JumpScreen(app.catalog, filters=True, saved=saved), chosen.append)
        await settle(pilot)
        await pilot.press("@", "f", "enter")
        await settle(pilot)
        (query,) = chosen
        assert query.endpoint.id == "m365.cloudbackupjobs" and query.params == {"jobState": "3"}


def test_save_prompt_request_keeps_the_window_relative_and_no_cursor(sim):
    from tui.catalog import load_catalog
    from tui.catalog.query import request_to_save, suggest_name
    e = load_catalog().get("m365.cloudbackupjobs")
    params = {"jobState": "3", "startTime": "2026-10-26T09:30:00Z", "finishTime": "2026-11-02T09:30:00Z",
              "pageIndex": "4", "skipToken": "abc"}
    req = request_to_save("x", e, {}, params, "demo-aos", window="7d")
    assert req.params == {"jobState": "3", "since": "7d"} and req.tenant is None
    item = request_to_save("y", load_catalog().get("m365.cloudbackupjobs-item"), {"jobId": "J1"}, {}, "demo-aos")
    assert item.tenant == "demo-aos" and item.params == {"jobId": "J1"}
    assert suggest_name(e, {"jobState": "3"}) == "cloudbackupjobs-failed"


# -- snapshots ---------------------------------------------------------------------------------------

def _past_sessions(path) -> None:
    store = HistoryStore(path)
    rows = [("m365.cloudbackupjobs", "/backup/m365/cloudbackupjobs", {}, {"jobState": "3"}, 200, False),
            ("m365.cloudbackupjobs", "/backup/m365/cloudbackupjobs", {}, {"jobState": "3"}, 200, True),
            ("m365.cloudbackupjobs-item", "/backup/m365/cloudbackupjobs/J9", {"jobId": "J9"}, {}, 404, False),
            ("aos.audit", "/aos/audit", {}, {"startTime": "2026-10-31T09:30:00Z", "endTime": "2026-11-01T09:30:00Z"},
             403, False),
            ("elements.customers", "/partner/external/v3/general/customers", {}, {"pageSize": "100"}, None, False)]
    for i, (endpoint, path_, pp, params, status, more) in enumerate(rows):
        store.append(HistoryEntry(tenant="demo-aos", time=FROZEN - timedelta(days=2 - i * 0.5, minutes=i * 7),
                                  method="GET", endpoint=endpoint, path=path_, path_params=pp, params=params,
                                  status=status, duration_ms=None if status is None else 40.0 + i,
                                  request_id=None if status is None else f"0a1b2c3d-000{i}", more=more))
    with open(path, "ab") as fh:
        fh.write(b'{"tenant": "demo-aos", "ti\n')                     # a crash mid-write, long ago


class TestHistorySnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_history_with_past_sessions(self, snap_compare, sim, tmp_path, state_home, size):
        _past_sessions(state_home)
        clock.freeze(FROZEN)

        async def run_before(pilot) -> None:
            from tui.ui.screens.history import RequestHistoryScreen
            pilot.app.push_screen(RequestHistoryScreen("demo-aos", *pilot.app.past_requests("demo-aos")))
            await settle(pilot)

        # a config path under HOME: the tenant screen behind the modal shows it as ~/…, the same every run
        config = Path(os.environ["HOME"]) / "history-snapshot" / "config.toml"
        try:
            assert snap_compare(FrozenApp(sim, config), terminal_size=size, run_before=run_before)
        finally:
            clock.thaw()


class TreeApp(App):
    """The resource tree alone, with two saved requests (the explorer mounts the same widget)."""

    def compose(self) -> ComposeResult:
        from tui.catalog import load_catalog
        from tui.ui.widgets.resource_tree import ResourceTree
        yield ResourceTree(load_catalog(), id="tree")

    def on_mount(self) -> None:
        from tui.ui.widgets.resource_tree import ResourceTree
        tree = self.query_one(ResourceTree)
        tree.set_saved([SavedRequest(name="failed-today", endpoint="m365.cloudbackupjobs",
                                     params={"jobState": "3", "since": "24h"}),
                        SavedRequest(name="audit-week", endpoint="aos.audit", params={"since": "7d"})])
        tree.focus()


class TestSavedTreeSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_tree_saved_branch(self, snap_compare, size):
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("down", "down", "down")
            await steady_cursors(pilot)

        assert snap_compare(TreeApp(), terminal_size=size, run_before=run_before)

    async def test_enter_on_a_saved_leaf_posts_saved_chosen(self):
        from tui.ui.widgets.resource_tree import ResourceTree
        seen: list = []

        class RecordingTreeApp(TreeApp):
            def on_resource_tree_saved_chosen(self, message: ResourceTree.SavedChosen) -> None:
                seen.append(message)

        app = RecordingTreeApp()
        async with app.run_test() as pilot:
            # the cursor starts above the first line: tools, tools, "Saved (2)", its first leaf
            await pilot.press("down", "down", "down", "down", "enter")
            await wait_until(pilot, lambda: seen)
        assert [m.request.name for m in seen] == ["failed-today"]
