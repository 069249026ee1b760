"""Failed-jobs triage: every failed job of a tenant (or of all a partner's customers) in one list.

UI-free (no Textual): the failed-jobs screen, ``avegraph failed-jobs`` and the benchmark share it.

    scan = FailedJobsScan(session, window=Window.parse("7d"), include_exceptions=True, concurrency=4,
                          on_event=print)
    result = await scan.run()          # or: async for event in scan.stream(): ...
    result.jobs, result.sources, result.exit_code

What it does, all from the catalogue (``Endpoint.status``, params, pagination; catalogue section 6):

* **Sources** are the catalogue's job sources (``catalog.job_sources()``) the token may call. A
  source whose scope the token does not hold is listed as *skipped* and costs no request.
* **Server-side filter where one exists** (M365 ``jobState=3``, D365 ``status=4``, Google
  ``jobStatus=3``, Salesforce ``status=4``, DMSO ``status=500``): one query per wanted code (the
  failed codes, plus the "attention" codes such as *finished with exception* when asked for).
  Elsewhere every page is read and filtered on the client. Items are always checked on the client
  as well, so a server that ignores a filter cannot smuggle other jobs in.
* **The time window** goes out as the endpoint's own start/end parameters (split into chunks when
  the endpoint documents a maximum window), and is applied on the client to sources without time
  parameters. An endpoint documented as newest-first on request (``/aos/jobs`` ``sortorder=1``)
  stops paging at the first page older than the window. Required parameters get their "all"
  value (D365 ``type=0``). Pages are as large as the endpoint documents (``top`` 1000, Elements 100).
* **Partner tenants**: ``elements.customers`` is both a source (customer backup health) and the
  list that fans out the per-customer (``{customerId}``) and per-customer-tenant
  (``{customerId}/{tenantId}``) sources, as soon as each page of customers arrives.
* **Bounded concurrency**: one ``asyncio.Semaphore`` around every page request (the token is
  acquired once, before). A target that fails (403, 5xx, timeout) is recorded with its error and
  exchange; the others carry on.
* **Streaming**: ``on_event`` (or ``stream()``) sees ``ScanEvent``s: ``source`` (a source's
  progress changed), ``jobs`` (new rows), ``done``.
* **Cancellation**: ``scan.cancel()`` (or cancelling the task that runs it) stops every request;
  the jobs found so far stay in the result, unfinished sources are marked *cancelled*.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Callable, Iterable

from tui import clock
from tui.catalog.model import Endpoint, dig
from tui.catalog.validate import PRESETS, format_time, parse_since, parse_time, time_params, window_limit_days

__all__ = ["Window", "JobError", "DetailRequest", "FailedJob", "TargetError", "SourceState", "ScanEvent",
           "ScanResult", "FailedJobsScan", "scan_failed_jobs", "SEVERITY_LABELS", "TABLE_COLUMNS",
           "server_filter", "page_size_for", "short_service"]

SEVERITY_LABELS = {"failed": "failed", "attention": "exception"}
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32

#: The table's columns, in order (the keys of ``FailedJob.row()``).
TABLE_COLUMNS = ("customer / tenant", "service", "job type", "job id", "status", "start", "end", "duration",
                 "failed", "total", "first error")

# Short service names for the table and the summary (the catalogue's are long: "Cloud Backup for ...").
_SHORT = {
    "aos.jobs": "AOS scans", "m365.cloudbackupjobs": "Microsoft 365", "d365.jobs": "Dynamics 365",
    "iaas.jobs": "IaaS + PaaS", "google.jobs": "Google Workspace", "salesforce.jobs": "Salesforce",
    "dmso.audits": "DMSO audit", "elements.customers": "Customer health",
    "elements.avpt-products-jobs": "Elements jobs", "elements.process-center-jobs": "Baseline jobs",
}

# Fields that say what kind of job an item is, per endpoint (labels from status_fields / param enums).
_TYPE_FIELDS = {
    "elements.avpt-products-jobs": ("jobModule",),      # the service comes from jobType (the product)
    "dmso.audits": ("module", "action"),
    "aos.jobs": ("type",),
}
_DEFAULT_TYPE_FIELDS = ("jobType", "type")

# A refetch of one job by its id where the API has no detail endpoint but a documented id filter.
_REFETCH = {
    "aos.jobs": ("search", "id", False),                         # "Specifies Job ID values to search jobs"
    "elements.process-center-jobs": ("jobIds", "jobId", True),   # body list filter
    "elements.customers": ("customerIds", "id", True),
}

_START_FIELDS = ("startTime", "actionTime", "startedTime", "startDateTime", "start")
_END_FIELDS = ("finishTime", "endTime", "finishedTime", "endDateTime", "end")
_COUNT_PAIRS = (("failedCount", "totalCount"), ("failedNumber", "totalNumber"), ("failedObjects", "totalObjects"),
                ("failedEntity", "totalEntity"), ("failedRecords", "totalRecords"), ("failedRecord", "totalRecord"))
_ERROR_KEYS = ("jobErrors", "errors", "errorMessage", "errorModel", "error", "failureReason", "failedReason",
               "comments", "message", "details")
_STATUS_PARAM_NAMES = ("jobstate", "jobstatus", "status", "state")


def short_service(endpoint: Endpoint) -> str:
    return _SHORT.get(endpoint.id, endpoint.service)


# ------------------------------------------------------------------------------------------------
# Time window
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    text: str = ""                       # what the user typed: "7d", "2026-01-01"

    @classmethod
    def parse(cls, text: str, now: datetime | None = None) -> "Window":
        """'24h', '7d', '30d', '90m', '2w' or an ISO date / date-time (the window runs from it to now).
        ValueError with a sentence otherwise."""
        now = (now or clock.utc_now()).astimezone(timezone.utc).replace(microsecond=0)
        t = (text or "").strip()
        if not t:
            raise ValueError("the window is empty: give 24h, 7d, 30d or an ISO date such as 2026-01-31")
        if t.lower() in PRESETS:
            return cls(now - PRESETS[t.lower()], now, t.lower())
        try:
            span = parse_since(t)
        except ValueError:
            dt = parse_time(t)
            if dt is None:
                raise ValueError(f"{t!r} is neither a duration (24h, 7d, 30d) nor an ISO date such as 2026-01-31")
            if dt >= now:
                raise ValueError(f"{t!r} is in the future: the window must start before now")
            return cls(dt.astimezone(timezone.utc), now, t)
        if span.total_seconds() <= 0:
            raise ValueError(f"{t!r} is an empty window")
        return cls(now - span, now, t)

    @property
    def span(self) -> timedelta:
        return self.until - self.since

    def contains(self, dt: datetime | None) -> bool:
        return dt is not None and self.since <= dt <= self.until

    def chunks(self, max_days: int | None) -> list["Window"]:
        """Consecutive windows of at most ``max_days`` (newest first), covering this one."""
        if not max_days or self.span <= timedelta(days=max_days):
            return [self]
        out, end = [], self.until
        step = timedelta(days=max_days)
        while end > self.since:
            start = max(self.since, end - step)
            out.append(Window(start, end, self.text))
            end = start
        return out

    def label(self) -> str:
        names = {"24h": "last 24 h", "7d": "last 7 days", "30d": "last 30 days"}
        if self.text in names:
            return names[self.text]
        return f"{self.since:%Y-%m-%d %H:%M} – {self.until:%Y-%m-%d %H:%M} UTC"


# ------------------------------------------------------------------------------------------------
# Rows
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# What the catalogue says about a source
# ------------------------------------------------------------------------------------------------

def server_filter(endpoint: Endpoint) -> tuple[str, tuple[str, ...]] | None:
    """(query parameter, accepted codes) of the documented server-side status filter, or None.

    ``status.filter_param`` when the catalogue names it, else a query parameter called like a
    status (jobStatus, jobState, status) whose enum holds every failed code (Google's
    ``jobStatus``, which the catalogue's section 6 documents)."""
    st = endpoint.status
    if st is None:
        return None
    name = st.filter_param
    if name is None:
        for p in endpoint.params:
            if p.location == "query" and p.name.lower() in _STATUS_PARAM_NAMES and p.enum:
                values = {e.value for e in p.enum}
                if st.failed and all(c in values for c in st.failed):
                    name = p.name
                    break
    if name is None:
        return None
    p = endpoint.param(name)
    codes = tuple(e.value for e in p.enum) if p is not None and p.enum else tuple(st.failed) + tuple(st.attention)
    return name, codes


def page_size_for(endpoint: Endpoint) -> int | None:
    """The largest documented page size (fewest round trips); 100 where none is documented."""
    pag = endpoint.pagination
    if not pag.size_param:
        return None
    p = endpoint.param(pag.size_param)
    hi = pag.size_max or (p.max if p is not None else None)
    if hi is None and p is not None and p.constraint:
        m = re.search(r"(?:to|max(?:imum)?(?: value allowed is)?)\s*(\d+)", p.constraint, re.I)
        if m:
            hi = int(m.group(1))
    return hi or 100


def _newest_first(endpoint: Endpoint) -> tuple[str, str] | None:
    """A documented sort parameter value meaning "newest first" (``/aos/jobs`` ``sortorder=1``)."""
    for p in endpoint.params:
        if p.location == "query" and p.name.lower() in ("sortorder", "sort", "order") and p.enum:
            for e in p.enum:
                if "newest" in e.label.lower():
                    return p.name, e.value
    return None


def _all_value(p) -> str | None:
    for e in p.enum:
        if e.label.strip().lower() in ("all", "all types", "any"):
            return e.value
    return None


class PlanError(Exception):
    pass


@dataclass
class _Query:
    params: dict
    window: Window | None                 # sent to the server
    code: str | None                      # the status code asked of the server
    stop_before: datetime | None = None   # newest-first paging stops at items older than this


_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def _labels_of(endpoint: Endpoint, fld: str) -> dict[str, str]:
    """Value -> label of an enum field (status_fields first, then the parameter of that name); cached."""
    key = (endpoint.id, fld)
    hit = _LABELS.get(key)
    if hit is None:
        hit = _LABELS[key] = _find_labels(endpoint, fld)
    return hit


def _find_labels(endpoint: Endpoint, fld: str) -> dict[str, str]:
    for sf in endpoint.status_fields:
        name = str(sf.get("field", "")).split(" ")[0]
        if name == fld and sf.get("values"):
            return {str(v["value"]): str(v["label"]) for v in sf["values"]}
    p = endpoint.param(fld)
    if p is not None and p.enum:
        return {e.value: e.label for e in p.enum}
    return {}


def _to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def _time_of(item: dict, names: tuple[str, ...]) -> datetime | None:
    for n in names:
        v = item.get(n)
        if isinstance(v, str) and v and v.upper() != "N/A":
            dt = parse_time(v)
            if dt is not None:
                return dt
    return None


_DUR_HMS = re.compile(r"^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})(?:\.\d+)?$")
_DUR_UNITS = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])", re.I)


def _duration_of(item: dict, start: datetime | None, end: datetime | None) -> float | None:
    if start is not None and end is not None and end >= start:
        return (end - start).total_seconds()
    if end is None and start is not None:
        return None                       # still running (or never finished): no duration
    for key, hours in (("durationHours", True), ("duration", None), ("jobDuration", None)):
        v = item.get(key)
        if v in (None, "", "N/A"):
            continue
        if isinstance(v, (int, float)):
            return float(v) * 3600 if (hours or key == "duration") else float(v)
        s = str(v).strip()
        m = _DUR_HMS.match(s)
        if m:
            d, h, mi, se = (int(x) if x else 0 for x in m.groups())
            return d * 86400 + h * 3600 + mi * 60 + se
        units = _DUR_UNITS.findall(s)
        if units:
            mult = {"d": 86400, "h": 3600, "m": 60, "s": 1}
            return sum(float(n) * mult[u.lower()] for n, u in units)
        try:
            return float(s) * 3600         # M365 "duration": hours as a decimal string
        except ValueError:
            continue
    return None


def _counts_of(item: dict) -> tuple[int | None, int | None]:
    for container in (item, item.get("backupDetails") if isinstance(item.get("backupDetails"), dict) else None):
        if not isinstance(container, dict):
            continue
        for f, t in _COUNT_PAIRS:
            if f in container or t in container:
                return _to_int(container.get(f)), _to_int(container.get(t))
    return None, None


def extract_errors(item: Any) -> tuple[JobError, ...]:
    """A job's errors: M365 ``jobErrors[]`` (value, number, url), error lists and message fields."""
    if not isinstance(item, dict):
        return ()
    out: list[JobError] = []
    folded: dict[str, str] | None = None          # lower-cased key -> the item's first key of that spelling
    for key in _ERROR_KEYS:
        # dig(item, (key,)), without rescanning every key of the item for each missing name
        if key in item:
            v = item[key]
        else:
            if folded is None:
                folded = {}
                for k in item:
                    if isinstance(k, str):
                        folded.setdefault(k.lower(), k)
            match = folded.get(key.lower())
            if match is None:
                continue
            v = item[match]
        if v in (None, "", [], {}):
            continue
        if isinstance(v, list):
            for e in v:
                if isinstance(e, dict):
                    msg = next((e[k] for k in ("value", "message", "Message", "errorMessage", "description", "error")
                                if isinstance(e.get(k), str) and e.get(k)), None)
                    if msg is None:
                        continue
                    url = next((e[k] for k in ("url", "helpUrl", "helpLink", "link") if e.get(k)), None)
                    code = e.get("isErrorCode", e.get("code"))
                    out.append(JobError(str(msg), _to_int(e.get("number", e.get("count"))), url or None, code))
                elif isinstance(e, str) and e.strip():
                    out.append(JobError(e.strip()))
        elif isinstance(v, str) and v.strip():
            out.append(JobError(v.strip()))
        elif isinstance(v, dict):
            msg = v.get("message") or v.get("value") or v.get("error")
            if isinstance(msg, str) and msg:
                out.append(JobError(msg, _to_int(v.get("count")), v.get("url") or None, v.get("code")))
        if out:
            break
    return tuple(out)


@dataclass(frozen=True)
class _Target:
    label: str                            # "" for the tenant itself
    path_params: dict
    customer: str | None = None
    customer_id: str | None = None
    tenant: str | None = None
    tenant_id: str | None = None


# ------------------------------------------------------------------------------------------------
# The scan
# ------------------------------------------------------------------------------------------------

class FailedJobsScan:
    """One scan of one tenant. Not reusable: make a new one to rerun."""

    def __init__(self, session: Any, *, window: Window | str = "7d", include_exceptions: bool = False,
                 concurrency: int = DEFAULT_CONCURRENCY, timeout: float | None = None,
                 tenant_label: str | None = None, sources: Iterable[str] | None = None,
                 on_event: Callable[[ScanEvent], Any] | None = None, catalog: Any = None):
        if isinstance(window, str):
            window = Window.parse(window)
        if not 1 <= int(concurrency) <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
        self.session = session
        self.catalog = catalog or session.catalog
        self.window = window
        self.include_exceptions = include_exceptions
        self.concurrency = int(concurrency)
        self.timeout = timeout
        self.tenant_label = tenant_label if tenant_label is not None else getattr(session.tenant, "name", "")
        self.only = set(sources) if sources is not None else None
        self.on_event = on_event
        self.endpoints: dict[str, Endpoint] = {}
        self.sources: dict[str, SourceState] = {}
        self.jobs: list[FailedJob] = []
        self._seen: set[tuple] = set()
        self._severities: dict[str, dict[tuple, str | None]] = {}
        self._sem: asyncio.Semaphore | None = None
        self._tg: asyncio.TaskGroup | None = None
        self._task: asyncio.Task | None = None
        self._cancel_requested = False
        self.cancelled = False
        self.error: str | None = None
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.started: float | None = None
        self.elapsed = 0.0
        self._queue: asyncio.Queue | None = None
        self._edges: dict[str, list] = {}
        for e in self.catalog.job_sources():
            if self.only is not None and e.id not in self.only:
                continue
            scope = ("customer tenant" if {"customerId", "tenantId"} <= set(e.path_params) else
                     "customer" if "customerId" in e.path_params else "tenant")
            self.endpoints[e.id] = e
            self.sources[e.id] = SourceState(e.id, short_service(e), scope)

    # -- events -------------------------------------------------------------------------------------
    def _emit(self, event: ScanEvent) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # an observer must never break the scan
                pass
        if self._queue is not None:
            self._queue.put_nowait(event)

    @property
    def _observed(self) -> bool:
        """Someone receives events (an ``on_event`` callback or ``stream()``): else none is built."""
        return self.on_event is not None or self._queue is not None

    def _changed(self, src: SourceState) -> None:
        if self._observed:
            self._emit(ScanEvent("source", src.snapshot()))

    # -- control ------------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop every request; ``run()`` returns the partial result."""
        self._cancel_requested = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def stream(self) -> AsyncIterator[ScanEvent]:
        """Run the scan, yielding its events as they happen; the last one is ``done``."""
        self._queue = asyncio.Queue()
        task = asyncio.ensure_future(self.run())
        try:
            while True:
                getter = asyncio.ensure_future(self._queue.get())
                done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    event = getter.result()
                    yield event
                    if event.kind == "done":
                        break
                else:
                    getter.cancel()
                    while not self._queue.empty():
                        event = self._queue.get_nowait()
                        yield event
                        if event.kind == "done":
                            return
                    task.result()         # raises what run() raised
                    return
        finally:
            if not task.done():
                self.cancel()
                try:
                    await task
                except BaseException:
                    pass

    def result(self) -> ScanResult:
        return ScanResult(self.window, self.include_exceptions, self.concurrency, list(self.jobs),
                          [s.snapshot() for s in self.sources.values()], self.cancelled, self.error,
                          self.elapsed, self.requests)

    async def run(self) -> ScanResult:
        self._task = asyncio.current_task()
        self._sem = asyncio.Semaphore(self.concurrency)
        self.started = clock.perf_counter()
        try:
            runnable = await self._prepare()
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                customers = self.sources.get("elements.customers")
                fan_out = [sid for sid in runnable if self.sources[sid].scope != "tenant"]
                for sid in runnable:
                    src = self.sources[sid]
                    if src.scope != "tenant":
                        continue
                    if sid == "elements.customers":
                        tg.create_task(self._run_customers(fan_out))
                    else:
                        tg.create_task(self._run_target(sid, _Target("", {}, tenant=self.tenant_label or None)))
                if fan_out and (customers is None or customers.id not in runnable):
                    for sid in fan_out:
                        self._fail_source(sid, "needs the customer list (elements.customers), which cannot be read")
            for src in self.sources.values():
                if src.state in ("pending", "running"):
                    self._finish_source(src)
        except asyncio.CancelledError:
            self.cancelled = True
            for src in self.sources.values():
                if src.state in ("pending", "running"):
                    src.state = "cancelled"
                    src.finished = clock.perf_counter()
                    self._changed(src)
            self.elapsed = clock.perf_counter() - self.started
            self._emit(ScanEvent("done", result=self.result()))
            if self._cancel_requested:
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                return self.result()
            raise
        self.elapsed = clock.perf_counter() - self.started
        result = self.result()
        self._emit(ScanEvent("done", result=result))
        return result

    # -- preparation: tokens and permissions ------------------------------------------------------------
    async def _prepare(self) -> list[str]:
        """Acquire a token per bundle the sources need; decide which sources may run."""
        from tui.api.errors import ApiError
        session = self.session
        failures: dict[str, Exception] = {}
        bundles = {}
        for sid, e in self.endpoints.items():
            try:
                b = session.tokens.bundle_for(e)
            except Exception:  # noqa: BLE001 - no bundle at all: the request will say why
                continue
            bundles.setdefault(b.name, (b, []))[1].append(sid)
        for name, (b, sids) in bundles.items():
            try:
                await session.token(b)
            except ApiError as exc:
                failures[name] = exc
        granted = session.granted_scopes()
        low = {s.lower() for s in granted} if granted else None
        runnable = []
        for name, (b, sids) in bundles.items():
            for sid in sids:
                src, e = self.sources[sid], self.endpoints[sid]
                if name in failures:
                    exc = failures[name]
                    src.errors.append(TargetError("", f"no token: {exc}", None, "auth",
                                                  getattr(exc, "exchange", None), getattr(exc, "hint", None)))
                    src.state = "failed"
                    self._changed(src)
                    continue
                if low is not None and not any(s.lower() in low for s in e.scopes):
                    src.state = "skipped"
                    src.reason = f"the token lacks {' or '.join(e.scopes)}"
                    self._changed(src)
                    continue
                runnable.append(sid)
        if failures and not runnable:
            first = next(iter(failures.values()))
            self.error = str(first)
        for sid in runnable:
            src = self.sources[sid]
            sf = server_filter(self.endpoints[sid])
            if sf is not None:
                src.server_filter = f"{sf[0]}=" + ",".join(self._wanted_codes(self.endpoints[sid], sf[1]))
            start, end = time_params(self.endpoints[sid])
            src.client_window = start is None and end is None
            self._changed(src)
        return runnable

    def _wanted_codes(self, e: Endpoint, accepted: tuple[str, ...]) -> list[str]:
        st = e.status
        wanted = list(st.failed) + (list(st.attention) if self.include_exceptions else [])
        return [c for c in wanted if c in accepted]

    def _plan(self, e: Endpoint) -> list[_Query]:
        base: dict[str, Any] = {}
        for p in e.params:
            if p.required and p.location != "path" and not p.time_role:
                value = _all_value(p) if p.enum else None
                if value is None:
                    raise PlanError(f"{p.name} is required and has no 'all' value; this source cannot be scanned")
                base[p.name] = value
        order = _newest_first(e)
        if order is not None:
            base[order[0]] = order[1]
        start_p, end_p = time_params(e)
        windows: list[Window | None] = [None]
        if start_p is not None or end_p is not None:
            windows = list(self.window.chunks(window_limit_days(e)))
        sf = server_filter(e)
        codes: list[str | None] = [None]
        if sf is not None:
            codes = list(self._wanted_codes(e, sf[1])) or [None]
        out = []
        for w in windows:
            for code in codes:
                params = dict(base)
                if w is not None:
                    if start_p is not None:
                        params[start_p.name] = format_time(w.since, start_p)
                    if end_p is not None:
                        params[end_p.name] = format_time(w.until, end_p)
                if code is not None:
                    params[sf[0]] = code
                out.append(_Query(params, w, code, self.window.since if order is not None else None))
        return out

    # -- sources ----------------------------------------------------------------------------------------
    def _start_source(self, src: SourceState) -> None:
        if src.state == "pending":
            src.state = "running"
            src.started = clock.perf_counter()

    def _finish_source(self, src: SourceState) -> None:
        if src.finished_state:
            return
        if src.targets_failed and src.targets_failed >= max(1, src.targets_total):
            src.state = "failed"
        elif src.targets_failed:
            src.state = "partial"
        else:
            src.state = "done"
        src.finished = clock.perf_counter()
        if src.started is None:
            src.started = src.finished
        self._changed(src)

    def _fail_source(self, sid: str, message: str) -> None:
        src = self.sources[sid]
        src.errors.append(TargetError("", message, None, "dependency"))
        src.state = "failed"
        src.finished = clock.perf_counter()
        self._changed(src)

    def _target_done(self, src: SourceState) -> None:
        src.targets_done += 1
        if src.scope == "tenant" or (self._customers_done and src.targets_done >= src.targets_total):
            self._finish_source(src)
        else:
            self._changed(src)

    _customers_done = False

    async def _run_customers(self, fan_out: list[str]) -> None:
        """Page the customers: their health is a source of its own, and each page fans out the
        per-customer and per-customer-tenant sources at once."""
        sid = "elements.customers"
        for f in fan_out:
            self._start_source(self.sources[f])

        def on_items(items: list) -> None:
            for c in items:
                if not isinstance(c, dict) or not c.get("id"):
                    continue
                org = str(c.get("organization") or c.get("name") or c["id"])
                for f in fan_out:
                    e = self.endpoints[f]
                    if "tenantId" in e.path_params:
                        for t in c.get("tenants") or ():
                            if isinstance(t, dict) and t.get("id"):
                                tname = str(t.get("name") or t["id"])
                                self._spawn(f, _Target(f"{org} › {tname}", {"customerId": c["id"], "tenantId": t["id"]},
                                                       org, str(c["id"]), tname, str(t["id"])))
                    else:
                        self._spawn(f, _Target(org, {"customerId": c["id"]}, org, str(c["id"])))

        try:
            await self._run_target(sid, _Target("", {}), on_items=on_items)
        finally:
            self._customers_done = True
            customers = self.sources[sid]
            for f in fan_out:
                src = self.sources[f]
                if src.finished_state:
                    continue
                if customers.errors and src.targets_total == 0:
                    self._fail_source(f, "the customer list could not be read: " + (customers.error or "unknown error"))
                elif customers.errors:
                    src.notices.append("the customer list was read only in part: " + (customers.error or ""))
                    if src.targets_done >= src.targets_total:
                        self._finish_source(src)
                elif src.targets_done >= src.targets_total:
                    self._finish_source(src)

    def _spawn(self, sid: str, target: _Target) -> None:
        src = self.sources[sid]
        src.targets_total += 1
        self._changed(src)
        assert self._tg is not None
        self._tg.create_task(self._run_target(sid, target, counted=True))

    async def _run_target(self, sid: str, target: _Target, *, on_items: Callable[[list], None] | None = None,
                          counted: bool = False) -> None:
        """Every query of one source for one target (the tenant, a customer, a customer's tenant)."""
        from tui.api.errors import ApiError
        e, src = self.endpoints[sid], self.sources[sid]
        self._start_source(src)
        if not counted:
            src.targets_total += 1
        try:
            queries = self._plan(e)
        except PlanError as exc:
            src.errors.append(TargetError(target.label, str(exc), None, "params"))
            src.targets_failed += 1
            self._target_done(src)
            return
        ok = True
        for q in queries:
            try:
                await self._walk(e, src, target, q, on_items)
            except asyncio.CancelledError:
                raise
            except (ApiError, TimeoutError) as exc:
                src.errors.append(_target_error(target.label, exc, self.timeout))
                ok = False
                break
            except Exception as exc:  # noqa: BLE001 - a bug in one source must not stop the others
                src.errors.append(TargetError(target.label, f"{type(exc).__name__}: {exc}", None, "error"))
                ok = False
                break
        if not ok:
            src.targets_failed += 1
        self._target_done(src)

    async def _walk(self, e: Endpoint, src: SourceState, target: _Target, q: _Query,
                    on_items: Callable[[list], None] | None) -> None:
        pager = self.session.pager(e, target.path_params, q.params, page_size=page_size_for(e))
        pages = pager.pages()
        counted_total = False
        sem = self._sem
        assert sem is not None
        try:
            while not pager.done:
                async with sem:
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                    self.requests += 1
                    try:
                        if self.timeout:
                            async with asyncio.timeout(self.timeout):
                                page = await pages.__anext__()
                        else:
                            page = await pages.__anext__()
                    except StopAsyncIteration:
                        break
                    finally:
                        self.in_flight -= 1
                items = page.items if isinstance(page.items, list) else [page.items]
                src.pages += 1
                src.items += len(items)
                if page.total is not None and not counted_total:
                    src.total = (src.total or 0) + page.total
                    counted_total = True
                if page.notice:
                    src.notices.append(page.notice)
                if on_items is not None:
                    on_items(items)
                found = self._select(e, src, target, items, q, page.exchange)
                if found:
                    self.jobs.extend(found)
                    if self._observed:
                        self._emit(ScanEvent("jobs", src.snapshot(), found))
                self._changed(src)
                if q.stop_before is not None and items:
                    last = _time_of(items[-1], _START_FIELDS) if isinstance(items[-1], dict) else None
                    if last is not None and last < q.stop_before:
                        break             # newest first: everything after this page is older
        finally:
            await pages.aclose()

    def _select(self, e: Endpoint, src: SourceState, target: _Target, items: list, q: _Query,
                exchange: Any) -> list[FailedJob]:
        st = e.status
        out: list[FailedJob] = []
        if st is None:
            return out
        client_window = q.window is None
        # st.severity(item) depends on the status value alone: one call per distinct value and scan
        cache = self._severities.setdefault(e.id, {})
        customers = e.id == "elements.customers"
        for it in items:
            if not isinstance(it, dict):
                continue
            v = st.value_of(it)
            if v is None:
                continue
            try:
                sev = cache[(v.__class__, v)]
            except KeyError:
                sev = cache[(v.__class__, v)] = st.severity(it)
            except TypeError:             # an unhashable value (a list, an object)
                sev = st.severity(it)
            if sev is None or (sev == "attention" and not self.include_exceptions):
                continue
            # The window and duplicate checks need only the start time and the key: done before
            # the item is normalised, so rows that are dropped cost no more than that.
            start = _time_of(it, _START_FIELDS)
            if client_window and start is not None and not self.window.contains(start):
                continue
            job_id = _job_id(e, it)
            key = (e.id, job_id if customers else target.customer_id, target.tenant_id, job_id)
            if key in self._seen:
                continue
            job = self._normalise(e, it, sev, target, exchange, start, job_id)
            self._seen.add(job.key)
            if sev == "failed":
                src.failed += 1
            else:
                src.attention += 1
            out.append(job)
        return out

    def _normalise(self, e: Endpoint, item: dict, severity: str, target: _Target, exchange: Any,
                   start: datetime | None, job_id: str) -> FailedJob:
        """The row of one item; ``start`` and ``job_id`` are the item's (``_time_of`` / ``_job_id``)."""
        st = e.status
        service = short_service(e)
        if e.id == "elements.avpt-products-jobs":
            product = _labels_of(e, "jobType").get(str(item.get("jobType")))
            if product:
                service = product
        type_parts = []
        for fld in _TYPE_FIELDS.get(e.id, _DEFAULT_TYPE_FIELDS):
            if fld in item and item[fld] is not None:
                label = _labels_of(e, fld).get(str(item[fld]), str(item[fld]))
                if label and label not in ("None", "N/A") and label not in type_parts:
                    type_parts.append(label)
                if e.id not in _TYPE_FIELDS:
                    break
        if e.id == "elements.customers":
            type_parts = ["Backup health"]
        end = _time_of(item, _END_FIELDS)
        failed, total = _counts_of(item)
        customer, customer_id = target.customer, target.customer_id
        tenant, tenant_id = target.tenant, target.tenant_id
        if e.id == "elements.customers":
            customer = str(item.get("organization") or job_id)
            customer_id = job_id
            names = [str(t.get("name")) for t in item.get("tenants") or () if isinstance(t, dict) and t.get("name")]
            tenant = ", ".join(names) or None
        return FailedJob(
            source=e.id, service=service, job_type=" · ".join(type_parts), job_id=job_id,
            status=st.label(item) if st is not None else "", status_code=st.value_of(item) if st else None,
            severity=severity, start=start, end=end, duration=_duration_of(item, start, end),
            failed_count=failed, total_count=total, errors=extract_errors(item), item=item,
            customer=customer, customer_id=customer_id, tenant=tenant, tenant_id=tenant_id,
            detail=self._detail(e, item, target, job_id), exchange=exchange)

    def _detail_edges(self, e: Endpoint) -> list:
        """Edges to a detail endpoint of this list (``/cloudbackupjobs`` -> ``/cloudbackupjobs/{jobId}``)."""
        hit = self._edges.get(e.id)
        if hit is None:
            prefix = e.path.lower().rstrip("/") + "/"
            hit = []
            for edge in e.edges:
                t = self.catalog.find(edge.target)
                if (t is not None and edge.child is None and t.items_path is None and t.read_only
                        and t.path.lower().startswith(prefix)):
                    hit.append(edge)
            self._edges[e.id] = hit
        return hit

    def _detail(self, e: Endpoint, item: dict, target: _Target, job_id: str) -> DetailRequest | None:
        for edge in self._detail_edges(e):
            ctx = dict(target.path_params)
            for param, fld in edge.bind.items():
                value = dig(item, fld.split("."))
                if value in (None, "", [], {}):
                    break
                ctx[param] = str(value)
            else:
                return DetailRequest(edge.target, ctx, {}, "detail endpoint")
        spec = _REFETCH.get(e.id)
        if spec and job_id:
            name, fld, as_list = spec
            value = item.get(fld)
            if value not in (None, ""):
                return DetailRequest(e.id, dict(target.path_params), {name: [value] if as_list else value},
                                     f"the list filtered by {name}")
        return None


def _job_id(e: Endpoint, item: dict) -> str:
    id_field = e.id_field or next((f for f in ("jobId", "id") if f in item), None)
    return str(item.get(id_field, "")) if id_field else ""


def _target_error(label: str, exc: BaseException, timeout: float | None) -> TargetError:
    from tui.api.errors import AuthError, HttpError, NetworkError
    if isinstance(exc, TimeoutError):
        return TargetError(label, f"timed out after {timeout:g} s" if timeout else "timed out", None, "timeout")
    status = getattr(exc, "status", None)
    kind = ("auth" if isinstance(exc, AuthError) else "http" if isinstance(exc, HttpError) else
            "timeout" if isinstance(exc, NetworkError) and getattr(exc, "kind", "") == "timeout" else
            "network" if isinstance(exc, NetworkError) else "error")
    return TargetError(label, str(exc), status, kind, getattr(exc, "exchange", None), getattr(exc, "hint", None))


async def scan_failed_jobs(session: Any, **kwargs: Any) -> ScanResult:
    """Convenience: ``await scan_failed_jobs(session, window="7d", concurrency=4)``."""
    return await FailedJobsScan(session, **kwargs).run()
