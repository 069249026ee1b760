"""PermissionsModel without a pilot: tokens, the matrix, the probe and discovery runs, Esc."""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path

from tui import perms
from tui.api.claims import TokenClaims
from tui.catalog import load_catalog
from tui.ui.permissions.model import PermissionsModel

CAT = load_catalog()


def jwt(scope: str) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'none'})}.{b64({'scope': scope, 'iat': 1, 'exp': 4102444800})}.sig"


def infos(scope: str = "audit.read.all") -> list[perms.TokenInfo]:
    return [perms.TokenInfo("default", (), "https://id.example/connect/token", TokenClaims.from_token(jwt(scope)))]


def test_tokens_then_the_matrix():
    m = PermissionsModel("t")
    assert not m.has_token
    rows = m.build_matrix(CAT)
    assert {r["token"] for r in rows} == {"unknown"}                 # no token yet
    assert m.apply_tokens(infos()) and m.has_token
    assert not m.apply_tokens(infos())                               # the same scopes: nothing to rebuild
    rows = m.build_matrix(CAT)
    assert {r.endpoint.id for r in m.matrix if r.state == "granted"} == {"aos.audit"}
    assert len(rows) == len(CAT)
    failed = perms.TokenInfo("default", (), "", None, RuntimeError("down"))
    m.apply_tokens([failed])
    assert not m.has_token


def test_focus_endpoint_only_when_catalogued():
    assert PermissionsModel("t", "aos.jobs").focus_in(CAT) == "aos.jobs"
    assert PermissionsModel("t", "no.such").focus_in(CAT) is None
    assert PermissionsModel("t").focus_in(CAT) is None


def test_actions_wait_for_the_session_unless_it_failed():
    m = PermissionsModel("t")
    m.defer("probe")
    m.defer("probe")
    m.defer("discover")
    assert m.take_pending() == ["probe", "discover"] and m.take_pending() == []
    m.session_error = RuntimeError("no such tenant")
    m.defer("probe")
    assert m.pending == []


def test_a_probe_run_and_an_older_one_dropped():
    m = PermissionsModel("t")
    m.apply_tokens(infos())
    first = m.probe.start()
    second = m.probe.start()
    e = CAT.get("aos.audit")
    plans = [perms.ProbePlan(e), perms.ProbePlan(CAT.get("aos.jobs"), skip="not this time")]
    assert m.probe_started(first, plans, []) is None                 # superseded
    assert m.probe_started(second, plans, []) is False and m.probe.total == 1
    ok = perms.ProbeResult(e, "ok", 200)
    assert m.probe_row(first, ok) is None and m.probe.results == []
    row = m.probe_row(second, ok)
    assert row["outcome"] == "200" and row["token"] == "granted" and m.probe.results == [ok]
    assert m.probe_result_at(0) is ok and m.probe_result_at(1) is None and m.probe_result_at(None) is None
    assert m.to_cancel("token") == "probe"
    assert not m.probe_finished(first, cancelled=True, error=None) and m.probe.running
    assert m.probe_finished(second, cancelled=True, error=None)
    assert not m.probe.running and m.probe.note.startswith("stopped")
    m.probe.start()
    m.probe_finished(m.probe.number, cancelled=False, error="no token")
    assert m.probe.note == "not run: no token" and m.to_cancel("probe") is None


def test_a_probe_that_brings_new_scopes_rebuilds_the_matrix():
    m = PermissionsModel("t")
    m.apply_tokens(infos())
    run = m.probe.start()
    assert m.probe_started(run, [], infos("audit.read.all microsoft365backup.jobInfo.read.all")) is True


def test_discovery_and_which_run_esc_stops():
    m = PermissionsModel("t")
    run = m.discovery.start()
    granted = perms.DiscoveryResult("audit.read.all", "granted")
    assert m.discovery_row(run - 1, granted) is None
    assert m.discovery_row(run, granted)["result"] == "granted"
    assert m.discovery_result_at(0) is granted and m.discovery_result_at(5) is None
    assert m.to_cancel("probe") == "discovery"
    m.probe.start()
    assert m.to_cancel("probe") == "probe" and m.to_cancel("discovery") == "discovery"   # the tab shown first
    m.discovery_finished(run, cancelled=False, error="could not be asked")
    assert m.discovery.note == "could not be asked" and not m.discovery.running


def test_the_model_imports_no_textual():
    tree = ast.parse(Path("tui/ui/permissions/model.py").read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.split(".")[0] in ("textual", "rich")}
