"""No stored snapshot, of any screen, shows a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "__snapshots__"


def test_snapshots_hold_no_secret(frozen_sim):
    """The demo tenants' client secrets and any bearer token never reach a stored snapshot."""
    files = list(SNAPSHOTS.glob("**/*.svg"))
    if not files:
        pytest.skip("no snapshots yet: run pytest --snapshot-update once")
    secrets = [t.secret for t in frozen_sim.tenants if t.secret]
    for f in files:
        text = f.read_text()
        assert "eyJ" not in text, f"{f.name} shows a JWT"
        for s in secrets:
            assert s not in text, f"{f.name} shows a client secret"
