"""`avegraph endpoints` shows every documented path whole: piped nothing is cut, on a terminal the paths
never are (scopes and ids give up width first); --format json and csv carry the same rows."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tui.catalog import load_catalog
from tui.commands.endpoints import _row, format_table, select

ROOT = Path(__file__).resolve().parents[1]
COLS = ["id", "method", "path", "scopes", "paging", "access"]


def run_piped(*argv: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "tui", "endpoints", *argv], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_piped_table_cuts_nothing_and_shows_every_path_whole():
    out = run_piped("--all")                     # `avegraph endpoints --all | grep -c '…'` prints 0
    assert out.count("…") == 0
    words = set(out.split())
    missing = [e.path for e in load_catalog() if e.path not in words]
    assert not missing
    read_only = run_piped()
    assert read_only.count("…") == 0
    assert all(e.path in read_only.split() for e in load_catalog() if e.read_only)


def test_terminal_table_keeps_paths_whole_and_fits_when_it_can():
    rows = [_row(e) for e in select(load_catalog(), include_writes=True)]
    longest_path = max(len(r["path"]) for r in rows)
    for width in (240, 200, 160):
        text = format_table(rows, COLS, terminal_width=width)
        lines = text.splitlines()
        assert all(r["path"] in text.split() for r in rows)
        if longest_path + 74 <= width:            # ids and scopes at their floors (18, 12)
            assert max(len(line) for line in lines[:-1]) <= width
    narrow = format_table(rows, COLS, terminal_width=60)      # too narrow: the paths still whole
    assert all(r["path"] in narrow.split() for r in rows)


def test_csv_and_json_formats():
    rows = list(csv.DictReader(io.StringIO(run_piped("--format", "csv", "--service", "elements"))))
    assert rows and {"id", "method", "path", "scopes"} <= set(rows[0])
    assert any(r["path"].endswith("/type/{productType}/overview") for r in rows)
    doc = json.loads(run_piped("--format", "json", "--search", "overview"))
    over = next(d for d in doc if d["path"].endswith("/type/{productType}/overview"))
    enum = next(p for p in over["params"] if p["name"] == "productType")["enum"]
    assert {"value": "2048", "label": "Cloud Backup for Microsoft 365"} in enum
