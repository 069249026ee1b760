"""What the catalogue says about a job source, and the queries a scan sends to it.

Server-side status filter, page size, newest-first sorting, required "all" values and the time
window as the endpoint's own parameters are all read from the catalogue (only the short display
names are listed here), so the scan has no per-endpoint branches for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.catalog.model import Endpoint
from tui.catalog.validate import format_time, time_params, window_limit_days
from tui.triage.window import Window

# Short service names for the table and the summary (the catalogue's are long: "Cloud Backup for ...").
_SHORT = {
    "aos.jobs": "AOS scans", "m365.cloudbackupjobs": "Microsoft 365", "d365.jobs": "Dynamics 365",
    "iaas.jobs": "IaaS + PaaS", "google.jobs": "Google Workspace", "salesforce.jobs": "Salesforce",
    "dmso.audits": "DMSO audit", "elements.customers": "Customer health",
    "elements.avpt-products-jobs": "Elements jobs", "elements.process-center-jobs": "Baseline jobs",
}
_STATUS_PARAM_NAMES = ("jobstate", "jobstatus", "status", "state")


def short_service(endpoint: Endpoint) -> str:
    return _SHORT.get(endpoint.id, endpoint.service)


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


@dataclass(frozen=True)
class _Target:
    label: str                            # "" for the tenant itself
    path_params: dict
    customer: str | None = None
    customer_id: str | None = None
    tenant: str | None = None
    tenant_id: str | None = None


def wanted_codes(e: Endpoint, accepted: tuple[str, ...], include_exceptions: bool) -> list[str]:
    """The status codes to ask the server for: the failed ones, plus "attention" ones when wanted."""
    st = e.status
    wanted = list(st.failed) + (list(st.attention) if include_exceptions else [])
    return [c for c in wanted if c in accepted]


def plan_queries(e: Endpoint, window: Window, include_exceptions: bool) -> list[_Query]:
    """Every query of one source for one target: one per window chunk and wanted status code."""
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
        windows = list(window.chunks(window_limit_days(e)))
    sf = server_filter(e)
    codes: list[str | None] = [None]
    if sf is not None:
        codes = list(wanted_codes(e, sf[1], include_exceptions)) or [None]
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
            out.append(_Query(params, w, code, window.since if order is not None else None))
    return out
