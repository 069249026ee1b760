"""Benchmark: load at the simulator's scale 20 (not collected by pytest).

    python -m tests.bench_load [--quick]          (the lead wires ``bench_load`` into tests.bench)

Three walks, each checked row by row against the simulator's own data (no error, nothing lost,
nothing twice), with time and memory (RSS of this process, which also runs the simulator):

* the TUI explorer (the real app, headless) loads *all* of the 100,000 Microsoft 365 jobs with
  ``L`` (quick: a 10-day window, about a tenth of them);
* the audit log (``aos.audit``, 400,000 records over 90 days; the API allows 7-day windows) is
  paged end to end, window after window, by the core Pager (quick: one 7-day window);
* the partner failed-jobs scan (``tui/triage/``) over demo-partner (not in quick: the failed-jobs
  scenario scans the same partner).

Only 127.0.0.1 is contacted. Seeds fix the data; the simulator's clock is the wall clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.bench import Row

SCALE = 20


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB (Linux /proc; peak from getrusage)."""
    cur = peak = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return cur, peak


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(item: Any) -> bytes:
    return hashlib.blake2b(json.dumps(item, sort_keys=True, default=str).encode(), digest_size=12).digest()


# -- the explorer: L on 100,000 jobs ---------

async def _explorer_load_all(sim: Any, params: dict[str, str], timeout: float) -> dict[str, Any]:
    from tests.hardening_helpers import press
    from tests.ui_helpers import make_app, open_explorer
    from tui.ui.widgets.paged_table import PagedTable
    with tempfile.TemporaryDirectory() as d:
        app = make_app(sim, Path(d) / "config.toml")
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            screen.open_endpoint(app.catalog.get("m365.cloudbackupjobs"), {}, params)
            deadline = time.monotonic() + 60
            while screen.view is None or screen.view.pages < 1 or screen.view.loading:
                assert time.monotonic() < deadline, "the first page did not arrive"
                await pilot.pause(0.05)
            rss0 = rss_mb()[0]
            t0 = time.perf_counter()
            cpu0 = time.process_time()
            screen.query_one(PagedTable).focus()
            await press(pilot, "L")
            deadline = time.monotonic() + timeout
            while not (screen.view.done and not screen.view.loading) and screen.view.error is None:
                assert time.monotonic() < deadline, f"load all did not finish in {timeout:.0f} s"
                await pilot.pause(0.05)
            took = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            v = screen.view
            table = screen.query_one(PagedTable)
            # the table still answers: a key moves the cursor at the far end of the rows
            t1 = time.perf_counter()
            await press(pilot, "end")
            while table.cursor_row != table.row_count - 1:
                await pilot.pause(0.01)
            key_ms = (time.perf_counter() - t1) * 1000
            return {"took": took, "cpu": cpu, "error": v.error, "loaded": v.loaded, "total": v.total,
                    "pages": v.pages, "table_rows": table.row_count, "ids": [r.get("id") for r in v.items],
                    "rss_before": rss0, "rss_after": rss_mb()[0], "end_key_ms": key_ms}


def _scenario_explorer(sim: Any, quick: bool) -> Row:
    now = datetime.now(timezone.utc)
    days = 10 if quick else 100
    params = {"startTime": _iso(now - timedelta(days=days)), "finishTime": _iso(now + timedelta(days=1))}
    expected = [it["id"] for it in sim.dataset.select("m365.cloudbackupjobs", {}, params)]
    res = asyncio.run(_explorer_load_all(sim, params, timeout=900))
    ids = res.pop("ids")
    ok = (res["error"] is None and res["loaded"] == len(expected) == res["table_rows"] and ids == expected
          and len(set(ids)) == len(ids))
    rows_per_s = len(ids) / res["took"] if res["took"] else 0.0
    return Row(f"TUI explorer: L loads {len(expected):,} M365 jobs (scale {SCALE})",
               f"AvegraphApp.run_test, demo-aos, m365.cloudbackupjobs {days}-day window, pages of 100, key L",
               "s", res["took"], res["took"], res["took"], target="no error, every row once, in server order",
               met=ok, extra={"rows": res["loaded"], "expected rows": len(expected), "pages": res["pages"],
                              "error": res["error"], "duplicates": len(ids) - len(set(ids)),
                              "missing": len(set(expected) - set(ids)), "rows per s": round(rows_per_s),
                              "CPU s (process, simulator included)": round(res["cpu"], 2),
                              "RSS before load (MB)": round(res["rss_before"], 1),
                              "RSS after load (MB)": round(res["rss_after"], 1),
                              "RSS growth per 10k rows (MB)": round((res["rss_after"] - res["rss_before"])
                                                                    / max(len(ids) / 10_000, 1e-9), 2),
                              "End key at the last row (ms)": round(res["end_key_ms"], 1)})


# -- the audit log, end to end ---------

async def _audit_walk(tenant: Any, windows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    from tui.api.session import Session
    out = []
    async with Session(tenant, history_size=10) as s:
        for start, end in windows:
            pager = s.pager("aos.audit", params={"startTime": start, "endTime": end})
            digests: list[bytes] = []
            t0 = time.perf_counter()
            async for page in pager.pages():
                digests.extend(_digest(it) for it in page.items)
            out.append({"window": (start, end), "took": time.perf_counter() - t0, "pages": pager.number,
                        "digests": digests, "notice": pager.notice})
    return out


def _scenario_audit(sim: Any, quick: bool) -> Row:
    from tests.faults import demo_tenant
    now = sim.dataset.now                           # the newest record is no later than this
    count = 1 if quick else 14                      # the log holds 90 days; the API allows 7-day windows
    windows = []
    end = now
    for _ in range(count):                          # newest first, contiguous, whole seconds
        start = end - timedelta(days=7) + timedelta(seconds=1)
        windows.append((_iso(start), _iso(end)))
        end = start - timedelta(seconds=1)
    rss0 = rss_mb()[0]
    t0 = time.perf_counter()
    walked = asyncio.run(_audit_walk(demo_tenant(sim), windows))
    took = time.perf_counter() - t0
    rss1 = rss_mb()[0]
    total = lost = dup = extra_rows = out_of_order = 0
    pages = 0
    notices = []
    for w in walked:
        start, end = w["window"]
        want = [_digest(it) for it in sim.dataset.select("aos.audit", {}, {"startTime": start, "endTime": end})]
        got = w["digests"]
        total += len(got)
        pages += w["pages"]
        dup += len(got) - len(set(got))
        lost += len(set(want) - set(got))
        extra_rows += len(set(got) - set(want))
        if w["notice"]:
            notices.append(w["notice"])
        out_of_order += got != want
    in_log = len(sim.dataset.items("aos.audit", {})) if not quick else None
    ok = (lost == dup == extra_rows == out_of_order == 0 and not notices
          and (in_log is None or total == in_log))
    return Row(f"audit log end to end: {total:,} records in {len(windows)} window(s) (scale {SCALE})",
               "Session.pager('aos.audit', startTime/endTime 7-day windows) over demo-aos", "s", took, took, took,
               target="every record once, none lost", met=ok,
               extra={"records": total, "records in the log": in_log, "pages": pages, "lost": lost,
                      "duplicated": dup, "unexpected": extra_rows, "windows out of server order": out_of_order,
                      "notices": notices,
                      "records per s": round(total / took) if took else None,
                      "RSS growth (MB)": round(rss1 - rss0, 1)})


# -- the partner failed-jobs scan ---------

def _scenario_failed_jobs(sim: Any, quick: bool) -> Row | None:
    try:
        from tui.triage import FailedJobsScan
    except ImportError:
        return None
    from tests.faults import demo_tenant
    from tui.api.session import Session

    async def run():
        async with Session(demo_tenant(sim, "demo-partner")) as s:
            t0 = time.perf_counter()
            result = await FailedJobsScan(s, window="7d", concurrency=4).run()
            return result, time.perf_counter() - t0, len([e for e in s.history if e.kind == "api"])
    rss0 = rss_mb()[0]
    result, took, requests = asyncio.run(run())
    rss1 = rss_mb()[0]
    errors = [f"{src.id}: {e}" for src in result.sources for e in src.errors]
    if result.error:
        errors.insert(0, result.error)
    keys = [(j.source, j.customer_id, j.tenant_id, j.job_id) for j in result.jobs]
    dup = len(keys) - len(set(keys))
    states = sorted({src.state for src in result.sources})
    ok = not errors and dup == 0 and not result.cancelled and set(states) <= {"done", "skipped"}
    return Row(f"partner failed-jobs scan, demo-partner (scale {SCALE})", "FailedJobsScan(window=7d, concurrency=4)",
               "s", took, took, took, target="no source error, no job twice", met=ok,
               extra={"jobs": len(result.jobs), "failed": len(result.failed), "sources": len(result.sources),
                      "requests": requests, "source errors": errors[:5], "duplicated jobs": dup,
                      "source states": states, "jobs read": sum(src.items for src in result.sources),
                      "RSS growth (MB)": round(rss1 - rss0, 1)})


def bench_load(quick: bool) -> list[Row]:
    from tui.simulator import SimulatorServer
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as data_dir:
        sim = SimulatorServer(seed=1, scale=SCALE, data_dir=data_dir).start()
        try:
            rss0, _ = rss_mb()
            # --quick leaves out the partner scan at scale 20: the failed-jobs scenario scans the same
            # partner (at scale 1, with latency) and this one takes ~9 s of a one-minute budget.
            scenarios = (_scenario_explorer, _scenario_audit) if quick else \
                (_scenario_explorer, _scenario_audit, _scenario_failed_jobs)
            for scenario in scenarios:
                row = scenario(sim, quick)
                if row is not None:
                    rows.append(row)
            cur, peak = rss_mb()
            rows.append(Row(f"memory: the load scenarios (scale {SCALE})", "RSS of the benchmark process "
                            "(app, core and the in-process simulator)", "MB", peak, rss0, peak,
                            target="report", extra={"RSS at start (MB)": round(rss0, 1),
                                                    "RSS at end (MB)": round(cur, 1), "peak RSS (MB)": round(peak, 1),
                                                    "pid": os.getpid()}))
        finally:
            sim.stop()
    return rows


if __name__ == "__main__":
    import argparse
    import sys
    from dataclasses import asdict

    from tests.bench import print_table
    ap = argparse.ArgumentParser(prog="python -m tests.bench_load")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args()
    result = bench_load(a.quick)
    print_table(result)
    for r in result:
        print(f"{r.scenario}: {json.dumps(r.extra, default=str)}", file=sys.stderr)
    if a.json:
        Path(a.json).write_text(json.dumps([asdict(r) for r in result], indent=2, default=str))
    raise SystemExit(0 if all(r.met is not False for r in result) else 1)
