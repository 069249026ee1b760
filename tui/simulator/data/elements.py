"""The Elements partner API (v3 and legacy ``/partner``): customers, their jobs, scan profiles, services.

The customers come from ``Dataset.customers()``; the legacy endpoints serve the same data in
their own shape (labels instead of codes, dates without a time).
"""

from __future__ import annotations

from datetime import timedelta

from tui.catalog import Endpoint
from tui.simulator.data.core import (PLANS, Collection, NotFound, Preds, Query, collection, detail, filter_by_body_ids,
                                     filters, from_epoch, labels, one_of, public, slug, spread_times, status_for,
                                     weighted)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import Varier, guid, iso

SERVICE_PRODUCTS = (
    "Cloud Backup for Microsoft 365", "Cloud Backup for IaaS + PaaS - Azure Storage", "Cloud Governance",
    "Cloud Backup for Google Workspace", "Cloud Backup for Salesforce", "Cloud Backup for Dynamics 365",
    "Policies for Microsoft 365", "Insights", "Opus", "EnPower", "Cense",
)
M365_MODULES = ("Exchange Online", "SharePoint Online", "OneDrive", "Microsoft 365 Groups", "Microsoft Teams")
ELEMENTS_JOB_MODULES = {0: (0,), 7: (302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 402, 8, 10),
                        10: (0,), 11: (501, 502, 503, 504, 505, 506, 507, 508), 12: (355, 356, 357, 358, 359, 365, 370),
                        15: (0,), 16: (401, 550, 551)}
ELEMENTS_JOB_PREFIX = {0: "SC", 7: "FB", 10: "GS", 11: "GB", 12: "VB", 15: "SF", 16: "DB"}


@collection("elements.customers")
def _el_customers(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return ds._cached(("coll", e.id), lambda: Collection([dict(c, tenants=[dict(t) for t in c["tenants"]]) for c in ds.customers()]))


@collection("elements-legacy.customers")
def _legacy_customers(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    labels = ds.endpoint("elements.customers").status.labels

    def build():
        return Collection([{"id": c["id"], "organization": c["organization"], "ownerEmail": c["ownerEmail"],
                            "jobStatus": labels.get(str(c["jobStatus"]), "N/A"), "countryOrRegion": c["countryOrRegion"]}
                           for c in ds.customers()])
    return ds._cached(("coll", e.id), build)


@detail("elements-legacy.customers-item")
def _legacy_customer(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    c = ds.customer(pp["id"])
    coll = _legacy_customers(ds, ds.endpoint("elements-legacy.customers"), {})
    item = coll.get(coll.index_of("id", c["id"]))
    return {"@odata.context": e.sample.get("@odata.context"), **item}


def _el_jobs(ds: Dataset, customer_id: str) -> Collection:
    c = ds.customer(customer_id)

    def build() -> Collection:
        r = ds.rng("elements.jobs", c["id"])
        now = ds.now.timestamp()
        n = r.randint(20, 60)
        times = spread_times(ds, r, n, 30)
        first = c["id"] == ds.customers()[0]["id"]
        codes = [code for code, _ in PLANS["elements"][0]] + [1]
        items = []
        for i, t in enumerate(times):
            st = codes[i] if first and i < len(codes) else status_for(r, "elements", t, now)
            jt = weighted(r, ((7, 55.0), (0, 10.0), (11, 10.0), (10, 4.0), (12, 10.0), (15, 6.0), (16, 5.0)))
            mod = r.choice(ELEMENTS_JOB_MODULES[jt])
            start = from_epoch(t)
            secs = r.uniform(20, 4 * 3600)
            total = r.randint(0, 5000)
            failed = r.randint(1, max(1, total)) if st in (3, 7) else (r.randint(1, max(1, total // 10)) if st == 4 else 0)
            skipped = r.randint(0, (total - failed) // 20) if total - failed > 20 else 0
            running = st in (1, 6, 13, 0)
            items.append({
                "jobType": jt, "jobModule": mod, "status": st,
                "jobId": ELEMENTS_JOB_PREFIX[jt] + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(10**6):06d}",
                "name": "N/A" if jt in (7, 11) else f"{c['organization']} {('scan', 'backup')[jt not in (0, 10)]} {i + 1}",
                "totalCount": str(total), "failedCount": str(failed), "successfulCount": str(total - failed - skipped),
                "skippedCount": str(skipped), "warningCount": str(r.choice((0, 0, 0, 2))),
                "backupSize": f"{r.uniform(0, 80):.2f} GB" if total else "0 GB",
                "startTime": iso(start), "endTime": "N/A" if running else iso(start + timedelta(seconds=secs)),
                "jobDuration": "N/A" if running else f"{int(secs // 60)}m{int(secs % 60)}s",
                "lastModifyTime": iso(start + timedelta(seconds=secs if not running else 5)),
            })
        return Collection(items, cols={"t": times})
    return ds._cached(("coll", "elements.jobs", c["id"]), build)


@collection("elements.avpt-products-jobs")
def _el_jobs_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return _el_jobs(ds, pp["customerId"])


@collection("elements-legacy.customers-jobs", "elements-legacy.jobtype-jobmodule-item")
def legacy_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    c = ds.customer(pp["id"])
    types = labels(ds, "elements.avpt-products-jobs", "jobType")
    mods = labels(ds, "elements.avpt-products-jobs", "jobModule")
    st_labels = ds.endpoint("elements.avpt-products-jobs").status.labels

    def build() -> Collection:
        latest: dict[tuple, dict] = {}
        for j in _el_jobs(ds, c["id"]).all():
            key = (j["jobType"], j["jobModule"])
            if key not in latest:
                latest[key] = j
        items = []
        for (jt, jm), j in sorted(latest.items()):
            label = st_labels.get(str(j["status"]), "N/A")
            items.append({"jobType": types.get(jt, str(jt)), "jobModule": mods.get(jm, "N/A") if jm else "N/A",
                          "status": "Not Finished" if j["status"] in (1, 6, 13) else label,
                          **{k: j[k] for k in ("jobId", "name", "totalCount", "failedCount", "successfulCount",
                                               "skippedCount", "warningCount", "backupSize", "startTime", "endTime",
                                               "jobDuration", "lastModifyTime")}})
        return Collection(items)
    coll = ds._cached(("coll", "legacy-jobs", c["id"]), build)
    if e.id.endswith("jobtype-jobmodule-item"):
        jt, jm = pp["JobType"].lower(), pp["JobModule"].lower()
        return Collection([it for it in coll.all() if it["jobType"].lower() == jt and it["jobModule"].lower() == jm])
    return coll


def scan_profiles(ds: Dataset, customer_id: str) -> list[dict]:
    c = ds.customer(customer_id)

    def build():
        r = ds.rng("scan-profiles", c["id"])
        out = []
        names = ("Default Microsoft 365 Scan Profile", "Default Google Workspace Scan Profile", "SharePoint sites",
                 "Exchange mailboxes", "Teams and groups")
        for k in range(r.randint(1, 4)):
            t = r.choice(c["tenants"])
            modified = ds.now - timedelta(days=r.uniform(1, 300))
            out.append({"profileName": names[k], "profileId": guid(r), "scanMode": r.choice((0, 1)),
                        "modifiedTime": iso(modified), "_tenant": t, "_created": iso(modified - timedelta(days=r.uniform(1, 400))),
                        "_status": r.choice((2, 2, 2, 3, 4, 7, 1)), "_r": r.random()})
        return out
    return ds._cached(("scan-profiles", c["id"]), build)


def _scan_profile(ds: Dataset, customer_id: str, profile_id: str) -> dict:
    for p in scan_profiles(ds, customer_id):
        if p["profileId"].lower() == str(profile_id).lower():
            return p
    raise NotFound(f"Scan profile {profile_id} was not found.")


@collection("elements.customers-scan-profiles", "elements-legacy.customers-scanprofiles")
def _scan_profiles_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    cid = pp.get("customerId") or pp.get("id")
    return ds._cached(("coll", e.id, cid.lower()), lambda: Collection([public(p) for p in scan_profiles(ds, cid)]))


@detail("elements.customers-scan-profiles-item", "elements-legacy.customers-scanprofiles-item")
def _scan_profile_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    cid = pp.get("customerId") or pp.get("id")
    p = _scan_profile(ds, cid, pp.get("scanProfileId") or pp.get("ProfileId"))
    v = Varier(ds.rng(e.id, p["profileId"]), ds.now)
    out = v.vary(e.sample)
    for k in list(out):
        if k.lower() == "profileid":
            out[k] = p["profileId"]
        elif k.lower() == "tenantid":
            out[k] = p["_tenant"]["id"]
        elif k.lower() == "tenantdomain":
            out[k] = slug(p["_tenant"]["name"])[:12]
    out.update({"profileName": p["profileName"], "scanMode": p["scanMode"], "modifiedTime": p["modifiedTime"],
                "createdTime": p["_created"]})
    if "description" in out:
        out["description"] = "This is a partner-configured scan profile."
    return out


@detail("elements.scan-profiles-changes", "elements-legacy.scanprofiles-dailynewsummary",
        "elements-legacy.scanprofiles-dailynewdetails")
def _scan_changes(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    cid = pp.get("customerId") or pp.get("id")
    p = _scan_profile(ds, cid, pp.get("scanProfileId") or pp.get("ProfileId"))
    v = Varier(ds.rng(e.id, p["profileId"]), ds.now)
    out = v.vary(e.sample)
    for k in list(out):
        lk = k.lower()
        if lk == "profileid":
            out[k] = p["profileId"]
        elif lk == "tenantid":
            out[k] = p["_tenant"]["id"]
        elif lk == "profilename":
            out[k] = p["profileName"]
        elif lk == "tenantdomain":
            out[k] = slug(p["_tenant"]["name"])[:12]
        elif lk == "lastscanstatus":
            out[k] = p["_status"]
        elif lk == "modifiedtime":
            out[k] = p["modifiedTime"]
        elif lk == "lastupdatetime":
            out[k] = iso(ds.now - timedelta(hours=1 + 20 * p["_r"]))
        elif isinstance(out[k], list):
            objs = []
            for j in range(v.rng.choice((0, 0, 1, 3))):
                objs.append({"objectName": f"{v.thing()}", "objectType": v.rng.choice(("Site", "Mailbox", "Group", "Team")),
                             "containerName": f"Default container {j + 1}"})
            out[k] = objs
    return out


def _services(ds: Dataset) -> list[dict]:
    def build():
        out = []
        sample = ds._sample_item(ds.endpoint("elements.customers-services"))
        product_tpl = (sample.get("products") or [{}])[0]
        for c in ds.customers():
            r = ds.rng("services", c["id"])
            v = Varier(r, ds.now)
            prods = []
            for name in r.sample(SERVICE_PRODUCTS, r.randint(1, 4)):
                p = v.vary(product_tpl)
                p["service"] = name
                p["purchasedUserSeats"] = str(r.choice((25, 50, 100, 250, 500)))
                p["expirationDate"] = iso((ds.now + timedelta(days=r.uniform(20, 700))).replace(hour=0, minute=0, second=0))
                prods.append(p)
            out.append({"customerId": c["id"], "organization": c["organization"], "customer": c["ownerEmail"],
                        "products": prods, "_tenants": ",".join(t["id"] for t in c["tenants"])})
        return out
    return ds._cached(("services",), build)


@collection("elements.customers-services")
def _services_v3(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return ds._cached(("coll", e.id), lambda: Collection([public(s) for s in _services(ds)]))


@collection("elements-legacy.services")
def _services_legacy(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build():
        out = []
        for s in _services(ds):
            d = {"customerId": s["customerId"], "organization": s["organization"], "customer": s["customer"],
                 "tenantId": s["_tenants"], "products": [dict(p, expirationDate=p["expirationDate"][:10]) for p in s["products"]]}
            out.append(d)
        return Collection(out)
    return ds._cached(("coll", e.id), build)


@detail("elements-legacy.services-item")
def _service_legacy_item(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    coll = _services_legacy(ds, ds.endpoint("elements-legacy.services"), {})
    i = coll.index_of("customerId", pp["id"])
    if i is None:
        raise NotFound(f"Customer {pp['id']} was not found.")
    return {"@odata.context": e.sample.get("@odata.context"), **coll.get(i)}


def _protected_rows(ds: Dataset, customer_id: str) -> list[dict]:
    c = ds.customer(customer_id)

    def build():
        r = ds.rng("protected", c["id"])
        rows = []
        for m in M365_MODULES:
            scanned = r.randint(0, 3000)
            rows.append({"customerId": c["id"], "customer": c["ownerEmail"], "serviceType": "Cloud Backup for Microsoft 365",
                         "serviceModule": m, "totalScannedObjects": scanned, "totalProtectedObjects": r.randint(0, scanned),
                         "dataSizeStoredInAvePoint": f"{r.uniform(0, 900):.2f} GB", "dataSizeStoredInBYOS": "N/A"})
        return rows
    return ds._cached(("protected", c["id"]), build)


@collection("elements.cloud-backup-m365-overview", "elements-legacy.customers-protected")
def _protected(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    cid = pp.get("customerId") or pp.get("id")
    return Collection(_protected_rows(ds, cid))


@collection("elements.type-tenants")
def _type_tenants(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    c = ds.customer(pp["customerId"])
    typ = int(pp["type"])

    def build():
        r = ds.rng("type-tenants", c["id"], typ)
        if typ == 0:
            tenants = [(t["id"], slug(t["name"])[:16]) for t in c["tenants"]]
        else:
            tenants = [(guid(r), f"{slug(c['organization'])[:10]}-{('sf', 'gws', 'crm')[typ - 1]}{k}") for k in range(r.randint(0, 2))]
        items = []
        for tid, name in tenants:
            avail = r.choice((25, 50, 100, 250))
            items.append({"type": typ, "tenantId": tid, "tenantName": name, "availableUserSeat": avail,
                          "assignedUserSeat": r.randint(0, avail)})
        return Collection(items)
    return ds._cached(("coll", e.id, c["id"], typ), build)


@detail("elements.type-overview")
def _type_overview(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    c = ds.customer(pp["customerId"])
    r = ds.rng("type-overview", c["id"], pp["productType"])
    return {"productType": int(pp["productType"]), "purchasedUserSeat": r.choice((0, 25, 50, 100, 250))}


@detail("elements.customers-tenants-item")
def _tenant_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    return {"id": t["id"], "name": t["name"], "aadEnvironment": 0, "platformEnvironmentType": 1}


@collection("elements.product-apps")
def _product_apps(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    r = ds.rng("apps", t["id"], pp["productName"])
    return Collection([{"isConsent": r.random() < 0.7}])


# Filters on id lists in the POST body: endpoint -> (column, body field).
BODY_ID_FILTERS = {
    "elements.customers": ("id", "customerIds"),
    "elements.customers-services": ("customerId", "customerIds"),
    "elements.customers-scan-profiles": ("profileId", "scanProfileIds"),
    "elements.type-tenants": ("tenantId", "tenantIds"),
}

filter_by_body_ids(BODY_ID_FILTERS)


@filters("elements.avpt-products-jobs")
def _job_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    preds.add(one_of(coll.column("jobType"), body.getlist("jobType"), None))
    preds.add(one_of(coll.column("jobModule"), body.getlist("jobModule"), None))
    return preds
