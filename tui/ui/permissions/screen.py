"""The Permissions screen: what the token holds, what each endpoint needs, what the service says.

Four tabs: **Token** (each scope bundle's decoded header and claims, a countdown to expiry, the raw
token only while revealed), **Scope matrix** (every catalogued endpoint, its scope(s), granted /
missing / unknown), **Probe** (the cheapest request per endpoint, streamed in; Enter opens one in
the inspector) and **Discovery** (a token request per catalogue scope: which the app registration
can obtain). The core is ``tui.perms``; this module only shows it.

House style: workers do the I/O and post messages; the handlers own the state. Every server or
user string reaches the terminal through ``safe_text`` / ``Text`` / PagedTable, never as markup.

This module holds the screen: its state, layout, bindings, the token and matrix tabs, tabs and
filter. Beside it: ``permissions_probe`` and ``permissions_discovery`` (those tabs' actions,
workers and handlers, mixed in), ``permissions_token`` (the Token tab's view),
``permissions_render`` (row colours, summary lines) and ``permissions_messages``.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static, TabbedContent, TabPane

from tui import perms
from tui.textsafe import safe_text
from tui.ui.screens.permissions_discovery import DiscoveryTabMixin
from tui.ui.permissions.messages import (DiscoveryFinished, DiscoveryProgress, DiscoveryRow, ProbeFinished,
                                                 ProbeRow, ProbeStarted, TokensLoaded)
from tui.ui.screens.permissions_probe import ProbeTabMixin
from tui.ui.permissions.render import (discovery_result_text, discovery_style, matrix_style,
                                               matrix_summary_text, probe_style)
from tui.ui.permissions.token_view import TokenView, tokens_status_text
from tui.ui.screens.tenant_session import SessionReady, TenantSessionMixin
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable

# The names other modules and tests import from here, wherever they now live.
__all__ = ["FLUSH_SECONDS", "NARROW", "REVEAL_SECONDS", "TABS", "DiscoveryFinished", "DiscoveryProgress",
           "DiscoveryRow", "PermissionsScreen", "ProbeFinished", "ProbeRow", "ProbeStarted", "TokensLoaded",
           "discovery_style", "matrix_style", "probe_style"]

REVEAL_SECONDS = 10.0
FLUSH_SECONDS = 0.15
TABS = ("token", "matrix", "probe", "discovery")
TABLES = {"matrix": "#matrix-table", "probe": "#probe-table", "discovery": "#discovery-table"}
NARROW = 110


class PermissionsScreen(ProbeTabMixin, DiscoveryTabMixin, TenantSessionMixin, Screen):
    CSS_PATH = "permissions.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back / cancel"),
        Binding("p", "probe", "Probe endpoints"),
        Binding("d", "discover", "Discover scopes"),
        Binding("v", "reveal", "Reveal token (10 s)"),
        Binding("r", "refresh", "Refresh tokens"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort column"),
        Binding("i", "toggle_inspector", "Inspector", show=False),
        Binding("1", "tab('token')", "Token tab", show=False),
        Binding("2", "tab('matrix')", "Scope matrix tab", show=False),
        Binding("3", "tab('probe')", "Probe tab", show=False),
        Binding("4", "tab('discovery')", "Discovery tab", show=False),
    ]

    def __init__(self, tenant_name: str, focus_endpoint: str | None = None, *,
                 clock: Callable[[], float] = time.time, concurrency: int = 4,
                 reveal_seconds: float = REVEAL_SECONDS) -> None:
        super().__init__()
        self.tenant_name = tenant_name
        self.focus_endpoint = focus_endpoint
        self.clock = clock
        self.concurrency = concurrency
        self.reveal_seconds = reveal_seconds
        self.session: Any = None
        self.session_error: BaseException | None = None
        self.infos: list[perms.TokenInfo] | None = None
        self.granted: dict[str, str] | None = None
        self.matrix: list[perms.MatrixRow] = []
        self.revealed = False
        self._reveal_timer: Any = None
        self._filters: dict[str, str] = {}
        # probe
        self._probe_run = 0
        self.probing = False
        self.probe_results: list[perms.ProbeResult] = []
        self.probe_total = 0
        self.probe_note: str | None = None
        # discovery
        self._disc_run = 0
        self.discovering = False
        self.discovery_results: list[perms.DiscoveryResult] = []
        self.discovery_note: str | None = None
        self._pending: list[str] = []
        self._buffers: dict[str, list[dict]] = {"probe": [], "discovery": []}
        self._flush_timer: Any = None
        self._filter_wanted: str | None = None

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with TabbedContent(initial="matrix" if self.focus_endpoint else "token", id="perm-tabs"):
            with TabPane("Token", id="token"):
                with VerticalScroll(id="token-scroll"):
                    yield TokenView(Text("Getting the token…", style="dim"), id="token-view")
            with TabPane("Scope matrix", id="matrix"):
                yield Static("", id="matrix-summary")
                yield PagedTable(id="matrix-table", row_style_fn=matrix_style, empty_text="No endpoints",
                                 preferred=("token", "endpoint", "scope", "note", "method", "path", "service"))
            with TabPane("Probe", id="probe"):
                yield Static(Text("Press p to call each list endpoint once, the cheapest way (page size 1), "
                                  "and see what the service really answers.", style="dim"), id="probe-summary")
                yield PagedTable(id="probe-table", row_style_fn=probe_style,
                                 empty_text="Not probed yet: press p",
                                 preferred=("outcome", "endpoint", "scope", "message", "request-id", "token",
                                            "catalogue"))
                yield ExchangeInspector(id="probe-inspector")
            with TabPane("Discovery", id="discovery"):
                yield Static(Text("Press d to ask the identity service for a token per catalogue scope: "
                                  "which permissions does this app registration have?", style="dim"),
                             id="discovery-summary")
                yield ProgressBar(id="discovery-progress", show_eta=False)
                yield PagedTable(id="discovery-table", row_style_fn=discovery_style,
                                 empty_text="Not asked yet: press d",
                                 preferred=("scope", "result", "endpoints", "identity service says"))
        yield Input(placeholder="filter rows (! inverts) — Enter keeps it, Esc clears it", id="perm-filter")
        with Horizontal(id="perm-status-bar"):
            yield Static(Text("connecting…", style="dim"), id="perm-status")
        yield Footer()

    def on_mount(self) -> None:
        header = self.query_one(AppHeader)
        header.tenant = self.tenant_name
        header.crumbs = ("Permissions",)
        directory = getattr(self.app, "directory", None)
        try:
            header.demo = any(e.name == self.tenant_name and e.demo for e in directory.entries()) \
                if directory is not None else False
        except Exception:  # listing tenants must never break this screen
            header.demo = False
        self.query_one("#perm-filter").display = False
        self.query_one("#probe-inspector").display = False
        self.query_one("#discovery-progress").display = False
        self._fill_matrix()
        self.set_interval(1.0, self._tick)
        self.call_after_refresh(self._focus_tab, self._active_tab())
        self.connect()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    # -- session ------------------------------------------------------------------------------------
    def on_session_ready(self, message: SessionReady) -> None:
        if message.error is not None:
            self.session_error = message.error
            text = Text(f"Cannot open {safe_text(self.tenant_name, 60)}: ", style="bold red")
            text.append(safe_text(str(message.error), 400))
            self.set_status(text)
            self.query_one("#token-view", Static).update(text)
            return
        self.session = message.session
        self.query_one(AppHeader).accent = getattr(getattr(self.session, "tenant", None), "accent", None)
        self.set_status(Text("getting the token…", style="dim"))
        self.load_tokens()
        pending, self._pending = self._pending, []
        for action in pending:
            getattr(self, f"action_{action}")()

    @work(exclusive=True, group="perm-tokens")
    async def load_tokens(self) -> None:
        infos = await perms.token_infos(self.session)
        self.post_message(TokensLoaded(infos))

    def on_tokens_loaded(self, message: TokensLoaded) -> None:
        self.infos = message.infos
        self.granted = perms.granted_of(self.infos)
        self.render_tokens()
        self._fill_matrix()
        self.set_status(tokens_status_text(self.infos, self.granted))

    # -- token tab ------------------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.infos and any(i.claims is not None for i in self.infos):
            self.render_tokens()

    def render_tokens(self) -> None:
        if self.infos is None:
            return
        self.query_one("#token-view", TokenView).show(self.infos, self.clock(), revealed=self.revealed,
                                                     reveal_seconds=self.reveal_seconds)

    # -- matrix tab ----------------------------------------------------------------------------------
    def _fill_matrix(self) -> None:
        catalog = self.app.catalog
        self.matrix = perms.scope_matrix(catalog, self.granted)
        table = self.query_one("#matrix-table", PagedTable)
        keep = table.filter_text
        table.clear()
        table.append_rows([r.to_row() for r in self.matrix])
        focus = self.focus_endpoint if self.focus_endpoint and catalog.find(self.focus_endpoint) else None
        if keep:
            table.set_filter(keep)
        elif focus and "matrix" not in self._filters:
            self._filters["matrix"] = focus
            table.set_filter(focus)
            if self._active_tab() == "matrix":
                self._show_filter_value("matrix")
        if focus:
            for pos in range(table.visible_count):
                row = table.store.rows[table.row_id_at(pos)]
                if row.get("endpoint") == focus:
                    table.move_cursor(row=pos)
                    break
        self.render_matrix_summary()

    def render_matrix_summary(self) -> None:
        self.query_one("#matrix-summary", Static).update(
            matrix_summary_text(self.matrix, self.granted, self.app.catalog, self.focus_endpoint))

    # Streamed rows reach the tables in batches: a table's growth costs a layout pass of the screen.
    def _buffer(self, which: str, row: dict) -> None:
        self._buffers[which].append(row)
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(FLUSH_SECONDS, self._flush_rows)

    def _flush_rows(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        for which, rows in self._buffers.items():
            if rows:
                self._buffers[which] = []
                self.query_one(f"#{which}-table", PagedTable).append_rows(rows)

    # -- rows chosen (@on handlers live here: Textual registers them only on classes it builds) ----
    @on(PagedTable.RowSelected, "#probe-table")
    def _probe_row_selected(self, message: PagedTable.RowSelected) -> None:
        if not (0 <= message.row_index < len(self.probe_results)):
            return
        r = self.probe_results[message.row_index]
        if r.exchange is None:
            self.notify(Text(f"{r.endpoint.id}: not sent — {r.note or r.message}"), severity="information")
            return
        self.show_inspector(True)
        self.query_one("#probe-inspector", ExchangeInspector).show_exchange(r.exchange)

    @on(PagedTable.RowSelected, "#matrix-table")
    def _matrix_row_selected(self, message: PagedTable.RowSelected) -> None:
        row = message.row
        if isinstance(row, dict) and row.get("endpoint"):
            self.focus_endpoint = row["endpoint"]
            self.render_matrix_summary()

    @on(PagedTable.RowSelected, "#discovery-table")
    def _discovery_row_selected(self, message: PagedTable.RowSelected) -> None:
        if not (0 <= message.row_index < len(self.discovery_results)):
            return
        r = self.discovery_results[message.row_index]
        self.notify(discovery_result_text(r), severity="information" if r.state == "granted" else "warning", timeout=8)

    # -- reveal, refresh --------------------------------------------------------------------------------
    def action_reveal(self) -> None:
        if self.revealed:
            self._mask()
            return
        if not self.infos or not any(i.claims is not None for i in self.infos):
            self.notify(Text("No token to reveal yet."), severity="warning")
            return
        self.revealed = True
        self._show_tab("token")
        self.render_tokens()
        if self._reveal_timer is not None:
            self._reveal_timer.stop()
        self._reveal_timer = self.set_timer(self.reveal_seconds, self._mask)
        self.notify(Text(f"Token shown for {self.reveal_seconds:g} s: anyone who sees it can call the API "
                         "until it expires."), severity="warning")

    def _mask(self) -> None:
        self.revealed = False
        if self._reveal_timer is not None:
            self._reveal_timer.stop()
            self._reveal_timer = None
        self.render_tokens()

    def action_refresh(self) -> None:
        if self.session is None:
            return
        self.set_status(Text("getting a new token…", style="dim"))
        self.refresh_tokens()

    @work(exclusive=True, group="perm-tokens")
    async def refresh_tokens(self) -> None:
        for b in self.session.bundles:
            try:
                await self.session.token(b, force=True)
            except Exception:  # shown by token_infos below, per bundle
                pass
        infos = await perms.token_infos(self.session, acquire=True)
        self.post_message(TokensLoaded(infos))

    # -- tabs, filter, back --------------------------------------------------------------------------------
    def _active_tab(self) -> str:
        return self.query_one("#perm-tabs", TabbedContent).active or "token"

    def _show_tab(self, tab: str) -> None:
        tabs = self.query_one("#perm-tabs", TabbedContent)
        if tabs.active != tab:
            tabs.active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        inspector = self.query_one("#probe-inspector", ExchangeInspector)
        if tab == "probe" and inspector.display:
            inspector.focus()
            return
        table = self._table_for(tab)
        (table or self.query_one("#token-scroll")).focus()

    def action_tab(self, tab: str) -> None:
        if tab in TABS:
            self._show_tab(tab)

    def _table_for(self, tab: str) -> PagedTable | None:
        selector = TABLES.get(tab)
        return self.query_one(selector, PagedTable) if selector else None

    def _show_filter_value(self, tab: str) -> None:
        filt = self.query_one("#perm-filter", Input)
        value = self._filters.get(tab, "")
        if filt.value != value:
            with filt.prevent(Input.Changed):
                filt.value = value

    @on(TabbedContent.TabActivated, "#perm-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id if event.pane is not None else None
        filt = self.query_one("#perm-filter", Input)
        if tab not in TABLES:
            filt.display = False
            return
        self._show_filter_value(tab)
        if self._filter_wanted == tab:          # "/" pressed on another tab: the filter opens here
            self._filter_wanted = None
            filt.display = True
            filt.focus()
        else:
            filt.display = bool(self._filters.get(tab))

    def action_sort(self) -> None:
        table = self._table_for(self._active_tab())
        if table is not None:
            table.action_sort_column()

    def action_filter(self) -> None:
        tab = self._active_tab()
        if tab == "token":
            self._filter_wanted = "matrix"
            self._show_tab("matrix")
            return
        filt = self.query_one("#perm-filter", Input)
        self._show_filter_value(tab)
        filt.display = True
        filt.focus()

    @on(Input.Changed, "#perm-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        tab = self._active_tab()
        table = self._table_for(tab)
        if table is None:
            return
        self._filters[tab] = event.value
        table.set_filter(event.value)

    @on(Input.Submitted, "#perm-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        table = self._table_for(self._active_tab())
        if table is not None:
            table.focus()

    def action_back(self) -> None:
        filt = self.query_one("#perm-filter", Input)
        if filt.display and filt.has_focus:
            filt.value = ""                     # Esc drops the filter; Enter keeps it
            filt.display = False
            table = self._table_for(self._active_tab())
            if table is not None:
                table.focus()
            return
        inspector = self.query_one("#probe-inspector", ExchangeInspector)
        if inspector.display:
            self.show_inspector(False)
            return
        tab = self._active_tab()
        if self.probing and (tab == "probe" or not self.discovering):
            self.workers.cancel_group(self, "perm-probe")
            return
        if self.discovering:
            self.workers.cancel_group(self, "perm-discover")
            return
        if self.revealed:
            self._mask()
        self.app.pop_screen()

    def set_status(self, text: Text) -> None:
        self.query_one("#perm-status", Static).update(text)

    def on_unmount(self) -> None:
        # Nothing of the token stays on screen once it is gone.
        self.revealed = False

