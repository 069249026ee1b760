"""Failed jobs: every failed job of the tenant (or of all a partner's customers) in one table.

A thin composition: ``FailedJobsModel`` (model.py) holds the state, ``ScanLoader`` (loader.py)
runs the scan in a thread and posts messages, and this screen routes those messages to the model
and draws what it says in its widgets: the controls, the source list (``SourceList``), the summary
line and a ``ResultsPane`` holding the jobs table (``JobTable``, newest first, rows arriving as each
page is read), its filter, status, progress and the detail pane (``JobDetail``). Every string from
the server reaches the screen through ``rich.text.Text`` or the table's segments, never markup.

Layout (fits 80x24): header · window / exceptions / concurrency · sources (state, progress, found,
error) · summary (new since the last look, per service, per status) · the watch line (``W``) · the
jobs table, status and progress · the detail pane (the job's errors and JSON; Enter also requests
its detail endpoint).

New failures: the tenant's seen state (``tui.triage.seen``, shared with ``avegraph failed-jobs
--new``) is read when the screen opens; a job it does not hold is marked ``●`` in the table's first
column, sorts first, and is counted in the summary ("● 3 new since 09:12 UTC"). When a scan ends,
the jobs it showed are recorded as seen (in a thread); the marks stay for the rest of the visit.
Watch mode (``W``): a scan every ``watch_interval`` seconds (config; default 300), start to start;
a watch scan adds the failures not in the table yet (at the top, the cursor staying on its job) and
keeps the others; the bell rings on a new one when ``watch_bell = true``.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import OptionList, Static

from tui import clock
from tui.textsafe import safe_text
from tui.triage import FailedJob, Window
from tui.triage.seen import SeenStore
from tui.triage.watch import NewFailures
from tui.ui.failed_jobs.controls import ScanControls
from tui.ui.failed_jobs.detail import VIEW_NAMES, JobDetail
from tui.ui.failed_jobs.export import ask_and_export
from tui.ui.failed_jobs.loader import JobDetailLoader, ScanLoader, SeenMarker, record_exchange
from tui.ui.failed_jobs.messages import DetailLoaded, ScanCrashed, ScanUpdate, SeenFailed
from tui.ui.failed_jobs.model import FailedJobsModel
from tui.ui.failed_jobs.render import status_text, summary_line
from tui.ui.failed_jobs.sources import SourceList
from tui.ui.failed_jobs.table import JobTable
from tui.ui.failed_jobs.watch import WatchLine, resolve_watch_settings
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.results_pane import ResultsPane
from tui.ui.widgets.tenant_session import SessionReady, TenantSession

NARROW_W, NARROW_H = 110, 34
REDRAW = 0.2                  # seconds between redraws (new rows, sources, progress, summary) while scanning


class FailedJobsScreen(Screen):
    AUTO_FOCUS = "#jobs"            # one focus change on opening (each one recomposes the footer)
    CSS_PATH = Path(__file__).with_name("failed_jobs.tcss")   # absolute: a subclass elsewhere finds it too

    BINDINGS = [
        Binding("escape", "back", "Back / cancel"),
        Binding("r", "rerun", "Rerun"),
        Binding("W", "watch", "Watch"),
        Binding("x", "toggle_exceptions", "Exceptions"),
        Binding("e", "export", "Export CSV/JSON"),
        Binding("y", "copy_tsv", "Copy TSV"),
        Binding("enter", "detail", "Job detail"),
        Binding("w", "window", "Window", show=False),
        Binding("v", "cycle_view", "Job / detail / list request", show=False),
    ]

    def __init__(self, tenant_name: str, *, window: str = "7d", include_exceptions: bool = True,
                 concurrency: int = 4, watch_interval: float | None = None, bell: bool | None = None) -> None:
        """``watch_interval`` / ``bell``: watch mode's settings; None takes them from the config file
        (``watch_interval``, ``watch_bell``), else 300 s and no bell."""
        super().__init__()
        self.tenant_name = tenant_name
        self.model = FailedJobsModel(tenant_name, window, include_exceptions, concurrency)
        self._watch_settings = (watch_interval, bell)
        self.bell_on_new = False
        self.seen: SeenStore | None = None
        self.session = None
        self.loader: ScanLoader | None = None
        self._scan_worker = None
        self._flush_timer = None               # the redraw due while a scan streams (one at a time)
        self._finished_token = 0

    # -- layout --------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        m = self.model
        # Before the children mount: set on the screen later, the class restyles every one of them.
        self._resize_classes(self.app.size)
        # The app holds the tenant's session already (the explorer opened it): the scan's thread starts
        # now, its first requests in flight while the widgets below mount (~0.1 s at 80x24).
        session = getattr(self.app, "sessions", {}).get(self.tenant_name)
        if session is not None:
            self.session = session
            self._begin_scan()
        # Else, first: its thread opens the session while the rest mounts, so the scan starts right after.
        yield TenantSession(self.tenant_name, self.app.session_for)
        yield AppHeader()
        yield ScanControls(m.window_text, m.include_exceptions, m.concurrency, id="controls")
        yield SourceList(id="sources")
        yield Static("", id="summary")
        yield WatchLine(self.model, id="watch")
        table = JobTable(id="jobs", empty_text="No failed jobs yet", narrow=self.app.size.width < NARROW_W)
        yield ResultsPane(table=table, detail=JobDetail(id="detail"), id="results")
        yield Footer()

    @property
    def pane(self) -> ResultsPane:
        return self.query_one(ResultsPane)

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    def on_mount(self) -> None:
        self.query_one(AppHeader).show_tenant(self.tenant_name, getattr(self.app, "directory", None), "Failed jobs")
        self.pane.set_status(Text("connecting…", style="dim"))
        self._resize_classes()
        interval, self.bell_on_new = resolve_watch_settings(getattr(self.app, "directory", None),
                                                             *self._watch_settings)
        if interval:
            self.model.watch_interval = interval
        # The tenant's seen state: what is new since the last look (a bad file is named and rebuilt).
        self.seen = SeenStore(self.tenant_name).load()
        self.model.new_failures = NewFailures(self.seen)
        for warning in self.seen.warnings:
            self.notify(Text(safe_text(warning, 400)), severity="warning", timeout=10)
        if self.loader is not None:            # compose started the scan: show it
            self.query_one(AppHeader).accent = getattr(self.session.tenant, "accent", None)
            self._show_scan_started(keep=False)
        elif self.session is not None:         # it did not (a bad window): say why
            self.start_scan()

    def on_resize(self) -> None:
        self._resize_classes()                 # (the source list cuts its lines to its new width itself)

    def _resize_classes(self, size: Size | None = None) -> None:
        size = size or self.size
        self.set_class(size.width < NARROW_W or size.height < NARROW_H, "-compact")
        for table in self.query(JobTable):     # none yet when compose asks
            table.set_narrow(size.width < NARROW_W)

    def on_session_ready(self, message: SessionReady) -> None:
        if message.session is not None and message.session is self.session:
            return                             # the session on_mount found already
        if message.error is not None:
            self.model.error = safe_text(str(message.error), 300)
            self.pane.set_status(Text(f"Cannot open {self.tenant_name}: {self.model.error}", style="bold red"))
            return
        self.session = message.session
        self.query_one(AppHeader).accent = getattr(self.session.tenant, "accent", None)
        self.start_scan()

    # -- scanning ----------------------------------------------------------------------------------------
    def start_scan(self, keep: bool = False) -> None:
        """A new scan; with ``keep`` (a watch scan) the rows in hand stay and the scan adds to them."""
        if self._begin_scan(keep):
            self._show_scan_started(keep)

    def _begin_scan(self, keep: bool = False) -> bool:
        """The scan's model state and its loader's thread, no widget (compose calls it before they
        mount); False when there is nothing to start, or the window does not parse (said on screen)."""
        if self.session is None or (keep and self.model.scanning):
            return False
        try:
            window = Window.parse(self.model.window_text)
        except ValueError as exc:
            if self.is_mounted:
                self.pane.set_status(Text(f"window: {exc}", style="bold red"))
            return False
        self.cancel_scan()
        token = self.model.start(clock.perf_counter(), keep=keep, wall=clock.utc_now())
        self.model.window_label = window.label()
        self.loader = ScanLoader(self, self.session, token=token, window=window,
                                 include_exceptions=self.model.include_exceptions,
                                 concurrency=self.model.concurrency, tenant_label=self.tenant_name)
        self._scan_worker = self.run_worker(self.loader.run, thread=True, group="scan", exclusive=True)
        return True

    def _show_scan_started(self, keep: bool) -> None:
        if not keep:
            self._close_detail()
            self.table.clear_jobs()
        self.query_one(SourceList).clear_sources()
        self.pane.show_progress(100, 0)
        self.query_one(AppHeader).crumbs = ("Failed jobs", self.model.window_label)
        self.render_status()
        self.query_one(WatchLine).redraw()

    def cancel_scan(self) -> None:
        if self.loader is not None:
            self.loader.cancel()

    def on_unmount(self) -> None:
        self.cancel_scan()                     # the watch line's timer stops with it (WatchLine.on_unmount)

    def on_scan_update(self, message: ScanUpdate) -> None:
        if message.token != self.model.token:
            return
        if message.event is not None and message.event.kind == "done":
            self.flush()
            return
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(REDRAW, self.flush)

    def flush(self) -> None:
        """Redraw what the scan changed, a few times a second: new rows, the source list, the
        progress, the status and summary lines."""
        if self._flush_timer is not None:      # the scan's end redraws now: not again a moment later
            self._flush_timer.stop()
            self._flush_timer = None
        loader = self.loader
        for kind, what in (loader.drain() if loader is not None else ()):
            if kind == "exchange":
                if self.session is not None:
                    record_exchange(self.session, what)
            else:
                self.model.apply_event(what)
        first = not self.model.jobs
        batch = self.model.take_pending()
        if batch:
            if first:
                self.table.set_columns(partner=self.model.partner(batch))
            self.table.add_jobs(self.model.shown(batch), self.model.is_new, keep_cursor=self.model.merging)
        self._render_sources()
        pct = self.model.progress_percent()
        if pct is not None:
            self.pane.show_progress(100, pct)
        self.render_summary()
        self.render_status()
        if self.model.settled and self._finished_token != self.model.token:
            self._finished_token = self.model.token
            self.scan_finished()

    def scan_finished(self) -> None:
        """Once per scan: what it showed is seen now; a watch scan that found new failures rings."""
        self.mark_seen()
        if self.model.merging and self.model.added_new and self.bell_on_new:
            self.app.bell()
        self.query_one(WatchLine).redraw()

    def mark_seen(self) -> None:
        """Record the jobs shown as seen (in a thread: the file is written under a lock, with fsync)."""
        jobs = self.model.to_mark()
        if self.seen is not None and jobs:
            self.run_worker(SeenMarker(self, self.seen, jobs).run, thread=True, group="seen")

    def on_seen_failed(self, message: SeenFailed) -> None:
        self.notify(Text(f"Could not record the jobs seen: {safe_text(str(message.error), 300)}"), severity="warning")

    def on_scan_crashed(self, message: ScanCrashed) -> None:
        if self.model.apply_crash(message.token, message.error,
                                  safe_text(f"{type(message.error).__name__}: {message.error}", 300)):
            self.render_status()

    def _render_sources(self) -> None:
        self.query_one(SourceList).show_sources(self.model.sources)

    # -- rows ----------------------------------------------------------------------------------------------
    def _rebuild_rows(self) -> None:
        self.table.clear_jobs(keep_view=True)
        self.table.add_jobs(self.model.shown(), self.model.is_new)
        self.render_summary()
        self.render_status()
        if self.model.settled:
            self.mark_seen()                   # the exceptions just shown

    def visible_jobs(self) -> list[FailedJob]:
        """The jobs the table shows, in its order (filter and sort applied)."""
        return self.table.visible_jobs()

    def render_status(self) -> None:
        m, table = self.model, self.table
        self.pane.set_status(status_text(m.sources.values(), scanning=m.scanning, result=m.result,
                                         requests=self.loader.requests if self.loader is not None else 0,
                                         elapsed=m.elapsed(clock.perf_counter()), concurrency=m.concurrency,
                                         showing=table.visible_count if table.filter_text else None,
                                         error=m.error))

    def render_summary(self) -> None:
        self.query_one("#summary", Static).update(summary_line(self.model.summary(), self.model.include_exceptions),
                                                  layout=False)

    # -- controls ----------------------------------------------------------------------------------------------
    def on_scan_controls_changed(self, message: ScanControls.Changed) -> None:
        m = self.model
        if message.what == "exceptions":
            change = m.set_exceptions(message.value)
            if change == "rescan":
                self.start_scan()              # the data in hand lacks them: fetch them
            elif change == "redraw":
                self._rebuild_rows()
        elif message.what == "window" and message.value != m.window_text:
            m.window_text = message.value
            self.start_scan()
        elif message.what == "concurrency" and message.value != m.concurrency:
            m.concurrency = message.value
            self.start_scan()

    @on(ResultsPane.FilterChanged, "#results")
    def _filter_changed(self, event: ResultsPane.FilterChanged) -> None:
        self.render_status()

    # -- detail --------------------------------------------------------------------------------------------------
    @on(ResultsPane.RowSelected, "#jobs")
    def _row_selected(self, message: ResultsPane.RowSelected) -> None:
        job = self.table.job_of(message.row)
        if job is not None:
            self.open_detail(job)

    @on(OptionList.OptionSelected, "#sources")
    def _source_selected(self, event: OptionList.OptionSelected) -> None:
        found = self.model.source_error(event.option.id or "")
        if found is not None:
            self._show_detail_pane()
            self.query_one(JobDetail).show_source_error(*found)

    def open_detail(self, job: FailedJob) -> None:
        self._show_detail_pane()
        self.query_one(JobDetail).show_job(job, self.app.catalog)
        if job.detail is not None and self.session is not None:
            self.run_worker(JobDetailLoader(self, self.session, job).run(), exclusive=True, group="detail")

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        detail = self.query_one(JobDetail)
        if message.job is not detail.job:
            return
        if message.exchange is not None:
            detail.add_detail(message.exchange)
        if message.error is not None:
            self.notify(Text(f"Detail request failed: {safe_text(str(message.error), 200)}"), severity="warning")

    def _show_detail_pane(self) -> None:
        self.pane.show_detail(True)
        self.set_class(True, "-inspecting")

    def _close_detail(self) -> None:
        if self.is_mounted:
            self.pane.show_detail(False)
            self.query_one(JobDetail).job = None
            self.set_class(False, "-inspecting")

    def action_cycle_view(self) -> None:
        kind = self.query_one(JobDetail).cycle_view()
        if kind is not None:
            self.notify(Text(VIEW_NAMES[kind]), timeout=2)

    # -- exports: the jobs the table shows, in its order, as the CLI writes them (tui.export) -------------
    def action_copy_tsv(self) -> None:
        self.app.copy_to_clipboard(self.table.rows_as_tsv())
        self.notify(Text(f"Copied {self.table.visible_count:,} rows as TSV"))

    def action_export(self) -> None:
        ask_and_export(self.app, self.tenant_name, self.visible_jobs)

    # -- actions ---------------------------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.pane.detail_shown:
            self._close_detail()
            self.table.focus()
            return
        worker = self._scan_worker
        if self.model.scanning and self.loader is not None and not (worker is not None and worker.is_cancelled):
            self.cancel_scan()
            return
        self.app.pop_screen()

    def action_rerun(self) -> None:
        self.start_scan()

    def action_watch(self) -> None:
        """Watch mode on or off: a scan every ``watch_interval`` seconds, new failures added at the top."""
        on = self.model.toggle_watch(clock.perf_counter())
        self.set_class(on, "-watching")
        line = self.query_one(WatchLine)
        if on:
            line.start()
        else:
            line.stop()

    def on_watch_line_due(self, message: WatchLine.Due) -> None:
        if self.model.watch_due(clock.perf_counter()):
            self.start_scan(keep=True)

    def action_toggle_exceptions(self) -> None:
        self.query_one(ScanControls).toggle_exceptions()

    def action_detail(self) -> None:
        row = self.table.current_row()
        job = self.table.job_of(row) if row is not None else None
        if job is not None:
            self.open_detail(job)

    def action_window(self) -> None:
        self.query_one(ScanControls).focus_window()
