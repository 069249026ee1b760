"""Snapshot tests of the failed-jobs screen, at 80x24 and 160x48.

Each class is one feature; each test drives the real app against a seeded simulator with a
``run_before`` pilot script and compares the SVG with the one stored under ``__snapshots__``
(`pytest --snapshot-update` rewrites them; look at the diff report before committing).

What would change between runs is pinned, not masked after the fact: the simulator's data and
envelope clock stand at ``FROZEN``, ``tui.clock`` is frozen (every duration reads 0 ms, every
timestamp ``FROZEN``), request ids are derived from the seed and the request. Only the
simulator's port is chosen by the OS; ``FrozenApp`` (tests/ui_helpers.py) writes it as a fixed
five-digit port in the exported SVG (same width, so the layout is the one the user sees). The
fixtures ``frozen_sim`` and ``snap_app`` live in conftest.py.
"""

from __future__ import annotations

import pytest

from tests.ui_helpers import scan_demo_tenant, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


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
