"""Snapshot tests of the failed-jobs screen, at 80x24 and 160x48, in the frozen world described in
tests/test_explorer_snapshots.py (seeded data, stopped clocks, a fixed port; fixtures in conftest.py)."""

from __future__ import annotations

import pytest

from tests.test_failed_jobs_watch import fail_a_running_vm_job     # ends the job at the server's (frozen) now
from tests.ui_helpers import scan_demo_tenant, settle, wait_until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture(autouse=True)
def fresh_seen_state(tmp_path, monkeypatch):
    """Which failures are new depends on the seen state: each snapshot starts from none (a first look)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


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


class TestNewFailuresSnapshots:
    """Issue 17: a second look after a VM job failed: the new failure marked ● on top, counted in the
    summary, and watch mode's line (W) with its countdown (the clock is frozen: always 5:00)."""

    @pytest.mark.parametrize("size", SIZES)
    def test_a_new_failure_marked_while_watching(self, snap_compare, snap_app, frozen_sim, size):
        async def run_before(pilot) -> None:
            from tui.ui.failed_jobs.screen import FailedJobsScreen
            await scan_demo_tenant(pilot)                     # the first look: every failure is seen now
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(pilot.app.screen, FailedJobsScreen))
            fail_a_running_vm_job(frozen_sim)
            await scan_demo_tenant(pilot)                     # the second look
            await pilot.press("W")
            await settle(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)
