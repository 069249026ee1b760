"""Issue 19, items 10 and 11: a first run without a config says what to do with what a pip user
has (``--demo``, the tenant screen's Add, ``avegraph config example``), and every file avegraph
touches lives under the XDG directories (``doctor --demo`` included)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- item 10: the missing-config message and `avegraph config example` ---------------------------------

def test_the_packaged_example_is_the_top_level_example():
    from tui.commands.config import example_text
    assert example_text() == (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert (ROOT / "tui" / "config" / "config.example.toml").read_bytes() == (ROOT / "config.example.toml").read_bytes()


def test_the_example_ships_as_package_data():
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "config/config.example.toml" in doc["tool"]["setuptools"]["package-data"]["tui"]


def test_every_data_file_of_the_package_ships_in_the_wheel():
    """What ``pip install .`` installs is the package-data globs, not the checkout: a stylesheet a
    screen loads (``CSS_PATH``) that no glob matches is missing from the wheel, and that screen
    fails to open. The tests import tui from the checkout, so only this check sees it."""
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = doc["tool"]["setuptools"]["package-data"]["tui"]
    package = ROOT / "tui"
    shipped = {p for g in globs for p in package.glob(g)}
    data = {p for p in package.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
            and "__pycache__" not in p.parts}
    assert data - shipped == set(), "add a package-data glob for these files in pyproject.toml"
    named = 0
    for module in package.rglob("*.py"):          # every CSS_PATH names a file that exists
        text = module.read_text(encoding="utf-8")
        for name in re.findall(r'CSS_PATH = (?:Path\(__file__\)\.with_name\()?"([^"]+)"', text):
            assert (module.parent / name).is_file(), f"{module}: CSS_PATH {name}"
            named += 1
    assert named >= 2                             # the permissions and failed-jobs screens


def test_missing_config_suggests_what_a_pip_user_has(tmp_path, capsys):
    path = tmp_path / "nope" / "config.toml"
    code, out, err = run(capsys, "get", "--config", str(path), "aos.jobs")
    assert code == 2 and out == ""
    assert str(path) in err
    assert "avegraph --demo" in err
    assert "Add" in err and "tenant screen" in err
    assert f"avegraph config example --write {path}" in err
    assert "sources" not in err and "config.example.toml" not in err   # no file a pip user lacks


def test_config_example_prints_the_example(capsys):
    code, out, err = run(capsys, "config", "example")
    assert code == 0 and out == (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert tomllib.loads(out)["tenants"]


def test_config_example_write_puts_it_at_the_config_path_0600_and_never_overwrites(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    target = tmp_path / "xdg" / "avegraph" / "config.toml"
    code, out, err = run(capsys, "config", "example", "--write")
    assert code == 0 and out == "" and str(target) in err
    assert target.read_text(encoding="utf-8") == (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_text("# mine\n")
    code, out, err = run(capsys, "config", "example", "--write")
    assert code == 2 and "already exists" in err and target.read_text() == "# mine\n"
    other = tmp_path / "other.toml"
    code, out, err = run(capsys, "config", "example", "--write", str(other))
    assert code == 0 and other.exists()


# -- item 11: every path under the XDG directories ---------------------------------------------------------

def test_doctor_demo_reports_and_writes_only_under_the_xdg_dirs(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    xdg = {"XDG_CONFIG_HOME": tmp_path / "cfg", "XDG_STATE_HOME": tmp_path / "state",
           "XDG_DATA_HOME": tmp_path / "data"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "AVEGRAPH_CONFIG"}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), **{k: str(v) for k, v in xdg.items()})
    proc = subprocess.run([sys.executable, "-m", "tui", "doctor", "--demo"], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = proc.stdout
    shown = {Path(p.rstrip(",;:)")) for p in re.findall(r"(/[^\s,;]+)", report)
             if p.startswith(str(tmp_path))}
    assert shown, report
    for p in shown:
        assert any(p.is_relative_to(d) for d in xdg.values()), f"{p} is outside the XDG dirs:\n{report}"
    assert f"data {xdg['XDG_DATA_HOME'] / 'avegraph'}" in report
    assert f"demo credentials in {xdg['XDG_DATA_HOME'] / 'avegraph' / 'demo'}" in report
    assert list(home.iterdir()) == [], "doctor --demo wrote under $HOME despite the XDG dirs"
    assert (xdg["XDG_DATA_HOME"] / "avegraph" / "demo").is_dir()
