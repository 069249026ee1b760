"""The Permissions screen: what the token holds, what each endpoint needs, what the service says.

Four tabs: **Token** (each scope bundle's decoded header and claims, a countdown to expiry, the raw
token only while revealed), **Scope matrix** (every catalogued endpoint, its scope(s), granted /
missing / unknown), **Probe** (the cheapest request per endpoint, streamed in; Enter opens one in
the inspector) and **Discovery** (a token request per catalogue scope: which the app registration
can obtain). The core is ``tui.perms``; this module only shows it.

House style: workers do the I/O and post messages; the handlers own the state. Every server or
user string reaches the terminal through ``safe_text`` / ``Text`` / PagedTable, never as markup.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static, TabbedContent, TabPane

from tui import perms
from tui.ui.screens.tenant_session import SessionReady, TenantSessionMixin
from tui.api.redact import mask
from tui.hints import registration_place
from tui.textsafe import safe_multiline, safe_text
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable

REVEAL_SECONDS = 10.0
FLUSH_SECONDS = 0.15
TABS = ("token", "matrix", "probe", "discovery")
NARROW = 110


# ------------------------------------------------------------------------------------------------
# Messages posted by the workers
# ------------------------------------------------------------------------------------------------

class TokensLoaded(Message):
    def __init__(self, infos: list) -> None:
        super().__init__()
        self.infos = infos


class ProbeStarted(Message):
    def __init__(self, run: int, plans: list, infos: list) -> None:
        super().__init__()
        self.run, self.plans, self.infos = run, plans, infos


class ProbeRow(Message):
    def __init__(self, run: int, result: Any) -> None:
        super().__init__()
        self.run, self.result = run, result


class ProbeFinished(Message):
    def __init__(self, run: int, cancelled: bool = False, error: str | None = None) -> None:
        super().__init__()
        self.run, self.cancelled, self.error = run, cancelled, error


class DiscoveryRow(Message):
    def __init__(self, run: int, result: Any) -> None:
        super().__init__()
        self.run, self.result = run, result


class DiscoveryProgress(Message):
    def __init__(self, run: int, done: int, total: int) -> None:
        super().__init__()
        self.run, self.done, self.total = run, done, total


class DiscoveryFinished(Message):
    def __init__(self, run: int, cancelled: bool = False, error: str | None = None) -> None:
        super().__init__()
        self.run, self.cancelled, self.error = run, cancelled, error


# ------------------------------------------------------------------------------------------------
# Row colours
# ------------------------------------------------------------------------------------------------

def matrix_style(row: Any) -> str | None:
    state = row.get("token") if isinstance(row, dict) else None
    return "failed" if state == "missing" else "attention" if state == "unknown" else None


def probe_style(row: Any) -> str | None:
    out = row.get("outcome") if isinstance(row, dict) else None
    if out in ("401", "403", "no response"):
        return "failed"
    if out == "400" or (out and out.isdigit() and not out.startswith("2")) or row.get("catalogue"):
        return "attention"
    return None


def discovery_style(row: Any) -> str | None:
    res = row.get("result") if isinstance(row, dict) else None
    return "failed" if res == "refused" else "attention" if res == "not asked" else None


class PermissionsScreen(TenantSessionMixin, Screen):
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
        self._token_lines = -1
        self._filter_wanted: str | None = None

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with TabbedContent(initial="matrix" if self.focus_endpoint else "token", id="perm-tabs"):
            with TabPane("Token", id="token"):
                with VerticalScroll(id="token-scroll"):
                    yield Static(Text("Getting the token…", style="dim"), id="token-view")
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
        failed = [i for i in self.infos if i.claims is None]
        if failed and len(failed) == len(self.infos):
            t = Text("No token: ", style="bold red")
            t.append(safe_text(perms.error_text(failed[0].error), 300))
            self.set_status(t)
        else:
            held = sorted(self.granted.values(), key=str.lower) if self.granted else []
            t = Text(f"{len(self.infos)} token{'s' if len(self.infos) != 1 else ''} · ")
            t.append(f"{len(held)} scope{'s' if len(held) != 1 else ''} held", style="bold")
            if failed:
                t.append(f" · {len(failed)} bundle(s) without a token", style="bold red")
            self.set_status(t)

    # -- token tab ------------------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.infos and any(i.claims is not None for i in self.infos):
            self.render_tokens()

    def render_tokens(self) -> None:
        view = self.query_one("#token-view", Static)
        if self.infos is None:
            return
        now = self.clock()
        t = Text()
        for n, info in enumerate(self.infos):
            if n:
                t.append("\n")
            t.append("bundle ", style="dim")
            t.append(safe_text(info.bundle, 60), style="bold")
            state = info.state(now)
            badge = {"valid": ("valid", "bold black on green"), "expired": ("expired", "bold white on red"),
                     "undecodable": ("not a JWT", "bold black on yellow"),
                     "error": ("no token", "bold white on red")}[state]
            t.append("  ")
            t.append(f" {badge[0]} ", style=badge[1])
            if info.claims is not None:
                left = info.claims.expires_in(now)
                t.append("  expires in " if left is None or left > 0 else "  ", style="dim")
                t.append(perms.format_countdown(left), style="bold red" if left is not None and left <= 60 else "bold")
            t.append("\n")
            if state != "valid":
                t.append("  " + safe_text(info.describe_state(now), 400) + "\n",
                         style="red" if state in ("error", "expired") else "yellow")
            if info.requested:
                self._field(t, "requested", " ".join(info.requested))
            else:
                self._field(t, "requested", "(no scope sent: every scope the app registration holds)")
            c = info.claims
            if c is not None:
                self._field(t, "client id", c.client_id or "?")
                self._field(t, "issuer", c.issuer or "?")
                self._field(t, "audience", " ".join(c.audience) or "?")
                if c.tenant:
                    self._field(t, "tenant", c.tenant)
                self._field(t, "scopes", "\n".join(c.scopes) if c.scopes else "(not stated)")
                self._field(t, "issued", _utc(c.issued_at))
                self._field(t, "expires", _utc(c.expires_at))
            self._field(t, "token URL", info.token_url or "?")
            if c is not None:
                t.append(f"  {'token':<10} ", style="dim")
                if self.revealed:
                    t.append(safe_text(c.raw, 20000), style="bold yellow")
                    t.append("\n")
                    t.append(f"  {'':<10} shown for {self.reveal_seconds:g} s; v hides it now\n", style="dim")
                else:
                    t.append(mask(c.raw))
                    t.append(f"  (v reveals it for {self.reveal_seconds:g} s)\n", style="dim")
                if c.header:
                    self._field(t, "header", json.dumps(c.header, ensure_ascii=False, default=str))
                if c.payload:
                    claims = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}"
                                       for k, v in c.payload.items())
                    self._field(t, "claims", claims)
        lines = t.plain.count("\n")
        view.update(t, layout=lines != self._token_lines)   # the countdown ticks without a layout pass
        self._token_lines = lines

    @staticmethod
    def _field(t: Text, label: str, value: str) -> None:
        t.append(f"  {label:<10} ", style="dim")
        lines = safe_multiline(str(value), 4000).split("\n")
        t.append(lines[0])
        for line in lines[1:]:
            t.append("\n" + " " * 13 + line)
        t.append("\n")

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
        counts = perms.matrix_counts(self.matrix)
        t = Text()
        all_scopes = self.app.catalog.all_scopes()
        if self.granted is None:
            t.append("The token's scopes are not known yet", style="yellow")
        else:
            held = sorted(self.granted.values(), key=str.lower)
            known = {perms.scope_key(s) for s in all_scopes}
            t.append(f"Token holds {sum(1 for s in held if perms.scope_key(s) in known)} of "
                     f"{len(all_scopes)} catalogue scopes: ")
            t.append(safe_text(", ".join(held) or "none", 600), style="bold")
        t.append("\n")
        t.append(f"{counts['granted']} endpoints granted", style="green")
        t.append(" · ")
        t.append(f"{counts['missing']} missing", style="red")
        t.append(f" · {counts['unknown']} unknown", style="dim")
        focus = self.app.catalog.find(self.focus_endpoint) if self.focus_endpoint else None
        if focus is not None:
            state, held_as = perms.holds(focus, self.granted)
            t.append("\n")
            t.append(safe_text(focus.id, 80), style="bold")
            t.append(" needs ")
            t.append(safe_text(" or ".join(focus.scopes), 200), style="cyan")
            if state == "granted":
                t.append(f": granted{(' (as ' + safe_text(held_as, 80) + ')') if held_as not in focus.scopes else ''}"
                         "; a 403 means another reason (customer scope, licence)", style="green")
            elif state == "missing":
                t.append(": missing. ", style="bold red")
                t.append("Add it in ")
                t.append(registration_place(focus), style="bold")
                t.append(", then r for a new token.")
            else:
                t.append(": unknown (the token's scopes are not known yet)", style="yellow")
        self.query_one("#matrix-summary", Static).update(t)

    # -- probe ----------------------------------------------------------------------------------------
    def action_probe(self) -> None:
        if self.session is None:
            if self.session_error is None and "probe" not in self._pending:
                self._pending.append("probe")
            self._show_tab("probe")
            return
        if self.probing:
            self.notify(Text("The probe is running; Esc cancels it."), severity="warning")
            self._show_tab("probe")
            return
        self._probe_run += 1
        self.probing = True
        self.probe_results = []
        self.probe_total = 0
        self.probe_note = None
        self._buffers["probe"] = []
        table = self.query_one("#probe-table", PagedTable)
        keep = table.filter_text
        table.clear()
        if keep:
            table.set_filter(keep)
        self._show_tab("probe")
        self.render_probe_summary()
        self.run_probe(self._probe_run)

    @work(exclusive=True, group="perm-probe")
    async def run_probe(self, run: int) -> None:
        import asyncio
        try:
            plans, infos = await perms.prepare_probe(self.session, self.app.catalog)
            self.post_message(ProbeStarted(run, plans, infos))
            async for result in perms.iter_probe(self.session, plans, self.concurrency, preflight=False):
                self.post_message(ProbeRow(run, result))
        except asyncio.CancelledError:
            self.post_message(ProbeFinished(run, cancelled=True))
            raise
        except perms.ProbeAborted as exc:
            self.post_message(ProbeFinished(run, error=str(exc)))
            return
        except Exception as exc:  # anything unexpected: shown in place, never a crash
            self.post_message(ProbeFinished(run, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(ProbeFinished(run))

    def on_probe_started(self, message: ProbeStarted) -> None:
        if message.run != self._probe_run:
            return
        self.probe_total = sum(1 for p in message.plans if not p.skip)
        if message.infos:
            self.infos = message.infos
            granted = perms.granted_of(self.infos)
            if granted != self.granted:
                self.granted = granted
                self._fill_matrix()
            self.render_tokens()
        self.render_probe_summary()

    def on_probe_row(self, message: ProbeRow) -> None:
        if message.run != self._probe_run:
            return
        r = message.result
        self.probe_results.append(r)
        state, _ = perms.holds(r.endpoint, self.granted)
        self._buffer("probe", r.to_row(state))
        self.render_probe_summary()

    def on_probe_finished(self, message: ProbeFinished) -> None:
        if message.run != self._probe_run:
            return
        self.probing = False
        self._flush_rows()
        table = self.query_one("#probe-table", PagedTable)
        if table.sort_column is None:           # streamed in as answered; settled: grouped by outcome
            table.sort_by("outcome")
        if message.cancelled:
            self.probe_note = "stopped (Esc); press p to probe again"
        elif message.error:
            self.probe_note = "not run: " + message.error
        self.render_probe_summary()

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

    def render_probe_summary(self) -> None:
        t = Text()
        sent = [r for r in self.probe_results if r.outcome != "skipped"]
        if self.probing:
            t.append(f"Probing {len(sent)}/{self.probe_total or '?'} ({self.concurrency} at a time)… ",
                     style="italic")
        elif self.probe_results:
            t.append(f"Probed {len(sent)} endpoints. ", style="bold")
        counts: dict[str, int] = {}
        for r in self.probe_results:
            counts[r.label if r.outcome in ("ok", "other") else perms.OUTCOME_LABELS[r.outcome]] = \
                counts.get(r.label if r.outcome in ("ok", "other") else perms.OUTCOME_LABELS[r.outcome], 0) + 1
        styles = {"403": "red", "401": "red", "no response": "red", "400": "yellow", "not sent": "dim"}
        for i, (k, v) in enumerate(sorted(counts.items(), key=lambda kv: (not kv[0][:1].isdigit(), kv[0]))):
            if i:
                t.append(" · ", style="dim")
            t.append(f"{k}: {v}", style=styles.get(k, "green" if k.startswith("2") else ""))
        odd = sum(1 for r in self.probe_results if r.disagreement(perms.holds(r.endpoint, self.granted)[0]))
        if odd:
            t.append(" · ", style="dim")
            t.append(f"{odd} disagree with the catalogue", style="bold yellow")
        if self.probe_note:
            t.append("\n")
            t.append(safe_text(self.probe_note, 400), style="bold red" if self.probe_note.startswith("not run")
                     else "yellow")
        elif self.probe_results and not self.probing:
            t.append("\n")
            t.append("Enter opens a row's request in the inspector; 400 means the permission check passed.",
                     style="dim")
        if not t.plain:
            return
        # fixed height (CSS): no layout pass per streamed row
        self.query_one("#probe-summary", Static).update(t, layout=False)

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
        t = Text()
        t.append(safe_text(r.scope, 100), style="bold")
        t.append(f": {r.state}")
        if r.spelling and r.spelling != r.scope:
            t.append(f" as {safe_text(r.spelling, 100)}")
        if r.description:
            t.append(" — " + safe_text(r.description, 300))
        if r.endpoints:
            t.append(f"\nneeded by {len(r.endpoints)}: " + safe_text(", ".join(r.endpoints[:8]), 400))
            if len(r.endpoints) > 8:
                t.append(", …")
        self.notify(t, severity="information" if r.state == "granted" else "warning", timeout=8)

    def show_inspector(self, show: bool) -> None:
        inspector = self.query_one("#probe-inspector", ExchangeInspector)
        inspector.display = show
        self.set_class(show, "-inspecting")
        if show:
            inspector.focus()
        else:
            self.query_one("#probe-table").focus()

    def action_toggle_inspector(self) -> None:
        inspector = self.query_one("#probe-inspector", ExchangeInspector)
        if inspector.display:
            self.show_inspector(False)
            return
        table = self.query_one("#probe-table", PagedTable)
        idx = table.current_row_index()
        if idx is not None and idx < len(self.probe_results) and self.probe_results[idx].exchange is not None:
            inspector.show_exchange(self.probe_results[idx].exchange)
            self._show_tab("probe")
            self.show_inspector(True)

    # -- discovery ----------------------------------------------------------------------------------
    def action_discover(self) -> None:
        if self.session is None:
            if self.session_error is None and "discover" not in self._pending:
                self._pending.append("discover")
            self._show_tab("discovery")
            return
        if self.discovering:
            self.notify(Text("Discovery is running; Esc cancels it."), severity="warning")
            self._show_tab("discovery")
            return
        self._disc_run += 1
        self.discovering = True
        self.discovery_results = []
        self.discovery_note = None
        self._buffers["discovery"] = []
        table = self.query_one("#discovery-table", PagedTable)
        keep = table.filter_text
        table.clear()
        if keep:
            table.set_filter(keep)
        bar = self.query_one("#discovery-progress", ProgressBar)
        bar.display = True
        bar.update(total=len(self.app.catalog.all_scopes()), progress=0)
        self._show_tab("discovery")
        self.render_discovery_summary()
        self.run_discovery(self._disc_run)

    @work(exclusive=True, group="perm-discover")
    async def run_discovery(self, run: int) -> None:
        import asyncio

        def progress(done: int, total: int) -> None:
            self.post_message(DiscoveryProgress(run, done, total))
        try:
            async for result in perms.iter_discover(self.session, self.app.catalog, concurrency=self.concurrency,
                                                    progress=progress):
                self.post_message(DiscoveryRow(run, result))
        except asyncio.CancelledError:
            self.post_message(DiscoveryFinished(run, cancelled=True))
            raise
        except perms.DiscoveryAborted as exc:
            self.post_message(DiscoveryFinished(run, error=exc.message))
            return
        except Exception as exc:  # anything unexpected: shown in place, never a crash
            self.post_message(DiscoveryFinished(run, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DiscoveryFinished(run))

    def on_discovery_progress(self, message: DiscoveryProgress) -> None:
        if message.run != self._disc_run:
            return
        self.query_one("#discovery-progress", ProgressBar).update(total=message.total, progress=message.done)

    def on_discovery_row(self, message: DiscoveryRow) -> None:
        if message.run != self._disc_run:
            return
        self.discovery_results.append(message.result)
        self._buffer("discovery", message.result.to_row())
        self.render_discovery_summary()

    def on_discovery_finished(self, message: DiscoveryFinished) -> None:
        if message.run != self._disc_run:
            return
        self.discovering = False
        self._flush_rows()
        table = self.query_one("#discovery-table", PagedTable)
        if table.sort_column is None:
            table.sort_by("scope")
        self.query_one("#discovery-progress").display = False
        if message.cancelled:
            self.discovery_note = "stopped (Esc); press d to ask again"
        elif message.error:
            self.discovery_note = message.error
        self.render_discovery_summary()

    def render_discovery_summary(self) -> None:
        total = len(self.app.catalog.all_scopes())
        granted = [r for r in self.discovery_results if r.state == "granted"]
        refused = [r for r in self.discovery_results if r.state == "refused"]
        t = Text()
        if self.discovering:
            t.append(f"Asking the identity service, one token request per scope: "
                     f"{len(self.discovery_results)}/{total}… ", style="italic")
        elif self.discovery_results:
            t.append(f"The app registration can obtain {len(granted)} of {total} catalogue scopes. ", style="bold")
        t.append(f"granted {len(granted)}", style="green")
        t.append(" · ")
        t.append(f"refused {len(refused)}", style="red")
        if granted and not self.discovering:
            t.append("\n")
            t.append("granted: ", style="dim")
            t.append(safe_text(", ".join(sorted((r.spelling or r.scope for r in granted), key=str.lower)), 600))
        if self.discovery_note:
            t.append("\n")
            t.append(safe_text(self.discovery_note, 400), style="bold red")
        self.query_one("#discovery-summary", Static).update(t, layout=False)

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
        return {"matrix": "#matrix-table", "probe": "#probe-table", "discovery": "#discovery-table"}.get(tab) and \
            self.query_one({"matrix": "#matrix-table", "probe": "#probe-table",
                            "discovery": "#discovery-table"}[tab], PagedTable)

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
        if tab not in ("matrix", "probe", "discovery"):
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


def _utc(d: Any) -> str:
    if d is None:
        return "?"
    from datetime import timezone
    return d.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
