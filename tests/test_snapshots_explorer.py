"""Snapshot tests of the explorer and the screens it opens, at 80x24 and 160x48.

Each class is one feature; each test drives the real app against a seeded simulator with a
``run_before`` pilot script and compares the SVG with the one stored under ``__snapshots__``
(`pytest --snapshot-update` rewrites them; look at the diff report before committing).

What would change between runs is pinned, not masked after the fact: the simulator's data and
envelope clock stand at ``FROZEN``, ``tui.clock`` is frozen (every duration reads 0 ms, every
timestamp ``FROZEN``), request ids are derived from the seed and the request. Only the
simulator's port is chosen by the OS; ``FrozenApp`` (tests/ui_helpers.py) writes it as a fixed
five-digit port in the exported SVG (same width, so the layout is the one the user sees).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui_helpers import (
    FROZEN,
    FrozenApp,
    open_explorer,
    settle,
    steady_cursors,
    wait_until,
)
from tui import clock

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots_explorer"


@pytest.fixture
def frozen_sim(_isolated_environment):
    """A fresh server per test: request ids count occurrences, so a shared one would make a
    snapshot depend on which tests ran before it."""
    from tui.simulator import SimulatorServer
    with SimulatorServer(seed=1, now=FROZEN, clock=lambda: FROZEN) as server:
        yield server


@pytest.fixture
def snap_app(frozen_sim, tmp_path):
    clock.freeze(FROZEN)
    try:
        yield lambda: FrozenApp(frozen_sim, tmp_path / "config.toml")
    finally:
        clock.thaw()


async def explorer_on(pilot, endpoint_id: str | None = None, tenant: str = "demo-aos", focus_table: bool = True,
                      sends: bool = True):
    """Open the explorer for ``tenant`` and, when given, an endpoint with its first page loaded."""
    screen = await open_explorer(pilot, tenant)
    await settle(pilot)
    if endpoint_id is not None:
        screen.open_endpoint(pilot.app.catalog.get(endpoint_id), {}, {})
        if sends:
            await wait_until(pilot, lambda: screen.view is not None and (screen.view.pages >= 1 or screen.view.error))
        await settle(pilot)
        if focus_table:
            from tui.ui.widgets.paged_table import PagedTable
            screen.query_one(PagedTable).focus()
            await pilot.pause()
    return screen


async def scan_demo_tenant(pilot) -> None:
    """The failed-jobs screen of demo-aos with its scan finished and the table focused."""
    await explorer_on(pilot)
    from tui.ui.failed_jobs.screen import FailedJobsScreen
    from tui.ui.widgets.paged_table import PagedTable
    pilot.app.open_failed_jobs("demo-aos")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FailedJobsScreen))
    await wait_until(pilot, lambda: not pilot.app.screen.model.scanning)
    await settle(pilot)
    # rows stream in while the scan runs; put focus where a user would after it: on the table
    pilot.app.screen.query_one(PagedTable).focus()
    await settle(pilot)


class TestExplorerSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_tree_with_a_service_expanded(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            screen = await explorer_on(pilot)
            from tui.ui.widgets.resource_tree import ResourceTree
            tree = screen.query_one(ResourceTree)
            node = next(n for n in tree.root.children if "Microsoft 365" in str(n.label))
            node.expand()
            await pilot.pause()
            tree.move_cursor(node.children[0])
            tree.focus()
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_job_table_first_page(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "m365.cloudbackupjobs")

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_required_parameter_asked_first(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "d365.jobs", focus_table=False, sends=False)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_rows_filtered(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "aos.jobs")
            await pilot.press("slash", *"fail")
            await steady_cursors(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_forbidden_endpoint_names_the_scope(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "enpower.environments", tenant="demo-restricted")

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


class TestInspectorSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_inspector_of_the_first_page(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "m365.cloudbackupjobs")
            await pilot.press("i")
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


    @pytest.mark.parametrize("size", SIZES)
    def test_save_body_prompt(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "m365.cloudbackupjobs")
            await pilot.press("i")
            await pilot.pause()
            await pilot.press("w")
            await steady_cursors(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


class TestItemSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_customer_actions(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "elements.customers", tenant="demo-partner")
            await pilot.press("enter")
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


class TestNavigationSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_jump_matches_audit(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot)
            await pilot.press("colon", *"audit")
            await steady_cursors(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_history_after_two_requests(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            screen = await explorer_on(pilot, "aos.jobs")
            screen.open_endpoint(pilot.app.catalog.get("m365.cloudbackupjobs"), {}, {})
            await wait_until(pilot, lambda: screen.view.endpoint.id == "m365.cloudbackupjobs" and screen.view.pages)
            await settle(pilot)
            await pilot.press("H")
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_help(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot)
            await pilot.press("question_mark")
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


class TestFailedJobsSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_scan_of_the_demo_tenant(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await scan_demo_tenant(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_detail_of_a_failed_job(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await scan_demo_tenant(pilot)
            await pilot.press("enter")
            await settle(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


def test_snapshots_hold_no_secret(frozen_sim):
    """The demo tenants' client secrets and any bearer token never reach a stored snapshot."""
    files = list(SNAPSHOTS.glob("*.svg"))
    if not files:
        pytest.skip("no snapshots yet: run pytest --snapshot-update once")
    secrets = [t.secret for t in frozen_sim.tenants if t.secret]
    for f in files:
        text = f.read_text()
        assert "eyJ" not in text, f"{f.name} shows a JWT"
        for s in secrets:
            assert s not in text, f"{f.name} shows a client secret"
