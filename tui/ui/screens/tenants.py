"""The first screen: every tenant you can open, and the place to add, edit, test and pick them.

Configured tenants come from the config file, demo tenants from the built-in simulator. Every
cell is a ``rich.text.Text`` (tenant names are user text and ``[@click=app.quit]`` must show
literally); paths show the home directory as ``~``. Nothing here writes the config file except
through ``tui.config``'s locked, atomic helpers.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from tui.config import ConfigError, delete_tenant, set_default_tenant
from tui.tenants import TenantEntry
from tui.textsafe import safe_text
from tui.ui.screens.tenant_render import (COLUMNS, detail_text, display_path, failure_text, notice_text, row_key,
                                          success_text, tenant_cells, testing_text, tilde)
from tui.ui.widgets.compact_table import CompactTable
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.notice_box import NoticeBox

__all__ = ["TenantScreen", "display_path", "ConnectionTested"]  # ConfirmDelete: see __getattr__

NOTICE_ACTIONS = (("Add tenant (a)", "screen.add", True), ("Open demo-aos", "screen.open_demo", False))
TEST_HINT = Text("Press x to test the highlighted tenant: avegraph asks its identity service for a token "
                 "and lists the scopes it grants. No other request is made.", style="dim")
WIDE = 140  # from this width the test result sits beside the details instead of under them


def __getattr__(name: str):
    if name == "ConfirmDelete":  # the delete question and its Buttons load when first asked
        from tui.ui.screens.tenant_confirm import ConfirmDelete
        return ConfirmDelete
    raise AttributeError(name)


class ConnectionTested(Message):
    """A connection test ended: the token of each scope bundle (``tui.perms.TokenInfo``), or why not."""

    def __init__(self, name: str, tenant=None, infos: list | None = None, error: BaseException | None = None):
        super().__init__()
        self.name = name
        self.tenant = tenant
        self.infos = infos or []
        self.error = error


async def test_tokens(session) -> list:
    """A fresh token for every scope bundle (``x`` asks the identity service, not the cache), described
    by ``tui.perms.token_infos`` as ``avegraph token`` describes them. Raises the first failure."""
    from tui.perms import token_infos
    for bundle in session.bundles:
        await session.token(bundle, force=True)
    return await token_infos(session, acquire=False)


class TenantTable(CompactTable):
    """The tenant list. A first click highlights a row, a second click on it opens the tenant."""

    DEFAULT_CSS = """
    TenantTable { max-height: 60%; }
    """


class TenantScreen(Screen):
    """Configured and demo tenants; Enter opens the explorer."""

    AUTO_FOCUS = "#tenants"  # focused as it is composed: no detour through the notice's buttons

    DEFAULT_CSS = """
    TenantScreen { layout: vertical; }
    TenantScreen #side { height: 1fr; }
    TenantScreen #detail { height: auto; padding: 0 1; margin-top: 1; }
    TenantScreen #test-result { height: auto; margin: 1 1 0 1; padding: 0 1; border: round $panel-lighten-2;
                                border-title-color: $text-muted; }
    TenantScreen #test-result.-visible { border: round $accent; }
    TenantScreen #test-result.-ok { border: round $success; }
    TenantScreen #test-result.-failed { border: round $error; }
    TenantScreen.-wide #side { layout: horizontal; }
    TenantScreen.-wide #detail { width: 1fr; }
    TenantScreen.-wide #test-result { width: 1fr; }
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
        # Few widgets on purpose: this is the first screen, and start-up is judged against an empty
        # Textual app (each widget is styled, laid out and painted before the first frame).
        yield AppHeader()
        text, error, actions = notice_text(self.directory)
        yield NoticeBox(text, error=error, actions=NOTICE_ACTIONS if actions else (), id="notice")
        yield TenantTable(id="tenants")
        with VerticalScroll(id="side"):
            yield Static(id="detail")
            yield Static(TEST_HINT, id="test-result")
        # The footer is mounted in on_mount, once AUTO_FOCUS has focused the table: it is built
        # once, with the keys it shows, instead of empty and then again (a layout and a paint).

    def on_mount(self) -> None:
        self.mount(Footer())
        header = self.query_one(AppHeader)
        header.tenant = None
        header.crumbs = ()
        self.refresh_tenants()
        self._filled_before_resume = self.stack_updates == 0
        self.query_one("#test-result").border_title = "Connection test"
        self.query_one(TenantTable).focus()

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
        self.entries = {}
        for entry in self.directory.entries():
            self.entries.setdefault(row_key(entry), entry)
        rows = [(key, tenant_cells(entry, default)) for key, entry in self.entries.items()]
        table.set_rows([label for _key, label in COLUMNS], rows, cursor_key=self._key_of(keep))
        self._update_notice()
        self._update_detail()

    @property
    def current(self) -> TenantEntry | None:
        return self.entries.get(self.query_one(TenantTable).cursor_key or "")

    @property
    def current_name(self) -> str | None:
        entry = self.current
        return entry.name if entry else None

    def _key_of(self, name: str | None) -> str | None:
        """The row key of a tenant name (configured first, then demo)."""
        return next((key for key in (f"cfg:{name}", f"demo:{name}") if key in self.entries), None)

    def select_tenant(self, name: str) -> bool:
        """Move the cursor to the tenant (configured first, then demo)."""
        key = self._key_of(name)
        if key is not None:
            table = self.query_one(TenantTable)
            table.move_cursor_to(table.row_index(key))
        return key is not None

    # -- the notice above the table ------------------------------------------------------------------
    def _update_notice(self) -> None:
        text, error, actions = notice_text(self.directory)
        self.query_one(NoticeBox).show(text, error=error, actions=NOTICE_ACTIONS if actions else ())

    # -- the detail panel ----------------------------------------------------------------------------
    @on(CompactTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        self.query_one("#detail", Static).update(detail_text(self.current, self.directory.default_name()))

    # -- opening ------------------------------------------------------------------------------------
    @on(CompactTable.RowSelected)
    def _row_selected(self, event: CompactTable.RowSelected) -> None:
        event.stop()
        entry = self.entries.get(event.key or "")
        if entry is not None:
            self.app.open_explorer(entry.name)

    def action_open(self) -> None:
        entry = self.current
        if entry is not None:
            self.app.open_explorer(entry.name)

    def action_open_demo(self) -> None:
        """The notice's "Open demo-aos" (the keyboard's way is Enter on the demo row)."""
        self.app.open_explorer("demo-aos")

    # -- add / edit / delete ---------------------------------------------------------------------------
    def _names(self) -> tuple[list[str], list[str]]:
        configured = [e.name for e in self.entries.values() if not e.demo]
        demo = [e.name for e in self.entries.values() if e.demo]
        return configured, demo

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
        from tui.ui.screens.tenant_confirm import ConfirmDelete
        self.app.push_screen(ConfirmDelete(name, self.directory.config_path),
                             lambda yes: self._delete_confirmed(name) if yes else None)

    def _delete_confirmed(self, name: str) -> None:
        table = self.query_one(TenantTable)
        row = table.cursor_row
        try:
            removed = delete_tenant(self.directory.config_path, name)
        except (ConfigError, OSError) as exc:
            self.notify(f"Not deleted: {safe_text(tilde(str(exc)))}", severity="error", markup=False)
            return
        self._forget_session(name)
        self.refresh_tenants(reload=True)
        # the row that took the deleted tenant's place (or the new last row)
        table.move_cursor_to(row)  # kept in range by the table
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
            self.notify(f"Default not saved: {safe_text(tilde(str(exc)))}", severity="error", markup=False)
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
        box = self.query_one("#test-result", Static)
        box.add_class("-visible")
        box.set_class(state == "ok", "-ok")
        box.set_class(state == "failed", "-failed")
        box.update(text)

    def test_connection(self, name: str) -> None:
        """Acquire a token for every scope bundle of the tenant; pressing x again cancels this one."""
        self.tested = name
        self._show_test(testing_text(name))
        self._run_test(name)

    @work(exclusive=True, group="test-connection")
    async def _run_test(self, name: str) -> None:
        try:
            # Resolving a demo tenant starts the simulator (blocking): off the event loop.
            session = await asyncio.to_thread(self.app.session_for, name)
            infos = await test_tokens(session)
        except Exception as exc:  # noqa: BLE001 - every failure is shown in the panel, none is raised
            self.post_message(ConnectionTested(name, error=exc))
        else:
            self.post_message(ConnectionTested(name, session.tenant, infos))

    @on(ConnectionTested)
    def _tested(self, event: ConnectionTested) -> None:
        if event.name != self.tested:
            return  # a test of another tenant, superseded
        if event.error is not None:
            self._show_test(failure_text(event.name, event.error), "failed")
        else:
            self._show_test(success_text(event.name, event.tenant, event.infos), "ok")
        if any(e.demo and e.config is None for e in self.entries.values()):
            self.refresh_tenants()  # the demo server runs now: show the demo tenants' settings
        self.query_one("#test-result").scroll_visible(animate=False)
