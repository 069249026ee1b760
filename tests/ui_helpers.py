"""Helpers for pilot tests: build the app on the simulator, wait for workers (never sleep)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from tui.tenants import DemoRuntime, TenantDirectory
from tui.ui.app import AvegraphApp

# The instant snapshot tests and the README pictures are taken at: the simulator's data and
# envelope clock stand here and tui.clock is frozen to it (every duration reads 0 ms).
FROZEN = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
SHOWN_PORT = "40404"


def make_app(sim, config_path: Path, open_tenant: str | None = None) -> AvegraphApp:
    return AvegraphApp(TenantDirectory(config_path, DemoRuntime(server=sim)), open_tenant=open_tenant)


class FrozenApp(AvegraphApp):
    """The app as users run it; its screenshots show the simulator's port as ``SHOWN_PORT``
    (the only thing chosen by the OS; five digits like any ephemeral port, so the layout holds)."""

    def __init__(self, sim, config_path: Path) -> None:
        super().__init__(TenantDirectory(config_path, DemoRuntime(server=sim)))
        self._port = re.compile(rf"(127\.0\.0\.1|localhost):{sim.port}\b")

    def export_screenshot(self, *args, **kwargs) -> str:
        return self._port.sub(rf"\1:{SHOWN_PORT}", super().export_screenshot(*args, **kwargs))


async def settle(pilot, rounds: int = 200) -> None:
    """Wait until no worker runs and the messages they posted are handled."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return
    raise AssertionError("workers did not settle")


async def steady_cursors(pilot) -> None:
    """Inputs blink their cursor; a snapshot taken mid-blink would differ from the stored one."""
    from textual.widgets import Input
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


def record_layouts(widget) -> list[bool]:
    """From now on, the ``layout`` flag of every ``widget.refresh`` call (a repaint is False)."""
    layouts: list[bool] = []
    original = widget.refresh

    def refresh(*args, layout: bool = False, **kwargs):
        layouts.append(layout)
        return original(*args, layout=layout, **kwargs)
    widget.refresh = refresh
    return layouts


async def wait_until(pilot, predicate, rounds: int = 400) -> None:
    """Process events until ``predicate()`` holds (bounded; for states that need many messages)."""
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError("condition not reached")


async def open_explorer(pilot, tenant: str = "demo-aos"):
    from tui.ui.screens.explorer import ExplorerScreen
    app = pilot.app
    if not isinstance(app.screen, ExplorerScreen):
        app.open_explorer(tenant)
    await wait_until(pilot, lambda: isinstance(app.screen, ExplorerScreen) and app.screen.session is not None)
    return app.screen


def screen_text(app) -> str:
    """Everything on screen, as the terminal would show it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


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
