"""The explorer as a keyboard user meets it (issue 19): focus follows the work, 80x24 shows what
matters first, the tree's lazy loading ends, `?` starts with the keys of the screen it is on.

Pilot tests against the simulator over loopback HTTP; keys are pressed, not actions called.
"""

from __future__ import annotations

import threading

import pytest

from tests.ui_helpers import explorer_on, make_app, open_explorer, screen_text, settle, wait_until
from tui.ui.explorer.screen import ExplorerScreen
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.params_form import ParamsForm
from tui.ui.widgets.resource_tree import ResourceTree


@pytest.fixture
def app(sim, tmp_path):
    return make_app(sim, tmp_path / "config.toml")


def table_of(screen) -> PagedTable:
    return screen.query_one("#table", PagedTable)


def lines(app) -> list[str]:
    return screen_text(app).split("\n")


async def tree_to(pilot, screen, service: str, endpoint_id: str):
    """Move the tree's cursor to a root endpoint (the service expanded), the tree focused."""
    tree = screen.query_one(ResourceTree)
    svc = next(n for n in tree.root.children if service in str(n.label))
    svc.expand()
    await pilot.pause()          # not settle(): a test holds the session's worker open on purpose
    node = next(n for n in svc.children if n.data.endpoint.id == endpoint_id)
    tree.move_cursor(node)
    tree.focus()
    await pilot.pause()
    return node


async def jump(pilot, text: str) -> None:
    """`:` then ``text`` then Enter (the first match)."""
    from tui.ui.screens.jump import JumpScreen
    await pilot.press("colon")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, JumpScreen))
    await pilot.press(*text, "enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, JumpScreen))


async def answered(pilot, screen) -> None:
    await wait_until(pilot, lambda: screen.view is not None and (screen.view.pages >= 1 or screen.view.error))
    await settle(pilot)


class TestFocusFollowsTheWork:
    @pytest.mark.parametrize("size", [(160, 48), (80, 24)])
    async def test_enter_in_the_tree_puts_focus_on_the_table_when_rows_arrive(self, app, size):
        async with app.run_test(size=size) as pilot:
            screen = await open_explorer(pilot)
            await settle(pilot)
            await tree_to(pilot, screen, "Microsoft 365", "m365.cloudbackupjobs")
            await pilot.press("enter")
            await answered(pilot, screen)
            table = table_of(screen)
            assert app.focused is table
            await pilot.press("pagedown")
            assert table.cursor_row > 0              # the keys move the rows, not the tree

    async def test_down_enter_after_a_jump_opens_the_customer(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_explorer(pilot, "demo-partner")
            await settle(pilot)
            await jump(pilot, "customers")
            await answered(pilot, screen)
            assert app.focused is table_of(screen)
            await pilot.press("down", "enter")
            await settle(pilot)
            from tui.ui.screens.item_actions import ItemActions
            assert isinstance(app.screen, ItemActions)
            assert app.screen.item == screen.view.items[1]      # the second customer, no tree node

    async def test_a_drill_down_puts_focus_on_the_new_table(self, app):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await explorer_on(pilot, "elements-legacy.customers", tenant="demo-partner")
            first = screen.view
            await pilot.press("enter")                          # the first customer: its actions
            await settle(pilot)
            await pilot.press("down", "enter")                  # its protected data (a list)
            await wait_until(pilot, lambda: screen.view is not first)
            await answered(pilot, screen)
            assert screen.view.endpoint.id != first.endpoint.id
            assert app.focused is table_of(screen)

    async def test_enter_in_the_form_runs_it_and_escape_returns_to_the_table(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_explorer(pilot)
            await settle(pilot)
            await jump(pilot, "list jobs")
            await answered(pilot, screen)
            form = screen.query_one(ParamsForm)
            assert form.collapsed and app.focused is table_of(screen)
            await pilot.press("ctrl+r")                         # edit
            assert not form.collapsed and form.has_focus_within
            await pilot.press("escape")                         # back to the rows, nothing sent
            assert form.collapsed and app.focused is table_of(screen)
            before = screen.view
            await pilot.press("ctrl+r")
            screen.query_one("#param-finishTime").focus()
            await pilot.press("enter")                          # runs it
            await answered(pilot, screen)
            assert screen.view is not before and screen.view.pages == 1
            assert form.collapsed and app.focused is table_of(screen)


class TestForbidden:
    async def test_the_scope_and_the_p_pointer_come_first_at_80_columns(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_explorer(pilot, "demo-restricted")
            await settle(pilot)
            await jump(pilot, "environments")
            await answered(pilot, screen)
            assert screen.view.status == 403
            status = next(line.strip() for line in lines(app) if line.strip().startswith("403 Forbidden"))
            head = status[:70]
            assert "missing scope enpower.data.read.all" in head and "P permissions" in head
            text = screen_text(app)
            assert "0 · page 0" not in text and "No rows" not in text
            assert "Add the scope" in text                       # the detail, in the table's body
            await pilot.press("P")
            await settle(pilot)
            from tui.ui.permissions.screen import PermissionsScreen
            assert isinstance(app.screen, PermissionsScreen)


class TestTreeLoading:
    async def test_space_before_the_session_is_open_loads_once_it_is(self, app):
        gate = threading.Event()
        real = app.session_for

        def slow_session(name):
            gate.wait(30)
            return real(name)

        async with app.run_test(size=(80, 24)) as pilot:
            app.session_for = slow_session
            app.open_explorer("demo-aos")
            await wait_until(pilot, lambda: isinstance(app.screen, ExplorerScreen))
            screen = app.screen
            await pilot.pause()
            node = await tree_to(pilot, screen, "Microsoft 365", "m365.cloudbackupjobs")
            await pilot.press("space")
            await pilot.pause()
            assert [str(c.label) for c in node.children] == ["loading…"]
            gate.set()
            await wait_until(pilot, lambda: screen.session is not None)
            await wait_until(pilot, lambda: len(node.children) > 10)
            await settle(pilot)
            labels = [str(c.label) for c in node.children]
            assert "loading…" not in labels and not any(label.startswith("⚠") for label in labels)

    async def test_space_on_an_endpoint_without_items_to_show_does_nothing(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_explorer(pilot)
            await settle(pilot)
            node = await tree_to(pilot, screen, "AvePoint Online", "aos.audit")
            await pilot.press("space")
            await settle(pilot)
            assert not node.children and not node.is_expanded


class TestEightyColumns:
    async def test_a_jump_closes_the_inspector_over_the_table(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await explorer_on(pilot, "m365.cloudbackupjobs")
            await pilot.press("enter")                          # a job: its JSON in the inspector
            await settle(pilot)
            await pilot.press("escape")                         # not to its detail
            await settle(pilot)
            assert screen.pane.detail_shown and not table_of(screen).display
            await jump(pilot, "audit")
            await answered(pilot, screen)
            assert not screen.pane.detail_shown and table_of(screen).display
            assert app.focused is table_of(screen)

    async def test_the_form_collapses_to_one_line_once_run(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await explorer_on(pilot, "m365.cloudbackupjobs")
            form = screen.query_one(ParamsForm)
            assert form.collapsed and form.outer_size.height == 1
            assert "last 7 days · any state · Ctrl+R edit" in screen_text(app)

    async def test_tree_labels_are_short_and_the_tree_widens_with_a_key(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_explorer(pilot, "demo-partner")
            await settle(pilot)
            node = await tree_to(pilot, screen, "Elements (legacy)", "elements-legacy.services")
            assert str(node.label).startswith("Service Subscriptions")      # not "Retrieve Service Su…"
            tree = screen.query_one(ResourceTree)
            assert tree.outer_size.width >= 40
            assert "Service Subscriptions for All" in screen_text(app)          # more than 27 columns
            before = tree.outer_size.width
            await pilot.press("greater_than_sign")
            await settle(pilot)
            assert tree.outer_size.width > before
            assert "Service Subscriptions for All Your Customers" in screen_text(app)
            await pilot.press("less_than_sign")
            await settle(pilot)
            assert tree.outer_size.width == before

    async def test_enum_pickers_are_as_wide_as_their_values(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await explorer_on(pilot, "m365.cloudbackupjobs")
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert screen.query_one("#param-window").outer_size.width <= 24

    async def test_the_footer_fits_with_the_most_important_keys_first(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            await explorer_on(pilot, "m365.cloudbackupjobs")
            footer = lines(app)[-1]
            assert footer.lstrip().startswith(": Jump")
            for key in ("/ Filter", "i Inspector", "P Permissions", "? Help", "^p palette"):
                assert key in footer

    async def test_the_history_modal_shows_its_own_keys(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await explorer_on(pilot, "m365.cloudbackupjobs")
            screen.action_exchanges()                           # `:exchanges`: this session's exchanges
            await settle(pilot)
            footer = lines(app)[-1]
            assert "Inspect" in footer and "Re-run" in footer and "Close" in footer
            assert "Jump" not in footer
            await pilot.press("enter")                          # the footer's first key does what it says
            await settle(pilot)
            assert isinstance(app.screen, ExplorerScreen)
            assert app.screen.query_one(ExchangeInspector).exchange is not None

    async def test_the_past_requests_modal_shows_its_own_keys(self, app):
        async with app.run_test(size=(80, 24)) as pilot:
            await explorer_on(pilot, "aos.jobs")
            from tui.ui.screens.history import RequestHistoryScreen
            chosen = []
            app.push_screen(RequestHistoryScreen("demo-aos", *app.past_requests("demo-aos")), chosen.append)
            await settle(pilot)
            footer = lines(app)[-1]
            assert "Re-run" in footer and "Edit and run" in footer and "Close" in footer
            await pilot.press("enter")
            await settle(pilot)
            assert chosen and chosen[0][0] == "run"

    async def test_no_rows_only_after_a_load_returned_none(self, make_sim, tmp_path):
        sim = make_sim()
        sim.force("/aos/jobs", status=200, body={"jobs": []}, delay=0.5)
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_explorer(pilot)
            await settle(pilot)
            screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await wait_until(pilot, lambda: screen.view.loading)
            await pilot.pause()
            assert "No rows" not in screen_text(app)
            await answered(pilot, screen)
            assert screen.view.done and screen.view.loaded == 0
            assert "No rows" in screen_text(app)


def help_text(app) -> str:
    """Everything the help screen holds (it scrolls), in order."""
    from io import StringIO

    from rich.console import Console
    from textual.widgets import Static
    out = StringIO()
    console = Console(width=120, file=out, color_system=None)
    for static in app.screen.query(Static):
        console.print(static.content)
    return out.getvalue()


class TestHelp:
    async def test_help_shows_the_keys_of_the_screen_it_is_on_first(self, app):
        async with app.run_test(size=(160, 48)) as pilot:
            await explorer_on(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            text = help_text(app)
            assert text.index("On this screen") < text.index("Explorer") < text.index("Everywhere") \
                < text.index("Tenant screen")
            assert "On this screen" in screen_text(app)

    async def test_on_the_tenant_screen_its_own_keys_come_first(self, app):
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            text = help_text(app)
            assert text.index("Tenant screen") < text.index("Everywhere") < text.index("Explorer")
