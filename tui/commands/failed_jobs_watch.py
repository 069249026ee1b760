"""``avegraph failed-jobs --new`` and ``--watch``: what failed since I last looked, once or live.

``--new`` scans once and keeps only the failures the tenant's seen state (``tui.triage.seen``)
does not hold, then marks them seen (not with ``--dry-run``). ``--watch --interval S`` scans every
S seconds, start to start (a scan slowed down by Retry-After waits does not push the schedule
back more than its own length), and prints each new failure as soon as its page arrives: one
line (``table``), one CSV row or one JSON object (``jsonl``). Ctrl+C stops it: what was printed
is marked seen first, then the command exits 130.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any, Awaitable, Callable

from tui.commands.common import eprint
from tui.export import to_jsonl
from tui.triage.seen import SeenStore
from tui.triage.watch import NewFailures, next_scan_delay

__all__ = ["only_new", "watch", "job_line", "WATCH_FORMATS"]

WATCH_FORMATS = ("table", "jsonl", "csv")


def only_new(result: Any, store: SeenStore) -> Any:
    """The result with only the jobs not seen before (its exit code then speaks of those alone)."""
    return replace(result, jobs=store.new_jobs(result.jobs))


def job_line(job: Any) -> str:
    """One terminal line for a new failure, every server string made safe."""
    from tui.textsafe import safe_text
    row = job.row()
    parts = [row["start"] or "", job.where, job.service, job.job_type, job.job_id, job.status,
             job.first_error or ""]
    return safe_text("  ".join(str(p) for p in parts if p), 400)


def _csv_rows(jobs: list, header: bool) -> str:
    from tui.export import jobs_export_text
    text = jobs_export_text(jobs, "jobs.csv")
    if header:
        return text
    return text.split("\n", 1)[1] if "\n" in text else ""


class _Printer:
    """Writes new failures as they arrive, each once per process (``NewFailures.fresh``)."""

    def __init__(self, fmt: str, write: Callable[[str], Any], new: NewFailures):
        self.fmt = fmt
        self.write = write
        self.new = new
        self.header_done = False
        self.count = 0

    def __call__(self, jobs: list) -> list:
        fresh = self.new.fresh(jobs)
        if not fresh:
            return fresh
        if self.fmt == "jsonl":
            self.write(to_jsonl(j.to_dict(item=False) for j in fresh))
        elif self.fmt == "csv":
            self.write(_csv_rows(fresh, not self.header_done))
            self.header_done = True
        else:
            self.write("".join(job_line(j) + "\n" for j in fresh))
        self.count += len(fresh)
        return fresh


async def watch(session: Any, store: SeenStore, *, since: str, include_exceptions: bool, concurrency: int,
                interval: float, fmt: str, write: Callable[[str], Any], dry_run: bool = False,
                verbose: int = 0, tenant_label: str | None = None, scans: int | None = None,
                sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                monotonic: Callable[[], float] = time.monotonic) -> int:
    """Scan every ``interval`` seconds until cancelled (or ``scans`` scans: tests); returns the last
    scan's exit code for its new failures."""
    from tui import clock
    from tui.triage import FailedJobsScan, Window
    new = NewFailures(store)
    printer = _Printer(fmt, write, new)
    code = 0
    n = 0
    while scans is None or n < scans:
        n += 1
        started = monotonic()
        arrived: list = []

        def on_event(event: Any) -> None:
            if event.kind == "jobs":
                arrived.extend(printer(new.new_of(event.jobs)))

        scan = FailedJobsScan(session, window=Window.parse(since), include_exceptions=include_exceptions,
                              concurrency=concurrency, tenant_label=tenant_label, on_event=on_event)
        try:
            result = await scan.run()
        finally:
            # Marked even when Ctrl+C cancels the scan: what was printed has been seen.
            if arrived and not dry_run:
                store.mark(arrived)
        for s in result.sources:
            for e in s.errors:
                where = f" [{e.target}]" if e.target else ""
                eprint(f"avegraph: {s.label}{where}: {e.message}")
        code = replace(result, jobs=arrived).exit_code
        wait = next_scan_delay(started, monotonic(), interval)
        if verbose or arrived:
            eprint(f"avegraph: scan {n} at {clock.utc_now():%H:%M:%S} UTC: {len(arrived)} new "
                   f"failure{'s' if len(arrived) != 1 else ''}" + (f"; next in {wait:.0f} s" if scans is None or n < scans else ""))
        if scans is not None and n >= scans:
            break
        await sleep(wait)
    return code
