"""The Pager walks every documented pagination style to the end against the simulator: each item
once, in order, compared with the simulator's data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.faults import demo_tenant
from tui.api.session import Session
from tui.catalog import load_catalog

CATALOG = load_catalog()


def _window(days):
    now = datetime.now(timezone.utc)
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"), now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cases(sim):
    ds = sim.dataset
    c = ds.items("elements.customers")[0]
    t = c["tenants"][0]
    s2, e2 = _window(2)
    s30, e30 = _window(30)
    s89, e89 = _window(89)
    rules = ds.items("elements.detection-rules", {"customerId": c["id"], "tenantId": t["id"]})
    rule = max(rules, key=lambda r: r["hitItemCount"])
    return {
        # id: (query, body, path params, page size)
        "aos.audit": ({"startTime": s2, "endTime": e2}, None, None, None),
        "aos.jobs": ({"top": 37}, None, None, None),
        "m365.cloudbackupjobs": ({"startTime": s30, "finishTime": e30}, None, None, 100),
        "d365.jobs": ({"type": 0, "startTime": s89, "finishTime": e89}, None, None, 100),
        "dmso.audits": ({"startTime": s30, "endTime": e30}, None, None, 200),
        "iaas.jobs": ({}, None, None, 70),
        "google.jobs": ({}, None, None, 100),
        "salesforce.jobs": ({"startTime": s89, "finishTime": e89}, None, None, 100),
        "enpower.powerbi-powerbiactiveusers": ({}, None, None, 45),
        "enpower.environments": ({"top": 7}, None, None, None),
        "elements.customers": ({}, {}, None, 9),
        "elements.avpt-products-jobs": ({}, {}, {"customerId": c["id"]}, 7),
        "elements.security-users": ({}, None, {"customerId": c["id"], "tenantId": t["id"]}, 10),
        "elements.rules-hit-items": ({}, None, {"customerId": c["id"], "tenantId": t["id"], "ruleId": rule["ruleId"]}, 6),
        "insights.users-summary": ({"pageSize": 40}, None, None, None),
        "insights.sites-overview": ({}, {"pageSize": 33}, None, None),
        "insights.sharinglinks-summary": ({}, {"siteUrl": ds.items("insights.sites-overview")[0]["siteUrl"],
                                               "linkType": 64, "pageSize": 5}, None, None),
        "opus.connector-records": ({"id": "6f1c2b7e-3d4a-4e8f-9a10-2b3c4d5e6f70", "disposalDueDate": "2099-01-01",
                                    "itemsPerPage": 30}, None, None, None),
    }


CASES = ["aos.audit", "aos.jobs", "m365.cloudbackupjobs", "d365.jobs", "dmso.audits", "iaas.jobs", "google.jobs",
         "salesforce.jobs", "enpower.powerbi-powerbiactiveusers", "enpower.environments", "elements.customers",
         "elements.avpt-products-jobs", "elements.security-users", "elements.rules-hit-items",
         "insights.users-summary", "insights.sites-overview", "insights.sharinglinks-summary",
         "opus.connector-records"]


def _key(e, item):
    if e.id_field and isinstance(item, dict) and e.id_field in item:
        return str(item[e.id_field])
    return json.dumps(item, sort_keys=True)


def _expected(sim, e, query, body, pp, size):
    from tui.simulator.data import Query, keyed_collection
    if e.id in ("insights.sharinglinks-summary", "opus.connector-records"):
        coll = keyed_collection(sim.dataset, e, Query.of(query), Query.of(body))
        idx = sim.dataset.select_indices(e.id, coll, Query.of(query), Query.of(body), {})
        return [coll.get(i) for i in idx]
    q = {**query, **({e.pagination.size_param: size} if size else {})}
    return sim.dataset.select(e.id, path_params=pp, query=q, body=body)


def test_every_style_is_covered():
    styles = {CATALOG.get(i).pagination.style for i in CASES}
    assert styles == set(CATALOG.endpoints[0].pagination.STYLES) - {"none"}


@pytest.mark.parametrize("eid", CASES)
async def test_walk_to_the_end_returns_every_item_once(sim, eid):
    e = CATALOG.get(eid)
    query, body, pp, size = _cases(sim)[eid]
    tenant = demo_tenant(sim, "demo-partner" if e.base == "elements" else "demo-aos")
    got, pages = [], []
    async with Session(tenant) as s:
        pager = s.pager(e, pp, query, page_size=size, body=body)
        async for page in pager.pages():
            got.extend(page.items)
            pages.append(page)
    expected = _expected(sim, e, query, body, pp, size)
    keys = [_key(e, it) for it in got]
    assert len(keys) == len(set(keys)), f"{eid}: an item came twice"
    assert keys == [_key(e, it) for it in expected], f"{eid}: paged items differ from the data"
    assert len(pages) > 1 and pager.done and not pager.more and pager.notice is None
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert pages[-1].last and all(not p.last for p in pages[:-1])
    assert pages[-1].loaded == len(got) == pager.loaded
    if pager.total is not None:
        assert pager.total == len(expected) and pager.progress == f"{len(got)} of {len(expected)}"
    assert all(p.exchange is not None and p.exchange.status == 200 for p in pages)
