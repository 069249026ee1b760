"""Every catalogued read-only endpoint of the simulator, over HTTP with a plain httpx client.

For each endpoint: 200 with the sample's top-level keys and item fields, 401 without a token,
403 with a token lacking its scope. Then the documented errors, the server-side failed filters
and the speed of a 100-item page.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tui.catalog import load_catalog
from tui.simulator.demo import DEMO_SPECS
from tui.simulator.identity import ASSERTION_TYPE

CATALOG = load_catalog()
READ_ONLY = [e for e in CATALOG if e.read_only]
REFERENCE = Path("/work/shared/reference")
AOS = next(s for s in DEMO_SPECS if s.name == "demo-aos")
PARTNER = next(s for s in DEMO_SPECS if s.name == "demo-partner")
RESTRICTED = next(s for s in DEMO_SPECS if s.name == "demo-restricted")


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
        assert r.status_code == 200, r.text
        out[spec.name] = r.json()["access_token"]
    pem = Path(sim.tenant("demo-restricted").certificate_path).read_bytes()
    now = int(time.time())
    assertion = jwt.encode({"iss": RESTRICTED.client_id, "sub": RESTRICTED.client_id, "aud": sim.token_url,
                            "jti": str(uuid.uuid4()), "iat": now, "exp": now + 300},
                           load_pem_private_key(pem, None), algorithm="RS256")
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": RESTRICTED.client_id,
                                         "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion})
    assert r.status_code == 200, r.text
    out["demo-restricted"] = r.json()["access_token"]
    return out


def token_for(e, tokens) -> str:
    return tokens["demo-partner" if e.base == "elements" else "demo-aos"]


def call(client, sim, e, token: str | None, *, path_params=None, query=None, body=None, method=None):
    ex = sim.dataset.example(e.id)
    pp = ex["path_params"] if path_params is None else path_params
    q = ex["query"] if query is None else query
    b = ex["body"] if body is None else body
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = sim.base_url + e.format_path(pp)
    return client.request(method or e.method, url, params=q, json=b if (method or e.method) == "POST" else None,
                          headers=headers)


def _keys_match(got, sample, where: str) -> None:
    """Same keys as the sample at this level, recursively into objects and first list elements."""
    if isinstance(sample, dict) and isinstance(got, dict):
        assert list(got.keys()) == list(sample.keys()), f"{where}: {list(got)} != {list(sample)}"
        for k, v in sample.items():
            if isinstance(v, (dict, list)) and got.get(k) is not None:
                _keys_match(got[k], v, f"{where}.{k}")
    elif isinstance(sample, list) and isinstance(got, list) and sample and got:
        if isinstance(sample[0], dict):
            for i, item in enumerate(got):
                assert isinstance(item, dict), where
                _keys_match_item(item, sample[0], f"{where}[{i}]")


def _keys_match_item(item: dict, sample_item: dict, where: str) -> None:
    assert set(item) == set(sample_item), f"{where}: {sorted(set(item) ^ set(sample_item))}"
    for k, v in sample_item.items():
        if isinstance(v, dict) and isinstance(item.get(k), dict):
            assert set(item[k]) == set(v), f"{where}.{k}"


def _items(e, body):
    v = body
    for k in e.items_path:
        v = v[k]
    return v


# -- every endpoint ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("e", READ_ONLY, ids=lambda e: e.id)
def test_endpoint_answers_like_its_documentation(client, sim, tokens, e):
    r = call(client, sim, e, token_for(e, tokens))
    assert r.status_code == 200, f"{e.id}: {r.status_code} {r.text[:500]}"
    assert r.headers.get("request-id")
    if e.kind == "download":
        assert r.headers["content-type"].startswith("text/csv")
        assert r.content
        return
    body = r.json()
    sample = e.sample
    if e.items_path is None:
        _keys_match(body, sample, e.id)
        return
    items = _items(e, body)
    assert isinstance(items, list)
    assert items, f"{e.id}: the example request returned no items"
    if isinstance(sample, dict):
        assert list(body.keys()) == list(sample.keys()), f"{e.id}: top-level keys {list(body)} != {list(sample)}"
        env = body
        for k in e.items_path[:-1]:
            env = env[k]
            sample = sample[k]
            assert list(env.keys()) == list(sample.keys())
    sample_items = e.sample_items()
    if sample_items and isinstance(sample_items[0], dict):
        for i, item in enumerate(items[:50]):
            _keys_match_item(item, sample_items[0], f"{e.id}[{i}]")
    if e.id_field:
        ids = [it[e.id_field] for it in items]
        assert all(ids), f"{e.id}: empty ids"
        assert len(set(map(str, ids))) == len(ids), f"{e.id}: duplicate ids in a page"


def _doc_sample(e):
    if not REFERENCE.exists():
        pytest.skip("the reference docs are not available here")
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_catalog", Path(__file__).parent.parent / "tools" / "build_catalog.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _, samples = mod.page_samples(REFERENCE / "avepoint-graph-api" / e.doc_file)
    return samples[0] if samples else None


@pytest.mark.parametrize("e", [e for e in READ_ONLY if e.kind != "download"], ids=lambda e: e.id)
def test_endpoint_matches_the_docs_page_sample(client, sim, tokens, e):
    """Cross-check against the page itself, not the catalogue's copy (skipped without /work/shared)."""
    doc = _doc_sample(e)
    if doc is None:
        pytest.skip("the page has no parseable response sample")
    body = call(client, sim, e, token_for(e, tokens)).json()
    if isinstance(doc, dict):
        assert set(body) == set(doc), f"{e.id}: {sorted(set(body) ^ set(doc))}"
    if e.items_path:
        got, want = body, doc
        for k in e.items_path:
            got, want = got[k], want[k]
        if want and isinstance(want[0], dict):
            assert set(got[0]) == set(want[0]), f"{e.id}: {sorted(set(got[0]) ^ set(want[0]))}"
    elif e.items_path == ():
        assert set(body[0]) == set(doc[0])


@pytest.mark.parametrize("e", READ_ONLY, ids=lambda e: e.id)
def test_endpoint_requires_a_token(client, sim, e):
    r = call(client, sim, e, None)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "error_description=" in r.headers["www-authenticate"]
    assert r.headers.get("request-id")


@pytest.mark.parametrize("e", READ_ONLY, ids=lambda e: e.id)
def test_endpoint_refuses_a_token_without_its_scope(client, sim, tokens, e):
    r = call(client, sim, e, tokens["demo-restricted"])
    held = {"microsoft365backup.jobinfo.read.all", "audit.read.all"}
    if held.intersection(s.lower() for s in e.scopes):
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 403, r.text
    text = r.text
    assert any(s in text for s in e.scopes), "the body names the required scope"
    assert tokens["demo-restricted"] not in text


# -- errors ------------------------------------------------------------------------------------------------

def _get(client, sim, token, path, **params):
    return client.get(sim.base_url + path, params=params, headers={"Authorization": f"Bearer {token}"})


def test_missing_required_parameter_has_the_family_error_body(client, sim, tokens):
    r = _get(client, sim, tokens["demo-aos"], "/aos/audit", startTime="2026-01-01T00:00:00Z")
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"traceId", "error", "statusCode"} and body["statusCode"] == 400
    assert "endTime" in body["error"]
    r = _get(client, sim, tokens["demo-aos"], "/backup/m365/cloudbackupunusualactivitydata")
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"statusCode", "message", "errors", "data", "requestId", "timestamp", "traceId"}
    assert body["data"] is None and body["errors"][0]["field"] == "startTime"
    assert body["errors"][0]["code"] == "InvalidParameter"
    assert body["requestId"] == r.headers["request-id"]
    r = _get(client, sim, tokens["demo-aos"], "/insights/users/summary", startPage=1)
    assert r.status_code == 400 and set(r.json()) == {"status", "message"} and r.json()["status"] == 400
    r = client.post(sim.base_url + "/partner/external/v3/general/customers/batch", params={"pageSize": 101},
                    headers={"Authorization": f"Bearer {tokens['demo-partner']}"}, json={})
    assert r.status_code == 400 and set(r.json()) == {"error", "message"}


def test_bad_enum_value(client, sim, tokens):
    r = _get(client, sim, tokens["demo-aos"], "/backup/m365/cloudbackupjobs", jobState=9)
    assert r.status_code == 400
    assert "jobState" in r.json()["message"]
    r = _get(client, sim, tokens["demo-aos"], "/backup/google/admin/jobs", jobStatus=1)
    assert r.status_code == 400


def test_audit_window_longer_than_seven_days(client, sim, tokens):
    r = _get(client, sim, tokens["demo-aos"], "/aos/audit", startTime="2026-01-01T00:00:00Z",
             endTime="2026-01-08T00:00:01Z")
    assert r.status_code == 400
    assert "7 days" in r.json()["error"]
    r = _get(client, sim, tokens["demo-aos"], "/aos/audit", startTime="2026-01-01T00:00:00Z",
             endTime="2026-01-08T00:00:00Z")
    assert r.status_code == 200


@pytest.mark.parametrize("path, params, method", [
    ("/partner/external/v3/general/customers/batch", {"pageSize": 101}, "POST"),
    ("/dmso/audits", {"pageSize": 201}, "GET"),
    ("/dmso/audits", {"pageSize": 200}, "GET+"),
    ("/backup/m365/cloudbackupjobs", {"pageSize": "ten"}, "GET"),
    ("/aos/jobs", {"top": 1001}, "GET"),
    ("/smp/powerplatform/environments", {"top": 0}, "GET"),
    ("/insights/groups/summary", {"startPage": 1, "pageSize": 101}, "GET"),
])
def test_page_size_limits(client, sim, tokens, path, params, method):
    token = tokens["demo-partner" if path.startswith("/partner") else "demo-aos"]
    headers = {"Authorization": f"Bearer {token}"}
    if method == "POST":
        r = client.post(sim.base_url + path, params=params, json={}, headers=headers)
    else:
        r = client.get(sim.base_url + path, params=params, headers=headers)
    assert r.status_code == (200 if method.endswith("+") else 400), r.text


def test_unknown_ids_and_paths_are_404(client, sim, tokens):
    aos, partner = tokens["demo-aos"], tokens["demo-partner"]
    r = _get(client, sim, aos, "/backup/m365/cloudbackupjobs/FB20240101000000999999")
    assert r.status_code == 404 and r.json()["statusCode"] == 404
    r = _get(client, sim, partner, f"/partner/customers/{uuid.uuid4()}")
    assert r.status_code == 404
    r = client.post(sim.base_url + f"/partner/external/v3/general/customers/{uuid.uuid4()}/avpt-products/jobs/batch",
                    json={}, headers={"Authorization": f"Bearer {partner}"})
    assert r.status_code == 404
    r = _get(client, sim, aos, "/smp/powerplatform/powerapps/not-an-app/activities")
    assert r.status_code == 404
    r = _get(client, sim, aos, "/no/such/api")
    assert r.status_code == 404
    r = _get(client, sim, aos, "/insights/job/999999/exportstatus")
    assert r.status_code == 404 and set(r.json()) == {"status", "message"}


def test_write_methods_are_405(client, sim, tokens):
    h = {"Authorization": f"Bearer {tokens['demo-aos']}"}
    r = client.post(sim.base_url + "/backup/m365/restore/jobs", json={"serviceType": 1}, headers=h)
    assert r.status_code == 405
    r = client.delete(sim.base_url + "/records/connector/records", headers=h)
    assert r.status_code == 405
    r = client.post(sim.base_url + "/backup/m365/cloudbackupjobs", headers=h)
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    hp = {"Authorization": f"Bearer {tokens['demo-partner']}"}
    r = client.get(sim.base_url + "/partner/external/v3/general/customers/batch", headers=hp)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = client.put(sim.base_url + "/partner/external/v3/um/customers/c/tenants/t/users/u/birthday", json={},
                   headers=hp)
    assert r.status_code == 405


@pytest.mark.parametrize("bad", ["", "Bearer", "Bearer not.a.jwt", "Basic Zm9vOmJhcg==", "Bearer abc"])
def test_malformed_tokens_are_401(client, sim, bad):
    r = client.get(sim.base_url + "/backup/m365/cloudbackupjobs", headers={"Authorization": bad} if bad else {})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_wrongly_signed_token_is_401(client, sim, tokens):
    header, payload, _ = tokens["demo-aos"].split(".")
    forged = jwt.encode(jwt.decode(tokens["demo-aos"], options={"verify_signature": False}), "not-the-key-of-32-bytes-long!!!!",
                        algorithm="HS256")
    for token in (forged, f"{header}.{payload}.AAAA"):
        r = _get(client, sim, token, "/backup/m365/cloudbackupjobs")
        assert r.status_code == 401
        assert "signature" in r.headers["www-authenticate"]


def test_expired_token_is_401(client, sim):
    token = sim.issue_token("demo-aos", ["audit.read.all"])
    claims, _ = sim.identity._issued[token]
    sim.identity._issued[token] = (claims, time.time() - 1)
    r = _get(client, sim, token, "/aos/audit", startTime="2026-01-01T00:00:00Z", endTime="2026-01-02T00:00:00Z")
    assert r.status_code == 401 and "expired" in r.headers["www-authenticate"]


def test_query_names_are_case_insensitive(client, sim, tokens):
    """The M365 page's own sample: PascalCase names, Location=NAM."""
    now = datetime.now(timezone.utc)
    r = _get(client, sim, tokens["demo-aos"], "/backup/m365/cloudbackupjobs",
             StartTime=(now - timedelta(days=60)).strftime("%Y-%m-%d"), FinishTime=now.strftime("%Y-%m-%d"),
             ObjectType=0, PageSize=50, PageIndex=1, Location="NAM", JOBSTATE=3)
    assert r.status_code == 200
    body = r.json()
    assert len(body["data"]) <= 50
    assert all(j["state"] == "Failed" for j in body["data"])
    expected = sim.dataset.select("m365.cloudbackupjobs", query={
        "startTime": (now - timedelta(days=60)).strftime("%Y-%m-%d"), "finishTime": now.strftime("%Y-%m-%d"),
        "jobState": 3, "location": "NAM"})
    assert body["metadata"]["totalCount"] == len(expected)
    assert [j["id"] for j in body["data"]] == [j["id"] for j in expected[50:100]]


def test_request_id_header_and_trace_ids(client, sim, tokens):
    r = _get(client, sim, tokens["demo-aos"], "/backup/m365/cloudbackupjobs")
    body = r.json()
    assert body["requestId"] == r.headers["request-id"]
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00", body["traceId"])
    r = _get(client, sim, tokens["demo-aos"], "/dmso/audits")
    assert r.json()["traceId"] and r.json()["statusCode"] == 200


def test_detail_uses_the_detail_samples_field_names(client, sim, tokens):
    job = sim.dataset.select("m365.cloudbackupjobs", query={"jobState": 3})[0]
    r = _get(client, sim, tokens["demo-aos"], f"/backup/m365/cloudbackupjobs/{job['id']}")
    data = r.json()["data"]
    assert data["id"] == job["id"] and data["state"] == "Failed"
    assert data["backupDetails"]["failedNumber"] == job["backupDetails"]["failedCount"] > 0
    assert data["jobErrors"] and {"isErrorCode", "value", "url", "number"} == set(data["jobErrors"][0])


# -- data shape -------------------------------------------------------------------------------------------------

def test_m365_volume_and_failure_mix(sim):
    e = CATALOG.get("m365.cloudbackupjobs")
    jobs = sim.dataset.items("m365.cloudbackupjobs")
    assert len(jobs) == 5000
    bad = [j for j in jobs if e.status.severity(j) in ("failed", "attention")]
    assert 0.05 < len(bad) / len(jobs) < 0.10
    assert all(j["jobErrors"] for j in bad)
    assert all(sum(x["number"] for x in j["jobErrors"]) == j["backupDetails"]["failedCount"] for j in bad)
    starts = [j["startTime"] for j in jobs]
    assert starts == sorted(starts, reverse=True)
    week = (datetime.now(timezone.utc) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert any(j["startTime"] >= week and e.status.severity(j) == "failed" for j in jobs)


def test_elements_partner_world(sim):
    customers = sim.dataset.items("elements.customers")
    assert 35 <= len(customers) <= 45
    assert all(1 <= len(c["tenants"]) <= 3 for c in customers)
    statuses = set()
    for c in customers:
        statuses.update(j["status"] for j in sim.dataset.items("elements.avpt-products-jobs", {"customerId": c["id"]}))
    labels = {int(k) for k in CATALOG.get("elements.avpt-products-jobs").status.labels}
    assert labels <= statuses


def test_jobs_of_every_service_include_failures(sim):
    for e in CATALOG.job_sources():
        ex = sim.dataset.example(e.id)
        if e.path_params:
            items = sim.dataset.items(e.id, ex["path_params"])
        else:
            items = sim.dataset.items(e.id)
        assert any(e.status.severity(it) == "failed" for it in items), e.id


def test_determinism(make_sim):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)       # data is relative to "now"
    one, other = make_sim(seed=1, now=now), make_sim(seed=1, now=now)
    for eid in ("d365.jobs", "m365.cloudbackupjobs", "elements.customers", "enpower.bot"):
        assert one.dataset.items(eid)[:50] == other.dataset.items(eid)[:50], eid
    different = make_sim(seed=2, now=now)
    assert different.dataset.items("d365.jobs")[:50] != one.dataset.items("d365.jobs")[:50]


def test_scale_multiplies_volumes(make_sim):
    s = make_sim(scale=2)
    assert len(s.dataset.collection("m365.cloudbackupjobs")) == 10_000
    assert len(s.dataset.collection("aos.audit")) == 40_000


# -- the failed filters ---------------------------------------------------------------------------------------------

def _window(days=89):
    now = datetime.now(timezone.utc)
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"), now.strftime("%Y-%m-%dT%H:%M:%SZ")


FAILED_FILTERS = [
    ("m365.cloudbackupjobs", {"jobState": 3}),
    ("d365.jobs", {"status": 4, "type": 0, "startTime": None, "finishTime": None}),
    ("google.jobs", {"jobStatus": 3}),
    ("google.jobs", {"status": 3}),
    ("salesforce.jobs", {"status": 4, "startTime": None, "finishTime": None}),
    ("dmso.audits", {"status": 500, "startTime": None, "endTime": None}),
]


@pytest.mark.parametrize("eid, query", FAILED_FILTERS, ids=[f"{a}-{list(b)[0]}" for a, b in FAILED_FILTERS])
def test_server_side_failed_filter_returns_only_failed_jobs(client, sim, tokens, eid, query):
    from tests.test_simulator_paging import page_all
    e = CATALOG.get(eid)
    start, end = _window()
    q = {k: (start if v is None and "start" in k.lower() else end if v is None else v) for k, v in query.items()}
    items = page_all(client, sim, e, tokens["demo-aos"], q)
    assert items
    assert all(e.status.severity(it) == "failed" for it in items)
    expected = sim.dataset.select(eid, query=q)
    assert [it[e.id_field] for it in items] == [it[e.id_field] for it in expected]
    total = len(sim.dataset.select(eid, query={k: v for k, v in q.items() if k.lower() not in ("status", "jobstate", "jobstatus")}))
    assert len(items) < total


def test_other_filters(client, sim, tokens):
    aos = tokens["demo-aos"]
    r = _get(client, sim, aos, "/backup/m365/cloudbackupjobs", jobType=2, objectType=7, pageSize=100)
    expected = sim.dataset.select("m365.cloudbackupjobs", query={"jobType": 2, "objectType": 7})
    assert r.json()["metadata"]["totalCount"] == len(expected) > 0
    start, end = _window(10)
    r = _get(client, sim, aos, "/backup/vm/jobs", searchText="IB", startTime=start, finishTime=end, pageSize=500)
    jobs = r.json()["jobs"]
    assert jobs and all("IB" in j["jobId"] and j["startTime"] >= start for j in jobs)
    r = _get(client, sim, aos, "/aos/jobs", search=sim.dataset.items("aos.jobs")[3]["id"])
    assert [j["id"] for j in r.json()["jobs"]] == [sim.dataset.items("aos.jobs")[3]["id"]]
    start, end = _window(2)
    r = _get(client, sim, aos, "/dmso/audits", status=[200, 500], action=[101, 102, 103], startTime=start, endTime=end)
    assert all(a["action"] in (101, 102, 103) for a in r.json()["data"])
    partner = tokens["demo-partner"]
    c = sim.dataset.items("elements.customers")[0]
    r = client.post(sim.base_url + f"/partner/external/v3/general/customers/{c['id']}/avpt-products/jobs/batch",
                    params={"pageSize": 100}, json={"jobType": 7}, headers={"Authorization": f"Bearer {partner}"})
    assert r.status_code == 200
    assert r.json()["data"] and all(j["jobType"] == 7 for j in r.json()["data"])
    ids = [x["id"] for x in sim.dataset.items("elements.customers")[2:5]]
    r = client.post(sim.base_url + "/partner/external/v3/general/customers/batch", json={"customerIds": ids},
                    headers={"Authorization": f"Bearer {partner}"})
    assert [x["id"] for x in r.json()["data"]] == ids and r.json()["metadata"]["totalCount"] == 3


# -- speed -----------------------------------------------------------------------------------------------------

def test_a_100_item_page_is_fast(client, sim, tokens):
    h = {"Authorization": f"Bearer {tokens['demo-aos']}"}
    url = sim.base_url + "/backup/m365/cloudbackupjobs"
    for k in range(3):                                   # warm-up (generates the collection once)
        client.get(url, params={"pageSize": 100, "pageIndex": k}, headers=h)
    samples = []
    for k in range(50):
        t = time.perf_counter()
        r = client.get(url, params={"pageSize": 100, "pageIndex": k}, headers=h)
        samples.append(time.perf_counter() - t)
        assert r.status_code == 200 and len(r.json()["data"]) == 100
    med = statistics.median(samples)
    print(f"\n100-item M365 page, reused httpx.Client: median {1000 * med:.2f} ms, min {1000 * min(samples):.2f} ms, "
          f"max {1000 * max(samples):.2f} ms ({len(r.content) / 1024:.0f} KiB)")
    assert med < 0.5                                      # loose: the figure is reported, not tuned


# -- faults and observability ---------------------------------------------------------------------------------------

def _aos_token(s) -> str:
    return s.issue_token("demo-aos")


def test_fault_rates_and_run_time_knobs(make_sim):
    s = make_sim(rate_429=1.0, retry_after="0")
    h = {"Authorization": f"Bearer {_aos_token(s)}"}
    with httpx.Client() as c:
        r = c.get(s.base_url + "/backup/m365/cloudbackupjobs", headers=h)
        assert r.status_code == 429 and r.headers["retry-after"] == "0"
        assert set(r.json()) == {"statusCode", "message", "errors", "data", "requestId", "timestamp", "traceId"}
        s.faults.rate_429 = 0
        s.faults.rate_5xx = 1.0
        r = c.get(s.base_url + "/aos/jobs", headers=h)
        assert r.status_code in (500, 503) and set(r.json()) == {"traceId", "error", "statusCode"}
        s.faults.rate_5xx = 0
        assert c.get(s.base_url + "/aos/jobs", headers=h).status_code == 200
        # Identity is not subject to the random API faults.
        s.faults.rate_5xx = 1.0
        r = c.post(s.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                      "client_secret": AOS.secret})
        assert r.status_code == 200
    assert [rec.fault for rec in s.api_requests()][:2] == ["429", "5xx"]


def test_dropped_connection_mid_body(make_sim):
    s = make_sim(drop_rate=1.0)
    with httpx.Client() as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(s.base_url + "/backup/m365/cloudbackupjobs", params={"pageSize": 100},
                  headers={"Authorization": f"Bearer {_aos_token(s)}"})
        s.faults.drop_rate = 0
        r = c.get(s.base_url + "/backup/m365/cloudbackupjobs", headers={"Authorization": f"Bearer {_aos_token(s)}"})
        assert r.status_code == 200


def test_latency_and_trickle(make_sim):
    s = make_sim(latency=0.05)
    h = {"Authorization": f"Bearer {_aos_token(s)}"}
    with httpx.Client() as c:
        t = time.perf_counter()
        assert c.get(s.base_url + "/aos/jobs", headers=h).status_code == 200
        assert time.perf_counter() - t >= 0.05
        s.faults.latency = 0
        s.faults.trickle = 0.02
        t = time.perf_counter()
        r = c.get(s.base_url + "/aos/jobs", params={"top": 100}, headers=h)
        assert r.status_code == 200 and len(r.json()["jobs"]) == 100
        assert time.perf_counter() - t >= 0.02 * 7
        with pytest.raises(httpx.ReadTimeout):
            s.faults.trickle = 0.5
            c.get(s.base_url + "/aos/jobs", params={"top": 100}, headers=h, timeout=httpx.Timeout(5, read=0.1))


def test_force_answers_the_next_requests(sim):
    h = {"Authorization": f"Bearer {sim.issue_token('demo-aos')}"}
    sim.force("/backup/m365/", status=503, times=2, retry_after="2")
    try:
        with httpx.Client() as c:
            for _ in range(2):
                r = c.get(sim.base_url + "/backup/m365/cloudbackupjobs", headers=h)
                assert r.status_code == 503 and r.headers["retry-after"] == "2"
                assert r.json()["statusCode"] == 503
            assert c.get(sim.base_url + "/backup/m365/cloudbackupjobs", headers=h).status_code == 200
            sim.force("/connect/token", status=400, body={"error": "invalid_scope", "error_description": "forced"})
            r = c.post(sim.token_url, data={"grant_type": "client_credentials"})
            assert r.status_code == 400 and r.json()["error_description"] == "forced"
    finally:
        sim.clear_forced()


def test_request_records_and_peak_concurrency(make_sim):
    from concurrent.futures import ThreadPoolExecutor
    s = make_sim(latency=0.15)
    token = _aos_token(s)
    with httpx.Client(limits=httpx.Limits(max_connections=10)) as c:
        def one(k):
            return c.get(s.base_url + "/backup/m365/cloudbackupjobs", params={"pageIndex": k},
                         headers={"Authorization": f"Bearer {token}"}).status_code
        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(one, range(6))) == [200] * 6
    assert s.max_concurrent == 6
    recs = s.api_requests()
    assert len(recs) == 6
    rec = recs[0]
    assert rec.method == "GET" and rec.path == "/backup/m365/cloudbackupjobs" and rec.had_auth
    assert rec.status == 200 and rec.end - rec.start >= 0.15 and rec.endpoint_id == "m365.cloudbackupjobs"
    assert {r.query["pageIndex"] for r in recs} == {str(k) for k in range(6)}
    s.reset_stats()
    assert s.requests == [] and s.max_concurrent == 0


def test_post_bodies_are_recorded(sim):
    with httpx.Client() as c:
        c.post(sim.base_url + "/partner/external/v3/general/customers/batch", json={"customerIds": []},
               headers={"Authorization": f"Bearer {sim.issue_token('demo-partner')}"})
    rec = [r for r in sim.requests if r.path.endswith("/customers/batch")][-1]
    assert rec.body == {"customerIds": []} and rec.status == 200


# -- the demo-server command -------------------------------------------------------------------------------------------

def test_demo_server_command_writes_a_config_that_works(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import threading
    from tui.config import load_config

    cfg = tmp_path / "cfg.toml"
    proc = subprocess.Popen([sys.executable, "-m", "tui", "demo-server", "--port", "0", "--write-config", str(cfg)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    killer = threading.Timer(60, proc.kill)              # a hung child must not hang the suite
    killer.start()
    try:
        lines = []
        for line in proc.stdout:                          # ends at EOF if the child dies
            lines.append(line)
            if line.startswith("serving on "):
                break
        out = "".join(lines)
        assert "serving on " in out, out + proc.stderr.read()
        base = out.split("serving on ", 1)[1].split()[0]
        assert "curl -s" in out and "avegraph-demo-aos-secret" in out and "de30a050-0000-4000-a000-000000000001" in out
        config = load_config(cfg)
        aos = next(t for t in config.tenants if t.name == "demo-aos")
        assert aos.api_url == base and aos.token_url == base + "/connect/token" and aos.extra.get("demo") is True
        assert config.default_tenant == "demo-aos"
        assert {t.name for t in config.tenants} == {"demo-aos", "demo-partner", "demo-restricted"}
        with httpx.Client() as c:
            r = c.post(aos.token_url, data={"grant_type": "client_credentials", "client_id": aos.client_id,
                                            "client_secret": aos.load_secret(), "scope": "dmso.graph.readwrite.all"})
            assert r.status_code == 200, r.text
            r = c.get(aos.api_url + "/dmso/audits", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
            assert r.status_code == 200 and r.json()["data"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_loopback_detection_for_the_bind_warning():
    from tui.simulator.cli import _is_loopback
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.10")
