"""Every documented read-only path answers in the simulator with its page's envelope.

The pages' own samples (tests/data/doc_samples.json, no /work/shared needed) are the reference, not
the catalogue's copy: for each endpoint the simulator's answer to its example request is 200 with
the sample's top-level keys, and the client's envelope detection finds items with the sample's
fields. The named gaps of issue 14: /backup/vm/jobs keeps its envelope on every page, and the Opus
connector and restore-status paths answer missing parameters with a 400 naming them and an unknown
job with the documented envelope, never a 404.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_simulator_api import client, token_for, tokens  # noqa: F401 - the same module fixtures
from tui.api.pager import extract_items
from tui.catalog import load_catalog

DATA = json.loads((Path(__file__).parent / "data" / "doc_samples.json").read_text(encoding="utf-8"))
CATALOG = load_catalog()
READ = [e for e in DATA["samples"] if e["read_only"]]


def endpoint_of(entry):
    [e] = [e for e in CATALOG if e.method == entry["method"] and e.path == entry["path"]]
    return e


def fetch(client, sim, tokens, e, *, query=None, path_params=None):
    ex = sim.dataset.example(e.id)
    token = token_for(e, tokens)
    url = sim.base_url + e.format_path(ex["path_params"] if path_params is None else path_params)
    return client.request(e.method, url, params=ex["query"] if query is None else query,
                          json=ex["body"] if e.method == "POST" else None,
                          headers={"Authorization": f"Bearer {token}"})


def test_the_walk_covers_every_documented_get():
    gets = [e for e in READ if e["method"] == "GET"]
    non_elements = [e for e in gets if not e["path"].startswith("/partner/")]
    assert len(non_elements) >= 47 and len(gets) >= 80
    # every documented read-only GET of the index is walked, but the ZIP download (no JSON sample)
    documented = {(x.method, x.path) for x in CATALOG if x.read_only and x.method == "GET"}
    walked = {(e["method"], e["path"]) for e in gets} | {(e["method"], e["path"]) for e in DATA["unparsed"]}
    assert documented == walked


@pytest.mark.parametrize("entry", READ, ids=lambda e: f"{e['method']} {e['path']}")
def test_documented_path_answers_with_its_pages_envelope(client, sim, tokens, entry):
    e = endpoint_of(entry)
    r = fetch(client, sim, tokens, e)
    assert r.status_code == 200, f"{e.id}: {r.status_code} {r.text[:300]}"
    body, sample = r.json(), entry["samples"][0]["body"]
    if isinstance(sample, dict):
        assert set(body) == set(sample), f"{e.id}: {sorted(set(body) ^ set(sample))}"
    got = extract_items(e, body)
    want = extract_items(e, sample)
    assert isinstance(got, list) and (got or not want or e.items_path is None)
    if got and want and isinstance(want[0], dict):
        assert set(got[0]) == set(want[0]), f"{e.id}: {sorted(set(got[0]) ^ set(want[0]))}"


def test_vm_jobs_keep_their_envelope_on_the_last_page_too(client, sim, tokens):
    e = CATALOG.get("iaas.jobs")
    keys = set(next(x for x in READ if x["path"] == "/backup/vm/jobs")["samples"][0]["body"])
    first = fetch(client, sim, tokens, e, query={"pageSize": 10}).json()
    assert set(first) == keys and len(first["jobs"]) == 10 and first["nextLink"]
    last_page = (first["totalCount"] - 1) // 10
    last = fetch(client, sim, tokens, e, query={"pageSize": 10, "pageNumber": last_page}).json()
    assert set(last) == keys and last["jobs"] and last["nextLink"] in (None, "")


def test_connector_records_missing_parameters_are_400s_naming_them(client, sim, tokens):
    e = CATALOG.get("opus.connector-records")
    r = fetch(client, sim, tokens, e, query={})
    assert r.status_code == 400 and "id" in r.json()["message"]
    r = fetch(client, sim, tokens, e, query={"id": "6f1c2b7e-3d4a-4e8f-9a10-2b3c4d5e6f70",
                                             "disposalDueDate": "2027-01-03"})
    assert r.status_code == 400 and "itemsPerPage" in r.json()["message"]
    r = fetch(client, sim, tokens, e, query={"id": "6f1c2b7e-3d4a-4e8f-9a10-2b3c4d5e6f70",
                                             "disposalDueDate": "2027-01-03", "itemsPerPage": 5})
    assert r.status_code == 200 and set(r.json()) == {"startIndex", "statusCode", "queriedItems"}


def test_restore_job_status_never_404s(client, sim, tokens):
    e = CATALOG.get("opus.restore-getrestorejobstatus")
    r = fetch(client, sim, tokens, e, query={})
    assert r.status_code == 400 and "jobId" in r.json()["message"]
    r = fetch(client, sim, tokens, e, query={"jobId": "8f1678a9-0000-0000-0000-745212ef3c2a"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"success", "message", "job"} and body["success"] is False and body["job"] is None
    assert "not found" in body["message"]
