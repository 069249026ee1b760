"""The first screen: every tenant you can open, and the place to add, edit, test and pick them.

Configured tenants come from the config file, demo tenants from the built-in simulator. Every
cell is a ``rich.text.Text`` (tenant names are user text and ``[@click=app.quit]`` must show
literally); paths show the home directory as ``~``. Nothing here writes the config file except
through ``tui.config``'s locked, atomic helpers.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Static

from tui.config import ConfigError, delete_tenant, set_default_tenant
from tui.environments import DATA_CENTERS, ENVIRONMENTS
from tui.tenants import TenantEntry
from tui.textsafe import safe_multiline, safe_text
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader, accent_colour

__all__ = ["TenantScreen", "ConfirmDelete", "display_path"]

WIDE = 140  # from this width the test result sits beside the details instead of under them
DEMO_BADGE = "bold black on #c9a227"
COLUMNS = (("default", ""), ("name", "Name"), ("environment", "Environment"), ("data_center", "DC"),
           ("auth", "Auth"), ("client_id", "Client ID"), ("accent", "Accent"), ("notes", "Notes"))


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user would type it: the home directory as ``~``."""
    return _tilde(str(path))


def _tilde(text: str) -> str:
    home = str(Path.home()).rstrip("/")
    if not home:  # HOME=/ : nothing to shorten
        return text
    return text.replace(home + "/", "~/")


def _row_key(entry: TenantEntry) -> str:
    return ("demo:" if entry.demo else "cfg:") + entry.name


def _dim(text: str) -> Text:
    return Text(text, style="dim")


class TenantTable(DataTable):
    """The tenant list. A first click highlights a row, a second click on it opens the tenant."""

    DEFAULT_CSS = """
    TenantTable { height: auto; max-height: 60%; }
    """


class ConfirmDelete(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDelete { align: center middle; }
    ConfirmDelete > Vertical { width: 64; max-width: 95%; height: auto; border: round $error;
                               background: $surface; padding: 0 1; }
    ConfirmDelete #confirm-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmDelete #confirm-buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape,n", "cancel", "Keep"),
        Binding("y", "confirm", "Delete"),
    ]

    def __init__(self, name: str, config_path: Path) -> None:
        super().__init__()
        self.tenant_name = name
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical():
            text = Text.assemble(("Delete tenant ", "bold"))
            text.append(safe_text(self.tenant_name, 64), style="bold")
            text.append("?", style="bold")
            text.append(f"\nIt is removed from {safe_text(display_path(self.config_path))}; "
                        "the other tenants and settings stay as they are.")
            text.append("\ny delete · n / Esc keep", style="dim")
            yield Static(text)
            with Horizontal(id="confirm-buttons"):
                yield Button("Keep", id="keep")
                yield Button("Delete", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # the safe choice is the default

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def action_cancel(self) -> None:
        self.dismiss(False)


class TenantScreen(Screen):
    """Configured and demo tenants; Enter opens the explorer."""

    AUTO_FOCUS = "#tenants"  # focused as it is composed: no detour through the notice's buttons

    DEFAULT_CSS = """
    TenantScreen { layout: vertical; }
    TenantScreen #notice-box { height: auto; margin: 0 1; padding: 0 1; display: none; border: round $warning; }
    TenantScreen #notice-box.-visible { display: block; }
    TenantScreen #notice-box.-error { border: round $error; }
    TenantScreen #notice { height: auto; }
    TenantScreen #notice-actions { height: auto; margin-top: 1; display: none; }
    TenantScreen #notice-actions.-visible { display: block; }
    TenantScreen #notice-actions Button { margin-right: 2; }
    TenantScreen #main { height: 1fr; }
    TenantScreen #side { height: 1fr; }
    TenantScreen #detail { height: auto; padding: 0 1; margin-top: 1; }
    TenantScreen #test-box { height: auto; margin: 1 1 0 1; padding: 0 1; border: round $panel-lighten-2;
                             border-title-color: $text-muted; }
    TenantScreen #test-box.-visible { border: round $accent; }
    TenantScreen #test-box.-ok { border: round $success; }
    TenantScreen #test-box.-failed { border: round $error; }
    TenantScreen #test-result { height: auto; }
    TenantScreen.-wide #side { layout: horizontal; }
    TenantScreen.-wide #detail { width: 1fr; }
    TenantScreen.-wide #test-box { width: 1fr; }
    """

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("x", "test", "Test connection"),
        Binding("asterisk", "set_default", "Set default"),
        Binding("r", "reload", "Reload config"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, TenantEntry] = {}
        self.tested: str | None = None  # name of the tenant whose test result is shown
        self._filled_before_resume = False  # on_mount filled the table and the screen was not shown yet

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Vertical(id="notice-box"):
            yield Static(id="notice")
            with Horizontal(id="notice-actions"):
                yield Button("Add tenant (a)", id="notice-add", compact=True, variant="primary")
                yield Button("Open demo-aos", id="notice-demo", compact=True)
        with Vertical(id="main"):
            yield TenantTable(id="tenants", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="side"):
                yield Static(id="detail")
                with Vertical(id="test-box"):
                    yield Static(id="test-result")
        # The footer is mounted in on_mount, once AUTO_FOCUS has focused the table: it is built
        # once, with the keys it shows, instead of empty and then again (a layout and a paint).

    def on_mount(self) -> None:
        self.mount(Footer())
        header = self.query_one(AppHeader)
        header.tenant = None
        header.crumbs = ()
        table = self.query_one(TenantTable)
        for key, label in COLUMNS:
            table.add_column(Text(label), key=key)
        self.refresh_tenants()
        self._filled_before_resume = self.stack_updates == 0
        box = self.query_one("#test-box")
        box.border_title = "Connection test"
        self.query_one("#test-result", Static).update(_dim(
            "Press x to test the highlighted tenant: avegraph asks its identity service for a token "
            "and lists the scopes it grants. No other request is made."))
        table.focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    def on_screen_resume(self) -> None:
        if self._filled_before_resume:  # first shown: on_mount has just filled the table
            self._filled_before_resume = False
            return
        # Back from the explorer or another screen: the file may have changed meanwhile.
        if self.is_mounted and self.entries:
            self.refresh_tenants(select=self.current_name)

    # -- data --------------------------------------------------------------------------------------
    @property
    def directory(self):
        return self.app.directory

    def refresh_tenants(self, select: str | None = None, reload: bool = False) -> None:
        """Rebuild the table from the directory (re-reading the file when ``reload``)."""
        if reload:
            self.directory.reload()
        table = self.query_one(TenantTable)
        keep = select if select is not None else self.current_name
        default = self.directory.default_name()
        table.clear()
        self.entries = {}
        for entry in self.directory.entries():
            key = _row_key(entry)
            if key in self.entries:
                continue
            self.entries[key] = entry
            table.add_row(*self._cells(entry, default), key=key)
        self._update_notice()
        if keep is not None:
            self.select_tenant(keep)
        self._update_detail()

    def _cells(self, entry: TenantEntry, default: str | None) -> list[Text]:
        cfg = entry.config
        star = Text("★", style="bold yellow") if (not entry.demo and entry.name == default) else Text("")
        name = Text(safe_text(entry.name, 40), style="bold" if not entry.demo else "")
        if entry.demo:
            environment = Text(" DEMO ", style=DEMO_BADGE)
            data_center = _dim("local")
            notes = Text(safe_text(entry.description, 80))
        else:
            assert cfg is not None
            environment = Text(cfg.environment)
            data_center = Text(cfg.data_center or "—")
            notes = _dim(safe_text(cfg.secret_source, 60))
        client_id = Text(safe_text(cfg.short_client_id)) if cfg is not None else _dim("—")
        return [star, name, environment, data_center, Text(entry.auth), client_id,
                self._swatch(cfg.accent if cfg else None), notes]

    @staticmethod
    def _swatch(accent: str | None) -> Text:
        if not accent:
            return _dim("—")
        colour = accent_colour(accent)
        text = Text.assemble(("██ ", colour)) if colour else Text.assemble(("?? ", "dim"))
        text.append(safe_text(accent, 12))
        return text

    @property
    def current(self) -> TenantEntry | None:
        table = self.query_one(TenantTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # no cursor yet
            return None
        return self.entries.get(key or "")

    @property
    def current_name(self) -> str | None:
        entry = self.current
        return entry.name if entry else None

    def select_tenant(self, name: str) -> bool:
        """Move the cursor to the tenant (configured first, then demo)."""
        table = self.query_one(TenantTable)
        for key in (f"cfg:{name}", f"demo:{name}"):
            if key in self.entries:
                table.move_cursor(row=table.get_row_index(key), animate=False)
                return True
        return False

    # -- the notice above the table ------------------------------------------------------------------
    def _update_notice(self) -> None:
        box = self.query_one("#notice-box")
        notice = self.query_one("#notice", Static)
        actions = self.query_one("#notice-actions")
        d = self.directory
        path = display_path(d.config_path)
        box.remove_class("-error")
        if d.missing:
            text = Text.assemble(("No config file yet.", "bold"))
            text.append(" It goes here: ")
            text.append(safe_text(path), style="bold")
            text.append("\nAdd a tenant (a) to create it (mode 0600), or open a demo tenant below: "
                        "they talk to a simulator on this machine, no credentials needed.")
            text.append(f"\nFrom a shell: avegraph demo-server --write-config {safe_text(path)}", style="dim")
            notice.update(text)
            box.add_class("-visible")
            actions.add_class("-visible")
        elif d.error is not None:
            text = Text.assemble(("The config file has an error", "bold"))
            text.append(" — configured tenants are hidden until it is fixed; demo tenants still work. "
                        "Press r after editing the file.\n")
            text.append(safe_multiline(_tilde(str(d.error))))
            notice.update(text)
            box.add_class("-visible", "-error")
            actions.remove_class("-visible")
        elif d.config is not None and d.config.warnings:
            text = Text.assemble((f"{safe_text(path)}:", "bold"))
            for warning in d.config.warnings:
                text.append("\n• " + safe_text(warning))
            notice.update(text)
            box.add_class("-visible")
            actions.remove_class("-visible")
        else:
            box.remove_class("-visible")
            actions.remove_class("-visible")

    # -- the detail panel ----------------------------------------------------------------------------
    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        entry = self.current
        if entry is None:
            detail.update(_dim("No tenants. Press a to add one."))
            return
        text = Text.assemble((safe_text(entry.name, 64), "bold"))
        if entry.demo:
            text.append("  ")
            text.append(" DEMO ", style=DEMO_BADGE)
        elif entry.name == self.directory.default_name():
            text.append("  ★ default", style="yellow")
        cfg = entry.config
        if cfg is not None and cfg.accent:
            text.append("  ")
            text.append_text(self._swatch(cfg.accent))
        rows: list[tuple[str, str]] = []
        if entry.demo:
            rows.append(("", entry.description))
            if cfg is None:
                rows.append(("Server", "the built-in simulator on 127.0.0.1 (starts when opened or tested)"))
        if cfg is not None:
            env = ENVIRONMENTS.get(cfg.environment)
            place = env.label if env else cfg.environment
            if cfg.data_center and not entry.demo:
                place += f" · {cfg.data_center} — {DATA_CENTERS.get(cfg.data_center, ('?',))[0]}"
            if not entry.demo:
                rows.append(("Where", place))
            rows.append(("API", cfg.api_url))
            rows.append(("Token", cfg.token_url))
            rows.append(("Client ID", cfg.client_id))
            rows.append(("Credential", _tilde(cfg.secret_source)))
            rows.append(("Scopes", ", ".join(cfg.scopes) if cfg.scopes else
                         "not set: the token gets every scope the app registration holds"))
            if cfg.ca_bundle:
                rows.append(("CA bundle", _tilde(cfg.ca_bundle)))
            if cfg.proxy:
                rows.append(("Proxy", "set (see the config file)"))
        for label, value in rows:
            text.append("\n")
            if label:
                text.append(f"{label:<11}", style="dim")
            text.append(safe_text(value, 400))
        detail.update(text)

    # -- opening ------------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self.entries.get(event.row_key.value or "")
        if entry is not None:
            self.app.open_explorer(entry.name)

    def action_open(self) -> None:
        entry = self.current
        if entry is not None:
            self.app.open_explorer(entry.name)

    @on(Button.Pressed, "#notice-demo")
    def _open_demo(self) -> None:
        self.app.open_explorer("demo-aos")

    # -- add / edit / delete ---------------------------------------------------------------------------
    def _names(self) -> tuple[list[str], list[str]]:
        configured = [e.name for e in self.entries.values() if not e.demo]
        demo = [e.name for e in self.entries.values() if e.demo]
        return configured, demo

    @on(Button.Pressed, "#notice-add")
    def action_add(self) -> None:
        from tui.ui.screens.tenant_form import TenantForm
        configured, demo = self._names()
        form = TenantForm(self.directory.config_path, None, taken_names=configured, reserved_names=demo)
        self.app.push_screen(form, self._form_closed)

    def _editable(self, verb: str) -> TenantEntry | None:
        entry = self.current
        if entry is None:
            self.notify("No tenant is selected.", severity="warning", markup=False)
            return None
        if entry.demo:
            self.notify(f"Demo tenants cannot be {verb}: they come with the simulator.",
                        severity="warning", markup=False)
            return None
        return entry

    def action_edit(self) -> None:
        from tui.ui.screens.tenant_form import TenantForm
        entry = self._editable("edited")
        if entry is None:
            return
        configured, demo = self._names()
        form = TenantForm(self.directory.config_path, entry.config, taken_names=configured, reserved_names=demo)
        self.app.push_screen(form, lambda saved: self._form_closed(saved, old=entry.name))

    def _form_closed(self, saved: str | None, old: str | None = None) -> None:
        if saved is None:
            return
        self._forget_session(saved)
        if old is not None:
            self._forget_session(old)
        self.refresh_tenants(select=saved, reload=True)
        self.notify(f"Saved tenant {safe_text(saved, 64)} to {safe_text(display_path(self.directory.config_path))}",
                    markup=False)

    def action_delete(self) -> None:
        entry = self._editable("deleted")
        if entry is None:
            return
        name = entry.name
        self.app.push_screen(ConfirmDelete(name, self.directory.config_path),
                             lambda yes: self._delete_confirmed(name) if yes else None)

    def _delete_confirmed(self, name: str) -> None:
        table = self.query_one(TenantTable)
        row = table.cursor_row
        try:
            removed = delete_tenant(self.directory.config_path, name)
        except (ConfigError, OSError) as exc:
            self.notify(f"Not deleted: {safe_text(_tilde(str(exc)))}", severity="error", markup=False)
            return
        self._forget_session(name)
        self.refresh_tenants(reload=True)
        # the row that took the deleted tenant's place (or the new last row)
        table.move_cursor(row=min(max(row, 0), max(table.row_count - 1, 0)), animate=False)
        self._update_detail()
        if removed:
            self.notify(f"Deleted tenant {safe_text(name, 64)}", markup=False)
        else:
            self.notify(f"Tenant {safe_text(name, 64)} was already gone from the file", markup=False)

    def _forget_session(self, name: str) -> None:
        """Drop the cached API session of a tenant whose settings changed (it holds the old ones)."""
        sessions = getattr(self.app, "sessions", None)
        if not isinstance(sessions, dict):
            return
        session = sessions.pop(name, None)
        if session is not None and hasattr(session, "aclose"):
            self.run_worker(session.aclose(), group="close-session")

    # -- default and reload ------------------------------------------------------------------------------
    def action_set_default(self) -> None:
        entry = self.current
        if entry is None:
            return
        if entry.demo:
            self.notify("A demo tenant cannot be the default: the default is saved in the config file. "
                        "Use avegraph --demo to start with the demo.", severity="warning", markup=False)
            return
        try:
            set_default_tenant(self.directory.config_path, entry.name)
        except (ConfigError, OSError) as exc:
            self.notify(f"Default not saved: {safe_text(_tilde(str(exc)))}", severity="error", markup=False)
            return
        self.refresh_tenants(select=entry.name, reload=True)
        self.notify(f"{safe_text(entry.name, 64)} is now the default tenant", markup=False)

    def action_reload(self) -> None:
        self.refresh_tenants(reload=True)
        d = self.directory
        if d.error is not None and not d.missing:
            self.notify("The config file has an error: see the message above the table.",
                        severity="error", markup=False)
        else:
            self.notify(f"Reloaded {safe_text(display_path(d.config_path))}", markup=False)

    # -- test connection ----------------------------------------------------------------------------------
    def action_test(self) -> None:
        entry = self.current
        if entry is None:
            return
        self.test_connection(entry.name)

    def _show_test(self, text: Text, state: str = "") -> None:
        box = self.query_one("#test-box")
        box.add_class("-visible")
        box.set_class(state == "ok", "-ok")
        box.set_class(state == "failed", "-failed")
        self.query_one("#test-result", Static).update(text)

    @work(exclusive=True, group="test-connection")
    async def test_connection(self, name: str) -> None:
        """Acquire a token for every scope bundle of the tenant; pressing x again cancels this one."""
        self.tested = name
        title = Text.assemble(("Testing ", "bold"))
        title.append(safe_text(name, 64), style="bold")
        title.append(" … asking the identity service for a token")
        self._show_test(title)
        try:
            # Resolving a demo tenant starts the simulator (blocking): off the event loop.
            session = await asyncio.to_thread(self.app.session_for, name)
            for bundle in session.bundles:
                await session.token(bundle, force=True)
            claims = await session.token_claims()
        except Exception as exc:  # noqa: BLE001 - every failure is shown in the panel, none is raised
            self._show_test(self._failure_text(name, exc), "failed")
        else:
            self._show_test(self._success_text(name, session, claims), "ok")
        if any(e.demo and e.config is None for e in self.entries.values()):
            self.refresh_tenants()  # the demo server runs now: show the demo tenants' settings
        self.query_one("#test-box").scroll_visible(animate=False)

    def _success_text(self, name: str, session, claims: dict) -> Text:
        granted: list[str] = []
        seen: set[str] = set()
        for c in claims.values():
            for s in c.scopes:
                if s.lower() not in seen:
                    seen.add(s.lower())
                    granted.append(s)
        text = Text.assemble(("✓ ", "bold green"))
        text.append(safe_text(name, 64), style="bold")
        text.append(": token granted")
        first = next(iter(claims.values()), None)
        tenant = session.tenant
        text.append(f"\n{'Token URL':<11}", style="dim")
        text.append(safe_text(tenant.token_url, 200))
        if first is not None and first.client_id:
            text.append(f"\n{'Client ID':<11}", style="dim")
            text.append(safe_text(str(first.client_id), 80))
        if first is not None and first.expires_at is not None:
            left = first.expires_at - datetime.now(timezone.utc)
            text.append(f"\n{'Expires':<11}", style="dim")
            text.append(f"in {max(int(left.total_seconds() // 60), 0)} min")
        wanted = tuple(getattr(tenant, "scopes", None) or ())
        missing = [s for s in wanted if s.lower() not in seen]
        text.append(f"\n{'Scopes':<11}", style="dim")
        text.append(f"{len(granted)} granted", style="bold")
        if granted:
            text.append("\n" + "  ".join(safe_text(s, 120) for s in sorted(granted, key=str.lower)))
        if missing:
            text.append("\nNot granted: ", style="bold yellow")
            text.append(safe_text(", ".join(missing), 400))
        return text

    def _failure_text(self, name: str, exc: Exception) -> Text:
        from tui.api.errors import ApiError, AuthError, NetworkError

        text = Text.assemble(("✗ ", "bold red"))
        text.append(safe_text(name, 64), style="bold")
        if isinstance(exc, AuthError):
            text.append(": the identity service refused the token request")
            text.append(f"\n{'Error':<11}", style="dim")
            text.append(safe_text(exc.error, 100), style="bold")
            if exc.error_description:
                text.append(" — " + safe_text(exc.error_description, 400))
            text.append(f"\n{'Token URL':<11}", style="dim")
            text.append(safe_text(exc.token_url, 200))
            if exc.scopes:
                text.append(f"\n{'Scopes':<11}", style="dim")
                text.append(safe_text(" ".join(exc.scopes), 400))
        elif isinstance(exc, NetworkError):
            text.append(": cannot reach the service")
            text.append("\n" + safe_text(exc.message, 400))
            if exc.url:
                text.append(f"\n{'URL':<11}", style="dim")
                text.append(safe_text(exc.url, 200))
        elif isinstance(exc, ConfigError):
            text.append(": the tenant's settings are not usable")
            text.append("\n" + safe_text(_tilde(str(exc)), 600))
        else:
            text.append(": " + safe_text(str(exc) or type(exc).__name__, 600))
        hint = exc.hint if isinstance(exc, ApiError) else None
        if hint:
            text.append(f"\n{'Hint':<11}", style="bold yellow")
            text.append(safe_text(hint, 600))
        return text
