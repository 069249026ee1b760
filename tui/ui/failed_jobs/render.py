"""The Failed jobs screen's lines: a source's state, a source's error, the summary, a job's errors.

Pure (the tests call them too): nothing here touches a widget. Every string from the server goes
through ``safe_text`` into a ``rich.text.Text``, never through markup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from rich.text import Text

from tui import clock
from tui.textsafe import safe_text
from tui.triage import FailedJob, SourceState
from tui.ui.failed_jobs.model import Summary

BAR = 8
NEW_MARK = "●"                # a failure new since the last look (the table's first column, the summary)
STATE_MARK = {"pending": ("·", "dim"), "running": ("⟳", "cyan"), "done": ("✔", "green"), "partial": ("◐", "yellow"),
              "failed": ("✖", "bold red"), "skipped": ("–", "dim"), "cancelled": ("■", "yellow")}



def bar(fraction: float, width: int = BAR) -> str:
    n = max(0, min(width, int(round(fraction * width))))
    return "▰" * n + "▱" * (width - n)


def source_line(s: SourceState) -> Text:
    mark, style = STATE_MARK.get(s.state, ("?", ""))
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"{mark} ", style=style)
    t.append(f"{safe_text(s.label, 18):<18} ", style="bold" if s.state != "skipped" else "dim")
    t.append(f"{s.state:<9} ", style=style)
    if s.state == "skipped":
        t.append(safe_text(s.reason, 120), style="dim")
        return t
    t.append(bar(s.progress) + " ", style=style)
    if s.targets_total > 1 or s.scope != "tenant":
        t.append(f"{s.targets_done}/{s.targets_total} {s.scope.split()[-1]}s ")
    t.append(f"{s.pages}p ", style="dim")
    t.append(f"{s.failed} failed", style="red" if s.failed else "")
    if s.attention:
        t.append(f" {s.attention} exc", style="yellow")
    if s.server_filter:
        t.append(f"  {safe_text(s.server_filter, 30)}", style="dim cyan")
    elif s.client_window or s.state in ("done", "running"):
        t.append("  client filter", style="dim")
    if s.errors:
        t.append("  ")
        t.append(safe_text(s.error or "", 160), style="bold red")
    return t


def error_line(s: SourceState, i: int) -> Text:
    e = s.errors[i]
    t = Text("    ✖ ", style="red", no_wrap=True, overflow="ellipsis")
    if e.target:
        t.append(safe_text(e.target, 40) + ": ", style="bold")
    t.append(safe_text(e.message, 200), style="red")
    return t


def summary_text(jobs: list[FailedJob], shown_exceptions: bool, hidden: int = 0) -> Text:
    """Counts of the jobs shown: failed, exceptions, per service, per status."""
    return summary_line(Summary.of(jobs, hidden), shown_exceptions)


def summary_line(summary: Summary, shown_exceptions: bool, now: datetime | None = None) -> Text:
    """``● 3 new since 09:12 UTC · 51 failed · 42 exceptions │ Microsoft 365 12 failed 18 exc, …``
    (the new part when the seen state is known; ``now``: the day "since" is measured from)."""
    t = Text(no_wrap=True, overflow="ellipsis")
    if summary.new is not None:
        t.append(f" {NEW_MARK} {summary.new} new" if summary.new else " 0 new",
                 style="bold cyan" if summary.new else "dim")
        t.append(f" since {since_text(summary.since, now)}" if summary.since else " (first look)", style="dim")
        t.append(" ·", style="dim")
    failed = summary.failed
    t.append(f" {failed} failed", style="bold red" if failed else "bold green")
    if shown_exceptions:
        t.append(f" · {summary.exceptions} exceptions", style="yellow")
    elif summary.hidden:
        t.append(f" · {summary.hidden} exceptions hidden (x)", style="yellow")
    for n, (service, (f, e)) in enumerate(summary.by_service.items()):
        t.append("  │ " if n == 0 else ", ", style="dim")
        t.append(safe_text(service, 24) + " ")
        if f:
            t.append(f"{f} failed", style="red")
        if e:
            t.append(f"{' ' if f else ''}{e} exc", style="yellow")
    return t


def since_text(since: datetime, now: datetime | None = None) -> str:
    """When the tenant was last looked at: ``09:12 UTC`` today, ``Nov 01 09:12 UTC`` before."""
    since = since.astimezone(timezone.utc)
    now = (now or clock.utc_now()).astimezone(timezone.utc)
    return f"{since:%H:%M} UTC" if since.date() == now.date() else f"{since:%b %d %H:%M} UTC"


def countdown(seconds: float) -> str:
    """``4:32`` (``1:04:32`` from an hour): whole seconds, rounded up so 0:00 means "now"."""
    s = max(0, math.ceil(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def every_text(interval: float) -> str:
    whole = int(round(interval))
    return f"{whole // 60} min" if whole % 60 == 0 else f"{whole} s"


def watch_line(*, interval: float, next_in: float | None, scanning: bool, last_scan_at: datetime | None) -> Text:
    """``◉ watching every 5 min · next scan in 4:32 · last scan 09:12:05 UTC`` (one line, redrawn once a
    second while watching: same width from second to second)."""
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(" ◉ watching", style="bold cyan")
    t.append(f" every {every_text(interval)}", style="dim")
    if scanning:
        t.append(" · scanning now", style="italic")
    elif next_in is not None:
        t.append(f" · next scan in {countdown(next_in)}")
    if last_scan_at is not None:
        t.append(f" · last scan {last_scan_at.astimezone(timezone.utc):%H:%M:%S} UTC", style="dim")
    return t


def errors_text(job: FailedJob, catalog: Any = None) -> Text:
    t = Text()
    sev_style = "bold red" if job.severity == "failed" else "bold yellow"
    t.append(f" {safe_text(job.status, 40)} ", style=f"{sev_style} reverse")
    t.append("  ")
    t.append(safe_text(job.service, 30), style="bold")
    if job.job_type:
        t.append(" · " + safe_text(job.job_type, 60))
    t.append("  ")
    t.append(safe_text(job.job_id, 80), style="cyan")
    if job.where:
        t.append("  " + safe_text(job.where, 80), style="dim")
    if job.failed_count is not None or job.total_count is not None:
        t.append(f"\n failed {job.failed_count if job.failed_count is not None else '?'}"
                 f" of {job.total_count if job.total_count is not None else '?'} objects")
    if job.errors:
        n = len(job.errors)
        t.append(f"\n {n} error{'s' if n != 1 else ''}:", style="bold")
        for e in job.errors[:6]:
            t.append("\n  ✖ ", style="red")
            if e.count is not None:
                t.append(f"{e.count:,}× ", style="bold")
            t.append(safe_text(e.message, 300))
            if e.url:
                t.append("  " + safe_text(e.url, 200), style="underline cyan")
        if n > 6:
            t.append(f"\n  … {n - 6} more in the JSON below", style="dim")
    else:
        t.append("\n no error message in the job's data", style="dim")
    t.append("\n ")
    if job.detail is not None:
        t.append("detail: " + safe_text(job.detail.describe(catalog), 200), style="dim")
    else:
        t.append("no detail endpoint documented for this source", style="dim")
    t.append("  · v: job / detail / list request", style="dim")
    return t


def source_error_text(s: SourceState, err: Any) -> Text:
    """The detail pane's head for one of a source's errors: the source, the target, the message, a hint."""
    t = Text(f" {s.label} ", style="bold white on red")
    t.append(" ")
    if err.target:
        t.append(safe_text(err.target, 60) + ": ", style="bold")
    t.append(safe_text(err.message, 400), style="red")
    if err.hint:
        t.append("\n hint: " + safe_text(err.hint, 300), style="dim")
    return t


def status_text(sources: Iterable[SourceState], *, scanning: bool, result: Any, requests: int, elapsed: float,
                concurrency: int, showing: int | None, error: str | None) -> Text:
    """The status line: scanning / cancelled / done, requests, time, sources with errors, rows shown
    (``showing``, when a filter is on) and the scan's own error."""
    t = Text()
    active = [s for s in sources if s.state != "skipped"]
    done = [s for s in active if s.finished_state]
    if scanning:
        t.append(f"scanning {len(done)}/{len(active)} sources", style="italic")
    elif result is not None and result.cancelled:
        t.append("cancelled", style="bold yellow")
        t.append(" — r reruns", style="dim")
    elif result is not None:
        t.append("done", style="bold green")
    t.append(f" · {requests} requests · {elapsed:.1f} s · concurrency {concurrency}", style="dim")
    bad = [s for s in active if s.errors]
    if bad:
        t.append(f" · {len(bad)} source{'s' if len(bad) != 1 else ''} with errors", style="bold red")
    if showing is not None:
        t.append(f" · showing {showing:,}", style="cyan")
    if error:
        t.append("  ⚠ " + safe_text(error, 200), style="bold red")
    return t
