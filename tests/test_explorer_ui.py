"""Pilot tests of the explorer against the simulator over loopback HTTP."""

from __future__ import annotations

import pytest

from tests.ui_helpers import make_app, open_explorer, screen_text, settle, wait_until
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.resource_tree import ResourceTree

SENTINEL_HOSTILE = ["[bold]x[/]", "[@click=app.quit]x[/]", "job [id=5]", "esc\x1b]0;pwned\x07end"]


@pytest.fixture
def app(sim, tmp_path):
    return make_app(sim, tmp_path / "config.toml")


def table(app) -> PagedTable:
    return app.screen.query_one(PagedTable)


class TestBrowse:
    async def test_expand_a_service_and_open_an_endpoint(self, app):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            tree = screen.query_one(ResourceTree)
            m365 = next(n for n in tree.root.children if "Microsoft 365" in str(n.label))
            m365.expand()
            await settle(pilot)
            jobs = next(n for n in m365.children if n.data.endpoint.id == "m365.cloudbackupjobs")
            tree.move_cursor(jobs)
            tree.focus()
            await pilot.press("enter")
            await settle(pilot)
            v = screen.view
            assert v.endpoint.id == "m365.cloudbackupjobs"
            assert v.loaded >= 100 and v.total is not None and v.total > v.loaded
            assert "of" in screen_text(app) and "request-id" in screen_text(app)
            # the form's 7-day window went out with the request
            ex = v.last_exchange
            assert "startTime=" in ex.url and "finishTime=" in ex.url

    async def test_required_parameters_are_asked_for_first(self, app, sim):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            before = len(sim.requests)
            screen.open_endpoint(app.catalog.get("d365.jobs"), {}, {})
            await settle(pilot)
            # `type` is required and has no default: nothing is sent, the form says so
            assert screen.view.pages == 0
            assert not [r for r in sim.requests[before:] if r.path.startswith("/dynamicsbackup")]
            assert "required" in screen_text(app)
            screen.query_one("#param-type").value = "0"
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert screen.view.pages == 1 and screen.view.error is None


class TestPaging:
    async def test_lazy_paging_then_load_all_then_filter_and_sort(self, app, sim):
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_explorer(pilot)
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await settle(pilot)
            first = screen.view.loaded
            assert first > 0
            t = table(app)
            t.focus()
            await pilot.press("end")
            await settle(pilot)
            assert screen.view.loaded > first            # the cursor near the end fetched the next page
            await pilot.press("L")
            await settle(pilot)
            v = screen.view
            assert v.done and v.loaded == v.total == len(sim.dataset.items("aos.jobs", {}))
            ids = [r["id"] for r in t.store.rows] if hasattr(t.store, "rows") else None
            if ids is not None:
                assert len(ids) == len(set(ids))
            await pilot.press("slash")
            await pilot.press(*"fail")
            await settle(pilot)
            assert 0 < t.visible_count < t.row_count
            await pilot.press("escape")
            await pilot.press("s")
            await settle(pilot)
            assert t.sort_column is not None

    async def test_a_failed_page_keeps_rows_and_retries_from_its_cursor(self, app, sim):
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_explorer(pilot)
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await settle(pilot)
            loaded = screen.view.loaded
            sim.force("/aos/jobs", status=500, times=1, body={"error": "boom [bold]x[/]"})
            screen.start_loading(1)
            await settle(pilot)
            assert screen.view.error and screen.view.loaded == loaded
            assert table(app).row_count == loaded
            await pilot.press("r")
            await settle(pilot)
            assert screen.view.error is None and screen.view.loaded > loaded


class TestDrillDown:
    async def test_customer_into_its_jobs(self, sim, tmp_path):
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot, "demo-partner")
            screen.open_endpoint(app.catalog.get("elements.customers"), {}, {})
            await settle(pilot)
            t = table(app)
            t.focus()
            await pilot.press("enter")
            await settle(pilot)
            from tui.ui.screens.item_actions import ItemActions
            assert isinstance(app.screen, ItemActions)
            idx = next(i for i, (e, _) in enumerate(app.screen.choices) if e.id == "elements.avpt-products-jobs")
            app.screen.query_one("OptionList").highlighted = idx
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen.view.endpoint.id == "elements.avpt-products-jobs"
                             and (screen.view.loaded > 0 or screen.view.error))
            v = screen.view
            assert "customerId" in v.context and v.error is None and v.loaded > 0


class TestInspector:
    async def test_status_headers_masked_request_id_and_curl(self, app):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            inspector = screen.query_one(ExchangeInspector)
            ex = inspector.exchange
            assert ex.status == 200 and ex.request_id
            text = screen_text(app)
            assert "200" in text and ex.request_id[:8] in text
            await pilot.press("h")
            await settle(pilot)
            headers = str(inspector.query_one("#inspector-headers").render())
            assert "Bearer ••••" in headers
            token = next(iter(screen.session.tokens.tokens.values())).access_token
            assert token not in headers and token not in screen_text(app)
            await pilot.press("c")
            await settle(pilot)
            assert "$AVEGRAPH_TOKEN" in app.clipboard and token not in app.clipboard

    async def test_rerun_from_history(self, app, sim):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await settle(pilot)
            n = len(screen.history)
            await pilot.press("H")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert len(screen.history) == n + 1
            assert screen.query_one(ExchangeInspector).exchange is screen.history[-1]


class TestResponsiveness:
    async def test_escape_cancels_a_slow_request_and_keys_still_answer(self, make_sim, tmp_path):
        slow = make_sim(latency=3.0)
        app = make_app(slow, tmp_path / "config.toml")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_explorer(pilot)
            slow.faults.latency = 3.0
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await wait_until(pilot, lambda: screen.view is not None and screen.view.loading)
            await pilot.press("ctrl+b")                     # a key is handled while the request waits
            await pilot.press("escape")
            await wait_until(pilot, lambda: not screen.view.loading)
            assert screen.view.pages == 0
            slow.faults.latency = 0


class TestHostileData:
    async def test_server_strings_show_literally_everywhere(self, app, sim):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            hostile = [{"id": s, "state": s, "name": s} for s in SENTINEL_HOSTILE]
            body = {"jobs": hostile, "totalCount": len(hostile), "nextLink": None}
            sim.force("/aos/jobs", status=200, times=1, body=body)
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await settle(pilot)
            text = screen_text(app)
            for s in ("[bold]x[/]", "[@click=app.quit]x[/]", "job [id=5]"):
                assert s in text
            assert "\x1b" not in text
            await pilot.click(PagedTable, offset=(3, 2))   # a click on the cell must not quit
            await pilot.press("i")
            await settle(pilot)
            assert app.is_running
            assert "\x1b" not in screen_text(app)
            app.notify("[bold]x[/] \x1b]0;t\x07")
            await settle(pilot)
            assert app.is_running


class TestToolScreens:
    async def test_failed_jobs_and_permissions_are_reachable_from_the_tree(self, app):
        from tui.ui.failed_jobs.screen import FailedJobsScreen
        from tui.ui.permissions.screen import PermissionsScreen
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_explorer(pilot)
            tree = screen.query_one(ResourceTree)
            tree.focus()
            tree.move_cursor(tree.root.children[0])
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, FailedJobsScreen))
            app.screen.workers.cancel_all()
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is screen)
            tree.move_cursor(tree.root.children[1])
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PermissionsScreen))
