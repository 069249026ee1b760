"""`avegraph get` streams (issue 21): an interrupt keeps whole rows and names the cursor, resuming
yields exactly the rest, every wait is said, CSV is safe for spreadsheets, config edge cases are
exit-2 errors, and the Pager needs no Session (a fetch callable)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomli_w

from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
JOBS = "/backup/m365/cloudbackupjobs"
DEFAULT_PAGE = 100          # get's page size, the explorer's (tui.catalog.defaults.page_size)


def sim_config(sim, path: Path, name: str = "demo-aos") -> str:
    d = next(d for d in sim.tenant_dicts() if d["name"] == name)
    d = {k: v for k, v in d.items() if k not in ("demo", "accent")}
    path.write_text(tomli_w.dumps({"tenants": [d], "default_tenant": name}))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def avegraph(*argv: str) -> list[str]:
    return [sys.executable, "-m", "tui", *argv]


def child_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def wait_for(predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


# -- Ctrl+C / SIGTERM mid-walk, then resume -------------------------------------------------------------

@pytest.mark.parametrize("endpoint,size,sig,fmt", [
    ("m365.cloudbackupjobs", 50, signal.SIGINT, "jsonl"),      # pages by index: -p pageIndex=N
    ("iaas.jobs", 20, signal.SIGTERM, "csv"),                   # pages by token: --resume TOKEN
])
def test_interrupt_keeps_whole_rows_and_resuming_yields_the_rest(make_sim, tmp_path, endpoint, size, sig, fmt):
    sim = make_sim(latency=0.02)
    cfg = sim_config(sim, tmp_path / "c.toml")
    first = tmp_path / f"first.{fmt}"
    # --since all: the whole dataset, not the default 7-day window of job lists
    cmd = ["--config", cfg, "get", endpoint, "--all", "--since", "all", "-p", f"pageSize={size}", "--format", fmt]
    proc = subprocess.Popen(avegraph(*cmd, "-o", str(first)), env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: len(sim.api_requests()) >= 8)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    m = re.search(rf"interrupted \({sig.name}\): (\d+) rows in (\d+) pages written to {re.escape(str(first))}", err)
    assert m, err
    rows, pages = int(m[1]), int(m[2])
    assert rows == pages * size and 0 < rows < len(sim.dataset.items(endpoint))
    got = _read(first, fmt)
    assert len(got) == rows                                  # every row whole, none half-written
    cursor = re.search(r"resume cursor: (.+)", err)[1]
    again = re.search(r"run the same command with (.+?)(?: and another --output|$)", err, re.M)[1]
    if endpoint == "m365.cloudbackupjobs":
        assert again == f"-p pageIndex={cursor}"
    else:
        assert again == f"--resume {shlex.quote(cursor)}"
    rest = tmp_path / f"rest.{fmt}"
    done = subprocess.run(avegraph(*cmd, *shlex.split(again), "-o", str(rest)), env=child_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    key = "id" if endpoint == "m365.cloudbackupjobs" else "jobId"
    ids = [r[key] for r in got + _read(rest, fmt)]
    assert ids == [j[key] for j in sim.dataset.items(endpoint)]        # exactly the remaining rows, in order


def _read(path: Path, fmt: str) -> list[dict]:
    text = path.read_text()
    if fmt == "jsonl":
        assert text == "" or text.endswith("\n")
        return [json.loads(line) for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


def test_the_deadline_stops_the_walk_and_keeps_what_arrived(make_sim, tmp_path, capsys):
    sim = make_sim(latency=0.05)
    cfg = sim_config(sim, tmp_path / "c.toml")
    target = tmp_path / "jobs.jsonl"
    code, out, err = run(capsys, "get", "--config", cfg, JOBS, "--all", "-p", "pageSize=10", "--deadline", "0.6", "--format", "jsonl",
                         "-o", str(target))
    assert code == 5 and "stopped at the --deadline of 0.6 s" in err and "-p pageIndex=" in err
    lines = target.read_text().splitlines()
    assert 0 < len(lines) < 5000 and all(json.loads(x)["id"] for x in lines)


def test_resume_cursor_of_a_nextlink_walk_continues_exactly(sim):
    """A nextLink is a URL cursor: Pager(start=URL) in another process continues where it stopped."""
    import asyncio

    from tests.faults import demo_tenant
    from tui.api.session import Session
    now = datetime.now(timezone.utc)
    window = {"startTime": (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "endTime": now.strftime("%Y-%m-%dT%H:%M:%SZ")}

    async def walk():
        async with Session(demo_tenant(sim)) as s:
            whole = await s.pager("aos.audit", {}, window).all_items()
            part = s.pager("aos.audit", {}, window, max_pages=2)
            head = await part.all_items()
            cursor = part.resume_cursor
            rest = await s.pager("aos.audit", {}, window, start=cursor).all_items()
            return whole, head, cursor, rest
    whole, head, cursor, rest = asyncio.run(walk())
    assert str(cursor).startswith(sim.base_url) and "skipToken=" in cursor and len(head) < len(whole)
    assert head + rest == whole


# -- waits are said -------------------------------------------------------------------------------------

def test_every_wait_is_said_on_stderr(sim, tmp_path, capsys):
    cfg = sim_config(sim, tmp_path / "c.toml")
    sim.force(JOBS, 429, times=2, retry_after=1)
    code, out, err = run(capsys, "get", "--config", cfg, JOBS, "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == DEFAULT_PAGE      # one page
    assert "avegraph: throttled (429), waiting 1 s (retry 1 of 3)" in err
    assert "avegraph: throttled (429), waiting 1 s (retry 2 of 3)" in err
    # A negative Retry-After is not "now": exponential backoff with jitter (base 0.5 s) instead.
    sim.force(JOBS, 429, times=1, retry_after=-5)
    code, out, err = run(capsys, "get", "--config", cfg, JOBS, "--format", "jsonl")
    m = re.search(r"throttled \(429\), waiting ([\d.]+) s \(retry 1 of 3\)", err)
    assert code == 0 and m and 0.5 <= float(m[1]) <= 1.0, err


def test_retry_after_that_is_negative_or_not_finite_is_no_wait():
    from tui.api.http import parse_retry_after
    assert [parse_retry_after(v) for v in ("-5", "-0.5", "inf", "nan", "1e999")] == [None] * 5
    assert parse_retry_after("3") == 3 and parse_retry_after("0") == 0


# -- CSV is safe for spreadsheets ------------------------------------------------------------------------

def test_csv_formula_cells_are_neutralised_unless_raw(tmp_path, capsys):
    from tests.faults import FaultServer
    items = [{"id": "=HYPERLINK(\"http://x.example\",\"open\")", "n": -5, "note": "+1 call me"},
             {"id": "@SUM(A1)", "n": 3.5, "note": "-2+3"}, {"id": "\tx", "n": 0, "note": "\rline"},
             {"id": "plain", "n": "-1.5e3", "note": "fine - really"}]
    with FaultServer() as fs:
        fs.route("/aos/jobs", "json", body={"jobs": items, "totalCount": 4})
        cfg = tmp_path / "c.toml"
        cfg.write_text(tomli_w.dumps({"tenants": [{
            "name": "f", "client_id": "fault-client", "client_secret_env": "FAULT_SECRET",
            "environment": "commercial", "api_url": fs.base_url, "elements_url": fs.base_url,
            "token_url": fs.token_url}]}))
        os.environ["FAULT_SECRET"] = "fault-secret-value-0001"
        try:
            code, out, err = run(capsys, "get", "--config", str(cfg), "aos.jobs", "--format", "csv")
            assert code == 0, err
            rows = list(csv.DictReader(io.StringIO(out)))
            assert [r["id"] for r in rows] == ["'" + items[0]["id"], "'@SUM(A1)", "'\tx", "plain"]
            assert [r["n"] for r in rows] == ["-5", "3.5", "0", "-1.5e3"]          # numbers stay numbers
            assert [r["note"] for r in rows] == ["'+1 call me", "'-2+3", "'\rline", "fine - really"]
            code, out, err = run(capsys, "get", "--config", str(cfg), "aos.jobs", "--format", "csv", "--csv-raw")
            assert [r["id"] for r in csv.DictReader(io.StringIO(out))][:2] == [items[0]["id"], "@SUM(A1)"]
        finally:
            del os.environ["FAULT_SECRET"]


def test_the_app_export_neutralises_formulas_too():
    from tui.export import to_csv
    assert to_csv([{"name": "=cmd|' /C calc'!A0"}]) == "name\n'=cmd|' /C calc'!A0\n"
    assert to_csv([{"name": "=1"}], raw=True) == "name\n=1\n"


# -- the streaming writers ---------------------------------------------------------------------------------

def test_writers_stream_the_same_text_and_keep_later_fields():
    from tui.export import CsvWriter, JsonArrayWriter, JsonlWriter, to_json, to_jsonl
    pages = [[{"id": 1, "a": {"b": [1, 2]}}, {"id": 2, "a": None}], [{"id": 3, "late": "x\u202e"}], []]
    out = io.StringIO()
    w = JsonArrayWriter(out)
    for p in pages:
        w.write(p)
    w.close()
    assert out.getvalue() == to_json([i for p in pages for i in p]) and json.loads(out.getvalue())[2]["late"]
    out = io.StringIO()
    w = JsonlWriter(out)
    for p in pages:
        w.write(p)
    assert out.getvalue() == to_jsonl([i for p in pages for i in p])
    out = io.StringIO()
    w = CsvWriter(out, columns=("id", "a", "documented"))
    w.write(pages[0])
    w.write(pages[1], last=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["id", "a", "documented", "_extra"]          # fixed at the first page
    assert json.loads(rows[2]["_extra"]) == {"late": "x\u202e"} and w.extra_keys == {"late": None}


def test_table_output_is_bounded_and_says_so(capsys):
    from tui.commands.get_output import TableWriter
    out = io.StringIO()
    w = TableWriter(out, ("id",), bound=3)
    w.write([{"id": i} for i in range(4)])
    assert out.getvalue().count("\n") == 5                   # one block of 3 rows printed, one row held
    w.close()
    assert out.getvalue().count("id\n--\n") == 2 and "blocks of 3 rows" in capsys.readouterr().err


def test_stdout_reader_leaving_stops_the_walk(sim, tmp_path):
    cfg = sim_config(sim, tmp_path / "c.toml")
    p = subprocess.run(f"{shlex.join(avegraph('--config', cfg, 'get', JOBS, '--all', '--format', 'jsonl'))} | head -3",
                       shell=True, env=child_env(), capture_output=True, text=True, timeout=120)
    assert len(p.stdout.splitlines()) == 3 and "Traceback" not in p.stderr


# -- the curl copy of page 2 is replayable ---------------------------------------------------------------------

def test_the_curl_of_a_later_page_carries_its_cursor(sim):
    import asyncio

    from tests.faults import demo_tenant
    from tui.api.session import Session

    async def second_page():
        async with Session(demo_tenant(sim)) as s:
            pages = s.pager("iaas.jobs", page_size=5).pages()
            await pages.__anext__()
            return await pages.__anext__()
    page = asyncio.run(second_page())
    token = page.cursor_used
    curl = page.exchange.to_curl()
    assert token and shlex.split(curl)[2] == page.exchange.raw_url and "skiptoken=" in curl
    assert '"Authorization: Bearer $AVEGRAPH_TOKEN"' in curl and "eyJ" not in curl


# -- the Pager needs only a fetch callable ---------------------------------------------------------------------

def test_the_pager_walks_over_any_fetch_callable():
    import asyncio

    from tui.api.exchange import Exchange
    from tui.api.pager import Pager
    from tui.catalog import load_catalog
    endpoint = load_catalog().find("aos.audit")
    base = "https://api.example"
    asked = []

    async def fetch(*, params, body, url, why, on_wait):
        asked.append((params, url, why))
        page = 2 if url else 1
        data = {"data": [{"n": page}], "nextLink": "/aos/audit?skipToken=T2" if page == 1 else None}
        return Exchange(id=page, started_at=datetime.now(timezone.utc), method="GET",
                        raw_url=url or base + "/aos/audit", status=200, json=data)
    pager = Pager(fetch, endpoint, {"startTime": "a"}, base_url=base, url=base + "/aos/audit")
    items = asyncio.run(pager.all_items())
    assert items == [{"n": 1}, {"n": 2}] and pager.resume_cursor is None
    assert asked == [({"startTime": "a"}, None, "request"), (None, base + "/aos/audit?skipToken=T2", "nextLink")]


# -- config edge cases: exit 2 with a message ------------------------------------------------------------------

def _deep(path: Path) -> str:
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    return str(path)


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return str(path)


def _big(path: Path) -> str:
    path.write_text("# padding\n" * 120_000)
    return str(path)


def _number(value: str):
    def make(path: Path) -> str:
        path.write_text('[[tenants]]\nname = "a"\nenvironment = "commercial"\ndata_center = "us"\n'
                        f'client_id = "x"\nclient_secret_env = "X"\ntimeout_read = {value}\n')
        return str(path)
    return make


@pytest.mark.parametrize("make,message", [
    (lambda p: "/dev/zero", "the config path is a device, not a regular file"),
    (_fifo, "the config path is a FIFO (named pipe), not a regular file"),
    (lambda p: str(p.parent), "the config path is a directory, not a regular file"),
    (_big, "a config is at most 1,000,000 bytes (1 MB)"),
    (_deep, "nests arrays or tables too deeply"),
    (_number("inf"), "timeout_read must be a finite number of seconds (got inf"),
    (_number("-inf"), "timeout_read must be a finite number of seconds (got -inf"),
    (_number("nan"), "timeout_read must be a finite number of seconds (got nan"),
], ids=["dev-zero", "fifo", "directory", "over-1MB", "deep-nesting", "inf", "-inf", "nan"])
def test_config_edge_cases_exit_2_with_their_message(tmp_path, capsys, make, message):
    path = make(tmp_path / "config.toml")
    code, out, err = run(capsys, "get", "--config", path, JOBS)
    assert code == 2 and message in err and "Traceback" not in err and out == "", err


def test_the_config_demo_server_writes_raises_no_warning(sim, tmp_path, capsys):
    from tui.config import load_config
    from tui.simulator.cli import write_config
    path = tmp_path / "written.toml"
    write_config(str(path), sim)
    assert load_config(path).warnings == []
    code, out, err = run(capsys, "get", "--config", str(path), JOBS, "--format", "jsonl")
    assert code == 0 and "warning" not in err and len(out.splitlines()) == DEFAULT_PAGE
