"""Every documented response sample, served verbatim on 127.0.0.1, reads back as the page's items.

The samples are the pages' own "Response Sample" blocks (tests/data/doc_samples.json, written by
tools/extract_doc_samples.py): the truth, not our simulator. For each read-only endpoint the real
client (``avegraph get PATH --format jsonl --max-pages 1``: session, pager, envelope detection)
reads its sample from a loopback server and must print exactly the items a reader of the page
would count: the list under the envelope's items key (``data``, ``data.data``, ``data.jobs``, a
bare array), or for a detail/singleton endpoint the one object (the ``data`` / ``job`` object when
the envelope wraps it), never a flattened inner list. Write operations with a sample are refused
before anything is sent.

With the reference present (../shared/reference), the stored copy is checked against the pages
and every page with a Response Sample section must be covered or listed with its reason.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import tomli_w

from tests.faults import FaultServer
from tui.catalog import load_catalog
from tui.catalog.validate import preset_window
from tui.cli import main

DATA = json.loads((Path(__file__).parent / "data" / "doc_samples.json").read_text(encoding="utf-8"))
TOOL = Path(__file__).resolve().parents[1] / "tools" / "extract_doc_samples.py"
REFERENCE = next((p / "shared" / "reference" for p in Path(__file__).resolve().parents
                  if (p / "shared" / "reference" / "catalogue.json").is_file()), None)
needs_reference = pytest.mark.skipif(REFERENCE is None, reason="../shared/reference is not present")

READ = [e for e in DATA["samples"] if e["read_only"]]
WRITE = [e for e in DATA["samples"] if not e["read_only"]]

# Top-level keys that describe the call, not the answer (a reader skips them to find the object).
ENVELOPE_META = {"statuscode", "message", "errors", "requestid", "timestamp", "traceid", "success", "status",
                 "errormessage", "errormodel"}


def reader_items(entry: dict, body) -> list:
    """What a reader of the page counts in its sample, from the index's items_key alone."""
    key = entry["items_key"]
    if key == "(root array)":
        assert isinstance(body, list)
        return body
    if key:
        value = body
        for k in key.split("."):
            value = value[k]              # the page's key, exactly as the sample spells it
        assert isinstance(value, list), f"{key} is not a list in the sample"
        return value
    if isinstance(body, dict):
        payload = [k for k in body if k.lower() not in ENVELOPE_META]
        if len(payload) == 1 and isinstance(body[payload[0]], dict):
            return [body[payload[0]]]     # {statusCode, message, data: {...}}: the one object is data
    return [body]


def endpoint_of(entry: dict):
    catalog = load_catalog()
    hit = [e for e in catalog if e.method == entry["method"] and e.path == entry["path"]]
    assert len(hit) == 1, f"{entry['method']} {entry['path']} is not in the package catalogue once"
    return hit[0]


def cli_args(endpoint) -> tuple[str, list[str]]:
    """A concrete path and the -p arguments that pass the catalogue's validation."""
    values = {}
    for name in endpoint.path_params:
        p = endpoint.param(name)
        values[name] = (p.enum[0].value if p is not None and p.enum else
                        "1" if p is not None and p.type == "integer" else f"S-{name}")
    path = endpoint.format_path(values)
    window = preset_window(endpoint, "24h")
    params = []
    for p in endpoint.params:
        if p.location == "path" or not p.required:
            continue
        value = (window.get(p.name) or (p.enum[0].value if p.enum else None) or p.default or
                 {"integer": "1", "boolean": "true"}.get(p.type) or f"v-{p.name}")
        params += ["-p", f"{p.name}={value}"]
    return path, params


def ident(entry: dict) -> str:
    return f"{entry['method']} {entry['path']}"


@pytest.fixture(scope="module")
def server():
    fs = FaultServer().start()
    yield fs
    fs.stop()


@pytest.fixture(scope="module")
def config(server, tmp_path_factory):
    path = tmp_path_factory.mktemp("doc-samples") / "config.toml"
    path.write_text(tomli_w.dumps({"tenants": [{
        "name": "docs", "client_id": "doc-sample-client", "client_secret": "doc-sample-secret-0001",
        "api_url": server.base_url, "elements_url": server.base_url, "token_url": server.token_url}]}))
    path.chmod(0o600)
    return str(path)


def test_the_suite_covers_the_documented_samples():
    # 111 read-only endpoints read back, 16 write operations refused, 1 page without a JSON block.
    assert len(READ) >= 90
    assert len(READ) + len(WRITE) == len(DATA["samples"])
    assert all(e["samples"] for e in DATA["samples"])


@pytest.mark.parametrize("entry", READ, ids=ident)
def test_sample_reads_back_as_the_pages_items(entry, server, config, capsys):
    endpoint = endpoint_of(entry)
    path, params = cli_args(endpoint)
    for sample in entry["samples"]:
        body = sample["body"]
        server.requests.clear()
        server.route("/", "json", body=json.dumps(body, ensure_ascii=False))
        code = main(["get", "--config", config, path, *params, "--format", "jsonl", "--max-pages", "1"])
        out, err = capsys.readouterr()
        assert code == 0, err
        got = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert got == reader_items(entry, body), f"{ident(entry)}: stderr {err}"
        sent = [r for r in server.requests if not r.path.endswith("/connect/token")]
        assert len(sent) == 1 and sent[0].method == entry["method"]
        assert sent[0].path == path


def reader_total(body):
    """The total a reader sees: totalCount / totalNumber at the top or in the metadata / data object."""
    if not isinstance(body, dict):
        return None
    for where in (body, *(v for k, v in body.items() if k.lower() in ("metadata", "data") and isinstance(v, dict))):
        for k, v in where.items():
            if k.lower() in ("totalcount", "totalnumber") and isinstance(v, (int, str)):
                return int(v)
    return None


@pytest.mark.parametrize("entry", [e for e in READ if e["items_key"]], ids=ident)
def test_sample_total_reads_back(entry):
    from tui.api.pager import extract_total
    body = entry["samples"][0]["body"]
    assert extract_total(endpoint_of(entry), body) == reader_total(body)


@pytest.mark.parametrize("entry", WRITE, ids=ident)
def test_write_operation_with_a_sample_is_never_sent(entry, server, config, capsys):
    endpoint = endpoint_of(entry)
    _, params = cli_args(endpoint)
    server.requests.clear()
    # by id: a concrete path such as /records/connector/records means its read-only GET
    code = main(["get", "--config", config, endpoint.id, *params, "--format", "jsonl", "--max-pages", "1"])
    _, err = capsys.readouterr()
    assert code == 2 and "write operation" in err
    assert not [r for r in server.requests if not r.path.endswith("/connect/token")]


def test_single_object_endpoints_print_the_wrapped_object_not_the_envelope():
    """The detail pages wrap their object ({statusCode, data: {...}}); a reader sees the job, not statusCode."""
    wrapped = {ident(e): reader_items(e, e["samples"][0]["body"])[0] for e in READ if not e["items_key"]}
    job = wrapped["GET /backup/m365/cloudbackupjobs/{jobId}"]
    assert "statusCode" not in job and "id" in job
    assert "status" in wrapped["GET /api/restore/GetRestoreJobStatus"]          # the job object
    assert "statusCode" in wrapped["GET /partner/customers/{id}"] or "id" in wrapped["GET /partner/customers/{id}"]


# -- the stored copy against the pages ------------------------------------------------------------------

def _tool():
    spec = importlib.util.spec_from_file_location("extract_doc_samples", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_reference
def test_stored_samples_equal_what_the_pages_say():
    assert _tool().extract(REFERENCE) == DATA, "run tools/extract_doc_samples.py to refresh tests/data/doc_samples.json"


@needs_reference
def test_no_page_with_a_sample_is_dropped_silently():
    docs = REFERENCE / "avepoint-graph-api"
    index = json.loads((REFERENCE / "catalogue.json").read_text(encoding="utf-8"))
    covered = {(e["method"], e["path"]) for e in DATA["samples"]} | \
              {(e["method"], e["path"]) for e in DATA["unparsed"]}
    for page in sorted(docs.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        if not re.search(r"^#+\s*Response Sample", text, re.M | re.I):
            continue
        rel = page.relative_to(docs).as_posix()
        endpoints = [e for e in index if e["doc_file"] == rel]
        assert endpoints, f"{rel} has a Response Sample but no endpoint in the index"
        for e in endpoints:
            key = (e["method"], "/" + e["path"].lstrip("/"))
            assert key in covered, f"{rel}: the sample of {key} is neither covered nor listed as unparsed"
    for e in DATA["unparsed"]:
        assert e["reason"]


# -- samples the pages themselves contradict ---------------------------------------------------------------
# (endpoint, what the page's table says instead of the sample, a change of the sample into the table's
# spelling, what the client must still read). The client handles both spellings; the sample wins for output.

def _rename(where: str, old: str, new: str):
    def change(body):
        node = body
        for k in [k for k in where.split(".") if k]:
            node = node[k]
        node[new] = node.pop(old)
        return body
    return change


def _rename_in_items(items_key: str, old: str, new: str):
    def change(body):
        node = body
        for k in items_key.split("."):
            node = node[k]
        for item in node:
            item[new] = item.pop(old)
        return body
    return change


CONTRADICTED = [
    ("GET /backup/vm/jobs", "table: nextlink (lower-case l), sample: nextLink", _rename("", "nextLink", "nextlink"),
     "next"),
    ("GET /backup/m365/cloudbackupjobs", "table: metadata.totalNumber, sample: metadata.totalCount",
     _rename("metadata", "totalCount", "totalNumber"), "total"),
    ("GET /backup/sfbapi/jobs", "table: status, sample: state", _rename_in_items("data.jobs", "state", "status"),
     "status"),
    ("GET /partner/external/v3/rm/customers/{customerId}/tenants/{tenantId}/detection/rules/{ruleId}/hit-items",
     "metaData here, metadata on every other Elements page", _rename("", "metaData", "metadata"), "total"),
]


@pytest.mark.parametrize("name,why,change,what", CONTRADICTED, ids=[c[0] for c in CONTRADICTED])
def test_both_spellings_of_a_contradicted_sample_are_read(name, why, change, what):
    import copy

    from tui.api.pager import extract_items, extract_total
    from tui.catalog.model import dig_first
    entry = next(e for e in READ if ident(e) == name)
    endpoint = endpoint_of(entry)
    sample = entry["samples"][0]["body"]
    for body in (sample, change(copy.deepcopy(sample))):
        items = extract_items(endpoint, body)
        assert items == reader_items(entry, sample) or what == "status"
        if what == "next":
            assert dig_first(body, endpoint.pagination.next_paths)
        elif what == "total":
            assert extract_total(endpoint, body) == reader_total(sample)
        else:
            assert [endpoint.status.value_of(i) for i in items] == [i["state"] for i in reader_items(entry, sample)]


def test_the_overview_envelope_the_page_wraps_in_brackets_is_read_either_way(server, config, capsys):
    """elements/general/job/get-customer-cloud-backup-m365-overview.md shows `[ "data": [...], "metadata": {...} ]`
    (invalid JSON); read as the object it means, or as an array holding that object."""
    entry = next(e for e in READ if e["path"].endswith("/cloud-backup-m365/overview"))
    assert entry["samples"][0]["repairs"] == ["[ ] around an object"]
    body = entry["samples"][0]["body"]
    path, params = cli_args(endpoint_of(entry))
    server.route("/", "json", body=json.dumps([body]))
    code = main(["get", "--config", config, path, *params, "--format", "jsonl", "--max-pages", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == body["data"]
