"""Server-side filters typed at `:` (tui.catalog.query): names and enum labels matched against the
catalogue, unknown names reported with the valid ones, and what reaches the simulator."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from tui.catalog import load_catalog
from tui.catalog.query import canonical_params, parse_query, resolve_saved
from tui.config import SavedRequest

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def frozen():
    from tui import clock
    clock.freeze(NOW)
    yield NOW
    clock.thaw()


def test_jobs_state_failed_is_the_m365_job_state_3(catalog, frozen):
    q = parse_query(catalog, ":jobs state=failed since=24h")
    assert q.ok, q.errors
    assert q.endpoint.id == "m365.cloudbackupjobs"
    assert q.params == {"jobState": "3", "startTime": "2026-11-01T09:30:00Z", "finishTime": "2026-11-02T09:30:00Z"}
    assert "jobState=3 (Failed)" in q.describe()


def test_names_and_labels_are_case_insensitive_and_fuzzy(catalog):
    assert parse_query(catalog, "cloudbackupjobs JOBSTATE=FAILED").params == {"jobState": "3"}
    assert parse_query(catalog, "cloudbackupjobs state=exception").params == {"jobState": "4"}
    assert parse_query(catalog, "cloudbackupjobs state='finished with exception'").params == {"jobState": "4"}
    assert parse_query(catalog, "cloudbackupjobs jobstat=in-progress").params == {"jobState": "1"}
    assert parse_query(catalog, "cloudbackupjobs jobState=3").params == {"jobState": "3"}   # by value too


def test_an_unknown_parameter_is_named_with_the_valid_ones(catalog):
    q = parse_query(catalog, "cloudbackupjobs colour=red")
    assert not q.ok and q.endpoint.id == "m365.cloudbackupjobs"
    (error,) = q.errors
    assert "unknown parameter 'colour'" in error
    for name in ("startTime", "finishTime", "jobType", "objectType", "jobState", "since"):
        assert name in error


def test_a_bad_or_ambiguous_value_lists_the_allowed_ones(catalog):
    (error,) = parse_query(catalog, "cloudbackupjobs state=exploded").errors
    assert "3 (Failed)" in error and "exploded" in error
    (error,) = parse_query(catalog, "cloudbackupjobs state=fin").errors
    assert "2 (Finished)" in error and "4 (Finished with Exception)" in error
    (error,) = parse_query(catalog, "m365.cloudbackupjobs type=a").errors        # jobType or objectType?
    assert "jobType" in error and "objectType" in error


def test_since_respects_the_documented_window(catalog, frozen):
    q = parse_query(catalog, "aos.audit since=30d")
    assert q.endpoint.id == "aos.audit"
    assert "at most 7 days" in q.errors[0]
    assert parse_query(catalog, "aos.audit since=7d").ok
    (error,) = parse_query(catalog, "aos.jobs since=1d").errors
    assert "no time window" in error


def test_no_endpoint_is_said_so(catalog):
    q = parse_query(catalog, "xyzzyq state=failed")
    assert q.endpoint is None and "no endpoint matches" in q.errors[0]


def test_an_unclosed_quote_while_typing_is_read_as_closed(catalog):
    q = parse_query(catalog, 'cloudbackupjobs state="finished with')
    assert q.params == {"jobState": "4"} and q.errors == ["a quote is not closed"]


def test_canonical_params_keep_the_window_relative(catalog):
    params, errors = canonical_params(catalog.get("m365.cloudbackupjobs"),
                                      [("state", "failed"), ("since", "24h"), ("jobtype", "backup")])
    assert errors == [] and params == {"jobState": "3", "since": "24h", "jobType": "1"}
    params, errors = canonical_params(catalog.get("m365.cloudbackupjobs"), [("starttime", "2d")])
    assert errors == [] and params == {"startTime": "2d"}


def test_resolve_saved_names_an_unknown_endpoint(catalog):
    q = resolve_saved(catalog, SavedRequest(name="x", endpoint="m365.nosuchthing"))
    assert q.endpoint is None and "unknown endpoint 'm365.nosuchthing'" in q.errors[0]


def test_jobs_state_failed_sends_job_state_3_to_the_simulator(sim, catalog, frozen):
    """What `:jobs state=failed` opens is what reaches the server: jobState=3, and only failed jobs."""
    from tui.api.session import Session
    from tui.tenants import DemoRuntime
    q = parse_query(catalog, "jobs state=failed")
    tenant = DemoRuntime(server=sim).tenant_configs()["demo-aos"]

    async def first_page():
        async with Session(tenant, catalog) as session:
            async for page in session.pager(q.endpoint, q.path_params, q.params, max_pages=1).pages():
                return page.items

    before = len(sim.requests)
    items = asyncio.run(first_page())
    sent = [r for r in sim.requests[before:] if r.kind == "api"]
    assert [r.path for r in sent] == ["/backup/m365/cloudbackupjobs"]
    assert ("jobState", "3") in sent[0].query_pairs
    assert items and all(item["state"] == "Failed" for item in items)
