"""Microsoft 365 backup (``/backup/m365``): jobs, their detail, settings, unusual activity, licences."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

from tui.catalog import Endpoint
from tui.simulator.data.core import (PLANS, Collection, NotFound, Preds, Query, collection, detail, filters, from_epoch,
                                     one_of, spread_times, time_preds, varied, weighted_column)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import iso

M365_JOB_ERRORS = (
    (True, "The mailbox cannot be found or has been deleted.", "CB365-EXO-1004"),
    (True, "Access denied. The app profile does not have permission to access the site.", "CB365-SPO-2201"),
    (True, "Microsoft 365 throttled the request (HTTP 429). The object will be retried in the next job.", "CB365-GEN-0429"),
    (True, "The file is locked for shared use by another user.", "CB365-SPO-2310"),
    (True, "The item exceeds the maximum size supported for backup (150 GB).", "CB365-ODB-3102"),
    (False, "The remote server returned an error: (503) Server Unavailable.", None),
    (False, "The operation has timed out.", None),
    (True, "The app profile's certificate has expired. Renew the app profile in AvePoint Online Services.", "CB365-GEN-0107"),
    (True, "The team's channel folder does not exist in SharePoint.", "CB365-TMS-4011"),
    (False, "A task was canceled.", None),
    (True, "The OneDrive is not provisioned for this user.", "CB365-ODB-3001"),
    (True, "Failed to get the group's members: Resource does not exist or one of its queried reference-property objects are not present.", "CB365-GRP-5002"),
)
M365_STATE = {1: "In Progress", 2: "Finished", 3: "Failed", 4: "Finished with Exception", 5: "Partially Finished"}
M365_JOBTYPE_PREFIX = {1: ("FB", "IB"), 2: ("RS",), 3: ("EX",), 4: ("DL",), 5: ("RT",)}
M365_LOCATIONS = ("NAM", "NAM", "NAM", "EUR", "APC")


@collection("m365.cloudbackupjobs")
def _m365_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("m365.cloudbackupjobs")
        n = ds.n("m365_jobs")
        now = ds.now.timestamp()
        times = spread_times(ds, r, n)
        plan, recent = PLANS["m365"]
        states = weighted_column(r, plan, n)
        for i, t in enumerate(times):           # newest first: the in-progress ones are at the front
            if now - t >= 3600:
                break
            states[i] = recent
        jtypes = weighted_column(r, ((1, 82.0), (2, 5.0), (3, 4.0), (4, 2.0), (5, 7.0)), n)
        otypes = weighted_column(r, ((1, 26.0), (2, 22.0), (3, 18.0), (4, 9.0), (5, 1.0), (6, 1.0), (7, 12.0), (8, 1.0),
                         (9, 5.0), (10, 2.0), (11, 2.0), (12, 1.0)), n)
        locs = [r.choice(M365_LOCATIONS) for _ in range(n)]
        base = ds.seed * 7_000_003

        def make(i: int) -> dict:
            ri = random.Random(base + i)
            start = from_epoch(times[i])
            state, jt = states[i], jtypes[i]
            hours = ri.uniform(0.004, 0.05) if ri.random() < 0.7 else ri.uniform(0.05, 3.5)
            total = int(ri.choice((ri.randint(1, 60), ri.randint(50, 900), ri.randint(500, 12000))))
            failed = 0
            if state == 3:
                failed = total if ri.random() < 0.4 else max(1, int(total * ri.uniform(0.2, 1.0)))
            elif state in (4, 5):
                failed = max(1, int(total * ri.uniform(0.001, 0.15)))
            skipped = int((total - failed) * ri.uniform(0, 0.05)) if ri.random() < 0.3 else 0
            errors = []
            if state in (3, 4, 5):
                picks = ri.sample(range(len(M365_JOB_ERRORS)), min(failed, ri.randint(1, 3)))
                left = failed
                for k, p in enumerate(picks):
                    is_code, msg, code = M365_JOB_ERRORS[p]
                    rest = len(picks) - k - 1              # each remaining error needs at least 1
                    num = left if not rest else ri.randint(1, left - rest)
                    left -= num
                    errors.append({"isErrorCode": is_code, "value": msg,
                                   "url": f"https://learn.avepoint.com/errorcodes/{code}.html" if code else "",
                                   "number": num})
            prefix = ri.choice(M365_JOBTYPE_PREFIX[jt])
            finished = state != 1
            return {
                "id": f"{prefix}{start.strftime('%Y%m%d%H%M%S')}{i % 1000000:06d}",
                "state": M365_STATE[state],
                "startTime": iso(start),
                "finishTime": iso(start + timedelta(hours=hours)) if finished else None,
                "duration": f"{hours:.3f}" if finished else "",
                "backupDetails": {"totalCount": total, "failedCount": failed,
                                  "successfulCount": total - failed - skipped, "skippedCount": skipped},
                "jobErrors": errors,
            }
        return Collection(n=n, make=make, cols={"t": times, "jobState": states, "jobType": jtypes,
                                                "objectType": otypes, "location": locs})
    return ds._cached(("coll", "m365.cloudbackupjobs"), build)


@detail("m365.cloudbackupjobs-item")
def _m365_job_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    coll = _m365_jobs(ds, ds.endpoint("m365.cloudbackupjobs"), {})
    i = _m365_index(ds, coll, pp["jobId"])
    job = dict(coll.get(i))
    bd = job["backupDetails"]
    job["backupDetails"] = {"totalNumber": bd["totalCount"], "failedNumber": bd["failedCount"],
                            "successfulNumber": bd["successfulCount"], "skippedNumber": bd["skippedCount"]}
    return job


def _m365_index(ds: Dataset, coll: Collection, job_id: str) -> int:
    # A job id ends with its item's index (mod 10^6), so a lookup builds at most a few items.
    m = re.match(r"^[A-Z]{2}\d{14}(\d{6})$", job_id)
    if m:
        for i in range(int(m.group(1)), coll.n, 1_000_000):
            if coll.get(i)["id"] == job_id:
                return i
    raise NotFound(f"Job {job_id} was not found.")


@collection("m365.settings-frequency")
def _m365_frequency(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        items = []
        for s in e.sample_items() or []:
            it = dict(s)
            today = ds.now.replace(hour=3, minute=54, second=22)
            it["backupStartTime"] = [iso(today + timedelta(hours=6 * k)) for k in range(len(s.get("backupStartTime") or []))]
            items.append(it)
        for st in (3, 6):
            items.append({"serviceType": st, "frequency": 1, "backupStartTime": [iso(ds.now.replace(hour=2, minute=0, second=0))]})
        return Collection(items)
    return ds._cached(("coll", e.id), build)


@collection("m365.cloudbackupunusualactivitydata")
def _m365_unusual(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(item: dict, i: int, r: random.Random) -> None:
        t = ds.m365_tenants[i % len(ds.m365_tenants)]
        item["tenantId"] = t["id"]
        item["serviceType"] = (0, 1, 2, 3, 6)[(i // len(ds.m365_tenants)) % 5]
    return varied(ds, e, (), 10, fix=fix)


@detail("m365.cloudbackuplicenseconsumption", "m365.settings-retention-policy")
def _m365_singleton(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> Any:
    def build():
        data = e.sample.get("data") if isinstance(e.sample, dict) else {}
        if e.id.endswith("retention-policy"):
            return data
        v = ds.varier(e.id)
        out = v.vary(data)
        out["purchasedUserSeats"] = 500
        out["assignedUserSeats"] = v.rng.randint(300, 480)
        return out
    return ds._cached(("detail", e.id), build)


@filters("m365.cloudbackupjobs")
def _m365_job_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = time_preds(e, coll, q)
    for name in ("jobState", "jobType", "objectType"):
        preds.add(one_of(coll.column(name), q.getlist(name)))
    loc = q.get("location")
    if loc:
        loc = "NAM" if str(loc).lower() == "primarygeolocation" else loc
        preds.add(one_of(coll.column("location"), [loc], None))
    return preds
