"""The Permissions screen: what the token holds, what each endpoint needs, what the service says.

Four tabs: **Token** (each scope bundle's decoded header and claims, a countdown to expiry, the raw
token only while revealed), **Scope matrix** (every catalogued endpoint, its scope(s), granted /
missing / unknown), **Probe** (the cheapest request per endpoint, streamed in; Enter opens one in
the inspector) and **Discovery** (a token request per catalogue scope: which the app registration
can obtain). The core is ``tui.perms``.

A thin composition: ``PermissionsModel`` (model.py) holds the state; ``TokenLoader``,
``ProbeLoader`` and ``DiscoveryLoader`` do the I/O in workers and post messages; this screen routes
those to the model and draws what it says: ``TokenView`` and one ``ResultsPane`` per table (its
filter, sort, status and, for the probe, the inspector). Every server or user string reaches the
terminal through ``safe_text`` / ``Text`` / PagedTable, never as markup.
"""

from __future__ import annotations

from pathlib import Path
import time
from typing import Any, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from tui.textsafe import safe_text
from tui.ui.permissions.loaders import DiscoveryLoader, ProbeLoader, TokenLoader
from tui.ui.permissions.messages import (DiscoveryFinished, DiscoveryProgress, DiscoveryRow, ProbeFinished, ProbeRow,
                                         ProbeStarted, TokensLoaded)
from tui.ui.permissions.model import PermissionsModel, Run
from tui.ui.permissions.render import (discovery_result_text, discovery_summary_text, matrix_summary_text,
                                       probe_summary_text)
from tui.ui.permissions.tabs import TABS, RowBatches, permission_tabs
from tui.ui.permissions.token_view import TokenView, tokens_status_text
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.results_pane import ResultsPane
from tui.ui.widgets.tenant_session import SessionReady, TenantSession

REVEAL_SECONDS = 10.0
FLUSH_SECONDS = 0.15
NARROW = 110


class PermissionsScreen(Screen):
    CSS_PATH = Path(__file__).with_name("permissions.tcss")   # absolute: a subclass elsewhere finds it too
    BINDINGS = [
        Binding("escape", "back", "Back / cancel"),
        Binding("p", "probe", "Probe endpoints"),
        Binding("d", "discover", "Discover scopes"),
        Binding("v", "reveal", "Reveal token (10 s)"),
        Binding("r", "refresh", "Refresh tokens"),
        Binding("slash", "filter", "Filter"),       # off a table (the Token tab): the tab's or the matrix's filter
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
        self.model = PermissionsModel(tenant_name, focus_endpoint)
        self.clock = clock
        self.concurrency = concurrency
        self.reveal_seconds = reveal_seconds
        self.session: Any = None
        self._reveal_timer: Any = None
        self._focus_filtered = False
        self.batches = RowBatches(lambda which, rows: self.table(which).append_rows(rows),
                                  lambda: self.set_timer(FLUSH_SECONDS, self.batches.flush))

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield from permission_tabs("matrix" if self.model.focus_endpoint else "token")
        with Horizontal(id="perm-status-bar"):
            yield Static(Text("connecting…", style="dim"), id="perm-status")
        yield Footer()
        yield TenantSession(self.tenant_name, self.app.session_for)

    def pane(self, tab: str) -> ResultsPane | None:
        return self.query_one(f"#{tab}-pane", ResultsPane) if tab in ("matrix", "probe", "discovery") else None

    def table(self, tab: str) -> PagedTable:
        return self.query_one(f"#{tab}-table", PagedTable)

    def on_mount(self) -> None:
        self.query_one(AppHeader).show_tenant(self.tenant_name, getattr(self.app, "directory", None), "Permissions")
        self._fill_matrix()
        self.set_interval(1.0, self._tick)
        self.call_after_refresh(self._focus_tab, self._active_tab())

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    # -- session and tokens --------------------------------------------------------------------------
    def on_session_ready(self, message: SessionReady) -> None:
        if message.error is not None:
            self.model.session_error = message.error
            text = Text(f"Cannot open {safe_text(self.tenant_name, 60)}: ", style="bold red")
            text.append(safe_text(str(message.error), 400))
            self.set_status(text)
            self.query_one("#token-view", Static).update(text)
            return
        self.session = message.session
        self.query_one(AppHeader).accent = getattr(getattr(self.session, "tenant", None), "accent", None)
        self.set_status(Text("getting the token…", style="dim"))
        self.run_worker(TokenLoader(self, self.session).run(), exclusive=True, group="perm-tokens")
        for action in self.model.take_pending():
            getattr(self, f"action_{action}")()

    def on_tokens_loaded(self, message: TokensLoaded) -> None:
        self.model.apply_tokens(message.infos)
        self.render_tokens()
        self._fill_matrix()
        self.set_status(tokens_status_text(self.model.infos, self.model.granted))

    def _tick(self) -> None:
        if self.model.has_token:
            self.render_tokens()

    def render_tokens(self) -> None:
        if self.model.infos is None:
            return
        self.query_one("#token-view", TokenView).show(self.model.infos, self.clock(), revealed=self.model.revealed,
                                                     reveal_seconds=self.reveal_seconds)

    # -- matrix tab ----------------------------------------------------------------------------------
    def _fill_matrix(self) -> None:
        catalog = self.app.catalog
        table = self.table("matrix")
        keep = table.filter_text
        table.clear()
        table.append_rows(self.model.build_matrix(catalog))
        focus = self.model.focus_in(catalog)
        if keep:
            table.set_filter(keep)
        elif focus and not self._focus_filtered:      # opened for one endpoint: filtered to it, once
            self._focus_filtered = True
            table.set_filter(focus)
            self.pane("matrix").open_filter(focus)
        if focus:
            for pos in range(table.visible_count):
                row = table.store.rows[table.row_id_at(pos)]
                if row.get("endpoint") == focus:
                    table.move_cursor(row=pos)
                    break
        self.render_matrix_summary()

    def render_matrix_summary(self) -> None:
        m = self.model
        self.query_one("#matrix-summary", Static).update(
            matrix_summary_text(m.matrix, m.granted, self.app.catalog, m.focus_endpoint))

    @on(ResultsPane.RowSelected, "#matrix-table")
    def _matrix_row_selected(self, message: ResultsPane.RowSelected) -> None:
        row = message.row
        if isinstance(row, dict) and row.get("endpoint"):
            self.model.focus_endpoint = row["endpoint"]
            self.render_matrix_summary()

    def _restart_table(self, which: str) -> None:
        """A new run: no rows, the same filter."""
        self.batches.drop(which)
        table = self.table(which)
        keep = table.filter_text
        table.clear()
        if keep:
            table.set_filter(keep)

    # -- probe tab ------------------------------------------------------------------------------------
    def _begin(self, action: str, tab: str, run: Run, busy: str) -> int | None:
        """A new numbered run shown on ``tab``; None when the session is not open yet (it runs once
        it is) or a run is already going."""
        self._show_tab(tab)
        if self.session is None:
            self.model.defer(action)
            return None
        if run.running:
            self.notify(Text(busy), severity="warning")
            return None
        number = run.start()
        self._restart_table(tab)
        return number

    def action_probe(self) -> None:
        run = self._begin("probe", "probe", self.model.probe, "The probe is running; Esc cancels it.")
        if run is None:
            return
        self.render_probe_summary()
        self.run_worker(ProbeLoader(self, self.session, self.app.catalog, run=run, concurrency=self.concurrency).run(),
                        exclusive=True, group="perm-probe")

    def on_probe_started(self, message: ProbeStarted) -> None:
        changed = self.model.probe_started(message.run, message.plans, message.infos)
        if changed is None:
            return
        if changed:
            self._fill_matrix()
        if message.infos:
            self.render_tokens()
        self.render_probe_summary()

    def on_probe_row(self, message: ProbeRow) -> None:
        row = self.model.probe_row(message.run, message.result)
        if row is not None:
            self.batches.add("probe", row)
            self.render_probe_summary()

    def on_probe_finished(self, message: ProbeFinished) -> None:
        if not self.model.probe_finished(message.run, cancelled=message.cancelled, error=message.error):
            return
        self.batches.flush()
        table = self.table("probe")
        if table.sort_column is None:           # streamed in as answered; settled: grouped by outcome
            table.sort_by("outcome")
        self.render_probe_summary()

    def render_probe_summary(self) -> None:
        m = self.model
        t = probe_summary_text(m.probe.results, m.granted, probing=m.probe.running, total=m.probe.total,
                               concurrency=self.concurrency, note=m.probe.note)
        if t.plain:     # fixed height (CSS): no layout pass per streamed row
            self.query_one("#probe-summary", Static).update(t, layout=False)

    @on(ResultsPane.RowSelected, "#probe-table")
    def _probe_row_selected(self, message: ResultsPane.RowSelected) -> None:
        r = self.model.probe_result_at(message.row_index)
        if r is None:
            return
        if r.exchange is None:
            self.notify(Text(f"{r.endpoint.id}: not sent — {r.note or r.message}"), severity="information")
            return
        self.show_inspector(True)
        self.query_one("#probe-inspector", ExchangeInspector).show_exchange(r.exchange)

    def show_inspector(self, show: bool) -> None:
        self.pane("probe").show_detail(show)
        self.set_class(show, "-inspecting")
        if show:
            self.query_one("#probe-inspector", ExchangeInspector).focus()

    def action_toggle_inspector(self) -> None:
        if self.pane("probe").detail_shown:
            self.show_inspector(False)
            return
        r = self.model.probe_result_at(self.table("probe").current_row_index())
        if r is not None and r.exchange is not None:
            self.query_one("#probe-inspector", ExchangeInspector).show_exchange(r.exchange)
            self._show_tab("probe")
            self.show_inspector(True)

    # -- discovery tab --------------------------------------------------------------------------------
    def action_discover(self) -> None:
        run = self._begin("discover", "discovery", self.model.discovery, "Discovery is running; Esc cancels it.")
        if run is None:
            return
        self.pane("discovery").show_progress(len(self.app.catalog.all_scopes()), 0)
        self.render_discovery_summary()
        self.run_worker(DiscoveryLoader(self, self.session, self.app.catalog, run=run,
                                        concurrency=self.concurrency).run(), exclusive=True, group="perm-discover")

    def on_discovery_progress(self, message: DiscoveryProgress) -> None:
        if self.model.discovery.current(message.run):
            self.pane("discovery").show_progress(message.total, message.done)

    def on_discovery_row(self, message: DiscoveryRow) -> None:
        row = self.model.discovery_row(message.run, message.result)
        if row is not None:
            self.batches.add("discovery", row)
            self.render_discovery_summary()

    def on_discovery_finished(self, message: DiscoveryFinished) -> None:
        if not self.model.discovery_finished(message.run, cancelled=message.cancelled, error=message.error):
            return
        self.batches.flush()
        table = self.table("discovery")
        if table.sort_column is None:
            table.sort_by("scope")
        self.pane("discovery").hide_progress()
        self.render_discovery_summary()

    def render_discovery_summary(self) -> None:
        d = self.model.discovery
        t = discovery_summary_text(d.results, discovering=d.running, total=len(self.app.catalog.all_scopes()),
                                   note=d.note)
        self.query_one("#discovery-summary", Static).update(t, layout=False)

    @on(ResultsPane.RowSelected, "#discovery-table")
    def _discovery_row_selected(self, message: ResultsPane.RowSelected) -> None:
        r = self.model.discovery_result_at(message.row_index)
        if r is not None:
            self.notify(discovery_result_text(r), severity="information" if r.state == "granted" else "warning",
                        timeout=8)

    # -- reveal, refresh --------------------------------------------------------------------------------
    def action_reveal(self) -> None:
        if self.model.revealed:
            self._mask()
            return
        if not self.model.has_token:
            self.notify(Text("No token to reveal yet."), severity="warning")
            return
        self.model.revealed = True
        self._show_tab("token")
        self.render_tokens()
        if self._reveal_timer is not None:
            self._reveal_timer.stop()
        self._reveal_timer = self.set_timer(self.reveal_seconds, self._mask)
        self.notify(Text(f"Token shown for {self.reveal_seconds:g} s: anyone who sees it can call the API "
                         "until it expires."), severity="warning")

    def _mask(self) -> None:
        self.model.revealed = False
        if self._reveal_timer is not None:
            self._reveal_timer.stop()
            self._reveal_timer = None
        self.render_tokens()

    def action_refresh(self) -> None:
        if self.session is None:
            return
        self.set_status(Text("getting a new token…", style="dim"))
        self.run_worker(TokenLoader(self, self.session, refresh=True).run(), exclusive=True, group="perm-tokens")

    # -- tabs, back -----------------------------------------------------------------------------------------
    def _active_tab(self) -> str:
        return self.query_one("#perm-tabs", TabbedContent).active or "token"

    def _show_tab(self, tab: str) -> None:
        tabs = self.query_one("#perm-tabs", TabbedContent)
        if tabs.active != tab:
            tabs.active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        pane = self.pane(tab)
        if pane is None:
            self.query_one("#token-scroll").focus()
        elif tab == "probe" and pane.detail_shown:
            self.query_one("#probe-inspector", ExchangeInspector).focus()
        else:
            pane.focus_table()

    def action_tab(self, tab: str) -> None:
        if tab in TABS:
            self._show_tab(tab)

    def action_filter(self) -> None:
        """``/`` off a table: the Token tab filters the scope matrix; elsewhere the tab's own filter."""
        tab = self._active_tab()
        if tab == "token":
            tab = "matrix"
            self._show_tab(tab)
        pane = self.pane(tab)
        self.call_after_refresh(pane.action_filter)

    def action_back(self) -> None:
        if self.pane("probe").detail_shown:
            self.show_inspector(False)
            return
        stop = self.model.to_cancel(self._active_tab())
        if stop is not None:
            self.workers.cancel_group(self, "perm-probe" if stop == "probe" else "perm-discover")
            return
        if self.model.revealed:
            self._mask()
        self.app.pop_screen()

    def set_status(self, text: Text) -> None:
        self.query_one("#perm-status", Static).update(text)

    def on_unmount(self) -> None:
        # Nothing of the token stays on screen once it is gone.
        self.model.revealed = False
