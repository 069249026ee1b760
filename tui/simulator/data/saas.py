"""The SaaS backup services other than Microsoft 365: Dynamics 365, IaaS + PaaS, Google Workspace, Salesforce.

Their job lists differ only in fields, codes and weights, so one generator (``_jobs``) builds
all four from a table (``JOB_LISTS``): per product, the row values in the order their random
numbers are drawn, then the item's fields in the docs' order. The order of the draws is the
seed's contract (the same seed gives the same jobs), so a new value goes at the end of its list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from tui.catalog import Endpoint
from tui.simulator.data.core import (Collection, Preds, Query, collection, duration_hms, filters, from_epoch, one_of,
                                     spread_times, status_for, time_preds, varied, weighted)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import DOMAINS, FIRST, guid, iso

Draw = Callable[[random.Random, dict], Any]      # (rng, the row so far) -> one value of the row


def randint(lo: int, hi: int) -> Draw:
    return lambda r, w: r.randint(lo, hi)


def uniform(lo: float, hi: float) -> Draw:
    return lambda r, w: r.uniform(lo, hi)


def copy(name: str) -> Draw:
    """A row value under another field name (draws nothing)."""
    return lambda r, w: w[name]


def failures(total: str, divisor_by_status: Mapping[int, int], least: int = 1) -> Draw:
    """How many of ``total`` failed: ``least`` to total // divisor for the statuses listed, else none."""
    def draw(r: random.Random, w: dict) -> int:
        div = divisor_by_status.get(w["status"])
        return 0 if div is None else r.randint(least, max(least, w[total] // div))
    return draw


def job_id(prefix: str | Mapping[int, str], digits: int, by_index: bool = False) -> Draw:
    """prefix (or prefix by job type) + start time + ``digits`` random digits (or the item's index)."""
    def draw(r: random.Random, w: dict) -> str:
        head = prefix if isinstance(prefix, str) else prefix[w["type"]]
        n = w["i"] % 10 ** digits if by_index else r.randrange(10 ** digits)
        return f"{head}{w['start'].strftime('%Y%m%d%H%M%S')}{n:0{digits}d}"
    return draw


def millis(r: random.Random, dt: datetime, zone: str) -> str:
    """A timestamp with random milliseconds, as the Dynamics and Google samples write them."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(1000):03d}{zone}"


def _no_context(ds: Dataset, e: Endpoint) -> dict:
    return {}


@dataclass(frozen=True)
class JobList:
    """What one product's job list differs in; ``_jobs`` does the rest.

    A row starts as the context, the ``zeros``, ``i``, ``start``, ``status`` (from ``plan``) and
    ``type`` (from ``types``); ``values`` then adds to it in order; the item is ``fields`` of the row and
    ``columns`` are row values kept only as filter columns.
    """

    size: str                                             # the Dataset.SIZES key
    plan: str                                             # the PLANS key: status codes and weights
    types: tuple[tuple[int, float], ...]                  # job type codes and weights
    values: tuple[tuple[str, Draw], ...]
    fields: tuple[str, ...]
    columns: tuple[str, ...] = ()
    zeros: tuple[str, ...] = ()                           # count fields the service sends but never fills
    context: Callable[[Dataset, Endpoint], dict] = _no_context
    filters: tuple[tuple[str, tuple[str, ...], str | None], ...] = ()   # (column, query names, "all" value)
    search: tuple[str, tuple[str, ...]] | None = None     # (query name, columns its text is looked for in)


IAAS_COMMENTS = {16: ("Failed to create the snapshot of the virtual machine.", "The storage account is not reachable.",
                      "Authentication failed for the Azure subscription."),
                 8: ("Some disks were skipped because they are not supported.", "2 blobs were modified during backup."),
                 64: ("The job was stopped by admin@contoso.onmicrosoft.com.",)}
IAAS_UNFINISHED = (0, 1, 32)


def _service_weights(ds: Dataset, e: Endpoint) -> dict:
    stypes = [v.value for v in e.param("serviceType").enum]
    return {"services": ((stypes[0], 50.0), (stypes[1], 10.0), (stypes[2], 20.0), *((s, 2.0) for s in stypes[3:]))}


def _app_weights(ds: Dataset, e: Endpoint) -> dict:
    return {"apps": tuple((a, 30.0 if a in (1, 2) else 3.0) for a in (int(v.value) for v in e.param("appType").enum))}


JOB_LISTS: dict[str, JobList] = {
    "d365.jobs": JobList(
        size="d365_jobs", plan="d365", types=((1, 80.0), (2, 5.0), (4, 2.0), (8, 6.0), (16, 5.0), (32, 2.0)),
        context=lambda ds, e: {"orgs": _orgs(ds, "d365", 3, False)},
        values=(
            ("org", lambda r, w: r.choice(w["orgs"])),
            ("totalEntity", randint(1, 40)),
            ("totalRecord", lambda r, w: r.randint(w["totalEntity"], 20000)),
            ("failedEntity", failures("totalEntity", {4: 1, 7: 4})),
            ("failedRecord", failures("totalRecord", {4: 1, 7: 1})),
            ("durationHours", uniform(0.01, 2.0)),
            ("module", lambda r, w: r.choice(("Customer Engagement", "Customer Engagement", "Finance and Operations"))),
            ("jobId", job_id("DCIB", 8)),
            ("startTime", lambda r, w: millis(r, w["start"], "Z")),
            ("finishTime", lambda r, w: None if w["status"] == 2 else
                millis(r, w["start"] + timedelta(hours=w["durationHours"]), "Z")),
            ("backupSize", randint(100_000, 900_000_000)),
            ("successfulEntity", lambda r, w: w["totalEntity"] - w["failedEntity"]),
            ("successfulRecord", lambda r, w: w["totalRecord"] - w["failedRecord"]),
            ("organizationId", lambda r, w: w["org"]["id"]),
            ("organizationName", lambda r, w: w["org"]["name"]),
        ),
        fields=("module", "type", "jobId", "startTime", "finishTime", "durationHours", "status",
                "successfulEntity", "failedEntity", "skippedEntity", "warningEntity", "totalEntity",
                "successfulRecord", "failedRecord", "skippedRecord", "warningRecord", "totalRecord",
                "backupSize", "organizationId", "organizationName"),
        zeros=("skippedEntity", "warningEntity", "skippedRecord", "warningRecord"),
        filters=(("type", ("type",), "0"), ("status", ("status",), None), ("organizationId", ("organizationId",), None)),
    ),
    "iaas.jobs": JobList(
        size="iaas_jobs", plan="iaas", types=((1, 70.0), (2, 10.0), (4, 5.0), (64, 5.0), (128, 5.0), (1024, 5.0)),
        context=_service_weights,
        values=(
            ("totalCount", randint(1, 120)),
            ("failedCount", failures("totalCount", {16: 1, 8: 5})),
            ("skippedCount", lambda r, w: r.randint(0, w["totalCount"] - w["failedCount"]) if r.random() < 0.3 else 0),
            ("seconds", uniform(60, 40 * 3600)),
            ("jobId", job_id({1: "IB", 2: "RS", 4: "EX", 64: "DL", 128: "RT", 1024: "FB"}, 3)),
            ("comments", lambda r, w: r.choice(IAAS_COMMENTS[w["status"]]) if w["status"] in IAAS_COMMENTS else ""),
            ("serviceType", lambda r, w: weighted(r, w["services"])),
            ("jobType", copy("type")),
            ("successfulCount", lambda r, w: w["totalCount"] - w["failedCount"] - w["skippedCount"]),
            ("startTime", lambda r, w: iso(w["start"])),
            ("finishTime", lambda r, w: None if w["status"] in IAAS_UNFINISHED else
                iso(w["start"] + timedelta(seconds=w["seconds"]))),
            ("duration", lambda r, w: "" if w["status"] in IAAS_UNFINISHED else duration_hms(w["seconds"])),
        ),
        fields=("jobId", "jobType", "status", "failedCount", "successfulCount", "skippedCount", "totalCount",
                "startTime", "finishTime", "duration", "comments"),
        columns=("serviceType",),
        filters=(("serviceType", ("serviceType",), None), ("jobType", ("jobType",), None)),
        search=("searchText", ("jobId", "comments")),
    ),
    "google.jobs": JobList(
        size="google_jobs", plan="google", types=((1, 78.0), (2, 5.0), (3, 4.0), (4, 2.0), (5, 8.0), (6, 3.0)),
        context=_app_weights,
        values=(
            ("appType", lambda r, w: weighted(r, w["apps"])),
            ("dataSource", lambda r, w: 1 if r.random() < 0.9 else 2),
            ("progress", lambda r, w: round(r.uniform(5, 95), 1) if w["status"] == 0 else 100.0),
            ("finishTime", lambda r, w: None if w["status"] == 0 else
                millis(r, w["start"] + timedelta(seconds=r.uniform(60, 7200)), "+00:00")),
            ("operator", lambda r, w: "System" if w["type"] in (1, 5) else f"{r.choice(FIRST).lower()}@{DOMAINS[0]}"),
            ("jobId", job_id("GDIG", 3, by_index=True)),
            ("jobType", copy("type")),
            ("startTime", lambda r, w: w["start"].strftime("%Y-%m-%dT%H:%M:%S+00:00")),
        ),
        fields=("jobId", "appType", "jobType", "dataSource", "status", "progress", "startTime", "finishTime",
                "operator"),
        # The docs name the status filter jobStatus; their sample sends status=.
        filters=(("status", ("jobStatus", "status"), None), ("jobType", ("jobType",), None),
                 ("appType", ("appType",), None), ("dataSource", ("dataSource",), None)),
    ),
    "salesforce.jobs": JobList(
        size="sf_jobs", plan="salesforce",
        types=((1, 60.0), (2, 8.0), (3, 5.0), (9, 8.0), (11, 5.0), (20, 8.0), (16, 3.0), (17, 3.0)),
        context=lambda ds, e: {"orgs": _orgs(ds, "salesforce", 6, True)},
        values=(
            ("totalRecords", randint(0, 50000)),
            ("failedRecords", failures("totalRecords", {4: 1, 3: 50})),
            ("totalMetadata", randint(0, 400)),
            ("failedMetadata", failures("totalMetadata", {3: 10, 4: 10}, least=0)),
            ("totalObjects", randint(1, 300)),
            ("failedObjects", failures("totalObjects", {4: 1})),
            ("jobId", job_id("AI", 6)),
            ("finishTime", lambda r, w: None if w["status"] == 1 else
                iso(w["start"] + timedelta(seconds=r.uniform(30, 5400)))),
            ("organizationId", lambda r, w: r.choice(w["orgs"])["id"]),
            ("level", randint(1, 6)),
            ("state", copy("status")),
            ("startTime", lambda r, w: iso(w["start"])),
            ("successfulRecords", lambda r, w: w["totalRecords"] - w["failedRecords"]),
            ("successfulMetadata", lambda r, w: w["totalMetadata"] - w["failedMetadata"]),
            ("successfulObjects", lambda r, w: w["totalObjects"] - w["failedObjects"]),
        ),
        fields=("type", "jobId", "startTime", "finishTime", "state",
                "successfulRecords", "skippedRecords", "failedRecords", "totalRecords",
                "successfulMetadata", "failedMetadata", "totalMetadata",
                "successfulObjects", "skippedObjects", "failedObjects", "totalObjects"),
        zeros=("skippedRecords", "skippedObjects"),
        columns=("organizationId", "level"),
        filters=(("state", ("status",), "0"), ("type", ("type",), "0"), ("level", ("level",), "0"),
                 ("organizationId", ("organizationId",), None)),
    ),
}


@collection(*JOB_LISTS)
def _jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    spec = JOB_LISTS[e.id]

    def build() -> Collection:
        r = ds.rng(e.id)
        n = ds.n(spec.size)
        now = ds.now.timestamp()
        times = spread_times(ds, r, n)
        context = spec.context(ds, e)
        items: list[dict] = []
        columns: dict[str, list] = {name: [] for name in spec.columns}
        for i, t in enumerate(times):
            row = dict(context, **dict.fromkeys(spec.zeros, 0), i=i, start=from_epoch(t))
            row["status"] = status_for(r, spec.plan, t, now)
            row["type"] = weighted(r, spec.types)
            for name, draw in spec.values:
                row[name] = draw(r, row)
            items.append({f: row[f] for f in spec.fields})
            for name, col in columns.items():
                col.append(row[name])
        return Collection(items, cols={"t": times, **columns})
    return ds._cached(("coll", e.id), build)


@filters(*JOB_LISTS)
def _job_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    spec = JOB_LISTS[e.id]
    preds = time_preds(e, coll, q)
    for column, names, all_value in spec.filters:
        asked = next((values for values in map(q.getlist, names) if values), [])
        preds.add(one_of(coll.column(column), asked, all_value))
    if spec.search:
        name, searched = spec.search
        text = str(q.get(name, "")).lower()
        if text:
            cols = [coll.column(c) for c in searched]
            preds.add(lambda i: any(text in (col[i] or "").lower() for col in cols))
    return preds


def _orgs(ds: Dataset, key: str, n: int, salesforce: bool) -> list[dict]:
    def build():
        r = ds.rng("orgs", key)
        out = []
        for k in range(n):
            oid = ("00D" + "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(15))
                   if salesforce else guid(r))
            out.append({"id": oid, "name": ("AvePoint Production", "Sales Sandbox", "Service Cloud EU", "uatorg123",
                                            "Marketing Cloud", "Partner Community")[k % 6]})
        return out
    return ds._cached(("orgs", key), build)


@collection("salesforce.monitor-alerts")
def _sf_alerts(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    orgs = _orgs(ds, "salesforce", 6, True)
    objects = ("classes", "content Versions", "email", "accounts", "contacts", "opportunities", "cases", "leads")

    def fix(item: dict, i: int, r: random.Random) -> None:
        item["organizationId"] = orgs[i % len(orgs)]["id"]
        item["objectType"] = r.choice(objects)
        item["operation"] = r.choice((0, 0, 1, 1, 2))
    return varied(ds, e, (), ds.n("sf_alerts"), fix=fix)


@collection("salesforce.unusual-activities")
def _sf_unusual(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    orgs = _orgs(ds, "salesforce", 6, True)

    def fix(item: dict, i: int, r: random.Random) -> None:
        org = orgs[i % len(orgs)]
        item["organizationId"], item["organizationName"] = org["id"], org["name"]
        item["suspiciousFiles"] = r.choice((0, 0, 0, 1, 3))
    return varied(ds, e, (), len(orgs), fix=fix, days=7)      # one row per organization (its id)


@filters("salesforce.monitor-alerts", "salesforce.unusual-activities")
def _org_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = time_preds(e, coll, q)
    preds.add(one_of(coll.column("organizationId"), q.getlist("organizationId"), None))
    return preds
