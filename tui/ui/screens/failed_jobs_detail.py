"""The Failed jobs screen's detail pane: what went wrong with one job, or with one source.

Above, the job's errors (``errors_text``) or a source's error; below, the inspector, which shows
the job's JSON, the answer of its detail request, or the list request that carried it (v cycles
through those). ``JobDetail`` is the pane; ``DetailMixin``, mixed into the screen, opens and
closes it and requests the detail: its worker posts ``DetailLoaded``, its handler hands the answer
to the pane.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.textsafe import safe_text
from tui.triage import FailedJob, SourceState
from tui.ui.screens.failed_jobs_messages import DetailLoaded
from tui.ui.screens.failed_jobs_render import errors_text, source_error_text
from tui.ui.widgets.inspector import ExchangeInspector

VIEW_NAMES = {"job": "the job's JSON", "detail": "the detail request", "list": "the list request that carried the job"}


class JobDetail(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.job: FailedJob | None = None           # the job shown; a detail answer for another is dropped
        self.views: list[tuple[str, Any]] = []     # ("job", FailedJob) | ("detail" | "list", Exchange)
        self.view = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="job-errors")
        yield ExchangeInspector(id="inspector")

    def show_job(self, job: FailedJob, catalog: Any) -> None:
        self.job = job
        self.views = [("job", job)]
        if job.exchange is not None:
            self.views.append(("list", job.exchange))
        self.view = 0
        self.query_one("#job-errors", Static).update(errors_text(job, catalog))
        self.query_one(ExchangeInspector).show_item(job.item, f"{job.service} job {job.job_id}")

    def add_detail(self, exchange: Any) -> None:
        """The detail request's exchange: the view after the job's JSON, shown now."""
        self.views.insert(1, ("detail", exchange))
        self.view = 1
        self.query_one(ExchangeInspector).show_exchange(exchange)

    def show_source_error(self, s: SourceState, err: Any) -> None:
        """One of a source's errors: its exchange when there is one, else what is known of it."""
        self.query_one("#job-errors", Static).update(source_error_text(s, err))
        inspector = self.query_one(ExchangeInspector)
        if err.exchange is not None:
            inspector.show_exchange(err.exchange)
        else:
            inspector.show_item({"source": s.id, "target": err.target, "error": err.message, "kind": err.kind},
                                "source error")

    def cycle_view(self) -> str | None:
        """Show the next view; its kind, or None when no job is shown."""
        if not self.views:
            return None
        self.view = (self.view + 1) % len(self.views)
        kind, what = self.views[self.view]
        inspector = self.query_one(ExchangeInspector)
        if kind == "job":
            inspector.show_item(what.item, f"{what.service} job {what.job_id}")
        else:
            inspector.show_exchange(what)
        return kind


class DetailMixin:
    """The screen's side of the pane (Enter on a job, Esc closes, v cycles); ``-inspecting`` on the
    screen gives the pane its room."""

    def open_detail(self, job: FailedJob) -> None:
        self._show_detail_pane()
        self.query_one(JobDetail).show_job(job, self.app.catalog)
        if job.detail is not None and self.session is not None:
            self.fetch_detail(job)

    @work(exclusive=True, group="detail")
    async def fetch_detail(self, job: FailedJob) -> None:
        d = job.detail
        try:
            ex = await self.session.request(d.endpoint_id, d.path_params, d.params)
        except Exception as exc:  # typed API errors carry the exchange; shown in the inspector
            self.post_message(DetailLoaded(job, getattr(exc, "exchange", None), exc))
            return
        self.post_message(DetailLoaded(job, ex, None))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        detail = self.query_one(JobDetail)
        if message.job is not detail.job:
            return
        if message.exchange is not None:
            detail.add_detail(message.exchange)
        if message.error is not None:
            self.notify(Text(f"Detail request failed: {safe_text(str(message.error), 200)}"), severity="warning")

    def _show_detail_pane(self) -> None:
        self.query_one("#detail").display = True
        self.set_class(True, "-inspecting")

    def _close_detail(self) -> None:
        if self.is_mounted:
            detail = self.query_one(JobDetail)
            detail.display = False
            detail.job = None
            self.set_class(False, "-inspecting")

    def action_cycle_view(self) -> None:
        kind = self.query_one(JobDetail).cycle_view()
        if kind is not None:
            self.notify(Text(VIEW_NAMES[kind]), timeout=2)
