"""Shared fixtures: an isolated environment and the API simulator.

- ``_isolated_environment`` (autouse, session): HOME, XDG_DATA_HOME, XDG_CONFIG_HOME,
  XDG_CACHE_HOME and XDG_STATE_HOME point into a temporary directory, so no test reads or writes
  the real home (the demo credentials land there too); AVEGRAPH_CONFIG and the proxy variables
  are removed. The fixture's value is that directory.
- ``sim`` (session): a started ``SimulatorServer(seed=1)`` without faults. Tests that change its
  knobs must put them back; prefer ``make_sim`` for faults.
- ``make_sim`` (function): ``make_sim(**knobs)`` returns a started server; all are stopped at
  teardown.
"""

from __future__ import annotations

import os

import pytest

_REMOVED = ("AVEGRAPH_CONFIG", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory):
    root = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    os.environ["HOME"] = str(root)
    for name, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                      ("XDG_STATE_HOME", "state")):
        path = root / sub
        path.mkdir()
        os.environ[name] = str(path)
    for name in _REMOVED:
        os.environ.pop(name, None)
    yield root
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def sim(_isolated_environment):
    from tui.simulator import SimulatorServer
    server = SimulatorServer(seed=1).start()
    yield server
    server.stop()


@pytest.fixture
def make_sim(_isolated_environment):
    from tui.simulator import SimulatorServer
    servers = []

    def factory(**knobs):
        knobs.setdefault("seed", 1)
        server = SimulatorServer(**knobs).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def frozen_sim(_isolated_environment):
    """A fresh server per test: request ids count occurrences, so a shared one would make a
    snapshot depend on which tests ran before it."""
    from tests.ui_helpers import FROZEN
    from tui.simulator import SimulatorServer
    with SimulatorServer(seed=1, now=FROZEN, clock=lambda: FROZEN) as server:
        yield server


@pytest.fixture
def snap_app(frozen_sim, tmp_path, monkeypatch):
    """A factory of the app as users run it, over ``frozen_sim``, with ``tui.clock`` frozen at ``FROZEN``
    and a history file of its own (the persistent history would show other tests' requests)."""
    from tests.ui_helpers import FROZEN, FrozenApp
    from tui import clock
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    clock.freeze(FROZEN)
    try:
        yield lambda: FrozenApp(frozen_sim, tmp_path / "config.toml")
    finally:
        clock.thaw()
