"""One failed job as a row: ``FailedJob`` (and its errors and detail request) with its table,
CSV and JSON forms.

Plain data with no scan logic, so the screen, the CLI exports and the tests build and read rows
without the scan machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

SEVERITY_LABELS = {"failed": "failed", "attention": "exception"}

#: The table's columns, in order (the keys of ``FailedJob.row()``).
# The columns of FailedJob.flat(), in order: the CSV header even when no job failed.
FLAT_COLUMNS = ("customer", "customer_id", "tenant", "tenant_id", "service", "source", "job_type", "job_id",
                "status", "status_code", "severity", "start", "end", "duration_s", "failed", "total",
                "first_error", "error_count")
TABLE_COLUMNS = ("customer / tenant", "service", "job type", "job id", "status", "start", "end", "duration",
                 "failed", "total", "first error")


@dataclass(frozen=True)
class JobError:
    message: str
    count: int | None = None
    url: str | None = None
    code: Any = None                      # M365 isErrorCode, or a code field

    def to_dict(self) -> dict:
        return {"message": self.message, "count": self.count, "url": self.url, "code": self.code}


@dataclass(frozen=True)
class DetailRequest:
    """A request that shows one job on its own: a detail endpoint, or the list filtered by the job's id."""

    endpoint_id: str
    path_params: dict
    params: dict
    note: str = ""

    def describe(self, catalog: Any = None) -> str:
        path = self.endpoint_id
        if catalog is not None:
            e = catalog.find(self.endpoint_id)
            if e is not None:
                try:
                    path = f"{e.method} {e.format_path(self.path_params)}"
                except KeyError:
                    path = f"{e.method} {e.path}"
        extra = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return path + (f" ({extra})" if extra else "")


@dataclass(eq=False)
class FailedJob:
    source: str                           # endpoint id
    service: str
    job_type: str
    job_id: str
    status: str                           # label, never the code alone
    status_code: Any
    severity: str                         # "failed" | "attention"
    start: datetime | None
    end: datetime | None
    duration: float | None                # seconds
    failed_count: int | None
    total_count: int | None
    errors: tuple[JobError, ...]
    item: Any
    customer: str | None = None
    customer_id: str | None = None
    tenant: str | None = None
    tenant_id: str | None = None
    detail: DetailRequest | None = None
    exchange: Any = None                  # the page (list request) that carried the job

    @property
    def first_error(self) -> str | None:
        return self.errors[0].message if self.errors else None

    @property
    def where(self) -> str:
        parts = [p for p in (self.customer, self.tenant) if p]
        return " › ".join(parts)

    @property
    def key(self) -> tuple:
        return (self.source, self.customer_id, self.tenant_id, self.job_id)

    def row(self) -> dict:
        """The table row (display values; numbers stay numbers so they sort numerically)."""
        return {
            "customer / tenant": self.where, "service": self.service, "job type": self.job_type,
            "job id": self.job_id, "status": self.status, "start": _disp_time(self.start),
            "end": _disp_time(self.end), "duration": _disp_duration(self.duration),
            "failed": self.failed_count, "total": self.total_count, "first error": self.first_error or "",
        }

    def flat(self) -> dict:
        """One CSV row: every column a monitoring system may want, no nesting."""
        return {
            "customer": self.customer or "", "customer_id": self.customer_id or "", "tenant": self.tenant or "",
            "tenant_id": self.tenant_id or "", "service": self.service, "source": self.source,
            "job_type": self.job_type, "job_id": self.job_id, "status": self.status,
            "status_code": "" if self.status_code is None else self.status_code, "severity": self.severity,
            "start": _iso(self.start), "end": _iso(self.end),
            "duration_s": "" if self.duration is None else round(self.duration),
            "failed": "" if self.failed_count is None else self.failed_count,
            "total": "" if self.total_count is None else self.total_count,
            "first_error": self.first_error or "", "error_count": len(self.errors),
        }

    def to_dict(self, item: bool = True) -> dict:
        d: dict[str, Any] = {
            "customer": self.customer, "customer_id": self.customer_id, "tenant": self.tenant,
            "tenant_id": self.tenant_id, "service": self.service, "source": self.source,
            "job_type": self.job_type, "job_id": self.job_id, "status": self.status,
            "status_code": self.status_code, "severity": self.severity, "start": _iso(self.start) or None,
            "end": _iso(self.end) or None, "duration_s": None if self.duration is None else round(self.duration),
            "failed": self.failed_count, "total": self.total_count, "first_error": self.first_error,
            "errors": [e.to_dict() for e in self.errors],
            "detail": None if self.detail is None else {"endpoint": self.detail.endpoint_id,
                                                        "path_params": self.detail.path_params,
                                                        "params": self.detail.params},
        }
        if item:
            d["item"] = self.item
        return d


def _iso(dt: datetime | None) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else ""


def _disp_time(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if dt else None


def _disp_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"
