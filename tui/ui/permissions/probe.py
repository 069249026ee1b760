"""The Permissions screen's Probe tab: the cheapest request per endpoint, answers streamed in.

Mixed into ``PermissionsScreen``, which holds the state (``probing``, ``probe_results``, …) and
the ``@on`` handlers (Textual registers those only on classes it builds, not on plain mixins).
The worker does the requests and posts messages; the handlers here own what they change.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.widgets import Static

from tui import perms
from tui.ui.permissions.messages import ProbeFinished, ProbeRow, ProbeStarted
from tui.ui.permissions.render import probe_summary_text
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable


class ProbeTabMixin:
    """``p`` runs the probe, Esc cancels it; Enter or ``i`` opens a row's request in the inspector."""

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

    def render_probe_summary(self) -> None:
        t = probe_summary_text(self.probe_results, self.granted, probing=self.probing, total=self.probe_total,
                               concurrency=self.concurrency, note=self.probe_note)
        if not t.plain:
            return
        # fixed height (CSS): no layout pass per streamed row
        self.query_one("#probe-summary", Static).update(t, layout=False)

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
