"""Opus (``/records``, ``/api/restore``) and Confide: connector records, restore jobs, share-setting tasks."""

from __future__ import annotations

from datetime import timedelta

from tui.catalog import Endpoint
from tui.simulator.data.core import Collection, NotFound, Preds, Query, collection, detail, filters, keyed, time_bound
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import FIRST, LAST, guid, iso


@collection("opus.connector-records")
def _opus_records(ds: Dataset, e: Endpoint, pp: dict, conn_id: str = "") -> Collection:
    def build() -> Collection:
        r = ds.rng("opus", conn_id.lower())
        n = r.randint(20, 250)
        items, due = [], []
        for i in range(n):
            created = ds.now - timedelta(days=r.uniform(400, 2000))
            items.append({
                "rowKey": f"connector_{i + 1:04d}_{r.randrange(16**6):06x}",
                "leafName": f"{r.choice(('Contract', 'Invoice', 'HR Record', 'Minutes', 'Claim'))} {r.randint(1, 9999)}",
                "termFullPath": f"Connector/{r.choice(('Finance', 'HR', 'Legal'))}-termset/{r.choice(('Retain 7 years', 'Retain 3 years', 'Destroy'))}",
                "timeCreated": created.strftime("%Y-%m-%d %H:%M:%S "), "timeModified": created.strftime("%Y-%m-%d %H:%M:%S "),
                "createdBy": f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}", "modifiedBy": f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}",
            })
            due.append((ds.now + timedelta(days=r.uniform(-60, 120))).timestamp())
        return Collection(items, cols={"due": due})
    return ds._cached(("coll", e.id, conn_id.lower()), build)


def seeded_tasks(ds: Dataset, e: Endpoint) -> dict[str, dict]:
    def build():
        v = ds.varier(e.id)
        sample = e.sample.get("data") if isinstance(e.sample, dict) else {}
        out = {}
        for k in range(6):
            d = v.vary(sample)
            total = v.rng.randint(1, 40)
            items = []
            for j in range(total):
                ok = v.rng.random() > (0.5 if k in (1, 4) else 0.0)
                items.append({"email": f"{v.rng.choice(FIRST).lower()}{j}@partner.example.com", "success": ok,
                              "status": "Succeeded" if ok else "Failed",
                              "errorMessage": None if ok else v.rng.choice(("The user already exists.", "The e-mail address is not valid.",
                                                                            "The external domain is blocked by the sharing policy."))})
            d.update({"totalCount": total, "processedCount": total, "failedCount": sum(not x["success"] for x in items),
                      "items": items, "status": "Completed" if k != 5 else "Running"})
            out[d["taskId"].lower()] = d
        return out
    return ds._cached(("tasks", e.id), build)


@detail("confide.sharesetting-import-users-item", "confide.sharesetting-update-users-item")
def _confide_task(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    t = seeded_tasks(ds, e).get(pp["taskId"].lower())
    if t is None:
        raise NotFound(f"Task {pp['taskId']} was not found.")
    return t


def restore_jobs(ds: Dataset) -> dict[str, dict]:
    def build():
        r = ds.rng("opus.restore-jobs")
        out = {}
        for k, st in enumerate((2, 2, 3, 1, 4, 2, 10, 0, 5, 2)):
            jid = guid(r)
            start = ds.now - timedelta(hours=r.uniform(1, 200))
            out[jid] = {"id": jid, "status": st, "progress": 100 if st in (2, 3, 4, 5, 10) else r.randint(0, 90),
                        "startTime": iso(start), "finishTime": iso(start + timedelta(minutes=r.uniform(2, 90))) if st in (2, 3, 4, 5, 10) else None}
        return out
    return ds._cached(("opus-restore-jobs",), build)


@detail("opus.restore-getrestorejobstatus")
def _opus_job(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    jid = str(q.get("jobId", ""))
    job = restore_jobs(ds).get(jid.lower())
    if job is None:
        # The page documents only 200 and an envelope whose own success flag says whether it worked:
        # an unknown job is that envelope, not a 404 that reads like an undocumented path.
        return {"success": False, "message": f"Restore job {jid} was not found.", "job": None}
    return {"success": True, "message": None, "job": dict(job)}


@detail("opus.restore-hasarchivedsitecollectiondata", "opus.restore-hasarchivedteamsgroupdata")
def _opus_has(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    scope = str(q.get("scope", ""))
    has = ds.rng("archived", e.id, scope.lower()).random() < 0.6
    return {"success": True, "message": None, "hasArchivedData": has, "scope": scope}


@filters("opus.connector-records")
def _record_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    due = time_bound(q, "disposalDueDate", "end")
    if due is not None:
        col = coll.column("due")
        preds.add(lambda i: col[i] <= due)
    return preds


@keyed("opus.connector-records")
def _keyed_records(ds: Dataset, e: Endpoint, q: Query, body: Query) -> Collection:
    return _opus_records(ds, e, {}, conn_id=str(q.get("id")))
