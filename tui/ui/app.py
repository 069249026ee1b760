"""The Textual application: owns the tenant directory, the open sessions and the history.

Workers do I/O and post messages; handlers on the screens own their state. The app keeps what
outlives a screen: one API session per tenant (token cache, HTTP connection pool, exchanges).
"""

from __future__ import annotations

import gc
import sys
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import App
from textual.binding import Binding

from tui.tenants import TenantDirectory

if TYPE_CHECKING:
    from tui.catalog import Catalog

# Start-up is judged against an empty Textual app: what the tenant screen does not show is
# imported or loaded on first use (the catalogue, the palette's provider, the other screens).


def _palette_commands():
    """The command palette's provider, imported when the palette first opens."""
    from tui.ui.commands import AvegraphCommands
    return AvegraphCommands


class AvegraphApp(App):
    TITLE = "avegraph"
    COMMANDS = App.COMMANDS | {_palette_commands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("ctrl+t", "tenants", "Tenants", priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, directory: TenantDirectory, *, open_tenant: str | None = None,
                 demo_mode: bool = False) -> None:
        super().__init__()
        self.directory = directory
        self.open_tenant = open_tenant
        self.demo_mode = demo_mode
        self.sessions: dict[str, object] = {}
        if directory.config is not None and directory.config.theme:
            self.theme = directory.config.theme if directory.config.theme in self.available_themes else self.theme

    @cached_property
    def catalog(self) -> Catalog:
        """The endpoint catalogue, read on first use (no screen before the explorer needs it)."""
        from tui.catalog import load_catalog
        return load_catalog()

    def get_default_screen(self):
        """The tenant screen is the base of the stack: built once, instead of a blank default screen
        being composed, laid out and drawn first and the tenant screen pushed over it."""
        from tui.ui.screens.tenants import TenantScreen
        return TenantScreen()

    def on_mount(self) -> None:
        if self.open_tenant:
            self.call_after_refresh(self.open_explorer, self.open_tenant)

    def notify(self, message, *, title: str = "", severity="information", timeout=None, markup: bool = False):
        """Notifications never parse markup and never pass control characters (server text ends up here)."""
        from tui.textsafe import safe_multiline
        plain = message.plain if isinstance(message, Text) else str(message)
        return super().notify(safe_multiline(plain), title=safe_multiline(title), severity=severity, timeout=timeout,
                              markup=False)

    # -- sessions ---------------------------------------------------------------
    def session_for(self, name: str):
        """The API session of a tenant, created on first use (may start the demo server)."""
        session = self.sessions.get(name)
        if session is None:
            from tui.api.session import Session
            tenant = self.directory.resolve(name)
            session = Session(tenant, self.catalog)
            session.on_exchange.append(partial(self._remember, name, (tenant.api_url, tenant.elements_url)))
            self.sessions[name] = session
        return session

    # -- the persistent history (tui.history) -------------------------------------------------------
    @cached_property
    def history_store(self):
        """``$XDG_STATE_HOME/avegraph/history.jsonl``: every API request, across restarts, no secret."""
        from tui.history import HistoryStore
        return HistoryStore()

    def _remember(self, tenant: str, bases: tuple[str, ...], exchange) -> None:
        was_failing = self.history_store.last_problem is not None
        problem = self.history_store.record(tenant, exchange, self.catalog, bases)
        if problem and not was_failing:          # said once, not on every request
            self.notify(Text(problem), severity="warning")

    def past_requests(self, tenant: str):
        """(entries oldest first, problems) of a tenant's persistent history."""
        return self.history_store.load(tenant)

    def save_request(self, request) -> str | None:
        """Write a saved request into the config file (atomic; everything else kept); the problem or None."""
        from tui.config import ConfigError, upsert_saved
        try:
            upsert_saved(self.directory.config_path, request)
        except (ConfigError, OSError) as exc:
            return str(exc)
        self.directory.reload()
        return None

    def saved_requests(self, tenant: str | None) -> list:
        """The config's saved requests usable with ``tenant`` (none without a config file)."""
        cfg = self.directory.config
        return [] if cfg is None else cfg.saved_for(tenant)

    def open_explorer(self, name: str) -> None:
        from tui.ui.explorer.screen import ExplorerScreen
        self.push_screen(ExplorerScreen(name))

    def open_failed_jobs(self, name: str) -> None:
        from tui.ui.failed_jobs.screen import FailedJobsScreen
        self.push_screen(FailedJobsScreen(name))

    def open_permissions(self, name: str, focus_endpoint: str | None = None) -> None:
        from tui.ui.permissions.screen import PermissionsScreen
        self.push_screen(PermissionsScreen(name, focus_endpoint=focus_endpoint))

    # -- actions -------------------------------------------------------------------
    def action_tenants(self) -> None:
        """Back to the tenant list: the base of the stack (get_default_screen)."""
        from tui.ui.screens.tenants import TenantScreen
        while len(self.screen_stack) > 1 and not isinstance(self.screen, TenantScreen):
            self.pop_screen()
        if not isinstance(self.screen, TenantScreen):
            self.push_screen(TenantScreen())

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def watch_theme(self, theme: str) -> None:
        """Remember the theme the user picked (in the config file, when there is one)."""
        cfg = self.directory.config
        if cfg is None or cfg.theme == theme or not self.is_running:
            return
        from tui.config import ConfigError, set_theme
        try:
            set_theme(self.directory.config_path, theme)
            cfg.theme = theme
        except (ConfigError, OSError) as exc:
            self.notify(Text(f"Theme not saved: {exc}"), severity="warning")

    async def on_unmount(self) -> None:
        for session in self.sessions.values():
            try:
                await session.aclose()
            except Exception:  # closing is best effort at exit
                pass
        self.directory.demo.stop()

    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's crash screen prints local variables, and locals hold secrets: plain traceback."""
        import traceback

        from tui.crash import mask_known_secrets

        self.bell()
        error = getattr(self, "_crash", None) or sys.exc_info()[1]
        text = mask_known_secrets("".join(traceback.format_exception(error)) if error else "unknown error")
        self._exit_renderables.append(Text("avegraph crashed; please report this:\n" + text))
        self._close_messages_no_wait()


# Textual, Rich and this package leave ~34 000 objects behind at import, all of them alive as long as
# the process. Unfrozen, the collector's first full pass walks every one of them while the tenant
# screen is being built (~60 ms, more than a tenth of start-up); frozen, it walks what the app makes.
gc.freeze()


def run_app(config_path: Path, *, open_tenant: str | None, demo: bool, seed: int | None) -> int:
    from tui.tenants import DemoRuntime
    directory = TenantDirectory(config_path, DemoRuntime(seed=seed or 1))
    app = AvegraphApp(directory, open_tenant=open_tenant, demo_mode=demo)
    app.run()
    return app.return_code or 0
