"""The catalogue covers every documented endpoint, and its edges point at real things."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tui.catalog import Pagination, dig, load_catalog

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
needs_reference = pytest.mark.skipif(not (REFERENCE / "catalogue.json").exists(),
                                     reason="../shared/reference is not present")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def norm(p: str) -> str:
    return p if p.startswith("/") else "/" + p


class TestCompleteness:
    def test_counts(self, catalog):
        gets = [e for e in catalog if e.method == "GET"]
        read_posts = [e for e in catalog if e.method == "POST" and e.read_only]
        assert len(gets) == 97
        assert len(read_posts) == 15
        writes = [e for e in catalog if not e.read_only]
        assert writes and all(e.method in ("POST", "PUT", "PATCH", "DELETE") for e in writes)

    @needs_reference
    def test_every_indexed_endpoint_is_present(self, catalog):
        ref = json.loads((REFERENCE / "catalogue.json").read_text(encoding="utf-8"))
        ours = {(e.method, e.path) for e in catalog}
        missing = [(r["method"], r["path"]) for r in ref
                   if r["path"] != "/connect/token" and (r["method"], norm(r["path"])) not in ours]
        assert not missing

    @needs_reference
    def test_every_path_in_the_pages_request_tables_is_present(self, catalog):
        """Checks the index against the pages themselves: each '| GET | `/path` |' row."""
        docs = REFERENCE / "avepoint-graph-api"
        ours = {(e.method, e.path.lower()) for e in catalog}
        row = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`", re.M)
        missing = []
        for page in docs.rglob("*.md"):
            for method, path in row.findall(page.read_text(encoding="utf-8")):
                path = norm(path.strip().split("?")[0])
                if path == "/connect/token":
                    continue
                if (method, path.lower()) not in ours:
                    missing.append((page.name, method, path))
        assert not missing, missing

    def test_ids_are_unique_and_searchable(self, catalog):
        ids = [e.id for e in catalog]
        assert len(ids) == len(set(ids))
        assert catalog.search("jobs")[0].job_source
        assert catalog.search(":customers")[0].id in ("elements.customers", "elements-legacy.customers")
        assert catalog.search("audit")[0].id == "aos.audit"


class TestConsistency:
    def test_edges_point_at_existing_endpoints_and_params(self, catalog):
        for e in catalog:
            for edge in e.edges:
                target = catalog.find(edge.target)
                assert target is not None, (e.id, edge.target)
                for param, fld in edge.bind.items():
                    assert param in target.path_params, (e.id, edge.target, param)
                    assert fld, (e.id, edge.target, param)

    def test_edge_fields_exist_on_the_source_items(self, catalog):
        for e in catalog:
            if not e.read_only:
                continue
            known = {"$value"} | set(e.item_fields) | {k.rstrip("[]") for k in e.item_fields_nested}
            items = e.sample_items()
            if isinstance(items, list) and items and isinstance(items[0], dict):
                known |= set(items[0])
            for edge in e.edges:
                for fld in edge.bind.values():
                    head = fld.split("[].")[0]
                    assert head in known, (e.id, edge.target, fld, sorted(known))

    def test_pagination_styles_are_known(self, catalog):
        for e in catalog:
            p = e.pagination
            assert p.style in Pagination.STYLES, (e.id, p.style)
            if p.style != "none":
                assert e.items_path is not None, e.id
            if p.style in ("page_index", "start_page"):
                assert p.page_param and p.size_param, e.id
            if p.style in ("skip_token", "body_next", "start_index", "next_link"):
                assert p.cursor_param, e.id

    def test_every_endpoint_has_a_scope_and_a_title(self, catalog):
        for e in catalog:
            assert e.scopes and all(s.strip() for s in e.scopes), e.id
            assert e.title, e.id

    def test_sample_envelopes_hold_items_where_the_catalogue_says(self, catalog):
        for e in catalog:
            if e.sample is None or e.items_path is None:
                continue
            items = dig(e.sample, e.items_path) if e.items_path else e.sample
            assert isinstance(items, list), (e.id, e.items_path)

    def test_failed_status_mappings(self, catalog):
        m365 = catalog.get("m365.cloudbackupjobs")
        assert m365.status.filter_param == "jobState" and m365.status.filter_value == "3"
        assert m365.status.severity({"state": "Failed"}) == "failed"
        assert m365.status.severity({"state": "Finished with Exception"}) == "attention"
        assert catalog.get("iaas.jobs").status.severity({"status": 16}) == "failed"
        assert catalog.get("d365.jobs").status.severity({"status": 4}) == "failed"
        assert catalog.get("dmso.audits").status.failed == ("500",)
        assert catalog.get("elements.customers").status.severity({"jobStatus": 2}) == "failed"
        # Salesforce: `status` in the table, `state` in the sample; both are read.
        assert catalog.get("salesforce.jobs").status.severity({"state": 4}) == "failed"

    def test_read_only_flag_never_marks_a_write(self, catalog):
        for e in catalog:
            if e.method in ("PUT", "PATCH", "DELETE"):
                assert not e.read_only
        assert not catalog.get("elements.customers.post").read_only

    def test_match_path(self, catalog):
        assert catalog.match_path("/backup/m365/cloudbackupjobs/J1").id == "m365.cloudbackupjobs-item"
        assert catalog.match_path("backup/m365/cloudbackupjobs").id == "m365.cloudbackupjobs"
        assert catalog.match_path("/nope") is None
