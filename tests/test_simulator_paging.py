"""Paging to the end in every documented style returns every item exactly once.

``page_all`` is a deliberately plain pager written from the catalogue's section 4 (not the
project's client): it follows each style the way its docs page says, and the tests compare what
it collected with ``sim.dataset.select`` (the data the server pages over).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tui.catalog import dig, load_catalog
from tui.simulator.demo import DEMO_SPECS

CATALOG = load_catalog()
AOS = next(s for s in DEMO_SPECS if s.name == "demo-aos")
PARTNER = next(s for s in DEMO_SPECS if s.name == "demo-partner")
MAX_PAGES = 2000


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def tokens(client, sim):
    out = {}
    for spec in (AOS, PARTNER):
        r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": spec.client_id,
                                             "client_secret": spec.secret})
        out[spec.name] = r.json()["access_token"]
    return out


def page_all(client, sim, e, token, query=None, body=None, path_params=None, size=None, pages_seen=None):
    """Every item of an endpoint, following its documented pagination style to the end."""
    pag = e.pagination
    h = {"Authorization": f"Bearer {token}"}
    url = sim.base_url + e.format_path(path_params or {})
    q = dict(query or {})
    b = dict(body or {}) if e.method == "POST" else None
    out: list = []
    style = pag.style
    if size is not None and pag.size_param:
        (b if pag.size_in == "body" else q)[pag.size_param] = size
    if style in ("page_index",) and pag.page_param:
        q.setdefault(pag.page_param, pag.first_page)
    if style == "start_page":
        q.setdefault("startPage", 1)
    next_url = None
    for n in range(MAX_PAGES):
        if next_url:
            r = client.request(e.method, next_url, headers=h, json=b)
        else:
            r = client.request(e.method, url, params=q, headers=h, json=b)
        assert r.status_code == 200, r.text[:500]
        page = r.json()
        items = dig(page, e.items_path)
        out.extend(items)
        if pages_seen is not None:
            pages_seen.append(page)
        nxt = None
        for p in pag.next_paths:
            v = dig(page, p.split("."))
            if v not in (None, ""):
                nxt = v
                break
        if style in ("next_link", "top_skip", "top_next"):
            if not nxt:
                break
            next_url = nxt                                   # absolute URL, followed as is
        elif style == "page_index" and e.service_key in ("m365", "salesforce"):
            if not nxt:
                break
            next_url = nxt
        elif style == "page_index" and e.service_key in ("d365", "dmso"):
            if not nxt:
                break
            next_url = sim.base_url + pag.relative_next_base.rstrip("/") + "/" + nxt.lstrip("/")
        elif style == "page_index":                          # Elements v3 (metadata.totalCount), Google
            total = next((dig(page, t.split(".")) for t in pag.total_paths if dig(page, t.split(".")) is not None), None)
            page_no = int(q[pag.page_param])
            size_now = int(q.get(pag.size_param) or len(items))
            if total is not None:
                if (page_no - pag.first_page + 1) * size_now >= int(total):
                    break
            elif not nxt or not items:
                break
            q[pag.page_param] = page_no + 1
        elif style == "skip_token":
            if not nxt:
                break
            q = {k: v for k, v in q.items() if k.lower() not in ("pagenumber", "skiptoken")}
            q[pag.cursor_param] = nxt
        elif style == "body_next":
            if not nxt:
                break
            b["nextLink"] = nxt
        elif style == "start_page":
            if not nxt or not items:
                break
            q["startPage"] = int(q["startPage"]) + 1
        elif style == "start_index":
            if page.get("startIndex") in (None, ""):
                break
            q["startIndex"] = page["startIndex"]
        else:
            break
    else:
        raise AssertionError("too many pages")
    return out


def _key(e, item):
    if e.id_field and isinstance(item, dict) and e.id_field in item:
        return str(item[e.id_field])
    return json.dumps(item, sort_keys=True)


def _window(days):
    now = datetime.now(timezone.utc)
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"), now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cases(sim):
    ds = sim.dataset
    c = ds.items("elements.customers")[0]
    t = c["tenants"][0]
    s7, e7 = _window(7)
    s30, e30 = _window(30)
    s89, e89 = _window(89)
    cases = [
        ("aos.audit", {"startTime": s7, "endTime": e7}, None, None, None),
        ("aos.jobs", {"top": 37}, None, None, None),
        ("m365.cloudbackupjobs", {"startTime": s30, "finishTime": e30}, None, None, 100),
        ("d365.jobs", {"type": 0, "startTime": s89, "finishTime": e89}, None, None, 100),
        ("dmso.audits", {"startTime": s30, "endTime": e30}, None, None, 200),
        ("iaas.jobs", {}, None, None, 70),
        ("google.jobs", {}, None, None, 100),
        ("salesforce.jobs", {"startTime": s89, "finishTime": e89}, None, None, 100),
        ("enpower.powerbi-powerbiactiveusers", {}, None, None, 45),
        ("enpower.environments", {"top": 7}, None, None, None),
        ("elements.customers", {}, {}, None, 9),
        ("elements.avpt-products-jobs", {}, {}, {"customerId": c["id"]}, 7),
        ("elements.security-users", {}, None, {"customerId": c["id"], "tenantId": t["id"]}, 10),
        ("insights.users-summary", {"pageSize": 40}, None, None, None),
        ("insights.sites-overview", {}, {"pageSize": 33}, None, None),
        ("insights.sharinglinks-summary", {}, {"siteUrl": ds.items("insights.sites-overview")[0]["siteUrl"],
                                               "linkType": 64, "pageSize": 5}, None, None),
        ("opus.connector-records", {"id": "6f1c2b7e-3d4a-4e8f-9a10-2b3c4d5e6f70", "disposalDueDate": "2099-01-01",
                                    "itemsPerPage": 30}, None, None, None),
    ]
    rules = ds.items("elements.detection-rules", {"customerId": c["id"], "tenantId": t["id"]})
    rule = max(rules, key=lambda r: r["hitItemCount"])
    cases.append(("elements.rules-hit-items", {}, None, {"customerId": c["id"], "tenantId": t["id"],
                                                           "ruleId": rule["ruleId"]}, 6))
    return cases


CASE_IDS = ["aos.audit", "aos.jobs", "m365", "d365", "dmso", "iaas", "google", "salesforce", "enpower-activeusers",
            "enpower-top", "elements-customers", "elements-jobs", "elements-security-users", "insights-start-page",
            "insights-body-next", "insights-cosmos-token", "opus-start-index", "elements-hit-items-metaData"]


@pytest.mark.parametrize("index", range(len(CASE_IDS)), ids=CASE_IDS)
def test_paging_to_the_end_returns_every_item_once(client, sim, tokens, index):
    eid, query, body, pp, size = _cases(sim)[index]
    e = CATALOG.get(eid)
    token = tokens["demo-partner" if e.base == "elements" else "demo-aos"]
    pages: list = []
    got = page_all(client, sim, e, token, query, body, pp, size, pages_seen=pages)
    expected = sim.dataset.select(eid, path_params=pp, query={**query, **({e.pagination.size_param: size} if size else {})},
                                  body=body) if eid not in ("insights.sharinglinks-summary", "opus.connector-records") \
        else None
    if expected is None:
        # Collections keyed by body/query values: build the same selection the server pages over.
        from tui.simulator.data import Query, keyed_collection
        coll = keyed_collection(sim.dataset, e, Query.of(query), Query.of(body))
        idx = sim.dataset.select_indices(eid, coll, Query.of(query), Query.of(body), {})
        expected = [coll.get(i) for i in idx]
    keys = [_key(e, it) for it in got]
    assert len(keys) == len(set(keys)), f"{eid}: an item came twice"
    assert keys == [_key(e, it) for it in expected], f"{eid}: paged items differ from the data"
    assert len(pages) > 1, f"{eid}: expected several pages (got {len(got)} items in one)"


def test_nextlink_shapes(client, sim, tokens):
    """Each style's nextLink looks like its docs page says."""
    h = {"Authorization": f"Bearer {tokens['demo-aos']}"}
    s, en = _window(89)
    r = client.get(sim.base_url + "/dynamicsbackup/jobs", params={"type": 0, "startTime": s, "finishTime": en},
                   headers=h).json()
    assert r["nextLink"].startswith("/jobs?pageIndex=2&pageSize=10&") and r["pageIndex"] == 1 and r["pageSize"] == 10
    r = client.get(sim.base_url + "/dmso/audits", headers=h).json()
    assert r["nextLink"].startswith("audits?") and "pageIndex=2" in r["nextLink"]
    assert r["errorMessage"] == "" and r["statusCode"] == 200
    r = client.get(sim.base_url + "/backup/vm/jobs", headers=h).json()
    assert r["nextLink"] and "://" not in r["nextLink"] and "?" not in r["nextLink"]
    r = client.get(sim.base_url + "/backup/google/admin/jobs", headers=h).json()
    assert r["nextLink"] and "://" not in r["nextLink"] and r["status"] == 200
    r = client.get(sim.base_url + "/smp/powerplatform/environments", params={"top": 5}, headers=h).json()
    assert r["nextLink"].startswith(sim.base_url + "/smp/powerplatform/environments?") and r["totalCount"] > 5
    last = client.get(sim.base_url + "/smp/powerplatform/environments", params={"top": 1000}, headers=h).json()
    assert last["nextLink"] == ""
    r = client.get(sim.base_url + "/backup/m365/cloudbackupjobs", params={"pageSize": 5000}, headers=h)
    assert r.status_code == 400
    r = client.get(sim.base_url + "/backup/m365/cloudbackupjobs", params={"pageSize": 100, "pageIndex": 49}, headers=h).json()
    assert r["metadata"]["nextLink"] == "" and len(r["data"]) == 100
    q = dict(parse_qsl(urlsplit(client.get(sim.base_url + "/aos/jobs", params={"top": 2}, headers=h).json()["nextLink"]).query))
    assert q == {"top": "2", "skip": "2"}
    r = client.post(sim.base_url + "/insights/sites/overview", json={"pageSize": 10}, headers=h).json()
    assert r["nextLink"].startswith('[{"token":"+RID:~')
    s7, e7 = _window(7)
    r = client.get(sim.base_url + "/aos/audit", params={"startTime": s7, "endTime": e7}, headers=h).json()
    assert "skipToken=" in r["nextLink"] and r["nextLink"].startswith(sim.base_url + "/aos/audit?")


def test_a_made_up_continuation_token_is_400(client, sim, tokens):
    h = {"Authorization": f"Bearer {tokens['demo-aos']}"}
    r = client.get(sim.base_url + "/backup/vm/jobs", params={"skiptoken": "pZ5%2FtiSPUEfNBIK13B"}, headers=h)
    assert r.status_code == 400
    s7, e7 = _window(7)
    r = client.get(sim.base_url + "/aos/audit", params={"startTime": s7, "endTime": e7, "skipToken": "nope"}, headers=h)
    assert r.status_code == 400 and set(r.json()) == {"traceId", "error", "statusCode"}


def test_filtered_paging_with_elements_body_filters(client, sim, tokens):
    e = CATALOG.get("elements.avpt-products-jobs")
    c = sim.dataset.items("elements.customers")[0]
    got = page_all(client, sim, e, tokens["demo-partner"], {}, {"jobType": 7, "jobModule": 302},
                   {"customerId": c["id"]}, 2)
    expected = sim.dataset.select(e.id, {"customerId": c["id"]}, body={"jobType": 7, "jobModule": 302})
    assert [j["jobId"] for j in got] == [j["jobId"] for j in expected]
    assert all(j["jobType"] == 7 and j["jobModule"] == 302 for j in got)
