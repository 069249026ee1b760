"""Failed jobs: every failed job of the tenant (or of all a partner's customers) in one table.

The scan (``tui.triage.FailedJobsScan``) runs in a thread worker of the "scan" group and queues
its events; the handlers here own the state: the per-source list, the overall progress, the
summary bar and the table, which rows arrive in as each page is read (newest first). Every
string from the server reaches the screen through ``rich.text.Text`` or the table's segments,
never through markup.

Layout (fits 80x24): header · window / exceptions / concurrency · overall progress and status ·
sources (state, progress, found, error) · summary (per service, per status) · the jobs table ·
the detail pane (the job's errors and JSON; Enter also requests its detail endpoint).

This module holds the screen: its state, layout, bindings, controls and handlers. Beside it:
``failed_jobs_scan`` (the scan thread and its inbox), ``failed_jobs_table``, ``failed_jobs_sources``
and ``failed_jobs_detail`` (the widgets, the detail request), ``failed_jobs_export``,
``failed_jobs_render`` (the lines) and ``failed_jobs_messages``.
"""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, ProgressBar, Select, Static, Switch

from tui import clock
from tui.textsafe import safe_text
from tui.triage import FailedJob, FailedJobsScan, SourceState, Window
from tui.ui.failed_jobs.detail import DetailMixin, JobDetail
from tui.ui.screens.failed_jobs_export import ExportMixin
from tui.ui.failed_jobs.messages import DetailLoaded, ScanCrashed, ScanUpdate
from tui.ui.failed_jobs.render import (BAR, STATE_MARK, bar, error_line, errors_text, source_line, status_text,
                                               summary_text)
from tui.ui.screens.failed_jobs_scan import ScanMixin
from tui.ui.failed_jobs.sources import SourceList
from tui.ui.failed_jobs.table import JobTable
from tui.ui.screens.tenant_session import SessionReady, TenantSessionMixin
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.paged_table import PagedTable

WINDOWS = (("last 24 h", "24h"), ("last 7 days", "7d"), ("last 30 days", "30d"), ("custom…", "custom"))
CONCURRENCY = (1, 2, 3, 4, 6, 8, 12, 16)
NARROW_W, NARROW_H = 110, 34
REDRAW = 0.2                  # seconds between redraws (new rows, sources, progress, summary) while scanning

# The names other modules and tests import from here, wherever they now live.
__all__ = ["BAR", "CONCURRENCY", "NARROW_H", "NARROW_W", "REDRAW", "STATE_MARK", "WINDOWS", "DetailLoaded",
           "FailedJobsScreen", "ScanCrashed", "ScanUpdate", "bar", "error_line", "errors_text", "source_line",
           "summary_text"]


class FailedJobsScreen(ScanMixin, DetailMixin, ExportMixin, TenantSessionMixin, Screen):
    AUTO_FOCUS = "#jobs"            # one focus change on opening (each one recomposes the footer)
    DEFAULT_CSS = """
    FailedJobsScreen #controls { height: 1; padding: 0 1; background: $boost; }
    FailedJobsScreen #controls Label { height: 1; padding: 0 1 0 0; color: $text-muted; }
    FailedJobsScreen #controls Select { width: 18; height: 1; margin: 0 2 0 0; }
    FailedJobsScreen #controls #concurrency { width: 9; }
    FailedJobsScreen #controls Switch { height: 1; width: 6; border: none; padding: 0; margin: 0 2 0 0; }
    FailedJobsScreen #progress-row { height: 1; padding: 0 1; }
    FailedJobsScreen #overall { width: 30; height: 1; }
    FailedJobsScreen #overall Bar { width: 20; }
    FailedJobsScreen #status { width: 1fr; height: 1; padding: 0 1; }
    FailedJobsScreen #sources { height: auto; max-height: 7; border: none; padding: 0; background: $surface; }
    FailedJobsScreen #summary { height: 1; padding: 0 1; background: $panel; }
    FailedJobsScreen #filter { height: 1; border: none; padding: 0 1; background: $boost; }
    FailedJobsScreen #main { height: 1fr; }
    FailedJobsScreen #jobs { height: 1fr; }
    FailedJobsScreen #detail { height: 2fr; }
    FailedJobsScreen #job-errors { height: auto; max-height: 9; padding: 0 0; overflow-y: auto;
                                   border-top: hkey $panel-lighten-1; }
    FailedJobsScreen ExchangeInspector { height: 1fr; }
    FailedJobsScreen.-inspecting #sources { max-height: 3; }
    FailedJobsScreen.-compact.-inspecting #jobs { display: none; }
    FailedJobsScreen.-compact.-inspecting #sources { display: none; }
    FailedJobsScreen.-compact.-inspecting #summary { display: none; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back / cancel"),
        Binding("r", "rerun", "Rerun"),
        Binding("x", "toggle_exceptions", "Exceptions"),
        Binding("e", "export", "Export CSV/JSON"),
        Binding("y", "copy_tsv", "Copy TSV"),
        Binding("enter", "detail", "Job detail"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort column"),
        Binding("w", "window", "Window", show=False),
        Binding("v", "cycle_view", "Job / detail / list request", show=False),
    ]

    def __init__(self, tenant_name: str, *, window: str = "7d", include_exceptions: bool = True,
                 concurrency: int = 4) -> None:
        super().__init__()
        self.tenant_name = tenant_name
        self.window_text = window
        self.include_exceptions = include_exceptions
        self.concurrency = concurrency
        self.session = None
        self.scan: FailedJobsScan | None = None
        self._scan_loop = None
        self._scan_worker = None
        self.scanning = False
        self.scanned_exceptions = include_exceptions   # what the data in hand holds
        self.result = None
        self.error: str | None = None
        self.jobs: list[FailedJob] = []
        self.sources: dict[str, SourceState] = {}
        self._flush_scheduled = False
        self._inbox: deque = deque()       # (token, ("event", ScanEvent) | ("exchange", Exchange)), from the scan thread
        self._woken = False
        self._pending: list[FailedJob] = []
        self._token = 0
        self._started_at: float | None = None

    # -- layout --------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="controls"):
            yield Label("window")
            yield Select(WINDOWS, value=self.window_text if self.window_text in dict((v, k) for k, v in WINDOWS)
                         else "custom", allow_blank=False, compact=True, id="window")
            yield Label("exceptions")
            yield Switch(self.include_exceptions, animate=False, id="exceptions")
            yield Label("concurrency")
            yield Select([(str(n), n) for n in CONCURRENCY], value=self.concurrency if self.concurrency in CONCURRENCY
                         else 4, allow_blank=False, compact=True, id="concurrency")
        with Horizontal(id="progress-row"):
            yield ProgressBar(total=100, show_eta=False, id="overall")
            yield Static("", id="status")
        yield SourceList(id="sources")
        yield Static("", id="summary")
        yield Input(placeholder="filter rows (! inverts) — Esc to close", id="filter")
        with Vertical(id="main"):
            yield JobTable(id="jobs", empty_text="No failed jobs yet")
            yield JobDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        header = self.query_one(AppHeader)
        header.tenant = self.tenant_name
        header.crumbs = ("Failed jobs",)
        try:
            header.demo = any(e.name == self.tenant_name and e.demo for e in self.app.directory.entries())
        except Exception:  # noqa: BLE001 - a header badge is not worth failing over
            pass
        self.query_one("#filter").display = False
        self.query_one("#detail").display = False
        self.set_status(Text("connecting…", style="dim"))
        self._resize_classes()
        self.connect()

    def on_resize(self) -> None:
        self._resize_classes()
        if self.sources:
            self.query_one(SourceList).forget_shape()     # lines are cut to the width: redraw them all
            self.call_after_refresh(self._render_sources)

    def _resize_classes(self) -> None:
        self.set_class(self.size.width < NARROW_W or self.size.height < NARROW_H, "-compact")

    # -- session ----------------------------------------------------------------------------------------

    def on_session_ready(self, message: SessionReady) -> None:
        if message.error is not None:
            self.error = safe_text(str(message.error), 300)
            self.set_status(Text(f"Cannot open {self.tenant_name}: {self.error}", style="bold red"))
            return
        self.session = message.session
        self.query_one(AppHeader).accent = getattr(self.session.tenant, "accent", None)
        self.start_scan()

    # -- scanning ----------------------------------------------------------------------------------------
    def start_scan(self) -> None:
        if self.session is None:
            return
        try:
            window = Window.parse(self.window_text)
        except ValueError as exc:
            self.set_status(Text(f"window: {exc}", style="bold red"))
            return
        self.cancel_scan()
        self._token += 1
        self.jobs, self.sources = [], {}
        self._pending = []
        self.result, self.error = None, None
        self.scanned_exceptions = self.include_exceptions
        self._close_detail()
        self.query_one(JobTable).clear_jobs()
        self.query_one(SourceList).clear_sources()
        self.query_one("#overall", ProgressBar).update(total=100, progress=0)
        self.scanning = True
        self.query_one(AppHeader).crumbs = ("Failed jobs", window.label())
        self._started_at = clock.perf_counter()
        self.render_status()
        self._scan_worker = self.run_scan(self._token, window, self.include_exceptions, self.concurrency)

    def on_unmount(self) -> None:
        self.cancel_scan()

    def on_scan_update(self, message: ScanUpdate) -> None:
        if message.event is not None and message.event.kind == "done":
            self.flush()
            return
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(REDRAW, self.flush)

    def flush(self) -> None:
        """Redraw what the scan changed, a few times a second: new rows, the source list, the
        progress, the status and summary lines."""
        self._flush_scheduled = False
        self._drain()
        if self._pending:
            jobs, self._pending = self._pending, []
            self._add_jobs(jobs)
        self._render_sources()
        if not self.scanning and self.result is not None:
            self.query_one("#overall", ProgressBar).update(progress=100)
        else:
            self._update_progress()
        self.render_summary()
        self.render_status()

    def on_scan_crashed(self, message: ScanCrashed) -> None:
        if message.token != self._token:
            return
        self.scanning = False
        self.error = safe_text(f"{type(message.error).__name__}: {message.error}", 300)
        self.render_status()

    def _render_sources(self) -> None:
        self.query_one(SourceList).show_sources(self.sources)

    def _update_progress(self) -> None:
        active = [s for s in self.sources.values() if s.state != "skipped"]
        if not active:
            return
        overall = sum(s.progress for s in active) / len(active)
        bar_ = self.query_one("#overall", ProgressBar)
        pct = int(overall * 100)
        if bar_.progress != pct:                  # every change relayouts the percentage label: only whole percents
            bar_.update(progress=pct)

    # -- rows ----------------------------------------------------------------------------------------------
    def _visible(self, job: FailedJob) -> bool:
        return job.severity == "failed" or self.include_exceptions

    def _add_jobs(self, jobs: list[FailedJob]) -> None:
        table = self.query_one(JobTable)
        if not self.jobs and jobs:
            table.set_columns(partner=any(j.customer for j in jobs))
        self.jobs.extend(jobs)
        table.add_jobs([j for j in jobs if self._visible(j)])

    def _rebuild_rows(self) -> None:
        table = self.query_one(JobTable)
        table.clear_jobs(keep_view=True)
        table.add_jobs([j for j in self.jobs if self._visible(j)])
        self.render_summary()
        self.render_status()

    def visible_jobs(self) -> list[FailedJob]:
        """The jobs the table shows, in its order (filter and sort applied)."""
        return self.query_one(JobTable).visible_jobs()

    # -- status lines ----------------------------------------------------------------------------------------
    def set_status(self, text: Text) -> None:
        self.query_one("#status", Static).update(text, layout=False)     # one line, fixed size

    def render_status(self) -> None:
        elapsed = (clock.perf_counter() - self._started_at) if self._started_at else 0.0
        if self.scan is not None and self.result is not None:
            elapsed = self.result.elapsed
        table = self.query_one(PagedTable)
        self.set_status(status_text(self.sources.values(), scanning=self.scanning, result=self.result,
                                    requests=self.scan.requests if self.scan is not None else 0, elapsed=elapsed,
                                    concurrency=self.concurrency,
                                    showing=table.visible_count if table.filter_text else None, error=self.error))

    def render_summary(self) -> None:
        shown = [j for j in self.jobs if self._visible(j)]
        self.query_one("#summary", Static).update(
            summary_text(shown, self.include_exceptions, len(self.jobs) - len(shown)), layout=False)

    # -- controls ----------------------------------------------------------------------------------------------
    @on(Select.Changed, "#window")
    def _window_changed(self, event: Select.Changed) -> None:
        value = event.value
        if value == "custom":
            from tui.ui.screens.prompt import PathPrompt

            def chosen(text: str | None) -> None:
                if not text:
                    return
                try:
                    Window.parse(text)
                except ValueError as exc:
                    self.notify(Text(str(exc)), severity="error")
                    return
                self.window_text = text
                self.start_scan()
            self.app.push_screen(PathPrompt("Window: since (a duration such as 14d, or a date such as 2026-01-31)",
                                            "14d"), chosen)
            return
        if value != self.window_text:
            self.window_text = str(value)
            self.start_scan()

    @on(Select.Changed, "#concurrency")
    def _concurrency_changed(self, event: Select.Changed) -> None:
        if event.value != self.concurrency and isinstance(event.value, int):
            self.concurrency = event.value
            self.start_scan()

    @on(Switch.Changed, "#exceptions")
    def _exceptions_changed(self, event: Switch.Changed) -> None:
        if event.value == self.include_exceptions:
            return
        self.include_exceptions = event.value
        if event.value and not self.scanned_exceptions:
            self.start_scan()                  # the data in hand lacks them: fetch them
        else:
            self._rebuild_rows()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(PagedTable).set_filter(event.value)
        self.render_status()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.query_one(PagedTable).focus()

    # -- detail --------------------------------------------------------------------------------------------------
    @on(PagedTable.RowSelected, "#jobs")
    def _row_selected(self, message: PagedTable.RowSelected) -> None:
        job = self.query_one(JobTable).job_of(message.row)
        if job is not None:
            self.open_detail(job)

    @on(OptionList.OptionSelected, "#sources")
    def _source_selected(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if not oid.startswith("err:"):
            return
        _, sid, i = oid.split(":")
        s = self.sources.get(sid)
        if s is None or int(i) >= len(s.errors):
            return
        self._show_detail_pane()
        self.query_one(JobDetail).show_source_error(s, s.errors[int(i)])

    # -- actions ---------------------------------------------------------------------------------------------------
    def action_back(self) -> None:
        filt = self.query_one("#filter", Input)
        if filt.display and filt.has_focus:
            filt.display = False
            self.query_one(PagedTable).focus()
            return
        if self.query_one("#detail").display:
            self._close_detail()
            self.query_one(PagedTable).focus()
            return
        worker = self._scan_worker
        if self.scanning and self.scan is not None and not (worker is not None and worker.is_cancelled):
            self.cancel_scan()
            return
        self.app.pop_screen()

    def action_rerun(self) -> None:
        self.start_scan()

    def action_toggle_exceptions(self) -> None:
        sw = self.query_one("#exceptions", Switch)
        sw.value = not sw.value               # Switch.Changed does the rest

    def action_detail(self) -> None:
        table = self.query_one(JobTable)
        row = table.current_row()
        job = table.job_of(row) if row is not None else None
        if job is not None:
            self.open_detail(job)

    def action_filter(self) -> None:
        filt = self.query_one("#filter", Input)
        filt.display = True
        filt.focus()

    def action_sort(self) -> None:
        self.query_one(PagedTable).action_sort_column()

    def action_window(self) -> None:
        self.query_one("#window", Select).focus()
