"""Saved requests and the persistent history inside the explorer, by keys, against the simulator:
`S` saves the open request into the config file and the tree's Saved branch, Enter on a saved
request (tree or `:@name`) sends its parameters, `:jobs state=failed` sends jobState=3, `H` shows
past sessions (Enter runs again, `e` opens the form to edit and waits for Enter)."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone

import pytest
import tomli_w

from tests.ui_helpers import explorer_on, make_app, screen_text, settle, wait_until
from tui.history import HistoryEntry, HistoryStore

JOBS = "m365.cloudbackupjobs"


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    """A history file of this test's own (the session's XDG_STATE_HOME is shared by every test)."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home / "avegraph" / "history.jsonl"


def api_requests(sim, since: int) -> list:
    return [r for r in sim.requests[since:] if r.kind == "api"]


def sent_pairs(sim, since: int, path: str = "/backup/m365/cloudbackupjobs") -> dict[str, str]:
    """The query of the last API request to ``path`` since the ``since``-th request."""
    hits = [r for r in api_requests(sim, since) if r.path == path]
    assert hits, f"nothing sent to {path}"
    return dict(hits[-1].query_pairs)


def write_config(path, saved: list[dict]) -> None:
    path.write_text(tomli_w.dumps({"saved": saved}))


async def test_s_saves_the_open_request_into_the_config_and_the_tree(sim, tmp_path, state_home):
    from tui.ui.widgets.resource_tree import ResourceTree
    config = tmp_path / "config.toml"
    app = make_app(sim, config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        screen.open_endpoint(app.catalog.get(JOBS), {}, {"jobState": "3"})
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        prompt = app.screen.query_one("#path-input")
        assert prompt.value == "cloudbackupjobs-failed"            # the endpoint and its enum label
        await pilot.press("enter")
        await settle(pilot)
        doc = tomllib.loads(config.read_text())
        (saved,) = doc["saved"]
        assert saved["name"] == "cloudbackupjobs-failed" and saved["endpoint"] == JOBS
        # the 7-day window stays relative (it means "up to now" when it runs); no page position
        assert saved["params"] == {"jobState": "3", "since": "7d"} and "tenant" not in saved
        tree = screen.query_one(ResourceTree)
        labels = [str(n.label) for n in tree.root.children]
        assert "Saved (1)" in labels
        assert any("Saved as @cloudbackupjobs-failed" in str(n.message) for n in app._notifications)


async def test_enter_on_a_saved_request_in_the_tree_sends_its_parameters(sim, tmp_path, state_home):
    from tui.ui.widgets.params_form import ParamsForm
    from tui.ui.widgets.resource_tree import ResourceTree
    config = tmp_path / "config.toml"
    write_config(config, [{"name": "failed-today", "endpoint": JOBS, "params": {"jobState": "3", "since": "24h"}}])
    app = make_app(sim, config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        tree = screen.query_one(ResourceTree)
        group = next(n for n in tree.root.children if str(n.label) == "Saved (1)")
        tree.move_cursor(group.children[0])
        tree.focus()
        before = len(sim.requests)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
        await settle(pilot)
        query = sent_pairs(sim, before)
        assert query["jobState"] == "3"
        start = datetime.strptime(query["startTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert abs((datetime.now(timezone.utc) - start) - timedelta(hours=24)) < timedelta(minutes=5)
        form = screen.query_one(ParamsForm)
        assert form.preset == "24h" and "last 24 h" in form.summary().plain


async def test_colon_filters_in_the_explorer_send_job_state_3(sim, tmp_path, state_home):
    app = make_app(sim, tmp_path / "config.toml")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        before = len(sim.requests)
        await pilot.press("colon", *"jobs state=failed", "enter")
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
        await settle(pilot)
        assert screen.view.endpoint.id == JOBS
        assert sent_pairs(sim, before)["jobState"] == "3"


async def test_colon_at_name_opens_a_saved_request(sim, tmp_path, state_home):
    config = tmp_path / "config.toml"
    write_config(config, [{"name": "audit-day", "endpoint": "aos.audit", "params": {"since": "24h"}}])
    app = make_app(sim, config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        await pilot.press("colon", "@", *"audit", "enter")
        await wait_until(pilot, lambda: screen.view is not None and (screen.view.pages >= 1 or screen.view.error))
        await settle(pilot)
        assert screen.view.endpoint.id == "aos.audit"


async def test_a_saved_request_with_a_bad_parameter_is_named_not_sent(sim, tmp_path, state_home):
    config = tmp_path / "config.toml"
    write_config(config, [{"name": "broken", "endpoint": JOBS, "params": {"nosuch": "1"}}])
    app = make_app(sim, config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        before = len(sim.requests)
        screen.open_saved(app.saved_requests("demo-aos")[0])
        await settle(pilot)
        assert api_requests(sim, before) == [] and screen.view is None
        assert any("unknown parameter 'nosuch'" in str(n.message) for n in app._notifications)


def _past(state_home) -> HistoryEntry:
    entry = HistoryEntry(tenant="demo-aos", time=datetime.now(timezone.utc) - timedelta(days=1), method="GET",
                         endpoint=JOBS, path="/backup/m365/cloudbackupjobs", path_params={},
                         params={"jobState": "3"}, status=200, duration_ms=40.0, request_id="r-1")
    HistoryStore(state_home).append(entry)
    return entry


async def test_h_shows_past_sessions_and_enter_runs_one_again(sim, tmp_path, state_home):
    from tui.ui.screens.history import RequestHistoryScreen
    _past(state_home)
    app = make_app(sim, tmp_path / "config.toml")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, RequestHistoryScreen)
        before = len(sim.requests)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
        await settle(pilot)
        assert screen.view.endpoint.id == JOBS and sent_pairs(sim, before)["jobState"] == "3"


async def test_e_in_the_history_opens_the_form_to_edit_and_waits_for_enter(sim, tmp_path, state_home):
    from textual.widgets import Input, Select
    from tui.ui.widgets.params_form import ParamsForm
    _past(state_home)
    app = make_app(sim, tmp_path / "config.toml")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await explorer_on(pilot)
        await pilot.press("H")
        await settle(pilot)
        before = len(sim.requests)
        await pilot.press("e")
        await settle(pilot)
        form = screen.query_one(ParamsForm)
        assert not form.collapsed and form.has_focus_within          # open, to be edited
        assert api_requests(sim, before) == []                      # nothing sent yet
        assert "Edit the parameters" in screen_text(app)
        assert form.query_one("#param-jobState", Select).value == "3"
        assert isinstance(app.focused, Input | Select)
        await pilot.press("ctrl+r")                                  # runs the open form
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
        await settle(pilot)
        assert sent_pairs(sim, before)["jobState"] == "3" and form.collapsed
