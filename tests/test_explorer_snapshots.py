"""Snapshot tests of the explorer and the screens it opens (history, help, jump), at 80x24 and 160x48.

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

from tests.ui_helpers import explorer_on, settle, steady_cursors, wait_until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


class TestExplorerSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_tree_with_a_service_expanded(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            screen = await explorer_on(pilot)
            from tui.ui.widgets.resource_tree import ResourceTree
            tree = screen.query_one(ResourceTree)
            node = next(n for n in tree.root.children if "Microsoft 365" in str(n.label))
            node.expand()
            await settle(pilot)
            tree.move_cursor(node.children[0])
            tree.focus()
            await settle(pilot)

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


class TestKeyboardFlowSnapshots:
    """Issue 19: what a keyboard user sees after each step, at 80x24 first."""

    @pytest.mark.parametrize("size", SIZES)
    def test_table_focused_after_open(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            screen = await explorer_on(pilot)
            from tui.ui.widgets.resource_tree import ResourceTree
            tree = screen.query_one(ResourceTree)
            service = next(n for n in tree.root.children if "Microsoft 365" in str(n.label))
            service.expand()
            await settle(pilot)
            tree.move_cursor(next(n for n in service.children if n.data.endpoint.id == "m365.cloudbackupjobs"))
            tree.focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
            await settle(pilot)
            await pilot.press("down", "down")

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_form_collapsed_after_run(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            screen = await explorer_on(pilot, "d365.jobs", focus_table=False, sends=False)
            screen.query_one("#param-type").value = "0"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: screen.view.pages >= 1)
            await settle(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


class TestInspectorSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_inspector_of_the_first_page(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "m365.cloudbackupjobs")
            await pilot.press("i")
            await settle(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


    @pytest.mark.parametrize("size", SIZES)
    def test_save_body_prompt(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "m365.cloudbackupjobs")
            await pilot.press("i")
            await settle(pilot)
            await pilot.press("w")
            await steady_cursors(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)


class TestItemSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_customer_actions(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot, "elements.customers", tenant="demo-partner")
            await pilot.press("enter")
            await settle(pilot)

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
            await settle(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_help(self, snap_compare, snap_app, size):
        async def run_before(pilot) -> None:
            await explorer_on(pilot)
            await pilot.press("question_mark")
            await settle(pilot)

        assert snap_compare(snap_app(), terminal_size=size, run_before=run_before)
