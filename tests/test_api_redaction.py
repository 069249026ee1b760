"""A sentinel client secret and a sentinel access token never appear in any rendering: Exchange
str/repr/headers/dict/curl, error messages, CLI output at -v and -vv, or any log line at DEBUG."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote_plus

import pytest
import tomli_w

from tests.faults import FaultServer, Sleeps, make_tenant
from tui.api.errors import ApiError
from tui.api.session import Session

SECRET = "SENTINEL-SECRET-7c1e9a55b0d2"
TOKEN = "eyJTENTINEL.ACCESS-TOKEN-PAYLOAD-4f3e2d1c.SIG-b7a6"
JOBS = "/backup/m365/cloudbackupjobs"


def _forbidden() -> list[str]:
    basic = base64.b64encode(f"fault-client:{quote_plus(SECRET)}".encode()).decode()
    return [SECRET, TOKEN, basic, quote_plus(SECRET), TOKEN.split(".")[1]]


def assert_clean(text: str, where: str) -> None:
    for s in _forbidden():
        assert s not in text, f"a secret leaked into {where}"


def renderings(ex) -> dict[str, str]:
    return {
        "str": str(ex), "repr": repr(ex), "summary": ex.summary(), "url": ex.url, "display_url": ex.display_url(),
        "request headers": json.dumps(ex.masked_request_headers()),
        "response headers": json.dumps(ex.masked_response_headers()),
        "dict": json.dumps(ex.to_dict(), default=str), "curl": ex.to_curl(), "error": str(ex.error),
        "body": json.dumps(ex.json, default=str) + str(ex.text),
    }


@pytest.fixture
def fs():
    server = FaultServer().start()
    server.route("/connect/token", "token", access_token=TOKEN)
    yield server
    server.stop()


@pytest.mark.parametrize("transport", ["body", "basic"])
async def test_no_rendering_holds_the_secret_or_the_token(fs, caplog, transport):
    caplog.set_level(logging.DEBUG)
    fs.route(JOBS, "status", code=401, times=1, body={"data": [{"id": 1}], "metadata": {"totalCount": 1}})
    fs.route("/aos/jobs", "status", code=429, times=1, retry_after=1)
    fs.route("/aos/audit", "html502")
    fs.route("/dmso/audits", "json", body={"data": [], "echo": "Bearer " + TOKEN}, status=400)
    errors: list[ApiError] = []
    async with Session(make_tenant(fs.base_url, secret=SECRET, secret_transport=transport), sleep=Sleeps()) as s:
        await s.request("m365.cloudbackupjobs")                 # 401 -> refresh -> retry
        await s.request("aos.jobs")                             # 429 -> retry
        for eid in ("aos.audit", "dmso.audits"):
            try:
                await s.request(eid)
            except ApiError as exc:
                errors.append(exc)
        history = list(s.history)
        claims = await s.token_claims()
    # the server did get the real credentials: the test would prove nothing otherwise
    token_req = fs.hits("/connect/token")[0]
    assert (SECRET in token_req.body.decode().replace("%2D", "-")) == (transport == "body")
    assert fs.hits(JOBS)[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert {e.kind for e in history} == {"token", "api"} and len(history) >= 6
    for ex in history:
        for where, text in renderings(ex).items():
            assert_clean(text, f"exchange #{ex.id} {ex.kind} {where}")
    for err in errors:
        assert_clean(str(err) + err.describe() + repr(err), "an error message")
    for c in claims.values():
        assert_clean(repr(c) + str(c) + json.dumps(c.to_dict(), default=str), "token claims")
        assert c.raw == TOKEN
    assert_clean(caplog.text, "the log")


async def test_revealed_curl_needs_the_token_from_the_caller(fs):
    fs.route(JOBS, "json", body={"data": []})
    async with Session(make_tenant(fs.base_url, secret=SECRET)) as s:
        ex = await s.request("m365.cloudbackupjobs")
        assert TOKEN not in ex.to_curl() and TOKEN not in ex.to_curl(reveal=True)
        assert TOKEN in s.curl(ex, reveal=True)
        assert "$AVEGRAPH_TOKEN" in s.curl(ex)


def test_cli_output_at_every_verbosity_is_clean(fs, tmp_path, monkeypatch, capsys, caplog):
    from tui.cli import main
    caplog.set_level(logging.DEBUG)
    fs.route(JOBS, "json", body={"data": [{"id": "J1", "state": "Finished"}], "metadata": {"totalCount": 1}})
    monkeypatch.setenv("AVEGRAPH_TEST_SECRET", SECRET)
    cfg = tmp_path / "config.toml"
    cfg.write_text(tomli_w.dumps({"tenants": [{
        "name": "t", "client_id": "fault-client", "client_secret_env": "AVEGRAPH_TEST_SECRET",
        "environment": "commercial", "api_url": fs.base_url, "elements_url": fs.base_url,
        "token_url": fs.token_url}]}))
    for extra in ([], ["-v"], ["-vv"]):
        assert main(["get", "--config", str(cfg), "--tenant", "t", JOBS, *extra]) == 0
        out, err = capsys.readouterr()
        assert json.loads(out) == [{"id": "J1", "state": "Finished"}]
        assert_clean(out + err, f"get {' '.join(extra)}")
        if extra:
            assert "request-id" in err and "200 OK" in err
        if extra == ["-vv"]:
            assert "Authorization: Bearer ••••" in err and "$AVEGRAPH_TOKEN" in err
    assert main(["token", "--config", str(cfg), "--tenant", "t"]) == 0
    out, err = capsys.readouterr()
    assert_clean(out + err, "token")
    assert main(["token", "--config", str(cfg), "--tenant", "t", "--raw"]) == 0
    out, err = capsys.readouterr()
    assert TOKEN in out and "warning" in err and SECRET not in out + err      # only when asked for
    fs.route("/connect/token", "token", error="invalid_client", status=401, description="Invalid client secret.")
    assert main(["get", "--config", str(cfg), "--tenant", "t", JOBS, "-vv"]) == 3
    out, err = capsys.readouterr()
    assert_clean(out + err, "an auth failure")
    assert "invalid_client" in err and "hint:" in err
    assert_clean(caplog.text, "the log")
