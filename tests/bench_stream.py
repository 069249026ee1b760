"""Benchmark: `avegraph get --all --format jsonl` streaming 500,000 jobs (not collected by pytest).

    python -m tests.bench --only stream [--quick]
    python -m tests.bench_stream [--scale 100]

The simulator runs in a process of its own (``tests.bench_sim.SimulatorProcess``) at ``--scale
100``: 500,000 Microsoft 365 backup jobs, 5,000 pages of 100. The subject is the command as a user
types it, ``get m365.cloudbackupjobs --all --format jsonl -o FILE`` (a real file: temp file,
rename); the reference is the same walk with stdout going to /dev/null. Each is a fresh
``python -m tui`` process, started by a fresh launcher; its peak RSS comes from ``wait4`` (ru_maxrss). Targets (issue 21): peak
RSS under 150 MB at 500,000 rows, and rows/s at least 0.8x the /dev/null walk. The output file is
checked: one JSON object per line, every job once. Two runs of each, alternating which goes
first; ``--quick``: scale 2 (10,000 rows), one run each, seconds. ``extra`` gives CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import Row

ROWS_AT_SCALE_1 = 5000
RSS_TARGET_MB = 150
SPEED_TARGET = 0.8


def _config(sim, path: Path) -> str:
    import tomli_w
    d = next(d for d in sim.tenant_dicts() if d["name"] == "demo-aos")
    d = {k: v for k, v in d.items() if k not in ("demo", "accent")}
    path.write_text(tomli_w.dumps({"tenants": [d], "default_tenant": "demo-aos"}))
    os.chmod(path, 0o600)
    return str(path)


# Linux carries a process's peak RSS over fork and exec (a child forked from this process, which may
# have grown to hundreds of MB in an earlier scenario, starts with this process's peak as its own).
# A small launcher, itself started fresh, runs the subject: the subject is forked from the
# launcher's small image, so the ru_maxrss the launcher reads is the subject's own.
_LAUNCHER = r"""
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    json.dump({"code": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, fh)
"""


def _run(cmd: list[str], stdout) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB, CPU seconds) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _LAUNCHER, report.name, *cmd], stdout=stdout,
                              stderr=subprocess.PIPE, env=env)
        took = time.perf_counter() - t
        result = json.loads(Path(report.name).read_text() or "{}")
    if proc.returncode != 0 or result.get("code") != 0:
        err = proc.stderr.decode("utf-8", "replace")
        raise RuntimeError(f"{' '.join(cmd)} exited {result.get('code')}: {err[-500:]}")
    return took, result["maxrss_kb"] / 1024, result["cpu"]      # ru_maxrss: kilobytes on Linux


def bench_stream(quick: bool = False, scale: float | None = None, runs: int = 1) -> list[Row]:
    from tests.bench_sim import SimulatorProcess
    scale = scale if scale is not None else (2 if quick else 100)
    rows = int(ROWS_AT_SCALE_1 * scale)
    with tempfile.TemporaryDirectory() as tmp, SimulatorProcess(seed=1, scale=scale, data_dir=tmp) as sim:
        cfg = _config(sim, Path(tmp) / "config.toml")
        out = Path(tmp) / "jobs.jsonl"
        # --since all: every job, not get's default 7-day window of job lists
        base = [sys.executable, "-m", "tui", "--config", cfg, "get", "m365.cloudbackupjobs", "--since", "all",
                "--all", "--format", "jsonl"]
        with open(os.devnull, "w") as null:
            _run(base[:-3] + ["--format", "jsonl"], null)         # warm-up: the simulator builds its data lazily
            subject, reference = [], []
            for i in range(runs):              # alternated, each first in turn: a neighbour's load falls on both
                pair = [lambda: subject.append(_run(base + ["-o", str(out)], subprocess.DEVNULL)),
                        lambda: reference.append(_run(base, null))]
                for step in (pair if i % 2 == 0 else pair[::-1]):
                    step()
        ids = set()
        n = 0
        with out.open(encoding="utf-8") as fh:
            for line in fh:
                ids.add(json.loads(line)["id"])
                n += 1
        assert n == len(ids) == rows, (n, len(ids), rows)
    # statistics.median: of two runs, their mean (sorted(...)[n // 2] took the slower of the two,
    # so one slow run of either side moved the ratio by its whole excess)
    s_t = statistics.median(t for t, _, _ in subject)
    r_t = statistics.median(t for t, _, _ in reference)
    s_cpu = statistics.median(c for _, _, c in subject)
    r_cpu = statistics.median(c for _, _, c in reference)
    s_rate, r_rate = rows / s_t, rows / r_t
    peak = max(mb for _, mb, _ in subject)
    ref_peak = max(mb for _, mb, _ in reference)
    setup = (f"python -m tui get m365.cloudbackupjobs --all --format jsonl -o FILE, simulator scale {scale:g} "
             f"({rows:,} rows) in its own process")
    return [
        Row(f"get --all jsonl: rows/s ({rows:,} rows)", setup, "rows/s", s_rate,
            min(rows / t for t, _, _ in subject), max(rows / t for t, _, _ in subject),
            reference="the same walk, stdout to /dev/null", ref_median=r_rate, ratio=s_rate / r_rate,
            target=f">= {SPEED_TARGET}x the /dev/null walk", met=s_rate / r_rate >= SPEED_TARGET,
            extra={"subject_s": s_t, "reference_s": r_t, "subject_cpu_s": s_cpu, "reference_cpu_s": r_cpu}),
        Row(f"get --all jsonl: peak RSS ({rows:,} rows)", setup, "MB", peak, min(mb for _, mb, _ in subject), peak,
            reference="the /dev/null walk's peak RSS", ref_median=ref_peak, ratio=peak / ref_peak,
            target=f"< {RSS_TARGET_MB} MB", met=peak < RSS_TARGET_MB),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=100)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    from tests.bench import print_table
    rows = bench_stream(scale=args.scale, runs=args.runs)
    print_table(rows)
    for r in rows:
        if r.extra:
            print(r.scenario, r.extra)


if __name__ == "__main__":
    main()
