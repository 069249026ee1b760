"""The failed-jobs scan (tui.triage) and ``avegraph failed-jobs`` against the simulator.

Every expectation is computed from the simulator's own data (``sim.dataset``), never from what
the scan returned: the failed (and, when asked, attention) items of each source inside the window
the scan reports, with the window applied where the service applies it (the simulator filters on
its start-time column when the request carries start/end parameters; the scan filters on the
items' start time otherwise).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from tui.api.session import Session
from tui.catalog import load_catalog
from tui.catalog.validate import parse_time, time_params
from tui.config import tenant_from_fields
from tui.triage import (FailedJobsScan, Window, extract_errors, page_size_for, server_filter,
                        _duration_of)

CAT = load_catalog()
MODERN = ("aos.jobs", "m365.cloudbackupjobs", "d365.jobs", "iaas.jobs", "google.jobs", "salesforce.jobs",
          "dmso.audits")
PARTNER = ("elements.customers", "elements.avpt-products-jobs", "elements.process-center-jobs")


def tenant_of(sim, name: str):
    fields = next(d for d in sim.tenant_dicts() if d["name"] == name)
    tenant, errors = tenant_from_fields({k: v for k, v in fields.items() if k != "demo"})
    assert tenant is not None, errors
    return tenant


async def run_scan(sim, name: str, **kw):
    async with Session(tenant_of(sim, name)) as session:
        scan = FailedJobsScan(session, **kw)
        result = await scan.run()
        return scan, result


def _id(e, item) -> str:
    fld = e.id_field or ("jobId" if "jobId" in item else "id")
    return str(item.get(fld))


def expected_ids(sim, eid: str, window: Window, include_exceptions: bool, pp: dict | None = None) -> set[str]:
    """Job ids of one source (one customer / tenant) that the scan must list, from the simulator's data."""
    e = CAT.get(eid)
    coll = sim.dataset.collection(eid, pp or {})
    items = coll.all()
    t = coll.cols.get("t")
    wanted = {"failed", "attention"} if include_exceptions else {"failed"}
    server_window = any(time_params(e))
    out = set()
    for i, it in enumerate(items):
        if e.status.severity(it) not in wanted:
            continue
        if server_window:
            if not window.since.timestamp() <= t[i] <= window.until.timestamp():
                continue
        else:
            start = next((parse_time(it[k]) for k in ("startTime",) if isinstance(it.get(k), str)
                          and parse_time(it[k])), None)
            if start is not None and not window.contains(start):
                continue
        out.add(_id(e, it))
    return out


def found(result, eid: str, customer_id: str | None = None, tenant_id: str | None = None) -> set[str]:
    return {j.job_id for j in result.jobs if j.source == eid
            and (customer_id is None or j.customer_id == customer_id)
            and (tenant_id is None or j.tenant_id == tenant_id)}


# ------------------------------------------------------------------------------------------------
# Pure helpers
# ------------------------------------------------------------------------------------------------

class TestWindow:
    NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)

    @pytest.mark.parametrize("text,span", [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
                                           ("30d", timedelta(days=30)), ("90m", timedelta(minutes=90)),
                                           ("2w", timedelta(days=14))])
    def test_durations(self, text, span):
        w = Window.parse(text, self.NOW)
        assert w.until == self.NOW and w.since == self.NOW - span

    def test_iso_date(self):
        w = Window.parse("2026-03-01", self.NOW)
        assert w.since == datetime(2026, 3, 1, tzinfo=timezone.utc) and w.until == self.NOW

    @pytest.mark.parametrize("bad", ["", "3x", "yesterday", "2027-01-01", "0d"])
    def test_refused_with_a_sentence(self, bad):
        with pytest.raises(ValueError) as exc:
            Window.parse(bad, self.NOW)
        assert str(exc.value)

    def test_chunks_respect_a_maximum_window(self):
        w = Window.parse("30d", self.NOW)
        parts = w.chunks(7)
        assert len(parts) == 5
        assert all(p.span <= timedelta(days=7) for p in parts)
        assert parts[0].until == w.until and parts[-1].since == w.since
        assert all(a.since == b.until for a, b in zip(parts, parts[1:]))
        assert w.chunks(None) == [w] and w.chunks(31) == [w]


class TestCatalogueFacts:
    def test_server_side_filters_where_documented(self):
        got = {e.id: server_filter(e) for e in CAT.job_sources()}
        assert got["m365.cloudbackupjobs"][0] == "jobState"
        assert got["d365.jobs"][0] == "status"
        assert got["google.jobs"][0] == "jobStatus"         # catalogue section 6: documented name
        assert got["salesforce.jobs"][0] == "status"
        assert got["dmso.audits"][0] == "status"
        for eid in ("aos.jobs", "iaas.jobs", *PARTNER):
            assert got[eid] is None, eid

    def test_page_sizes_are_the_documented_maximum(self):
        assert page_size_for(CAT.get("aos.jobs")) == 1000
        assert page_size_for(CAT.get("dmso.audits")) == 200
        assert page_size_for(CAT.get("elements.avpt-products-jobs")) == 100
        assert page_size_for(CAT.get("m365.cloudbackupjobs")) == 100

    def test_m365_job_errors_with_counts_and_help_urls(self):
        item = {"jobErrors": [{"isErrorCode": True, "value": "Access denied.", "url": "https://x/1.html", "number": 7},
                              {"isErrorCode": False, "value": "Throttled", "url": "", "number": 2}]}
        errs = extract_errors(item)
        assert [(e.message, e.count, e.url) for e in errs] == [("Access denied.", 7, "https://x/1.html"),
                                                               ("Throttled", 2, None)]
        assert extract_errors({"comments": "The storage account is not reachable."})[0].message.startswith("The")
        assert extract_errors({"state": 3}) == ()

    def test_durations(self):
        s = datetime(2026, 1, 1, tzinfo=timezone.utc)
        assert _duration_of({}, s, s + timedelta(minutes=3)) == 180
        assert _duration_of({"duration": "01:02:03"}, None, None) == 3723
        assert _duration_of({"jobDuration": "172m39s"}, None, None) == 172 * 60 + 39
        assert _duration_of({"durationHours": 0.5}, None, None) == 1800
        assert _duration_of({"duration": ""}, s, None) is None


# ------------------------------------------------------------------------------------------------
# One tenant: exactly the failed jobs of each source
# ------------------------------------------------------------------------------------------------

class TestModernTenant:
    @pytest.mark.parametrize("include_exceptions", [False, True])
    async def test_exactly_the_failed_jobs_of_each_source(self, sim, include_exceptions):
        scan, result = await run_scan(sim, "demo-aos", window="30d", include_exceptions=include_exceptions)
        states = {s.id: s for s in result.sources}
        for eid in MODERN:
            assert states[eid].state == "done", (eid, states[eid].error)
            want = expected_ids(sim, eid, result.window, include_exceptions)
            assert want, f"the simulator has failures in {eid}"
            assert found(result, eid) == want, eid
        # the partner sources need scopes demo-aos does not hold: skipped, not failed, no request
        for eid in PARTNER:
            assert states[eid].state == "skipped" and "lacks" in states[eid].reason
        assert result.exit_code == 1
        sev = {j.severity for j in result.jobs}
        assert sev == ({"failed", "attention"} if include_exceptions else {"failed"})

    async def test_labels_not_codes(self, sim):
        _, result = await run_scan(sim, "demo-aos", window="30d", include_exceptions=True)
        by_source: dict[str, set[str]] = {}
        for j in result.jobs:
            by_source.setdefault(j.source, set()).add(j.status)
            e = CAT.get(j.source)
            assert j.status == e.status.label(j.item)
            assert not j.status.isdigit()
        assert by_source["m365.cloudbackupjobs"] <= {"Failed", "Finished with Exception", "Partially Finished"}
        assert "Failed" in by_source["d365.jobs"] and "Finished with Exception" in by_source["d365.jobs"]
        assert "Failed" in by_source["iaas.jobs"]                    # 16, not 3
        assert by_source["dmso.audits"] == {"Failed"}                # 500
        assert "Failed" in by_source["google.jobs"]
        assert "Failed" in by_source["salesforce.jobs"]              # 4 (3 is "Finished with exception")
        m365 = next(j for j in result.jobs if j.source == "m365.cloudbackupjobs" and j.severity == "failed")
        assert m365.errors and m365.first_error == m365.item["jobErrors"][0]["value"]
        assert m365.failed_count == m365.item["backupDetails"]["failedCount"]
        assert m365.detail is not None and m365.detail.endpoint_id == "m365.cloudbackupjobs-item"
        assert m365.detail.path_params == {"jobId": m365.job_id}
        iaas = next(j for j in result.jobs if j.source == "iaas.jobs" and j.severity == "failed")
        assert iaas.first_error == iaas.item["comments"] and iaas.total_count == iaas.item["totalCount"]
        assert all(j.service and j.start is not None for j in result.jobs)
        rows = [j.row() for j in result.sorted_jobs()]
        starts = [r["start"] for r in rows]
        assert starts == sorted(starts, reverse=True)              # newest first

    async def test_server_side_filters_are_used_where_documented(self, make_sim):
        sim = make_sim()
        _, result = await run_scan(sim, "demo-aos", window="7d", include_exceptions=False)
        reqs = sim.api_requests()

        def of(prefix):
            return [r for r in reqs if r.path.lower().startswith(prefix)]
        assert of("/backup/m365/cloudbackupjobs") and all(r.query.get("jobState") == "3"
                                                          for r in of("/backup/m365/cloudbackupjobs"))
        assert all(r.query.get("status") == "4" and r.query.get("type") == "0" for r in of("/dynamicsbackup/jobs"))
        assert all(r.query.get("jobStatus") == "3" for r in of("/backup/google/admin/jobs"))
        assert all(r.query.get("status") == "4" for r in of("/backup/sfbapi/jobs"))
        assert all(r.query.get("status") == "500" for r in of("/dmso/audits"))
        # no documented filter: read in full (newest first for /aos/jobs, which stops at the window)
        assert of("/aos/jobs") and all("state" not in r.query for r in of("/aos/jobs"))
        assert all(r.query.get("sortorder") == "1" and r.query.get("top") == "1000" for r in of("/aos/jobs"))
        assert of("/backup/vm/jobs") and all("status" not in r.query for r in of("/backup/vm/jobs"))
        # the window went out as each endpoint's own parameters
        since = result.window.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        for prefix, name in (("/backup/m365/cloudbackupjobs", "startTime"), ("/dynamicsbackup/jobs", "startTime"),
                             ("/dmso/audits", "startTime"), ("/backup/vm/jobs", "startTime")):
            assert all(r.query.get(name) == since for r in of(prefix)), prefix
        assert {r.status for r in reqs} == {200}
        # with exceptions: one query per documented code (M365 3, 4, 5)
        sim.reset_stats()
        await run_scan(sim, "demo-aos", window="7d", include_exceptions=True, sources=["m365.cloudbackupjobs"])
        codes = {r.query.get("jobState") for r in sim.api_requests()}
        assert codes == {"3", "4", "5"}

    async def test_restricted_tenant_runs_only_what_it_may_call(self, sim):
        _, result = await run_scan(sim, "demo-restricted", window="30d")
        states = {s.id: s.state for s in result.sources}
        assert states["m365.cloudbackupjobs"] == "done"
        assert all(states[e] == "skipped" for e in (*MODERN[:1], *MODERN[2:], *PARTNER))
        assert found(result, "m365.cloudbackupjobs") == expected_ids(sim, "m365.cloudbackupjobs", result.window,
                                                                     False)


# ------------------------------------------------------------------------------------------------
# Failing sources do not stop the others
# ------------------------------------------------------------------------------------------------

class TestFailingSources:
    @pytest.mark.parametrize("status", [403, 500])
    async def test_a_failing_source_is_listed_and_the_others_complete(self, make_sim, status):
        sim = make_sim()
        sim.force("/backup/vm/jobs", status=status, times=50)
        sim.force("/dynamicsbackup/jobs", status=status, times=50)
        _, result = await run_scan(sim, "demo-aos", window="30d")
        states = {s.id: s for s in result.sources}
        for eid in ("iaas.jobs", "d365.jobs"):
            s = states[eid]
            assert s.state == "failed" and s.errors[0].status == status
            assert str(status) in s.errors[0].message and s.errors[0].exchange is not None
            assert not found(result, eid)
        for eid in ("aos.jobs", "m365.cloudbackupjobs", "google.jobs", "salesforce.jobs", "dmso.audits"):
            assert states[eid].state == "done"
            assert found(result, eid) == expected_ids(sim, eid, result.window, False)
        assert result.exit_code == 1                          # failures were found elsewhere

    async def test_nothing_failed_but_a_source_failed_is_not_a_clean_bill(self, make_sim):
        sim = make_sim()
        sim.force("/backup/m365/cloudbackupjobs", status=500, times=50)
        _, result = await run_scan(sim, "demo-aos", window="30m", sources=["m365.cloudbackupjobs", "aos.jobs"])
        assert not result.failed
        assert result.exit_code == 5
        sim.clear_forced()
        _, result = await run_scan(sim, "demo-aos", window="30m", sources=["m365.cloudbackupjobs", "aos.jobs"])
        assert result.exit_code == 0 and not result.jobs

    async def test_a_timeout_is_a_failed_source(self, make_sim):
        sim = make_sim()
        sim.force("/backup/google/admin/jobs", status=200, times=1, delay=1.0, body={"jobs": []})
        _, result = await run_scan(sim, "demo-aos", window="7d", timeout=0.3,
                                   sources=["google.jobs", "dmso.audits"])
        states = {s.id: s for s in result.sources}
        assert states["google.jobs"].state == "failed" and states["google.jobs"].errors[0].kind == "timeout"
        assert states["dmso.audits"].state == "done" and found(result, "dmso.audits")


# ------------------------------------------------------------------------------------------------
# Partner: every customer and customer tenant, bounded concurrency, streaming, cancellation
# ------------------------------------------------------------------------------------------------

class TestPartner:
    async def test_all_customers_exactly_with_the_concurrency_limit(self, make_sim):
        sim = make_sim(latency=0.01)
        customers = sim.dataset.customers()
        assert len(customers) >= 40
        sim.reset_stats()
        events = []
        _, result = await run_scan(sim, "demo-partner", window="30d", include_exceptions=True, concurrency=3,
                                   on_event=events.append)
        assert sim.max_concurrent == 3                        # used, and never exceeded
        states = {s.id: s for s in result.sources}
        assert all(states[e].state == "done" for e in PARTNER), [(e, states[e].error) for e in PARTNER]
        assert all(states[e].state == "skipped" for e in MODERN)
        assert states["elements.avpt-products-jobs"].targets_total == len(customers)
        tenants = [(c, t) for c in customers for t in c["tenants"]]
        assert states["elements.process-center-jobs"].targets_total == len(tenants)
        # customer health: the customers whose jobStatus is failed (2) or needs attention
        assert found(result, "elements.customers") == expected_ids(sim, "elements.customers", result.window, True)
        for c in customers:
            assert found(result, "elements.avpt-products-jobs", c["id"]) == \
                expected_ids(sim, "elements.avpt-products-jobs", result.window, True, {"customerId": c["id"]}), c
        for c, t in tenants:
            pp = {"customerId": c["id"], "tenantId": t["id"]}
            assert found(result, "elements.process-center-jobs", c["id"], t["id"]) == \
                expected_ids(sim, "elements.process-center-jobs", result.window, True, pp)
        job = next(j for j in result.jobs if j.source == "elements.process-center-jobs")
        c = next(c for c in customers if c["id"] == job.customer_id)
        assert job.customer == c["organization"] and job.tenant in {t["name"] for t in c["tenants"]}
        labels = {j.status for j in result.jobs if j.source == "elements.avpt-products-jobs"}
        assert "Failed" in labels and not any(s.isdigit() for s in labels)
        # results streamed: jobs arrived before the scan was done
        kinds = [ev.kind for ev in events]
        assert kinds[-1] == "done" and kinds.index("jobs") < len(kinds) - 1
        assert result.exit_code == 1

    async def test_one_customer_failing_does_not_stop_the_others(self, make_sim):
        sim = make_sim()
        bad = sim.dataset.customers()[3]
        sim.force(f"/partner/external/v3/general/customers/{bad['id']}/avpt-products", status=500, times=5)
        _, result = await run_scan(sim, "demo-partner", window="30d", sources=PARTNER)
        s = {x.id: x for x in result.sources}["elements.avpt-products-jobs"]
        assert s.state == "partial" and s.targets_failed == 1
        assert s.errors[0].target == bad["organization"] and s.errors[0].status == 500
        others = [c for c in sim.dataset.customers() if c["id"] != bad["id"]]
        assert all(found(result, "elements.avpt-products-jobs", c["id"]) ==
                   expected_ids(sim, "elements.avpt-products-jobs", result.window, False, {"customerId": c["id"]})
                   for c in others)

    async def test_customer_list_failing_fails_the_fan_out(self, make_sim):
        sim = make_sim()
        sim.force("/partner/external/v3/general/customers/batch", status=403, times=5)
        _, result = await run_scan(sim, "demo-partner", window="7d", sources=PARTNER)
        s = {x.id: x for x in result.sources}
        assert s["elements.customers"].state == "failed"
        assert s["elements.avpt-products-jobs"].state == "failed"
        assert "customer list" in s["elements.avpt-products-jobs"].error
        assert result.exit_code == 4

    async def test_cancel_keeps_what_was_found(self, make_sim):
        sim = make_sim(latency=0.01)
        async with Session(tenant_of(sim, "demo-partner")) as session:
            scan = FailedJobsScan(session, window="30d", concurrency=2)

            def on_event(ev):
                if ev.kind == "jobs" and ev.source.id != "elements.customers":
                    scan.cancel()
            scan.on_event = on_event
            result = await scan.run()
            assert result.cancelled and result.jobs
            assert any(s.state == "cancelled" for s in result.sources)
            n = len(sim.api_requests())
            for _ in range(5):
                await asyncio.sleep(0)
            assert len(sim.api_requests()) <= n + 2            # what was in flight, nothing new

    async def test_stream_yields_events_then_done(self, sim):
        async with Session(tenant_of(sim, "demo-partner")) as session:
            scan = FailedJobsScan(session, window="7d", sources=["elements.customers"])
            kinds = [ev.kind async for ev in scan.stream()]
        assert kinds[-1] == "done" and "jobs" in kinds and "source" in kinds


# ------------------------------------------------------------------------------------------------
# The headless twin
# ------------------------------------------------------------------------------------------------

class TestCli:
    def run_cli(self, capsys, *argv):
        from tui.cli import main
        code = main(["failed-jobs", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    def test_json_lists_the_failed_jobs_and_exits_1(self, capsys):
        code, out, err = self.run_cli(capsys, "--demo", "--tenant", "demo-restricted", "--since", "30d",
                                      "--format", "json")
        assert code == 1
        doc = json.loads(out)
        assert doc["failed"] == len(doc["jobs"]) > 0
        assert {j["source"] for j in doc["jobs"]} == {"m365.cloudbackupjobs"}
        assert all(j["status"] == "Failed" and j["severity"] == "failed" for j in doc["jobs"])
        src = {s["source"]: s for s in doc["sources"]}
        assert src["m365.cloudbackupjobs"]["server_filter"] == "jobState=3"
        assert src["aos.jobs"]["state"] == "skipped"
        assert "failed" in err

    def test_nothing_failed_exits_0(self, capsys):
        code, out, _ = self.run_cli(capsys, "--demo", "--tenant", "demo-aos", "--since", "30m")
        assert code == 0 and "no failed jobs" in out

    def test_csv_and_exceptions(self, capsys):
        code, out, _ = self.run_cli(capsys, "--demo", "--tenant", "demo-aos", "--since", "7d", "--format", "csv",
                                    "--include-exceptions")
        lines = out.splitlines()
        assert code == 1 and lines[0].startswith("customer,customer_id,tenant")
        assert any(",attention," in ln for ln in lines) and any(",failed," in ln for ln in lines)

    def test_usage_errors_exit_2(self, capsys):
        code, _, err = self.run_cli(capsys, "--demo", "--since", "soon")
        assert code == 2 and "--since" in err
        code, _, err = self.run_cli(capsys, "--demo", "--concurrency", "0")
        assert code == 2 and "concurrency" in err

    def test_failed_source_exit_code_against_a_configured_tenant(self, capsys, make_sim, tmp_path):
        from tui.simulator.cli import write_config
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        write_config(str(cfg), sim)
        sim.force("/backup/m365/cloudbackupjobs", status=500, times=50)
        code, out, err = self.run_cli(capsys, "--config", str(cfg), "--tenant", "demo-restricted", "--since", "30m")
        assert code == 5
        assert "500" in err and "could not be read" in err
