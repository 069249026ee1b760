"""`avegraph --demo` in a real terminal (tmux) at 80x24: walk the tour with send-keys, read the screen.

This is how a person over SSH meets the app: a real pty, TERM=xterm-256color, no mouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, tmp_path, width=80, height=24):
        self.name = f"avegraph-{uuid.uuid4().hex[:8]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(tmp_path / "config"),
                   XDG_DATA_HOME=str(tmp_path / "data"), AVEGRAPH_CONFIG=str(tmp_path / "config.toml"))
        self.env = env
        cmd = f"{sys.executable} -m tui --demo"
        subprocess.run(["tmux", "-L", self.name, "new-session", "-d", "-s", self.name, "-x", str(width),
                        "-y", str(height), cmd], check=True, env=env)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "-L", self.name, "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True, env=self.env)
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, *keys], check=True, env=self.env)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)          # polling a real terminal: there is no event to wait on
        raise AssertionError(f"{text!r} not on screen:\n{self.screen()}")

    def gone(self, text: str, timeout: float = 10.0) -> str:
        """Poll until ``text`` is no longer on screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} still on screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True, env=self.env)


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path)
    yield t
    t.close()


def test_tour_at_80x24(tmux):
    tmux.wait_for("No config file yet")
    screen = tmux.wait_for("demo-restricted")
    assert "READ-ONLY" in screen
    tmux.keys("Enter")                       # the highlighted demo tenant (demo-aos) opens
    screen = tmux.wait_for("Cloud Backup for")
    assert "demo-aos" in screen and "DEMO" in screen
    tmux.keys(":")
    tmux.wait_for(":failed")
    tmux.keys("j", "o", "b", "s")
    tmux.keys("Enter")
    screen = tmux.wait_for("page 1")
    assert "/aos/jobs" in screen and "request-id" in screen
    tmux.keys("i")
    screen = tmux.wait_for("first byte")
    assert "200" in screen
    tmux.keys("Escape")
    tmux.keys("?")
    tmux.wait_for("avegraph keys")
    tmux.keys("Escape")
    tmux.keys("C-q")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        probe = subprocess.run(["tmux", "-L", tmux.name, "has-session", "-t", tmux.name],
                               capture_output=True, env=tmux.env)
        if probe.returncode != 0:
            return
        time.sleep(0.1)
    raise AssertionError("avegraph did not quit on Ctrl+Q")


def test_keyboard_walk_at_80x24_without_tab(tmux):
    """Issue 19: tenant -> open -> table -> PgDn loads page 2 -> Enter on a row -> `:audit` -> 403 -> P,
    by keys only (never Tab), reading the pane at each step."""
    tmux.wait_for("demo-restricted")
    tmux.keys("Down", "Down", "Enter")                 # demo-aos, demo-partner, demo-restricted
    screen = tmux.wait_for("Failed jobs")
    assert "demo-restricted" in screen
    # the tree has focus: Failed jobs, Permissions, AvePoint Online Services; Enter opens the service
    tmux.keys("Down", "Down", "Down", "Enter")
    tmux.wait_for("Audit Records")                    # the catalogue's title without its "Retrieve"
    tmux.keys("Down", "Enter")
    screen = tmux.wait_for("page 1")
    assert "GET /aos/audit" in screen and "last 7 days · Ctrl+R edit" in screen    # the form, run and folded
    assert "actionName" in screen                     # the table, where the keys now go
    for _ in range(12):                               # PgDn walks the rows; near the end the next page comes
        tmux.keys("PageDown")
        time.sleep(0.2)
        if "page 2" in tmux.screen():
            break
    screen = tmux.wait_for("page 2")
    assert "200 of" in screen
    tmux.keys("Enter")                                # the row's JSON in the inspector
    screen = tmux.wait_for("ITEM")
    assert '"actionName"' in screen
    tmux.keys(":")
    tmux.wait_for(":tenants")
    tmux.keys("a", "u", "d", "i", "t")
    screen = tmux.wait_for("/dmso/audits")
    tmux.keys("Down", "Enter")                        # the DMSO audit: a scope this app does not hold
    screen = tmux.wait_for("403 Forbidden")
    status = next(line.strip() for line in screen.splitlines() if line.strip().startswith("403 Forbidden"))
    assert "missing scope dmso.graph.readwrite.all · P permissions" in status[:70]
    assert "0 · page 0" not in screen and "ITEM" not in screen      # the inspector closed over the new table
    assert "Add the scope in AvePoint Online Services" in " ".join(screen.split())   # the detail, wrapped
    tmux.keys("P")
    screen = tmux.wait_for("Scope matrix")
    assert "dmso" in screen.lower()
