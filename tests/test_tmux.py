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
