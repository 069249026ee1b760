"""Example requests: for any catalogued endpoint, a valid request whose values come from the data.

Used by the tests (every endpoint answers its example with 200) and the CLI's curl line.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tui.catalog import Endpoint
from tui.simulator.data.dataset import Dataset
from tui.simulator.data.elements import legacy_jobs, scan_profiles
from tui.simulator.data.elements_tenants import baselines
from tui.simulator.data.enpower import ENPOWER_PARENT
from tui.simulator.data.insights import site_id_of
from tui.simulator.data.opus import restore_jobs, seeded_tasks
from tui.simulator.generate import iso

__all__ = ["example_request"]


def _first_path_values(ds: Dataset, e: Endpoint) -> dict[str, str]:
    c = ds.customers()[0]
    t = c["tenants"][0]
    out: dict[str, str] = {}
    for name in e.path_params:
        low = name.lower()
        if low in ("customerid",) or (low == "id" and e.id.startswith("elements-legacy")):
            out[name] = c["id"]
        elif low == "tenantid":
            out[name] = t["id"]
        elif low in ("scanprofileid", "profileid"):
            out[name] = scan_profiles(ds, c["id"])[0]["profileId"]
        elif low == "jobtype" and e.id.startswith("elements-legacy"):
            out[name] = legacy_jobs(ds, ds.endpoint("elements-legacy.customers-jobs"), {"id": c["id"]}).get(0)["jobType"]
        elif low == "jobmodule" and e.id.startswith("elements-legacy"):
            out[name] = legacy_jobs(ds, ds.endpoint("elements-legacy.customers-jobs"), {"id": c["id"]}).get(0)["jobModule"]
        elif low == "jobid" and e.id.startswith("m365"):
            out[name] = ds.collection("m365.cloudbackupjobs").get(0)["id"]
        elif low == "jobid":
            out[name] = "4790"
        elif low == "ruleid":
            rules = ds.collection("elements.detection-rules", {"customerId": c["id"], "tenantId": t["id"]}).all()
            out[name] = next((r["ruleId"] for r in rules if r["hitItemCount"]), rules[0]["ruleId"])
        elif low == "workflowid":
            out[name] = ds.collection("elements.compliances-workflows", {"customerId": c["id"], "tenantId": t["id"]}).get(0)["workflowId"]
        elif low == "userid":
            out[name] = ds.collection("elements.security-users", {"customerId": c["id"], "tenantId": t["id"]}).get(0)["id"]
        elif low == "baselineid":
            out[name] = baselines(ds).get(0)["baselineId"]
        elif low in ("type",):
            out[name] = "0"
        elif low == "producttype":
            out[name] = "2048"
        elif low == "productname":
            out[name] = e.param(name).enum[0].value if e.param(name) and e.param(name).enum else "PartnerTenantSettingManagement"
        elif low in ("appid", "flowid", "botid", "powerpageid"):
            parent, field = ENPOWER_PARENT[e.id]
            coll = ds.collection(parent)
            best = max(range(min(coll.n, 20)),
                       key=lambda k: len(ds.collection(e.id, {name: coll.get(k)[field]})))
            out[name] = coll.get(best)[field]
        elif low == "siteurl":
            out[name] = ds.collection("insights.sites-overview").get(0)["siteUrl"]
        elif low == "email":
            out[name] = ds.collection("insights.users-summary").get(0)["email"]
        elif low == "groupid":
            out[name] = ds.collection("insights.groups-summary").get(0)["groupId"]
        elif low in ("path",):
            out[name] = ds.collection("insights.sites-overview").get(0)["siteUrl"] + "/Shared Documents/Plan.docx"
        elif low == "id":
            out[name] = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
        elif low == "taskid":
            out[name] = next(iter(seeded_tasks(ds, e)))
        else:
            out[name] = "x"
    return out


def example_request(ds: Dataset, e: Endpoint) -> dict:
    """A valid request for an endpoint: {"path_params", "query", "body"} (values from the data)."""
    pp = _first_path_values(ds, e)
    now = ds.now
    query: dict[str, Any] = {}
    body: dict[str, Any] = {}
    site = ds.collection("insights.sites-overview").get(0)["siteUrl"] if e.service_key == "insights" else None
    for p in e.params:
        if p.location == "path" or not p.required:
            continue
        target = query if p.location == "query" else body
        low = p.name.lower()
        if p.time_role == "start":
            target[p.name] = iso(now - timedelta(days=6 if e.id == "aos.audit" else 30))
        elif p.time_role == "end":
            target[p.name] = iso(now)
        elif p.enum:
            target[p.name] = p.enum[1].value if e.id == "d365.jobs" and low == "type" else p.enum[0].value
        elif low == "pagesize":
            target[p.name] = 100
        elif low == "startpage":
            target[p.name] = 1
        elif low == "itemsperpage":
            target[p.name] = 100
        elif low == "flowid":
            target[p.name] = ds.collection("enpower.powerautomate-cloudflows").get(0)["flowId"]
        elif low == "emails":
            target[p.name] = [ds.collection("insights.users-summary").get(k)["email"] for k in range(2)]
        elif low == "siteurls":
            target[p.name] = [site] if p.location == "body" else site
        elif low == "siteurl":
            target[p.name] = site
        elif low == "siteid":
            target[p.name] = site_id_of(ds, site)
        elif low == "driveids":
            target[p.name] = "0AEkdHqDqOaq3Uk9PVA"
        elif low == "datasources":
            target[p.name] = "SharePoint Online"
        elif low == "id" and e.id == "opus.connector-records":
            target[p.name] = "6f1c2b7e-3d4a-4e8f-9a10-2b3c4d5e6f70"
        elif low == "disposalduedate":
            target[p.name] = (now + timedelta(days=30)).strftime("%Y-%m-%d")
        elif low == "scope":
            target[p.name] = "https://contoso.sharepoint.com/sites/Finance" if "Site" in e.path else "finance-team@contoso.com"
        elif low == "jobid" and e.id.startswith("opus"):
            target[p.name] = next(iter(restore_jobs(ds)))
        else:
            target[p.name] = "x"
    return {"path_params": pp, "query": query, "body": body if e.method == "POST" else None}
