"""The headless commands against the simulator: `get` (every job once as CSV, formats, --output,
validation before any request), `endpoints`, `token`, and the exit code of each failure class."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys

import pytest
import tomli_w

from tui.cli import main

JOBS = "/backup/m365/cloudbackupjobs"


def write_config(path, tenants, default=None):
    doc = {"tenants": tenants}
    if default:
        doc["default_tenant"] = default
    path.write_text(tomli_w.dumps(doc))
    return str(path)


def sim_tenant(sim, name="demo-aos", **over):
    d = next(d for d in sim.tenant_dicts() if d["name"] == name)
    d = {k: v for k, v in d.items() if k not in ("demo", "accent")}
    d.update(over)
    return d


@pytest.fixture
def cfg(sim, tmp_path):
    return write_config(tmp_path / "config.toml", [sim_tenant(sim)], default="demo-aos")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- get ----------------------------------------------------------------------------------------------

def test_get_all_as_csv_writes_every_job_once(sim, cfg, capsys):
    code, out, err = run(capsys, "get", "--config", cfg, JOBS, "--all", "--since", "all", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = sim.dataset.items("m365.cloudbackupjobs")
    assert [r["id"] for r in rows] == [j["id"] for j in expected]
    assert len({r["id"] for r in rows}) == len(rows) == 5000
    first = expected[0]
    assert json.loads(rows[0]["backupDetails"]) == first["backupDetails"]      # nested values as compact JSON


def test_get_output_file_is_written_atomically(sim, cfg, capsys, tmp_path):
    target = tmp_path / "out" / "jobs.jsonl"
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "--max-pages", "2",
                         "-p", "pageSize=25", "--format", "jsonl", "--output", str(target))
    assert code == 0 and out == ""
    lines = target.read_text().splitlines()
    assert len(lines) == 50 and json.loads(lines[0])["id"] == sim.dataset.items("m365.cloudbackupjobs")[0]["id"]
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert "more pages exist" in err
    assert [p.name for p in target.parent.iterdir()] == ["jobs.jsonl"]                 # no temp file left


def test_get_a_concrete_path_fills_the_path_params(sim, cfg, capsys):
    job = sim.dataset.items("m365.cloudbackupjobs")[3]
    code, out, err = run(capsys, "get", "--config", cfg, f"{JOBS}/{job['id']}")
    assert code == 0, err
    body = json.loads(out)
    assert body["id"] == job["id"]          # the job itself, not its {statusCode, data} envelope


def test_get_by_label_and_table_format(sim, cfg, capsys):
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "jobState=Failed",
                         "--format", "table", "-v")
    assert code == 0, err
    assert "Failed" in out and "state" in out.splitlines()[0]
    assert "jobState=3" in err and "page 1:" in err and "request-id" in err


def test_get_demo_runs_its_own_simulator(capsys):
    code, out, err = run(capsys, "get", "--demo", "m365.cloudbackupjobs", "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)) == 100                                        # the explorer's page size


def test_bad_values_are_refused_before_any_request(sim, cfg, capsys):
    n = len(sim.requests)
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "jobState=Broken")
    assert code == 2 and "allowed: 0 (All), 1 (In Progress), 2 (Finished), 3 (Failed)" in err
    code, out, err = run(capsys, "get", "--config", cfg, "aos.audit", "--since", "all")  # no default window
    assert code == 2 and "startTime" in err and "required" in err
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs-item")
    assert code == 2 and "jobId" in err
    code, out, err = run(capsys, "get", "--config", cfg, "/partner/external/v3/general/customers")
    assert code == 2 and "write operation" in err and "never sent" in err
    code, out, err = run(capsys, "get", "--config", cfg, "/no/such/path")
    assert code == 2 and "no documented endpoint" in err
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjob")
    assert code == 2 and "m365.cloudbackupjobs" in err                        # did you mean
    assert len(sim.requests) == n


# -- exit codes ---------------------------------------------------------------------------------------------

def test_exit_code_config_error(tmp_path, capsys):
    code, out, err = run(capsys, "get", "--config", str(tmp_path / "missing.toml"), JOBS)
    assert code == 2 and "no config file" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("tenants = [[[")
    assert run(capsys, "get", "--config", str(bad), JOBS)[0] == 2


def test_exit_code_unknown_tenant(cfg, capsys):
    code, out, err = run(capsys, "get", "--config", cfg, "--tenant", "nope", JOBS)
    assert code == 2 and "nope" in err


def test_exit_code_auth(sim, tmp_path, capsys):
    wrong = tmp_path / "secret"
    wrong.write_text("not-the-secret")
    cfg = write_config(tmp_path / "c.toml", [sim_tenant(sim, client_secret_file=str(wrong))])
    code, out, err = run(capsys, "get", "--config", cfg, JOBS)
    assert code == 3 and "invalid_client" in err and "hint:" in err and out == ""


def test_exit_code_404(sim, cfg, capsys):
    code, out, err = run(capsys, "get", "--config", cfg, f"{JOBS}/NO-SUCH-JOB")
    assert code == 4 and "404" in err and "request-id" in err


def test_exit_code_500(sim, cfg, capsys):
    sim.force(JOBS, status=500, times=1)
    code, out, err = run(capsys, "get", "--config", cfg, JOBS)
    assert code == 5 and "500" in err


def test_exit_code_network(sim, tmp_path, capsys, monkeypatch):
    from tui.api.http import ApiClient
    monkeypatch.setattr(ApiClient, "_backoff", lambda self, attempt: 0.0)     # the retries, without the waits
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cfg = write_config(tmp_path / "c.toml", [sim_tenant(sim, api_url=f"http://127.0.0.1:{port}")])
    code, out, err = run(capsys, "get", "--config", cfg, JOBS)
    assert code == 5 and "connection refused" in err and f"127.0.0.1:{port}" in err


def test_partial_result_then_the_error(tmp_path, capsys):
    from tests.faults import FaultServer
    with FaultServer() as fs:
        fs.route("/aos/jobs", "json", body={"jobs": [{"id": "a"}, {"id": "b"}], "totalCount": 4,
                                            "nextLink": fs.base_url + "/aos/jobs-page-2"})
        fs.route("/aos/jobs-page-2", "json", status=500, body={"message": "page 2 broke"})
        cfg = write_config(tmp_path / "c.toml", [{
            "name": "f", "client_id": "fault-client", "client_secret": "fault-secret-value-0001",
            "environment": "commercial", "api_url": fs.base_url, "elements_url": fs.base_url,
            "token_url": fs.token_url}])
        os.chmod(cfg, 0o600)
        code, out, err = run(capsys, "get", "--config", cfg, "aos.jobs", "--all", "--format", "jsonl")
        assert code == 5 and [json.loads(x) for x in out.splitlines()] == [{"id": "a"}, {"id": "b"}]
        assert "partial result: 2 items" in err and "page 2 broke" in err
        # The rows that arrived are kept in the file (whole rows), with the cursor to continue from.
        target = tmp_path / "jobs.json"
        code, out, err = run(capsys, "get", "--config", cfg, "aos.jobs", "--all", "-o", str(target))
        assert code == 5 and json.loads(target.read_text()) == [{"id": "a"}, {"id": "b"}]
        assert f"written to {target}" in err and f"--resume {fs.base_url}/aos/jobs-page-2" in err


# -- endpoints and token -----------------------------------------------------------------------------------

def test_endpoints_lists_with_scopes(capsys):
    code, out, err = run(capsys, "endpoints", "--service", "m365", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows} >= {"m365.cloudbackupjobs", "m365.cloudbackupjobs-item"}
    assert all(r["access"] == "read" for r in rows)
    jobs = next(r for r in rows if r["id"] == "m365.cloudbackupjobs")
    assert jobs["scopes"] == ["microsoft365backup.jobInfo.read.all"] and jobs["paging"] == "page_index"
    code, out, err = run(capsys, "endpoints", "--all", "--service", "m365")
    assert "write, never sent" in out and "m365.cloudbackupjobs" in out
    code, out, err = run(capsys, "endpoints", "--service", "nope")
    assert code == 2 and "services:" in err
    code, out, err = run(capsys, "endpoints", "--search", "audit")
    assert code == 0 and "aos.audit" in out


def test_token_shows_claims_not_the_token(sim, cfg, capsys):
    code, out, err = run(capsys, "token", "--config", cfg, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    (tok,) = doc["tokens"]
    assert tok["bundle"] == "default" and "audit.read.all" in tok["scopes"] and 3500 <= tok["expires_in"] <= 3600
    assert "access_token" not in tok and "eyJ" not in out


def test_token_per_bundle_with_scopes(sim, tmp_path, capsys):
    cfg = write_config(tmp_path / "c.toml", [sim_tenant(sim, scopes=["audit.read.all",
                                                                      "microsoft365backup.jobInfo.read.all"])])
    code, out, err = run(capsys, "token", "--config", cfg)
    assert code == 0, err
    assert "bundle aos" in out and "bundle m365" in out and "expires" in out and "eyJ" not in out


def test_token_lists_the_bundles_it_got_and_the_refused_one(sim, tmp_path, capsys):
    cfg = write_config(tmp_path / "c.toml", [sim_tenant(sim, "demo-restricted",
                                                       scopes=["audit.read.all", "enpower.data.read.all"])])
    code, out, err = run(capsys, "token", "--config", cfg)
    assert code == 3, err                                 # the refusal's exit code, after the output
    aos, enpower = out.split("bundle enpower")
    assert "bundle aos" in aos and "expires" in aos and "audit.read.all" in aos
    assert "no token:" in enpower and "invalid_scope" in enpower and "authentication failed" in err
    code, out, err = run(capsys, "token", "--config", cfg, "--format", "json")
    tokens = {t["bundle"]: t for t in json.loads(out)["tokens"]}
    assert code == 3 and tokens["aos"]["state"] == "valid" and tokens["enpower"]["error_code"] == "invalid_scope"


def test_headless_paths_never_import_textual(sim, cfg):
    code = ("import sys; from tui.cli import main; "
            f"rc = main(['get', '--config', {cfg!r}, 'm365.cloudbackupjobs', '--format', 'csv']); "
            "rc2 = main(['endpoints']); "
            f"rc3 = main(['token', '--config', {cfg!r}]); "
            "assert 'textual' not in sys.modules, 'textual imported'; sys.exit(rc or rc2 or rc3)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL, env={**os.environ})
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("id,")
