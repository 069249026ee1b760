"""The Elements partner API, per customer tenant: users, detection rules, compliance, baselines, jobs.

``_tenant_coll`` varies the docs' sample item with the tenant's own domain and ids, so every
list under ``/customers/{customerId}/tenants/{tenantId}`` belongs to that tenant.
"""

from __future__ import annotations

import random
from datetime import timedelta

from tui.catalog import Endpoint
from tui.simulator.data.core import (PLANS, Collection, NotFound, Preds, Query, collection, detail, filter_by_body_ids,
                                     filters, from_epoch, one_of, slug, spread_times, varied, weighted)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import Varier, iso

RULE_NAMES = ("Users without MFA enabled", "Guest users with access to sensitive sites", "Inactive users with licenses",
              "Groups without owners", "Teams with external members", "Sites shared with anyone links",
              "OneDrive accounts over quota", "Mailboxes forwarding externally", "Power Apps shared with everyone",
              "Flows using premium connectors", "Environments without DLP policy", "Admin accounts without MFA",
              "Stale Microsoft 365 groups", "Power BI workspaces without owners")
WORKFLOWS = (("User MFA disabled", 3), ("Risky sign-ins", 1), ("Unmanaged devices", 2), ("Legacy authentication", 3),
             ("Privileged role assignment", 3), ("Outdated OS version", 2), ("Public network sign-in", 1),
             ("Sensitive file access", 4))



def _tenant_coll(ds: Dataset, e: Endpoint, pp: dict, n_range: tuple[int, int], fix=None, sample_eid: str | None = None,
                 key: str | None = None) -> Collection:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    c = ds.customer(pp["customerId"])
    src = ds.endpoint(sample_eid) if sample_eid else e
    k = key or e.id
    n = ds.rng("n", k, t["id"]).randint(*n_range)
    dom = f"{slug(c['organization'])[:20]}.onmicrosoft.com"

    def build():
        v = Varier(ds.rng(k, t["id"]), ds.now, domains=(dom,))
        samples = [s for s in (src.sample_items() or [{}]) if isinstance(s, dict)] or [{}]
        anchors = spread_times(ds, v.rng, n, 90)
        items = [v.vary(samples[0], anchor=from_epoch(anchors[i])) for i in range(n)]
        for i, it in enumerate(items):
            for f in ("tenantId", "customerId"):
                if f in it:
                    it[f] = t["id"] if f == "tenantId" else c["id"]
            if fix:
                fix(it, i, v.rng)
        coll = Collection(items)
        coll.cols["t"] = anchors
        return coll
    return ds._cached(("coll", k, t["id"]), build)


def _security_users(ds: Dataset, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["status"] = sorted(r.sample(range(9), r.choice((0, 1, 1, 2, 3))))
        it["isTestUser"] = 8 in it["status"]
        it["userPrincipalName"] = it["mail"]
        it["age"] = r.randint(18, 67)
    return _tenant_coll(ds, ds.endpoint("elements.security-users"), pp, (30, 140), fix=fix, key="elements.users")


@collection("elements.security-users", "elements.tenants-users")
def _users_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return _security_users(ds, pp)


@detail("elements.tenants-users-item")
def _user_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    users = _security_users(ds, pp)
    i = users.index_of("id", pp["userId"])
    if i is None:
        raise NotFound(f"User {pp['userId']} was not found.")
    u = users.get(i)
    v = Varier(ds.rng(e.id, u["id"]), ds.now)
    out = v.vary(e.sample)
    for k in out:
        if k in u:
            out[k] = u[k]
    out["loginName"] = u["userPrincipalName"]
    out["alternateEmailAddress"] = [u["mail"].replace("@", "_alt@")]
    return out


@collection("elements.cloud-backup-m365-users")
def _cb_users(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["moduleStatus"] = [{"module": m, "isProtected": r.random() < 0.85} for m in (0, 1, 2)]
    return _tenant_coll(ds, e, pp, (20, 90), fix=fix)


@collection("elements.detection-rules")
def _rules(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    sources = [int(v.value) for v in e.param("dataSources").enum]

    def fix(it: dict, i: int, r: random.Random) -> None:
        it["ruleName"] = RULE_NAMES[i % len(RULE_NAMES)]
        it["dataSource"] = sources[i % len(sources)]
        it["hitItemCount"] = r.choice((0, r.randint(1, 20), r.randint(10, 180)))
        it["ruleId"] = f"{i + 1:08d}-{it['ruleId'][9:]}"
    coll = _tenant_coll(ds, e, pp, (8, 14), fix=fix)
    if "enabled" not in coll.cols:
        r = ds.rng("rules-enabled", pp["tenantId"])
        coll.cols["enabled"] = [1 if r.random() < 0.85 else 0 for _ in range(coll.n)]
    return coll


@collection("elements.rules-hit-items")
def _hit_items(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    rules = _rules(ds, ds.endpoint("elements.detection-rules"), pp)
    i = rules.index_of("ruleId", pp["ruleId"])
    if i is None:
        raise NotFound(f"Rule {pp['ruleId']} was not found.")
    rule = rules.get(i)

    def fix(it: dict, k: int, r: random.Random) -> None:
        it["ruleId"] = rule["ruleId"]
        it["dataSource"] = rule["dataSource"]
    n = rule["hitItemCount"]
    return _tenant_coll(ds, e, pp, (n, n), fix=fix, key=f"{e.id}|{rule['ruleId']}")


@collection("elements.compliances-workflows")
def _workflows(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["workflowDisplayName"] = WORKFLOWS[i % len(WORKFLOWS)][0]
    coll = _tenant_coll(ds, e, pp, (4, 8), fix=fix)
    coll.cols.setdefault("catagory", [WORKFLOWS[i % len(WORKFLOWS)][1] for i in range(coll.n)])
    return coll


@collection("elements.compliances-workflows-item")
def _workflow_users(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    wfs = _workflows(ds, ds.endpoint("elements.compliances-workflows"), pp)
    i = wfs.index_of("workflowId", pp["workflowId"])
    if i is None:
        raise NotFound(f"Workflow {pp['workflowId']} was not found.")
    wf = wfs.get(i)
    n = ds.rng("n", wf["workflowId"]).randint(0, 40)
    coll = _tenant_coll(ds, e, pp, (n, n), key=f"{e.id}|{wf['workflowId']}")
    coll.extra.setdefault("last7DayFixCount", ds.rng("fix", wf["workflowId"]).randint(0, 15))
    coll.extra.setdefault("riskUserCount", coll.n)
    return coll


@collection("elements.compliances-signins")
def _signins(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["isRisk"] = r.random() < 0.12
        it["city"], it["country"] = r.choice((("Seattle", "US"), ("London", "GB"), ("Berlin", "DE"), ("Lagos", "NG"),
                                              ("Singapore", "SG"), ("Moscow", "RU")))
    return _tenant_coll(ds, e, pp, (50, 200), fix=fix)


@detail("elements.compliances-actions", "elements.overview-workspace", "elements.data-protection-compliance-rate",
        "elements.overview-dspm", "elements.data-protection-ransomware-detection")
def _tenant_singleton(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    return ds._cached(("detail", e.id, t["id"]), lambda: Varier(ds.rng(e.id, t["id"]), ds.now).vary(e.sample))


@collection("elements.process-center-jobs")
def _process_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["type"] = r.randint(1, 10)
        it["status"] = weighted(r, PLANS["process"][0]) if i else 3
    return _tenant_coll(ds, e, pp, (10, 40), fix=fix)


def baselines(ds: Dataset) -> Collection:
    e = ds.endpoint("elements.bm-baselines")

    def fix(it: dict, i: int, r: random.Random) -> None:
        it["baselineName"] = f"{('Security', 'Compliance', 'Intune', 'Exchange', 'Teams', 'SharePoint')[i % 6]} baseline {i // 6 + 1}"
        it["status"] = weighted(r, ((3, 50.0), (2, 15.0), (1, 5.0), (4, 10.0), (5, 10.0), (6, 10.0))) if i > 1 else (4, 5)[i]
    return varied(ds, e, (), ds.n("baselines"), fix=fix)


@collection("elements.bm-baselines")
def _baselines_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return baselines(ds)


@collection("elements.baselines-reports")
def _baseline_reports(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    bl = baselines(ds)
    i = bl.index_of("baselineId", pp["baselineId"])
    if i is None:
        raise NotFound(f"Baseline {pp['baselineId']} was not found.")
    b = bl.get(i)
    n = ds.rng("n", b["baselineId"]).randint(20, 110)
    configs = ("DeviceCompliancePolicies > MacOSCompliancePolicy", "ConditionalAccess > RequireMFA",
               "Exchange > AntiPhishPolicy", "Teams > MeetingPolicy", "SharePoint > SharingSettings",
               "Intune > DeviceConfiguration", "Entra ID > AuthenticationMethods")

    def fix(it: dict, k: int, r: random.Random) -> None:
        it["configuration"] = f"{r.choice(configs)} {k + 1}"
        it["source"] = r.choice(("Intune", "Entra ID", "Exchange Online", "Microsoft Teams", "SharePoint Online"))
        failed = r.random() < (0.25 if b["status"] in (4, 5) else 0.05)
        it["status"] = "Failed" if failed else "Successful"
        it["details"] = r.choice(("The setting could not be retrieved: access denied.", "Timeout while reading the policy.")) if failed else None
    return varied(ds, e, (b["baselineId"],), n, fix=fix)


@collection("elements.bm-tenants")
def _bm_tenants(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build():
        r = ds.rng("bm-tenants")
        bl = baselines(ds).all()
        codes = [int(k) for k in e.status.labels]
        items = []
        for k, (c, t) in enumerate(ds.all_tenants()):
            if k > 3 and r.random() > 0.6:
                continue
            st = codes[k % len(codes)] if k < len(codes) else r.choice((7, 7, 7, 1, 2, 5, 3, 8, 17, 10))
            applied = [{"baselineId": b["baselineId"], "baselineName": b["baselineName"], "version": str(r.randint(1, 6))}
                       for b in r.sample(bl, min(len(bl), r.randint(0, 2)))]
            items.append({"tenantName": t["name"], "status": st, "driftDetected": r.choice((0, 0, r.randint(1, 60))),
                          "driftDetectedTime": iso(ds.now - timedelta(hours=r.uniform(1, 300))), "customerId": c["id"],
                          "tenantId": t["id"], "autoAlignment": r.choice((0, 1)),
                          "lastDeployedTime": iso(ds.now - timedelta(days=r.uniform(1, 90))), "appliedBaselines": applied})
        return Collection(items)
    return ds._cached(("coll", e.id), build)


# Filters on id lists in the POST body: endpoint -> (column, body field).
BODY_ID_FILTERS = {
    "elements.bm-baselines": ("baselineId", "baselineIds"),
    "elements.bm-tenants": ("tenantId", "tenantIds"),
    "elements.process-center-jobs": ("jobId", "jobIds"),
    "elements.tenants-users": ("id", "userIds"),
    "elements.cloud-backup-m365-users": ("email", "userEmails"),
}

filter_by_body_ids(BODY_ID_FILTERS)


@filters("elements.security-users")
def _user_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    wanted = {int(s) for s in q.getlist("status") if str(s).lstrip("-").isdigit()}
    if wanted:
        col = coll.column("status")
        preds.add(lambda i: bool(wanted.intersection(col[i] or ())))
    return preds


@filters("elements.detection-rules")
def _rule_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    preds.add(one_of(coll.column("dataSource"), q.getlist("dataSources"), None))
    preds.add(one_of(coll.column("enabled"), q.getlist("status"), None))
    return preds


@filters("elements.compliances-workflows")
def _workflow_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    preds.add(one_of(coll.column("catagory"), q.getlist("catagory"), None))
    return preds


@filters("elements.compliances-signins")
def _signin_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    risky = q.get("risky")
    if risky is not None and str(risky).lower() in ("true", "false"):
        want = str(risky).lower() == "true"
        col = coll.column("isRisk")
        preds.add(lambda i: bool(col[i]) == want)
    return preds
