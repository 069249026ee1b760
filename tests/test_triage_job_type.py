"""The failed-jobs table's job type for Microsoft 365 jobs (issue 19, item 8): the items carry no
type field, so it comes from the id prefixes the API's documentation shows."""

from __future__ import annotations

from tests.test_failed_jobs import run_scan


async def test_m365_jobs_have_a_job_type_from_their_documented_id_prefix(sim):
    _, result = await run_scan(sim, "demo-aos", window="30d", include_exceptions=True)
    m365 = [j for j in result.jobs if j.source == "m365.cloudbackupjobs"]
    assert m365
    named = {"FB": "Backup (full)", "IB": "Backup (incremental)", "RS": "Restore"}
    for j in m365:
        want = named.get(j.job_id[:2], "")
        assert j.job_type == want, j.job_id
        assert j.row()["job type"] == want
    assert {j.job_type for j in m365} >= {"Backup (full)", "Backup (incremental)"}
