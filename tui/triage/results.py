"""What a scan reports: per-source progress (``SourceState``, ``TargetError``), the events it
streams (``ScanEvent``) and the final ``ScanResult`` with its exit code and JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from tui import clock
from tui.triage.jobs import FailedJob, _iso
from tui.triage.window import Window


@dataclass
class TargetError:
    target: str                           # "" for a single-target source, else "Contoso › Production"
    message: str
    status: int | None = None
    kind: str = "error"                   # http | auth | network | timeout | params | dependency | error
    exchange: Any = None
    hint: str | None = None


@dataclass
class SourceState:
    id: str                               # endpoint id
    label: str                            # short service name
    scope: str                            # "tenant" | "customer" | "customer tenant"
    state: str = "pending"                # pending | running | done | partial | failed | skipped | cancelled
    reason: str = ""                      # why skipped, or a notice
    server_filter: str | None = None      # "jobState=3,4,5"
    client_window: bool = False           # the window is applied on the client
    targets_total: int = 0
    targets_done: int = 0
    targets_failed: int = 0
    pages: int = 0
    items: int = 0                        # items read
    total: int | None = None              # items the server said exist (sum of known totals)
    failed: int = 0
    attention: int = 0
    errors: list[TargetError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    started: float | None = None
    finished: float | None = None

    @property
    def found(self) -> int:
        return self.failed + self.attention

    @property
    def finished_state(self) -> bool:
        return self.state in ("done", "partial", "failed", "skipped", "cancelled")

    @property
    def progress(self) -> float:
        """0..1: targets done (fan-out sources) or items read of the announced total."""
        if self.finished_state:
            return 1.0
        if self.targets_total > 1:
            return min(1.0, self.targets_done / self.targets_total)
        if self.total:
            return min(0.99, self.items / self.total)
        return 0.0

    @property
    def error(self) -> str | None:
        if not self.errors:
            return None
        first = self.errors[0]
        text = f"{first.target}: {first.message}" if first.target else first.message
        if len(self.errors) > 1:
            text += f" (+{len(self.errors) - 1} more)"
        return text

    @property
    def elapsed(self) -> float | None:
        if self.started is None:
            return None
        return (self.finished or clock.perf_counter()) - self.started

    def snapshot(self) -> "SourceState":
        return replace(self, errors=list(self.errors), notices=list(self.notices))

    def to_dict(self) -> dict:
        return {"source": self.id, "service": self.label, "state": self.state, "reason": self.reason or None,
                "server_filter": self.server_filter, "client_window": self.client_window,
                "targets": self.targets_total, "targets_done": self.targets_done,
                "targets_failed": self.targets_failed, "pages": self.pages, "items_read": self.items,
                "failed": self.failed, "exceptions": self.attention, "notices": list(self.notices),
                "errors": [{"target": e.target or None, "message": e.message, "status": e.status, "kind": e.kind,
                            "request_id": getattr(e.exchange, "request_id", None)} for e in self.errors]}


@dataclass
class ScanEvent:
    kind: str                             # "source" | "jobs" | "done"
    source: SourceState | None = None     # a snapshot
    jobs: list[FailedJob] = field(default_factory=list)
    result: "ScanResult | None" = None


@dataclass
class ScanResult:
    window: Window
    include_exceptions: bool
    concurrency: int
    jobs: list[FailedJob]
    sources: list[SourceState]
    cancelled: bool = False
    error: str | None = None              # the scan could not start (no token at all)
    elapsed: float = 0.0
    requests: int = 0

    @property
    def failed(self) -> list[FailedJob]:
        return [j for j in self.jobs if j.severity == "failed"]

    @property
    def source_errors(self) -> list[SourceState]:
        return [s for s in self.sources if s.errors]

    def sorted_jobs(self) -> list[FailedJob]:
        """Newest first; jobs without a start time last."""
        return sorted(self.jobs, key=lambda j: (j.start is None, -(j.start.timestamp() if j.start else 0)))

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        return count_by(self.jobs)

    @property
    def exit_code(self) -> int:
        """0 nothing failed, 1 something failed; else the worst source error (3 auth, 4 HTTP 4xx,
        5 HTTP 5xx / network / timeout): a scan that could not look everywhere is not a clean bill."""
        if self.failed:
            return 1
        codes = []
        if self.error:
            codes.append(3)
        for s in self.sources:
            for e in s.errors:
                if e.kind == "auth" or e.status == 401:
                    codes.append(3)
                elif (e.status is not None and 400 <= e.status < 500) or e.kind in ("dependency", "params"):
                    codes.append(4)
                else:
                    codes.append(5)
        if self.cancelled:
            codes.append(5)
        return max(codes) if codes else 0

    def to_dict(self, items: bool = True) -> dict:
        by_service, by_status = self.counts()
        return {"window": {"since": _iso(self.window.since), "until": _iso(self.window.until)},
                "include_exceptions": self.include_exceptions, "cancelled": self.cancelled, "error": self.error,
                "failed": len(self.failed), "exceptions": len(self.jobs) - len(self.failed),
                "by_service": by_service, "by_status": by_status,
                "sources": [s.to_dict() for s in self.sources],
                "jobs": [j.to_dict(item=items) for j in self.sorted_jobs()]}


def count_by(jobs: Iterable[FailedJob]) -> tuple[dict[str, int], dict[str, int]]:
    by_service: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for j in jobs:
        by_service[j.service] = by_service.get(j.service, 0) + 1
        by_status[j.status] = by_status.get(j.status, 0) + 1
    order = lambda d: dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))  # noqa: E731
    return order(by_service), order(by_status)
