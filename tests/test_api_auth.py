"""Tokens against the simulator's identity service (and the fault server): secret in the body and
as Basic, certificates (PEM and PFX), every token error mapped, reuse, refresh, 401 retry, TLS."""

from __future__ import annotations

import asyncio
import os
import time

import jwt
import pytest

from tests.faults import FaultServer, Sleeps, demo_tenant, make_tenant
from tui.api.auth import build_client_assertion, load_signing_key, scope_bundles
from tui.api.claims import TokenClaims
from tui.api.errors import AuthError, CredentialError, HttpError, NetworkError
from tui.api.session import Session
from tui.catalog import load_catalog

CATALOG = load_catalog()
M365 = "m365.cloudbackupjobs"


def identity_requests(sim, since: int):
    return [r for r in sim.requests[since:] if r.kind == "identity" and r.path.endswith("/connect/token")]


async def _one(session: Session, eid: str = M365, **params):
    return await session.request(eid, {}, params)


# -- client authentication -------------------------------------------------------------------------

async def test_secret_in_the_body_by_default(sim):
    n = len(sim.requests)
    async with Session(demo_tenant(sim)) as s:
        ex = await _one(s)
        claims = (await s.token_claims())["default"]
    assert ex.status == 200
    (tok_req,) = identity_requests(sim, n)
    assert not tok_req.had_auth and "client_secret=" in tok_req.body
    assert claims.payload["client_auth"] == "client_secret_post"
    assert claims.client_id == "de30a050-0000-4000-a000-000000000001"


async def test_secret_as_basic_when_asked(sim):
    n = len(sim.requests)
    async with Session(demo_tenant(sim, secret_transport="basic")) as s:
        await _one(s)
        claims = (await s.token_claims())["default"]
    (tok_req,) = identity_requests(sim, n)
    assert tok_req.had_auth and "client_secret" not in tok_req.body
    assert claims.payload["client_auth"] == "client_secret_basic"
    token_ex = next(e for e in s.history if e.kind == "token")
    auth = dict(token_ex.request_headers)["Authorization"]
    assert auth.startswith("Basic ••••")


async def test_certificate_pem(sim):
    async with Session(demo_tenant(sim, "demo-restricted")) as s:
        ex = await _one(s)
        claims = (await s.token_claims())["default"]
    assert ex.status == 200
    assert claims.payload["client_auth"] == "private_key_jwt"
    token_ex = next(e for e in s.history if e.kind == "token")
    assert token_ex.request_body["client_assertion"].startswith("••••")
    assert token_ex.request_body["client_assertion_type"].endswith("jwt-bearer")


def test_client_assertion_claims(sim):
    t = next(t for t in sim.tenants if t.name == "demo-restricted")
    key, cert = load_signing_key(open(t.certificate_path, "rb").read(), None)
    now = time.time()
    a = build_client_assertion(key, cert, t.client_id, sim.token_url, now=now)
    header = jwt.get_unverified_header(a)
    claims = jwt.decode(a, cert.public_key(), algorithms=["RS256"], audience=sim.token_url)
    assert header["alg"] == "RS256" and header["x5t"]
    import base64
    import hashlib
    from cryptography.hazmat.primitives import serialization
    der = cert.public_bytes(serialization.Encoding.DER)
    assert header["x5t"] == base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    assert claims["iss"] == claims["sub"] == t.client_id and claims["aud"] == sim.token_url
    assert claims["exp"] - claims["iat"] == 300
    b = build_client_assertion(key, cert, t.client_id, sim.token_url, now=now)
    assert jwt.decode(b, options={"verify_signature": False})["jti"] != claims["jti"]


@pytest.fixture
def pfx_tenant(sim, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    t = next(t for t in sim.tenants if t.name == "demo-restricted")
    key, cert = load_signing_key(open(t.certificate_path, "rb").read(), None)
    path = tmp_path / "app.pfx"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"app", key, cert, None,
                                                           BestAvailableEncryption(b"pfx-pass-phrase-42")))
    monkeypatch.setenv("AVEGRAPH_TEST_PFX_PW", "pfx-pass-phrase-42")
    return demo_tenant(sim, "demo-restricted", certificate_path=str(path),
                       certificate_password_env="AVEGRAPH_TEST_PFX_PW")


async def test_certificate_pfx_with_password(pfx_tenant):
    async with Session(pfx_tenant) as s:
        ex = await _one(s)
    assert ex.status == 200


async def test_certificate_wrong_password_is_a_config_error(pfx_tenant, monkeypatch):
    monkeypatch.setenv("AVEGRAPH_TEST_PFX_PW", "not-the-password")
    async with Session(pfx_tenant) as s:
        with pytest.raises(CredentialError) as err:
            await _one(s)
    assert err.value.exit_code == 2 and "password" in str(err.value)
    assert "not-the-password" not in err.value.describe()


# -- token errors --------------------------------------------------------------------------------------

async def test_invalid_client_names_the_fix(sim, tmp_path):
    bad = tmp_path / "secret"
    bad.write_text("wrong-secret-value-123\n")
    async with Session(demo_tenant(sim, client_secret_file=str(bad))) as s:
        with pytest.raises(AuthError) as err:
            await _one(s)
    e = err.value
    assert e.error == "invalid_client" and e.exit_code == 3 and e.token_url == sim.token_url
    assert "client_id" in e.hint and "secret" in e.hint
    assert "wrong-secret-value-123" not in e.describe()
    token_ex = e.exchange
    assert token_ex is None or "wrong-secret-value-123" not in str(token_ex.to_dict())


async def test_unknown_client(sim):
    async with Session(demo_tenant(sim, client_id="00000000-0000-4000-a000-0000000000ff")) as s:
        with pytest.raises(AuthError) as err:
            await _one(s)
    assert err.value.error == "invalid_client" and "Unknown client" in err.value.error_description


async def test_invalid_scope_is_named(sim):
    tenant = demo_tenant(sim, "demo-restricted", scopes=["microsoft365backup.jobInfo.read.all", "enpower.data.read.all"])
    async with Session(tenant) as s:
        ex = await _one(s)                               # the m365 bundle is fine
        assert ex.bundle == "m365"
        with pytest.raises(AuthError) as err:
            await s.request("enpower.environments", {}, {})
    e = err.value
    assert e.error == "invalid_scope" and e.bad_scopes == ("enpower.data.read.all",)
    assert "enpower.data.read.all" in e.hint and "App registrations" in e.hint
    assert e.scopes == ("enpower.data.read.all",)


async def test_invalid_scope_found_by_per_scope_retry():
    def respond(req, hit):
        from urllib.parse import parse_qs
        scope = parse_qs(req.body.decode())["scope"][0].split()
        if "bad.scope.read" in scope:
            return 400, {"error": "invalid_scope", "error_description": "One of the requested scopes is invalid."}
        return 200, {"access_token": "tok-" + "-".join(scope), "expires_in": 3600, "token_type": "Bearer"}

    with FaultServer() as fs:
        fs.route("/connect/token", "token", respond=respond)
        tenant = make_tenant(fs.base_url, scopes=["audit.read.all", "bad.scope.read", "other.scope.read"])
        assert [b.name for b in scope_bundles(tenant.scopes, CATALOG)] == ["aos", "other"]
        async with Session(tenant) as s:
            with pytest.raises(AuthError) as err:
                await s.token(s.tokens.bundle("other"))
    assert err.value.bad_scopes == ("bad.scope.read",)
    assert "bad.scope.read" in err.value.hint


async def test_token_url_unreachable_is_a_named_network_error():
    import socket
    s0 = socket.socket()
    s0.bind(("127.0.0.1", 0))
    port = s0.getsockname()[1]
    s0.close()                                            # nothing listens there now
    with FaultServer() as fs:
        tenant = make_tenant(fs.base_url, token_url=f"http://127.0.0.1:{port}/connect/token")
        sleeps = Sleeps()
        async with Session(tenant, sleep=sleeps) as s:
            with pytest.raises(NetworkError) as err:
                await _one(s)
    e = err.value
    assert e.kind == "refused" and f"127.0.0.1:{port}" in e.message and "token request" in e.message
    assert e.exit_code == 5 and len(sleeps.waits) == 3
    assert not fs.hits("/backup")                         # no API request without a token


async def test_token_endpoint_html_page_is_named():
    with FaultServer() as fs:
        fs.route("/connect/token", "html502")
        async with Session(make_tenant(fs.base_url), sleep=Sleeps()) as s:
            with pytest.raises(HttpError) as err:
                await _one(s)
    assert err.value.status == 502 and "identity service" in str(err.value)
    with FaultServer() as fs:
        fs.route("/connect/token", "json", status=404, body="<html>not here</html>")
        async with Session(make_tenant(fs.base_url)) as s:
            with pytest.raises(AuthError) as err2:
                await _one(s)
    assert err2.value.error == "invalid_response" and "token_url" in err2.value.hint


# -- reuse, refresh, 401 -------------------------------------------------------------------------------

async def test_many_calls_one_token_request(sim):
    n = len(sim.requests)
    async with Session(demo_tenant(sim)) as s:
        await asyncio.gather(*(_one(s) for _ in range(10)))
        for _ in range(10):
            await _one(s)
    assert len(identity_requests(sim, n)) == 1


async def test_refresh_when_less_than_five_minutes_remain(sim):
    now = [time.time()]
    n = len(sim.requests)
    async with Session(demo_tenant(sim), clock=lambda: now[0]) as s:
        await _one(s)
        now[0] += 3600 - 301                              # 5 min 1 s left: reuse
        await _one(s)
        assert len(identity_requests(sim, n)) == 1
        now[0] += 2                                       # 4 min 59 s left: refresh
        await _one(s)
        assert len(identity_requests(sim, n)) == 2


async def test_short_lived_tokens_are_refreshed(make_sim):
    sim = make_sim(token_lifetime=60)
    now = [time.time()]
    async with Session(demo_tenant(sim), clock=lambda: now[0]) as s:
        await _one(s)
        tok1 = s.tokens.tokens["default"]
        assert 55 <= tok1.lifetime <= 61
        now[0] += 20
        await _one(s)
        assert s.tokens.tokens["default"] is tok1
        now[0] += 15                                      # past half its life
        await _one(s)
        assert s.tokens.tokens["default"] is not tok1
    assert len(identity_requests(sim, 0)) == 2


async def test_401_refreshes_once_and_retries(sim):
    n = len(sim.requests)
    sim.force("/backup/m365/cloudbackupjobs", status=401, times=1)
    async with Session(demo_tenant(sim)) as s:
        ex = await _one(s)
    assert ex.status == 200 and ex.retries == 1 and "401" in ex.attempts[0]
    assert len(identity_requests(sim, n)) == 2


async def test_401_twice_is_an_auth_failure(sim):
    n = len(sim.requests)
    sim.force("/backup/m365/cloudbackupjobs", status=401, times=2)
    async with Session(demo_tenant(sim)) as s:
        with pytest.raises(HttpError) as err:
            await _one(s)
    assert err.value.status == 401 and err.value.exit_code == 3
    assert len(identity_requests(sim, n)) == 2
    sim.clear_forced()


async def test_partner_scopes_in_bundles_under_300_chars(sim):
    from tui.simulator.demo import partner_scopes
    tenant = demo_tenant(sim, "demo-partner", scopes=list(partner_scopes()))
    c = sim.dataset.items("elements.customers")[0]
    async with Session(tenant) as s:
        assert len(s.bundles) > 1
        e1 = await s.request("elements.customers", {}, {})
        e2 = await s.request("elements.security-users", {"customerId": c["id"], "tenantId": c["tenants"][0]["id"]}, {})
        assert e1.bundle != e2.bundle and e1.status == e2.status == 200
        claims = await s.token_claims()
    assert set(claims) == {e1.bundle, e2.bundle}
    assert all(isinstance(c, TokenClaims) and c.scopes for c in claims.values())


async def test_acquire_for_discovery(sim):
    async with Session(demo_tenant(sim, "demo-restricted")) as s:
        c = await s.acquire(["audit.read.all"])
        assert c.scopes == ("audit.read.all",)
        with pytest.raises(AuthError) as err:
            await s.acquire(["enpower.data.read.all"])
    assert err.value.error == "invalid_scope"


# -- TLS ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    import ssl
    import trustme
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    ca_path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    fs = FaultServer(ssl_context=ctx).start()
    fs.route("/backup/m365/cloudbackupjobs", "json", body={"data": [{"id": "J1"}], "metadata": {"totalCount": 1}})
    yield fs, str(ca_path)
    fs.stop()


async def test_tls_without_the_ca_fails_clearly(tls_server, monkeypatch):
    fs, _ = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt") if os.path.exists(
        "/etc/ssl/certs/ca-certificates.crt") else None
    async with Session(make_tenant(fs.base_url)) as s:
        with pytest.raises(NetworkError) as err:
            await _one(s)
    e = err.value
    assert e.kind == "tls" and "certificate verification failed" in e.message
    assert "trusted CAs:" in e.message and "ca_bundle" in e.hint and "SSL_CERT_FILE" in e.hint


async def test_tls_with_ca_bundle_works(tls_server):
    fs, ca = tls_server
    async with Session(make_tenant(fs.base_url, ca_bundle=ca)) as s:
        ex = await _one(s)
    assert ex.status == 200 and ex.json["data"] == [{"id": "J1"}]
    assert s.net.trust_source.startswith("ca_bundle")


async def test_without_scopes_falls_back_to_each_endpoints_scope_when_a_scope_is_required():
    def respond(req, hit):
        from urllib.parse import parse_qs
        form = parse_qs(req.body.decode())
        if "scope" not in form:
            return 400, {"error": "invalid_scope", "error_description": "The scope parameter is required."}
        scope = form["scope"][0]
        if scope == "microsoft365backup.jobInfo.read.all":
            return 200, {"access_token": "tok-m365-0123456789abcdef", "expires_in": 3600, "scope": scope}
        return 400, {"error": "invalid_scope", "error_description": f"Invalid scope: {scope}"}

    with FaultServer() as fs:
        fs.route("/connect/token", "token", respond=respond)
        fs.route("/backup/m365/cloudbackupjobs", "json", body={"data": [], "metadata": {"totalCount": 0}})
        async with Session(make_tenant(fs.base_url)) as s:
            ex = await _one(s)
            assert ex.status == 200
            assert s.bundle_for(CATALOG.get(M365)).scopes == ("microsoft365backup.jobInfo.read.all",)
            await _one(s)
            with pytest.raises(AuthError) as err:
                await s.request("aos.audit", {}, {"startTime": "2026-01-01", "endTime": "2026-01-02"})
    assert len(fs.hits("/connect/token")) == 3               # no scope, m365 scope, aos scope
    assert err.value.error == "invalid_scope" and "audit.read.all" in err.value.hint
    assert "scopes = [...]" in err.value.hint
