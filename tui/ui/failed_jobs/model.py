"""The Failed jobs screen's state and its pure transitions (no Textual, no widgets).

The screen routes the loader's messages here (``start``, ``apply_event``, ``apply_crash``) and draws
what the model says (``take_pending``, ``shown``, ``progress_percent``, ``summary``). ``token`` is
the number of the current scan: whatever an older scan still reports is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.triage import FailedJob, ScanEvent, SourceState


@dataclass
class Summary:
    """Counts of the jobs shown: failed, exceptions, the exceptions hidden (x), and per service its
    failed and exceptions apart (most failed first). A skipped source found nothing: it has no count."""
    failed: int
    exceptions: int
    hidden: int
    by_service: dict[str, tuple[int, int]]

    @classmethod
    def of(cls, shown: list[FailedJob], hidden: int = 0) -> Summary:
        per: dict[str, list[int]] = {}
        for j in shown:
            per.setdefault(j.service, [0, 0])[0 if j.severity == "failed" else 1] += 1
        order = sorted(per.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        failed = sum(f for f, _ in per.values())
        return cls(failed, len(shown) - failed, hidden, {k: (f, e) for k, (f, e) in order})


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

    def __post_init__(self) -> None:
        self.scanned_exceptions = self.include_exceptions

    # -- a scan's life ------------------------------------------------------------------------------
    def start(self, now: float) -> int:
        """A new scan: nothing found yet. Returns its token."""
        self.token += 1
        self.jobs, self.pending, self.sources = [], [], {}
        self.result, self.error = None, None
        self.scanned_exceptions = self.include_exceptions
        self.scanning = True
        self.started_at = now
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
        """The jobs that arrived since the last redraw, now counted as drawn."""
        batch, self.pending = self.pending, []
        self.jobs.extend(batch)
        return batch

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
        return Summary.of(shown, len(self.jobs) - len(shown))

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
