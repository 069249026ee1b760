"""The README's keyboard table is the app's bindings, and its commands are the CI's."""

from __future__ import annotations

import re
from pathlib import Path

from tui.ui.keys import markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_keyboard_table_matches_the_bindings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- keys:start -->\n(.*?)\n<!-- keys:end -->", readme, re.S)
    assert block, "README lacks the keys markers"
    assert block.group(1).strip() == markdown_table().strip(), (
        "README keys drifted: regenerate with "
        "python -c 'from tui.ui.keys import markdown_table; print(markdown_table())'")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    cmd = "pip install '.[test]' && python -m pytest"
    assert cmd in readme and cmd in ci
    assert "pip install . && avegraph --demo" in readme


def test_every_config_example_key_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    keys = set(re.findall(r"^#?\s?([a-z_]+)\s*=", example, re.M))
    missing = [k for k in keys if f"`{k}`" not in readme]
    assert not missing, missing


def test_global_options_reach_sub_commands():
    from tui.cli import build_parser
    args = build_parser().parse_args(["--demo", "--tenant", "demo-partner", "get", "/aos/jobs"])
    assert args.demo and args.tenant == "demo-partner"
    args = build_parser().parse_args(["get", "--demo", "/aos/jobs"])
    assert args.demo and args.tenant is None and args.config is None
