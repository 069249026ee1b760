"""Saved requests: [[saved]] round-trips through the config file with every other tenant and key kept,
bad tables never stop the config loading, export/import holds no secret, and `avegraph get @name`
sends the request the explorer sends for it (tui.catalog.query.resolve_saved, one function)."""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone

import pytest
import tomli_w

from tui.cli import main
from tui.config import (ConfigError, SavedRequest, delete_saved, export_saved, import_saved, load_config,
                        read_saved_file, upsert_saved, upsert_tenant)

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
SECRET = "SENTINEL-literal-secret-0042"

OTHER = {
    "default_tenant": "b",
    "theme": "nord",
    "future_setting": {"x": 1},
    "tenants": [
        {"name": "a", "data_center": "us", "client_id": "cid-a", "client_secret": SECRET, "mystery": [1, 2]},
        {"name": "b", "data_center": "de", "client_id": "cid-b", "client_secret_env": "B_SECRET",
         "timeout_read": 45},
    ],
    "saved": [{"name": "first", "endpoint": "aos.jobs", "colour": "blue", "params": {"sortorder": "1"}}],
}


def write(path, doc):
    path.write_text(tomli_w.dumps(doc))
    path.chmod(0o600)
    return path


def test_a_saved_request_round_trips_with_every_other_tenant_and_key_kept(tmp_path):
    path = write(tmp_path / "config.toml", OTHER)
    req = SavedRequest(name="failed-today", endpoint="m365.cloudbackupjobs", tenant="b", note="M365 failures",
                       params={"jobState": "3", "since": "24h", "status": ["500", "200"]})
    assert upsert_saved(path, req) is False
    config = load_config(path)
    assert [s.name for s in config.saved] == ["first", "failed-today"]
    back = config.saved_request("failed-today", "b")
    assert back == req
    assert config.saved_for("a") == [config.saved[0]]             # tenant b's request is not a's
    doc = tomllib.loads(path.read_text())
    before = {k: v for k, v in OTHER.items() if k != "saved"}
    assert {k: v for k, v in doc.items() if k != "saved"} == before
    assert doc["saved"][0] == OTHER["saved"][0]                     # unknown key 'colour' kept
    # replacing keeps the table's unknown keys; a tenant edit keeps the saved requests
    upsert_saved(path, SavedRequest(name="first", endpoint="aos.jobs", params={"sortorder": "0"}))
    upsert_tenant(path, load_config(path).tenant("b"))
    doc = tomllib.loads(path.read_text())
    assert doc["saved"][0] == {"name": "first", "endpoint": "aos.jobs", "colour": "blue", "params": {"sortorder": "0"}}
    assert doc["saved"][1]["params"] == {"jobState": "3", "since": "24h", "status": ["500", "200"]}
    assert doc["tenants"][0] == OTHER["tenants"][0]
    assert doc["tenants"][1].items() >= OTHER["tenants"][1].items()     # upsert_tenant writes environment, auth
    assert delete_saved(path, "FIRST") and not delete_saved(path, "first")
    assert [s.name for s in load_config(path).saved] == ["failed-today"]


def test_bad_saved_tables_are_skipped_with_a_warning(tmp_path):
    doc = {"tenants": [{"name": "a", "data_center": "us", "client_id": "c", "client_secret_env": "X"}],
           "saved": [{"name": "has space", "endpoint": "aos.jobs"}, {"name": "noend"},
                     {"name": "ok", "endpoint": "aos.jobs", "params": {"skipToken": "abc", "top": 5}},
                     {"name": "OK", "endpoint": "aos.jobs"}, "not a table"]}
    config = load_config(write(tmp_path / "c.toml", doc))
    assert [(s.name, s.params) for s in config.saved] == [("ok", {"top": "5"})]
    warnings = " | ".join(config.saved_warnings)
    for part in ("'has space'", "endpoint is missing", "'skipToken' is a paging cursor",
                 "two saved requests are named 'OK'", "#5 is not a table"):
        assert part in warnings


def test_a_secret_or_a_bad_name_is_never_written(tmp_path):
    path = write(tmp_path / "c.toml", OTHER)
    with pytest.raises(ConfigError, match="credential"):
        upsert_saved(path, SavedRequest(name="x", endpoint="aos.jobs", params={"apiKey": "k"}))
    with pytest.raises(ConfigError, match="letters, digits"):
        upsert_saved(path, SavedRequest(name="a b", endpoint="aos.jobs"))
    with pytest.raises(ConfigError, match="already exists"):
        upsert_saved(path, SavedRequest(name="first", endpoint="aos.jobs"), replace=False)
    assert tomllib.loads(path.read_text()) == OTHER


def test_export_then_import_shares_requests_and_no_secret(tmp_path):
    path = write(tmp_path / "mine.toml", OTHER)
    upsert_saved(path, SavedRequest(name="b-only", endpoint="aos.jobs", tenant="b"))
    shared = export_saved(load_config(path).saved, tmp_path / "team.toml")
    text = shared.read_text()
    assert SECRET not in text and "client_secret" not in text and "tenants" not in text
    theirs = write(tmp_path / "theirs.toml", {"tenants": [{"name": "z", "data_center": "us", "client_id": "c",
                                                           "client_secret_env": "Z"}],
                                              "saved": [{"name": "first", "endpoint": "d365.jobs"}]})
    requests, problems = read_saved_file(shared)
    assert problems == []
    added, replaced, skipped = import_saved(theirs, requests)
    assert (added, replaced, skipped) == (["b-only"], [], ["first"])
    config = load_config(theirs)
    assert config.saved_request("first").endpoint == "d365.jobs"          # theirs kept without --replace
    assert config.saved_request("b-only", "z").tenant is None             # tenant b is not theirs: any tenant
    assert import_saved(theirs, requests, replace=True)[1] == ["first", "b-only"]


def test_import_refuses_a_file_that_is_not_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[saved]\nname=")
    with pytest.raises(ConfigError, match="TOML syntax error"):
        read_saved_file(bad)


# -- the command line ------------------------------------------------------------------------------

@pytest.fixture
def cfg(sim, tmp_path):
    d = next(d for d in sim.tenant_dicts() if d["name"] == "demo-aos")
    d = {k: v for k, v in d.items() if k not in ("demo", "accent")}
    return str(write(tmp_path / "config.toml", {"tenants": [d], "default_tenant": "demo-aos"}))


@pytest.fixture
def frozen():
    from tui import clock
    clock.freeze(NOW)
    yield NOW
    clock.thaw()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_get_at_name_sends_what_the_explorer_sends(sim, cfg, capsys, frozen):
    """`saved add` with the `:` syntax, then `get @name`: the request on the wire is the one built by
    resolve_saved, the function the explorer opens a saved request with."""
    from tui.catalog import load_catalog
    from tui.catalog.query import resolve_saved
    code, _, err = run(capsys, "saved", "add", "--config", cfg, "failed-today", "jobs", "state=failed", "since=24h")
    assert code == 0, err
    req = load_config(cfg).saved_request("failed-today")
    assert req.endpoint == "m365.cloudbackupjobs" and req.params == {"jobState": "3", "since": "24h"}
    before = len(sim.requests)
    code, out, err = run(capsys, "get", "--config", cfg, "@failed-today", "--format", "jsonl")
    assert code == 0, err
    (sent,) = [r for r in sim.requests[before:] if r.kind == "api"]
    explorer = resolve_saved(load_catalog(), req)
    assert sent.path == "/backup/m365/cloudbackupjobs"
    for name, value in {**explorer.params}.items():
        assert (name, value) in sent.query_pairs
    assert ("startTime", "2026-11-01T09:30:00Z") in sent.query_pairs
    assert out.strip() and all('"Failed"' in line for line in out.strip().splitlines())


def test_get_at_name_errors_name_the_saved_requests(sim, cfg, capsys):
    run(capsys, "saved", "add", "--config", cfg, "mine", "aos.jobs")
    code, _, err = run(capsys, "get", "--config", cfg, "@nope")
    assert code == 2 and "no saved request named 'nope'" in err and "mine" in err
    code, _, err = run(capsys, "saved", "add", "--config", cfg, "bad", "jobs", "colour=red")
    assert code == 2 and "unknown parameter 'colour'" in err and "valid:" in err


def test_saved_list_export_import_delete(sim, cfg, capsys, tmp_path):
    run(capsys, "saved", "add", "--config", cfg, "--note", "newest first", "recent", "aos.jobs", "sortorder=newest")
    code, out, _ = run(capsys, "saved", "list", "--config", cfg)
    assert code == 0 and "@recent" in out and "sortorder=1" in out and "newest first" in out
    team = tmp_path / "team.toml"
    assert run(capsys, "saved", "export", "--config", cfg, str(team))[0] == 0
    assert run(capsys, "saved", "delete", "--config", cfg, "recent")[0] == 0
    assert load_config(cfg).saved == []
    code, _, err = run(capsys, "saved", "import", "--config", cfg, str(team))
    assert code == 0 and "imported @recent" in err
    assert load_config(cfg).saved_request("recent").params == {"sortorder": "1"}
