"""``avegraph failed-jobs --new`` / ``--watch`` and the report, against the simulator on 127.0.0.1.

A job "fails between two scans" by changing one in-progress VM job of the simulator's dataset in
place (status 16 = Failed, with an end time): VM jobs are filtered on the client, so the next page
served carries the new failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timezone
from pathlib import Path

import pytest

from tui.api.session import Session
from tui.triage import FailedJobsScan, count_by
from tui.triage.report import group_jobs, render_markdown
from tui.triage.seen import SeenStore

from tests.test_failed_jobs import tenant_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def fail_a_running_vm_job(sim) -> str:
    """Turn the newest in-progress VM job into a failed one; returns its id."""
    coll = sim.dataset.collection("iaas.jobs", {})
    for i in range(len(coll)):
        it = coll.get(i)
        if it.get("status") == 1:
            it["status"] = 16
            # the server's "now": the wall clock, or the frozen one of snapshots and screenshots
            it["finishTime"] = sim.api.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            it["comments"] = "The snapshot could not be created."
            return str(it["jobId"])
    raise AssertionError("no in-progress VM job in the dataset")


def run_cli(capsys, *argv):
    from tui.cli import main
    code = main(["failed-jobs", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def ids_of(jsonl: str) -> list[str]:
    return [json.loads(line)["job_id"] for line in jsonl.splitlines() if line.strip()]


class TestNew:
    def test_a_job_failing_between_two_scans_is_new_exactly_once(self, capsys, make_sim, tmp_path, state_home):
        from tui.simulator.cli import write_config
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        write_config(str(cfg), sim)
        base = ("--config", str(cfg), "--tenant", "demo-aos", "--since", "7d", "--format", "jsonl", "--new")
        code, out, _ = run_cli(capsys, *base)
        first = ids_of(out)
        assert code == 1 and first and len(first) == len(set(first))
        # a restart (a new process reads the file: a new SeenStore in a new main()) keeps the state
        code, out, err = run_cli(capsys, *base)
        assert code == 0 and ids_of(out) == [], err
        failed_id = fail_a_running_vm_job(sim)
        code, out, _ = run_cli(capsys, *base, "--dry-run")           # shows it, does not mark it
        assert code == 1 and ids_of(out) == [failed_id]
        code, out, _ = run_cli(capsys, *base)
        assert code == 1 and ids_of(out) == [failed_id]
        code, out, _ = run_cli(capsys, *base)
        assert code == 0 and ids_of(out) == []
        files = list((state_home / "avegraph" / "seen-jobs").glob("*.json"))
        assert len(files) == 1 and (files[0].stat().st_mode & 0o777) == 0o600

    def test_a_corrupt_seen_file_is_named_and_rebuilt(self, capsys, make_sim, tmp_path, state_home):
        from tui.simulator.cli import write_config
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        write_config(str(cfg), sim)
        store = SeenStore("demo-restricted")
        store.path.parent.mkdir(parents=True)
        store.path.write_text("\x00garbage")
        base = ("--config", str(cfg), "--tenant", "demo-restricted", "--since", "30d", "--format", "jsonl", "--new")
        code, out, err = run_cli(capsys, *base)
        assert code == 1 and ids_of(out) and str(store.path) in err and "corrupt" in err
        code, out, err = run_cli(capsys, *base)
        assert code == 0 and not ids_of(out) and "corrupt" not in err

    def test_usage(self, capsys):
        code, _, err = run_cli(capsys, "--demo", "--watch", "--format", "json")
        assert code == 2 and "--watch" in err
        code, _, err = run_cli(capsys, "--demo", "--dry-run")
        assert code == 2 and "--dry-run" in err
        code, _, err = run_cli(capsys, "--demo", "--watch", "--interval", "0")
        assert code == 2 and "--interval" in err


class TestWatch:
    async def test_under_429s_it_keeps_its_interval_and_loses_nothing(self, make_sim, tmp_path):
        from tui.commands.failed_jobs_watch import watch
        sim = make_sim()

        def throttle() -> None:
            # 429s on two sources in every scan, each answered within the client's 3 retries: a random
            # rate (rate_429) now and then exhausted them on one request and made the test flaky
            sim.force("/backup/m365", 429, times=2, retry_after=0)
            sim.force("/backup/iaas", 429, times=1, retry_after=0)

        throttle()
        store = SeenStore("demo-aos", directory=tmp_path).load()
        out: list[str] = []
        offset = [0.0]
        calls: list[float] = []
        failed_between: list[str] = []
        chunks_before_sleep: list[int] = []

        def monotonic() -> float:
            calls.append(time.monotonic() + offset[0])
            return calls[-1]

        async def sleep(seconds: float) -> None:
            offset[0] += seconds                  # time passes without the test waiting
            chunks_before_sleep.append(len(out))
            throttle()
            if not failed_between:
                failed_between.append(fail_a_running_vm_job(sim))

        async with Session(tenant_of(sim, "demo-aos")) as session:
            code = await watch(session, store, since="7d", include_exceptions=False, concurrency=3,
                               interval=60, fmt="jsonl", write=out.append, scans=3, sleep=sleep,
                               monotonic=monotonic)
        printed = [json.loads(line) for chunk in out for line in chunk.splitlines()]
        ids = [(j["source"], j["job_id"]) for j in printed]
        assert len(ids) == len(set(ids))                                  # each failure once
        assert sum(1 for s in sim.api_requests() if s.status == 429) > 0   # it was throttled
        assert sim.max_concurrent <= 3
        starts = calls[0::2]                                              # (start, end) per scan
        assert len(starts) == 3
        assert all(abs((b - a) - 60) < 0.5 for a, b in zip(starts, starts[1:]))   # start to start
        # loses nothing: what a clean scan finds now is exactly what was printed
        sim.clear_forced()
        async with Session(tenant_of(sim, "demo-aos")) as session:
            clean = await FailedJobsScan(session, window="7d").run()
        assert not any(s.errors for s in clean.sources)
        assert set(ids) == {(j.source, j.job_id) for j in clean.jobs}
        second_scan = [json.loads(line) for chunk in out[chunks_before_sleep[0]:chunks_before_sleep[1]]
                       for line in chunk.splitlines()]
        assert [(j["source"], j["job_id"]) for j in second_scan] == [("iaas.jobs", failed_between[0])]
        assert chunks_before_sleep[1] == len(out)                         # the third scan: nothing new
        assert not SeenStore("demo-aos", directory=tmp_path).load().new_jobs(clean.jobs)   # all marked
        assert code == 0                                                  # the last scan had nothing new

    def test_ctrl_c_exits_130_without_a_traceback_and_keeps_what_arrived(self, make_sim, tmp_path):
        from tui.simulator.cli import write_config
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        write_config(str(cfg), sim)
        env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path / "state"))
        proc = subprocess.Popen([sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
                                 "failed-jobs", "--config", str(cfg), "--tenant", "demo-restricted", "--since", "30d",
                                 "--watch", "--interval", "600", "--format", "jsonl"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
        # sys.argv of "-c" is ["-c", ...]: main() reads sys.argv[1:]
        assert proc.stdout is not None
        first = proc.stdout.readline()                    # blocks until the first failure is printed
        assert json.loads(first)["source"] == "m365.cloudbackupjobs"
        store = SeenStore("demo-restricted", directory=tmp_path / "state" / "avegraph" / "seen-jobs")
        deadline = time.monotonic() + 60
        while not store.path.exists() and time.monotonic() < deadline:   # the first scan marked its jobs
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        rest, err = proc.stdout.read(), proc.stderr.read()    # not communicate(): readline buffered some
        assert proc.returncode == 130
        assert b"Traceback" not in err
        printed = [first.decode(), *rest.decode().splitlines()]
        assert len(store.load()) == len([p for p in printed if p.strip()])


class TestReportCounts:
    async def test_the_reports_counts_equal_the_scans(self, sim):
        async with Session(tenant_of(sim, "demo-partner")) as session:
            result = await FailedJobsScan(session, window="30d", include_exceptions=True).run()
        assert result.jobs
        groups = group_jobs(result.jobs)
        assert sum(g.failed for g in groups) == len(result.failed)
        assert sum(g.count for g in groups) == len(result.jobs)
        by_service, _ = count_by(result.jobs)
        per_service: dict[str, int] = {}
        for g in groups:
            per_service[g.service] = per_service.get(g.service, 0) + g.count
        assert per_service == by_service
        md = render_markdown(result)
        rows = [ln.split(" | ") for ln in md.splitlines() if ln.startswith("| ") and not ln.startswith("| Service")]
        assert sum(int(r[1]) for r in rows) == len(result.failed)
        assert sum(int(r[2]) for r in rows) == len(result.jobs) - len(result.failed)
