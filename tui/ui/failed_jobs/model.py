"""The Failed jobs screen's state and its pure transitions (no Textual, no widgets).

The screen routes the loader's messages here (``start``, ``apply_event``, ``apply_crash``) and draws
what the model says (``take_pending``, ``shown``, ``progress_percent``, ``summary``). ``token`` is
the number of the current scan: whatever an older scan still reports is dropped.

New failures: with ``new_failures`` (a ``tui.triage.watch.NewFailures`` over the tenant's seen
state), each job is judged new or not when it first arrives (``is_new``) and stays so for the
visit; ``to_mark`` is what the screen then records as seen. Watch mode (``toggle_watch``): a scan
every ``watch_interval`` seconds, start to start (``watch_due``, ``next_scan_in``); a watch scan
(``start(keep=True)``) adds the jobs not in the table yet and keeps the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.triage import FailedJob, ScanEvent, SourceState
from tui.triage.seen import fingerprint
from tui.triage.watch import DEFAULT_INTERVAL, NewFailures, next_scan_delay


@dataclass
class Summary:
    """Counts of the jobs shown: failed, exceptions, the exceptions hidden (x), and per service its
    failed and exceptions apart (most failed first). A skipped source found nothing: it has no count."""
    failed: int
    exceptions: int
    hidden: int
    by_service: dict[str, tuple[int, int]]
    new: int | None = None                # of the jobs shown, those new since the last look (None: not known)
    since: datetime | None = None         # when the tenant's failures were last looked at (None: never)

    @classmethod
    def of(cls, shown: list[FailedJob], hidden: int = 0, new: int | None = None,
           since: datetime | None = None) -> Summary:
        per: dict[str, list[int]] = {}
        for j in shown:
            per.setdefault(j.service, [0, 0])[0 if j.severity == "failed" else 1] += 1
        order = sorted(per.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        failed = sum(f for f, _ in per.values())
        return cls(failed, len(shown) - failed, hidden, {k: (f, e) for k, (f, e) in order}, new, since)


@dataclass
class FailedJobsModel:
    tenant_name: str
    window_text: str = "7d"
    include_exceptions: bool = True
    concurrency: int = 4
    token: int = 0
    scanning: bool = False
    scanned_exceptions: bool = True       # what the data in hand holds
    result: Any = None                    # the scan's ScanResult once done
    error: str | None = None
    jobs: list[FailedJob] = field(default_factory=list)          # the jobs drawn in the table
    pending: list[FailedJob] = field(default_factory=list)       # arrived, not drawn yet
    sources: dict[str, SourceState] = field(default_factory=dict)
    started_at: float | None = None
    window_label: str = ""                # the window of the current scan, as the header shows it
    # -- new failures and watch mode ------------------------------------------------------------------
    new_failures: NewFailures | None = None
    watch_interval: float = DEFAULT_INTERVAL
    watching: bool = False
    next_scan_at: float | None = None     # when the next watch scan is due (the clock of ``start``'s ``now``)
    last_scan_at: datetime | None = None  # the wall-clock start of the last scan (shown)
    merging: bool = False                 # the current scan adds to the jobs in hand (a watch scan)
    added_new: int = 0                    # new failures the current watch scan added
    _in_table: set[str] = field(default_factory=set)    # fingerprints of ``jobs``
    _new: set[int] = field(default_factory=set)         # id() of the jobs judged new

    def __post_init__(self) -> None:
        self.scanned_exceptions = self.include_exceptions

    # -- a scan's life ------------------------------------------------------------------------------
    def start(self, now: float, *, keep: bool = False, wall: datetime | None = None) -> int:
        """A new scan: nothing found yet (with ``keep``, the jobs in hand stay and only jobs not among
        them are added). Returns its token."""
        self.token += 1
        if not keep:
            self.jobs, self._in_table = [], set()
        self.pending, self.sources = [], {}
        self.result, self.error = None, None
        self.scanned_exceptions = self.include_exceptions
        self.scanning = True
        self.merging, self.added_new = keep, 0
        self.started_at = now
        self.last_scan_at = wall
        if self.watching:
            self.next_scan_at = now + self.watch_interval
        return self.token

    def apply_event(self, ev: ScanEvent) -> None:
        """One of the current scan's events: a source's state, new jobs, or the end."""
        if ev.source is not None:
            self.sources[ev.source.id] = ev.source
        if ev.kind == "jobs":
            self.pending.extend(ev.jobs)
        elif ev.kind == "done":
            self.scanning = False
            self.result = ev.result
            if ev.result is not None:
                for src in ev.result.sources:
                    self.sources[src.id] = src
                self.error = ev.result.error

    def apply_crash(self, token: int, error: BaseException, text: str) -> bool:
        """The scan itself failed (a bug, not an API error); False when it was superseded."""
        if token != self.token:
            return False
        self.scanning = False
        self.error = text
        return True

    def take_pending(self) -> list[FailedJob]:
        """The jobs that arrived since the last redraw and are not drawn yet, now counted as drawn
        (each judged new or not here, once)."""
        pending, self.pending = self.pending, []
        batch = []
        in_table, new, tracker = self._in_table, self._new, self.new_failures
        for j in pending:
            fp = fingerprint(j)
            if fp in in_table:
                continue
            in_table.add(fp)
            batch.append(j)
            if tracker is not None and tracker.is_new_fingerprint(fp):
                new.add(id(j))
                if self.merging and self.visible(j):
                    self.added_new += 1
        self.jobs.extend(batch)
        return batch

    def is_new(self, job: FailedJob) -> bool:
        return id(job) in self._new

    def to_mark(self) -> list[FailedJob]:
        """The jobs shown that the seen state does not hold yet (what the screen marks seen)."""
        return self.new_failures.unmarked(self.shown()) if self.new_failures is not None else []

    # -- watch mode -------------------------------------------------------------------------------------
    def toggle_watch(self, now: float) -> bool:
        """Watch on (the next scan is due ``watch_interval`` after the last one started) or off."""
        self.watching = not self.watching
        if self.watching:
            base = self.started_at if self.started_at is not None else now
            self.next_scan_at = now + next_scan_delay(base, now, self.watch_interval)
        else:
            self.next_scan_at = None
        return self.watching

    def watch_due(self, now: float) -> bool:
        """A watch scan is due (never while one runs: a slow scan is followed by the next at once)."""
        return self.watching and not self.scanning and self.next_scan_at is not None and now >= self.next_scan_at

    def next_scan_in(self, now: float) -> float | None:
        if not self.watching or self.next_scan_at is None:
            return None
        return max(0.0, self.next_scan_at - now)

    @property
    def settled(self) -> bool:
        """The scan is over and every job it found is drawn."""
        return self.result is not None and not self.scanning and not self.pending

    # -- options --------------------------------------------------------------------------------------
    def set_exceptions(self, value: bool) -> str | None:
        """Show or hide the exceptions: "rescan" when the data in hand lacks them, "redraw" otherwise."""
        if value == self.include_exceptions:
            return None
        self.include_exceptions = value
        return "rescan" if value and not self.scanned_exceptions else "redraw"

    # -- what is shown ----------------------------------------------------------------------------------
    def visible(self, job: FailedJob) -> bool:
        return job.severity == "failed" or self.include_exceptions

    def shown(self, jobs: list[FailedJob] | None = None) -> list[FailedJob]:
        return [j for j in (self.jobs if jobs is None else jobs) if self.visible(j)]

    def partner(self, jobs: list[FailedJob]) -> bool:
        """A partner's scan: its jobs name the customer."""
        return any(j.customer for j in jobs)

    def progress_percent(self) -> int | None:
        """Whole percents of the sources that run (100 once done); None before any source is known."""
        if not self.scanning and self.result is not None:
            return 100
        active = [s for s in self.sources.values() if s.state != "skipped"]
        if not active:
            return None
        return int(sum(s.progress for s in active) / len(active) * 100)

    def elapsed(self, now: float) -> float:
        if self.result is not None:
            return self.result.elapsed
        return (now - self.started_at) if self.started_at else 0.0

    def summary(self) -> Summary:
        shown = self.shown()
        tracker = self.new_failures
        if tracker is None:
            return Summary.of(shown, len(self.jobs) - len(shown))
        new = self._new
        return Summary.of(shown, len(self.jobs) - len(shown), sum(1 for j in shown if id(j) in new), tracker.since)

    def source_error(self, option_id: str) -> tuple[SourceState, Any] | None:
        """The source and error an ``err:<source>:<n>`` option of the source list stands for."""
        kind, _, rest = option_id.partition(":")
        sid, _, index = rest.rpartition(":")
        if kind != "err" or not index.isdigit():
            return None
        s = self.sources.get(sid)
        if s is None or int(index) >= len(s.errors):
            return None
        return s, s.errors[int(index)]
