"""EnPower (``/enpower``): the Power Platform, Power BI, Exchange and Microsoft 365 inventories.

Every list is the docs' sample item varied, with the fields that name a tenant, environment,
workspace or parent object pointing at items that exist (so drilling down finds them).
"""

from __future__ import annotations

import random
from typing import Callable

from tui.catalog import Endpoint
from tui.simulator.data.core import (Collection, NotFound, Preds, Query, collection, duration_hms, filters, one_of,
                                     time_preds, varied)
from tui.simulator.data.dataset import Dataset

# Base volumes of the EnPower lists ("a few hundred", varied per list).
ENPOWER_SIZES = {
    "enpower.environments": 60, "enpower.connections": 300, "enpower.powerapps": 250,
    "enpower.powerautomate-cloudflows": 300, "enpower.powerautomate-desktopflows": 120,
    "enpower.powerbi-workspaces": 150, "enpower.powerbi-artifacts": 400,
    "enpower.powerbi-powerbiactiveusers": 500, "enpower.powerbi-datasourcedetails": 200,
    "enpower.powerbi-semanticemodeldetails": 250, "enpower.bot": 80, "enpower.powerpages": 60,
    "enpower.exchange-resourcemailboxes": 120, "enpower.exchange-mailboxes": 400,
    "enpower.microsoft365-groups": 150, "enpower.microsoft365-viva-groups": 60,
    "enpower.microsoft365-sites": 200, "enpower.microsoft365-teams": 150,
}

ENPOWER_PARENT = {
    "enpower.powerapps-activities": ("enpower.powerapps", "appId"),
    "enpower.powerapps-launches": ("enpower.powerapps", "appId"),
    "enpower.powerapps-launched-users": ("enpower.powerapps", "appId"),
    "enpower.cloudflows-runs": ("enpower.powerautomate-cloudflows", "flowId"),
    "enpower.cloudflows-activities": ("enpower.powerautomate-cloudflows", "flowId"),
    "enpower.desktopflows-runs": ("enpower.powerautomate-desktopflows", "flowId"),
    "enpower.bot-activities": ("enpower.bot", "botId"),
    "enpower.powerpages-activities": ("enpower.powerpages", "id"),
}


def _enpower_fix(ds: Dataset, e: Endpoint) -> Callable[[dict, int, random.Random], None]:
    envs = None if e.id == "enpower.environments" else ds.items("enpower.environments")
    ws = ds.items("enpower.powerbi-workspaces") if e.id == "enpower.powerbi-artifacts" else None
    dss = ds.items("enpower.powerbi-datasourcedetails") if e.id == "enpower.powerbi-semanticemodeldetails" else None
    flows = conns = None
    if e.id == "enpower.connectionusage-cloudflows":
        flows = ds.items("enpower.powerautomate-cloudflows")
        conns = ds.items("enpower.connections")

    def fix(item: dict, i: int, r: random.Random) -> None:
        t = ds.enpower_tenant(r)
        for k in ("tenantId",):
            if k in item:
                item[k] = t["id"]
        for k in ("tenant", "tenantName", "tenantDomain"):
            if k in item:
                item[k] = t["domain"] if k == "tenantDomain" else t["name"]
        if envs and "environmentId" in item:
            env = envs[r.randrange(len(envs))]
            item["environmentId"] = env["id"]
            for k in ("environment", "environmentName", "environmentDisplayName"):
                if k in item:
                    item[k] = env["displayName"]
        if ws and "workspaceId" in item:
            w = ws[r.randrange(len(ws))]
            item["workspaceId"], item["parentName"] = w["id"], w["name"]
        if e.id == "enpower.powerbi-datasourcedetails":
            item["datasourceType"] = r.choice(("Sql", "SharePointList", "Extension", "AnalysisServices", "OData", "Web",
                                               "Excel", "Sql"))
        if dss and "datasourceId" in item:
            d = dss[r.randrange(len(dss))]
            item["datasourceId"], item["datasourceType"] = d["datasourceId"], d["datasourceType"]
        if flows and conns:
            f = flows[i % len(flows)]
            item["flowId"], item["environmentId"] = f["flowId"], f["environmentId"]
            item["connectionId"] = conns[r.randrange(len(conns))]["id"]
        if e.id == "enpower.powerbi-powerbiactiveusers":
            item["isSuccess"] = r.random() > 0.06
            item["operation"] = r.choice(("ViewReport", "CreateFolder", "ExportReport", "EditDataset", "ShareReport", "RefreshDataset"))
        if e.id == "enpower.powerapps":
            item["id"] = f"{item['appId']}_{t['id']}_default-{t['id']}"
        if e.id in ("enpower.powerautomate-cloudflows",):
            item["status"] = r.choice(("Started", "Started", "Started", "Stopped", "Suspended"))
        if e.id == "enpower.powerautomate-desktopflows":
            item["status"] = r.choice(("Active", "Active", "Draft"))
            item["lastRunStatus"] = r.choice(("Succeeded", "Succeeded", "Succeeded", "Failed", "Cancelled"))
        if e.id in ("enpower.microsoft365-groups", "enpower.microsoft365-viva-groups", "enpower.microsoft365-sites",
                    "enpower.microsoft365-teams"):
            item["actionType"] = r.choice((1, 2, 4, 8, 16, 32, 64, 128))
            item["platform"] = r.choice((1, 2, 4, 8))
        if e.id == "enpower.exchange-mailboxes":
            item["recipientType"] = r.choice(("User mailbox", "User mailbox", "Shared mailbox"))
        if e.id == "enpower.exchange-resourcemailboxes":
            item["recipientType"] = r.choice(("Room mailbox", "Equipment mailbox"))
    return fix


@collection(*ENPOWER_SIZES, "enpower.connectionusage-cloudflows")
def _enpower_list(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    base = ENPOWER_SIZES.get(e.id, 8)
    n = max(1, int(round(base * ds.scale))) if e.id in ENPOWER_SIZES else base
    if e.id == "enpower.connectionusage-cloudflows":
        n = max(1, int(round(450 * ds.scale)))
    return ds._cached(("coll-enp", e.id), lambda: varied(ds, e, (), n, fix=_enpower_fix(ds, e), noun=_noun(e)))


def _noun(e: Endpoint) -> str:
    key = (e.items_path or ("item",))[-1]
    return {"environments": "Environment", "connections": "Connection", "powerApps": "App", "cloudFlows": "Flow",
            "desktopFlows": "Desktop Flow", "workspaces": "Workspace", "artifacts": "Report", "bots": "Agent",
            "powerPages": "Site", "mailboxes": "Mailbox", "resourceMailboxes": "Room", "eolReportGroups": "Group",
            "eolReportSPSites": "Site", "eolReportTeams": "Team"}.get(key, "Item")


@collection("enpower.powerbi-datasourcecountbydatasourcetype", "enpower.powerbi-semanticmodelcountbydatasourcetype")
def _enpower_counts(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        src = ("enpower.powerbi-datasourcedetails" if "datasource" in e.id else "enpower.powerbi-semanticemodeldetails")
        counts: dict[str, int] = {}
        for it in ds.items(src):
            counts[it["datasourceType"]] = counts.get(it["datasourceType"], 0) + 1
        as_str = isinstance(ds._sample_item(e).get("count"), str)
        return Collection([{"datasourceType": k, "count": str(v) if as_str else v} for k, v in sorted(counts.items())])
    return ds._cached(("coll", e.id), build)


@collection(*ENPOWER_PARENT)
def _enpower_children(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    parent_id, field = ENPOWER_PARENT[e.id]
    (pname, pval), = pp.items()
    parent = ds.collection(parent_id)
    i = parent.index_of(field, pval)
    if i is None:
        raise NotFound(f"{pname} {pval} was not found.")
    obj_id = parent.get(i)[field]
    r = ds.rng("count", e.id, obj_id)
    n = r.choice((0, r.randint(1, 12), r.randint(5, 60), r.randint(20, 160)))

    def fix(item: dict, k: int, rr: random.Random) -> None:
        if "objectId" in item:
            item["objectId"] = obj_id
        if "activityType" in item:
            item["activityType"] = rr.choice(("LaunchPowerApp", "EditApp", "SharePowerApp", "CreateFlow", "EditFlow",
                                              "BotConversation", "PageView") if "bot" not in e.id else ("BotConversation", "BotPublished"))
        if "state" in item:
            item["state"] = rr.choice(("Succeeded", "Succeeded", "Succeeded", "Failed", "Cancelled"))
        if "runStatus" in item:
            item["runStatus"] = rr.choice(("Succeeded", "Succeeded", "Failed"))
        if "userType" in item:
            item["userType"] = rr.choice(("Member", "Member", "Guest"))
        if "lauchedTimes" in item:
            item["lauchedTimes"] = str(rr.randint(1, 200))
        if "resultStatus" in item:
            item["resultStatus"] = rr.choice(("Success", "Success", "Failure"))
        if "duration" in item and not item["duration"]:
            item["duration"] = duration_hms(rr.uniform(2, 900))
    return varied(ds, e, (obj_id,), n, fix=fix)


@filters("enpower.*")
def _enpower_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    eid = e.id
    preds = time_preds(e, coll, q)
    tenant = str(q.get("tenant", "")).lower()
    if tenant:
        sample = coll.get(0) if coll.n else {}
        keys = [k for k in ("tenantId", "tenant", "tenantName", "tenantDomain") if k in sample]
        if keys:
            preds.add(lambda i: any(str(coll.get(i).get(k) or "").lower() in (tenant,) or
                                    str(coll.get(i).get(k) or "").lower().split(".")[0] == tenant.split(".")[0]
                                    for k in keys))
    if eid == "enpower.connectionusage-cloudflows":
        preds.add(one_of(coll.column("flowId"), q.getlist("flowId"), None))
    if eid == "enpower.exchange-mailboxes":
        mt = str(q.get("mailboxType", "0"))
        if mt in ("1", "2"):
            want = ("User mailbox", "Shared mailbox")[int(mt) - 1]
            preds.add(one_of(coll.column("recipientType"), [want], None))
    if eid == "enpower.exchange-resourcemailboxes":
        mt = str(q.get("resourceMailboxType", "0"))
        if mt in ("1", "2"):
            want = ("Room mailbox", "Equipment mailbox")[int(mt) - 1]
            preds.add(one_of(coll.column("recipientType"), [want], None))
    return preds
