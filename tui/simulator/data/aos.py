"""AvePoint Online Services (``/aos``): the audit log and the scan/import jobs."""

from __future__ import annotations

import random
from datetime import timedelta

from tui.catalog import Endpoint
from tui.simulator.data.core import (Collection, Preds, Query, collection, filters, from_epoch, one_of, order,
                                     spread_times, status_for, time_preds, weighted)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import DOMAINS, FIRST, LAST, iso

AUDIT_ACTIONS = (
    ("Sign In", "AccountController", "Portal", None),
    ("Session Timeout", "AccountController", "Portal", None),
    ("Sign Out", "AccountController", "Portal", None),
    ("Create App Registration", "AppRegistrationController", "Portal", "App registration"),
    ("Update User Role", "UserController", "Portal", "User"),
    ("Run Scan Job", "ScanController", "Portal", "Scan profile"),
    ("Update Backup Scope", "BackupScopeController", "Office365Backup", "Container"),
    ("Start Restore Job", "RestoreController", "Office365Backup", "Restore job"),
    ("Export Backup Data", "ExportController", "Office365Backup", "Export job"),
    ("Edit Retention Policy", "RetentionController", "Office365Backup", "Retention policy"),
    ("Approve Request", "RequestController", "GovernanceAutomation", "Request"),
    ("Edit Policy", "PolicyController", "PolicyEnforcer", "Policy"),
    ("Create Report", "ReportController", "CPManagement", "Report"),
    ("Update Power Platform Policy", "PolicyController", "SMP", "Environment"),
    ("Share Data Room", "DataRoomController", "VDR", "Data room"),
    ("Declare Record", "RecordController", "AvePointRecords", "Record"),
    ("Restore Mailbox", "RestoreController", "GsuiteBackup", "Mailbox"),
    ("Run Backup Job", "BackupController", "CRMBackup", "Organization"),
    ("Edit Management Group", "ManagementController", "Office365Management", "Group"),
)
GEO = ("NAM", "NAM", "NAM", "EUR", "GBR", "APC", None)


@collection("aos.audit")
def _aos_audit(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("aos.audit")
        n = ds.n("audit")
        times = spread_times(ds, r, n)
        rnd, na, ng = r.random, len(AUDIT_ACTIONS), len(GEO)
        kinds = [int(rnd() * na) for _ in range(n)]
        geos = [GEO[int(rnd() * ng)] for _ in range(n)]
        products = [AUDIT_ACTIONS[k][2] for k in kinds]
        labels = {v.value: v.label for v in e.param("productTypes").enum}
        sample = ds._sample_item(e)
        base = ds.seed * 1_000_003

        def make(i: int) -> dict:
            ri = random.Random(base + i)
            name, ctrl, prod, obj = AUDIT_ACTIONS[kinds[i]]
            first, last = ri.choice(FIRST), ri.choice(LAST)
            item = dict(sample)
            item.update({
                "actionName": name, "actionUser": f"{first.lower()}.{last.lower()}@{DOMAINS[0]}",
                "actionParameters": "null", "actionTime": iso(from_epoch(times[i])), "controllerName": ctrl,
                "product": labels.get(prod, prod), "geoLocation": geos[i],
                "status": "Failed" if ri.random() < 0.03 else "Successful",
                "objectType": obj, "objectName": f"{ri.choice(('Finance', 'HR', 'Sales', 'Legal'))} {obj}" if obj else None,
                "operationType": name.split(" ")[0] if obj else None, "clientIP": f"{ri.randrange(11, 223)}.{ri.randrange(256)}.{ri.randrange(256)}.{ri.randrange(1, 255)}",
                "additionalDetails": {},
            })
            return item
        return Collection(n=n, make=make, cols={"t": times, "productType": products, "geo": geos})
    return ds._cached(("coll", "aos.audit"), build)


@collection("aos.jobs")
def _aos_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("aos.jobs")
        n = ds.n("aos_jobs")
        now = ds.now.timestamp()
        times = spread_times(ds, r, n)
        items = []
        profiles = ("scan sharepoint sites", "scan power platform", "scan exchange mailboxes", "scan teams",
                    "scan google drives", "import users batch", "scan onedrive accounts")
        for i, t in enumerate(times):
            start = from_epoch(t)
            state = status_for(r, "aos", t, now)
            typ = weighted(r, ((0, 80.0), (10, 12.0), (11, 8.0)))
            cat = {0: r.choice((0, 0, 1, 2)), 10: 3, 11: 0}[typ]
            fin = start + timedelta(seconds=r.uniform(20, 1800))
            items.append({
                "id": "Scan" + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(10**6):06d}",
                "type": typ, "state": state,
                "startTime": start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(10**7):07d}+00:00",
                "finishTime": None if state == 1 else fin.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(10**7):07d}+00:00",
                "scanProfileName": r.choice(profiles), "category": cat, "extension": None,
            })
        return Collection(items, cols={"t": times, "ft": [t + 0 for t in times]})
    return ds._cached(("coll", "aos.jobs"), build)


@order("aos.jobs")
def _order_aos_jobs(ds: Dataset, coll: Collection, q: Query, idx: list[int]) -> list[int]:
    orderby = str(q.get("orderby", "StartTime")).lower()
    if orderby in ("finishtime", "endtime"):
        col = coll.column("finishTime")
        idx = sorted(idx, key=lambda i: col[i] or "9999", reverse=True)
    if str(q.get("sortorder", "1")) == "0":
        idx = list(reversed(idx))
    return idx


@filters("aos.audit")
def _audit_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = time_preds(e, coll, q)
    preds.add(one_of(coll.column("productType"), q.getlist("productTypes"), None))
    preds.add(one_of(coll.column("geo"), q.getlist("geoLocations"), None))
    return preds


@filters("aos.jobs")
def _job_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    terms = [s.lower() for s in q.getlist("search")]
    if terms:
        ids = coll.column("id")
        preds.add(lambda i: any(t in ids[i].lower() for t in terms))
    return preds
