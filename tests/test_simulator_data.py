"""The simulator's data package without HTTP: the registry, the shared filter helpers and the
table-driven SaaS job lists (their counts add up, their ids carry their start time)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tui.simulator.data import Dataset, Query
from tui.simulator.data.core import COLLECTIONS, FILTERS, filters_for, one_of
from tui.simulator.data.saas import JOB_LISTS

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def ds():
    return Dataset(seed=1, now=NOW)


def test_every_catalogued_collection_has_a_generator(ds):
    missing = [e.id for e in ds.catalog if e.read_only and e.items_path is not None and e.kind not in
               ("async-export", "download") and e.id not in COLLECTIONS]
    assert missing == []


def test_filters_by_family_and_the_all_value():
    assert filters_for("enpower.bot") is FILTERS["enpower.*"]          # a family's filters
    assert filters_for("m365.cloudbackupjobs") is FILTERS["m365.cloudbackupjobs"]
    assert filters_for("nothing.here") is None
    col = ["1", "2", "3"]
    assert one_of(col, []) is None and one_of(col, ["0"]) is None      # "0" means all
    assert one_of(col, ["0"], None)(0) is False                        # unless the endpoint has no "all"
    keep = one_of(col, ["2", "3"])
    assert [i for i in range(3) if keep(i)] == [1, 2]


COUNTS = {                                                     # (successful, failed, skipped, total) fields
    "d365.jobs": [("successfulEntity", "failedEntity", "skippedEntity", "totalEntity"),
                  ("successfulRecord", "failedRecord", "skippedRecord", "totalRecord")],
    "iaas.jobs": [("successfulCount", "failedCount", "skippedCount", "totalCount")],
    "google.jobs": [],
    "salesforce.jobs": [("successfulRecords", "failedRecords", "skippedRecords", "totalRecords"),
                        ("successfulMetadata", "failedMetadata", None, "totalMetadata"),
                        ("successfulObjects", "failedObjects", "skippedObjects", "totalObjects")],
}


@pytest.mark.parametrize("eid", sorted(JOB_LISTS))
def test_saas_job_lists_are_consistent(ds, eid):
    spec = JOB_LISTS[eid]
    jobs = ds.items(eid)
    assert len(jobs) == ds.n(spec.size)
    assert all(list(job) == list(spec.fields) for job in jobs)         # the docs' field order
    id_field = "jobId"
    start_field = "startTime"
    for job in jobs:
        stamp = re.sub(r"\D", "", job[start_field])[:14]
        assert re.fullmatch(r"[A-Z]{2,4}\d{17,22}", job[id_field]) and stamp in job[id_field], job
        for ok, failed, skipped, total in COUNTS[eid]:
            assert 0 <= job[failed] <= job[total]
            assert job[ok] + job[failed] + (job[skipped] if skipped else 0) == job[total], job
    times = ds.collection(eid).column("t")
    assert times == sorted(times, reverse=True)                          # newest first
    for column in spec.columns:                                          # filter columns beside the items
        assert len(ds.collection(eid).column(column)) == len(jobs)


def test_saas_job_filters_use_the_table(ds):
    everything = ds.select("salesforce.jobs")
    org = ds.collection("salesforce.jobs").column("organizationId")[0]
    mine = ds.select("salesforce.jobs", query={"organizationId": org})
    assert 0 < len(mine) < len(everything)
    assert len(ds.select("salesforce.jobs", query={"type": "0"})) == len(everything)   # 0: all types
    google = ds.select("google.jobs", query=Query([("status", "3")]))                  # the sample's name
    assert google and all(j["status"] == 3 for j in google)
    found = ds.select("iaas.jobs", query={"searchText": ds.items("iaas.jobs")[5]["jobId"].lower()})
    assert [j["jobId"] for j in found] == [ds.items("iaas.jobs")[5]["jobId"]]
