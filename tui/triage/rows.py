"""``JobRows``: the items of a page -> new ``FailedJob`` rows (severity, window, duplicates,
labels, detail request).

One per scan: it keeps what must be remembered across pages (the keys already seen, the
severity of each status value, each list's detail edges).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui.catalog.model import Endpoint, dig
from tui.triage.items import _END_FIELDS, _START_FIELDS, _counts_of, _duration_of, _job_id, _time_of, extract_errors
from tui.triage.jobs import DetailRequest, FailedJob
from tui.triage.results import SourceState
from tui.triage.sources import _Query, _Target, short_service
from tui.triage.window import Window

# Fields that say what kind of job an item is, per endpoint (labels from status_fields / param enums).
_TYPE_FIELDS = {
    "elements.avpt-products-jobs": ("jobModule",),      # the service comes from jobType (the product)
    "dmso.audits": ("module", "action"),
    "aos.jobs": ("type",),
}
_DEFAULT_TYPE_FIELDS = ("jobType", "type")

# Microsoft 365 jobs carry no type field, but their ids start with it. Only the prefixes the API's
# documentation shows are named: FB (a full backup: the list's sample), IB (an incremental backup:
# the detail's request sample), RS (a restore: the restore job's reply); others stay blank.
_TYPE_FROM_ID = {"m365.cloudbackupjobs": {"FB": "Backup (full)", "IB": "Backup (incremental)", "RS": "Restore"}}

# A refetch of one job by its id where the API has no detail endpoint but a documented id filter.
_REFETCH = {
    "aos.jobs": ("search", "id", False),                         # "Specifies Job ID values to search jobs"
    "elements.process-center-jobs": ("jobIds", "jobId", True),   # body list filter
    "elements.customers": ("customerIds", "id", True),
}

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


class JobRows:
    """Turns items into rows for one scan (``select``); rows already seen are not returned again."""

    def __init__(self, catalog: Any, window: Window, include_exceptions: bool):
        self.catalog = catalog
        self.window = window
        self.include_exceptions = include_exceptions
        self._seen: set[tuple] = set()
        self._severities: dict[str, dict[tuple, str | None]] = {}
        self._edges: dict[str, list] = {}

    def select(self, e: Endpoint, src: SourceState, target: _Target, items: list, q: _Query,
               exchange: Any) -> list[FailedJob]:
        """The new rows among ``items`` (one page of ``q``); counts them on ``src``."""
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
        if not type_parts and e.id in _TYPE_FROM_ID:
            prefix = job_id[:len(job_id) - len(job_id.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
            type_parts = [t for t in (_TYPE_FROM_ID[e.id].get(prefix),) if t]
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

