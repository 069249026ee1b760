"""The Failed jobs screen's detail pane: what went wrong with one job, or with one source.

Above, the job's errors (``errors_text``) or a source's error; below, the inspector, which shows
the job's JSON, the answer of its detail request, or the list request that carried it (v cycles
through those). The screen opens and closes the pane; ``JobDetailLoader`` (loader.py) requests the
detail and the screen hands its answer to ``add_detail``.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.triage import FailedJob, SourceState
from tui.ui.failed_jobs.render import errors_text, source_error_text
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
