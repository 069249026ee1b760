"""TLS and proxies apply to token and API requests alike.

* Verification is always on: an untrusted CA, another CA, or a name the certificate does not hold
  fails, for the token request and the API request each.
* A custom CA (tenant ``ca_bundle`` or ``SSL_CERT_FILE``) is used by both clients.
* ``HTTPS_PROXY`` (with credentials) and ``NO_PROXY`` route both; ``avegraph doctor`` shows the
  proxy in effect with its password masked.

Servers are trustme-certified loopback fault servers under made-up names (api.avegraph.test,
login.avegraph.test): a loopback URL never uses an environment proxy (tui/api/http.py
NetSettings), which is right for the demo server but would make the proxy untestable. The names are
resolved to 127.0.0.1 by the proxy itself and, for direct connections, by a patched getaddrinfo.
Tests of the TLS error wording against one server exist in tests/test_api_auth.py; these add the
token/API split, SSL_CERT_FILE, the hostname check and the proxy.
"""

from __future__ import annotations

import base64
import socket
import ssl

import pytest

from tests.hardening_helpers import RecordingProxy, fake_resolver, make_tenant
from tests.faults import FaultServer
from tui.api.errors import NetworkError
from tui.api.session import Session

API, LOGIN = "api.avegraph.test", "login.avegraph.test"
JOBS = "/aos/jobs"
PROXY_USER, PROXY_PASS = "bob", "HARDEN-PROXY-PASS-9d1f"
ACCESS_TOKEN = "tls-proxy-token-0123456789abcdef"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """Our CA (written as a PEM file), and a second CA nobody configured."""
    import trustme
    ca, stranger = trustme.CA(), trustme.CA()
    d = tmp_path_factory.mktemp("pki")
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    return ca, stranger, str(d / "ca.pem")


def _context(ca, *names: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(ctx)
    return ctx


def _servers(ca, url_host_api: str = "127.0.0.1", url_host_login: str = "127.0.0.1",
             api_ca=None, names=(API, LOGIN, "127.0.0.1")):
    api = FaultServer(ssl_context=_context(api_ca or ca, *names), url_host=url_host_api).start()
    login = FaultServer(ssl_context=_context(ca, *names), url_host=url_host_login).start()
    api.route(JOBS, "json", body={"jobs": [{"id": "J1"}], "totalCount": 1})
    login.route("/connect/token", "token", access_token=ACCESS_TOKEN)
    return api, login


def _tenant(api: FaultServer, login: FaultServer, **over):
    return make_tenant(api.base_url, token_url=login.token_url, timeout_connect="3", **over)


async def _get(tenant) -> str:
    async with Session(tenant) as s:
        ex = await s.request("aos.jobs")
        return ex.json["jobs"][0]["id"]


@pytest.fixture
def clean_trust(monkeypatch):
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


# -- verification is on, for both clients ------------------------------------------------------------------------------

async def test_untrusted_token_server_fails_before_anything_is_sent(pki, clean_trust):
    ca, _, _ = pki
    api, login = _servers(ca)
    try:
        with pytest.raises(NetworkError) as err:
            await _get(_tenant(api, login))
        e = err.value
        assert e.kind == "tls" and "token request failed" in e.message
        assert f"certificate verification failed for 127.0.0.1:{login.port}" in e.message
        assert login.requests == [] and api.requests == []          # the handshake failed: no request
    finally:
        api.stop()
        login.stop()


async def test_untrusted_api_server_fails_even_with_a_token(pki, clean_trust, tmp_path):
    """Token over plain http to loopback (allowed), API over https with a certificate no one trusts."""
    ca, _, _ = pki
    api = FaultServer(ssl_context=_context(ca, "127.0.0.1")).start()
    login = FaultServer().start()
    try:
        login.route("/connect/token", "token", access_token=ACCESS_TOKEN)
        with pytest.raises(NetworkError) as err:
            await _get(make_tenant(api.base_url, token_url=login.token_url))
        e = err.value
        assert e.kind == "tls" and f"certificate verification failed for 127.0.0.1:{api.port}" in e.message
        assert len(login.requests) == 1 and api.requests == []
    finally:
        api.stop()
        login.stop()


async def test_our_ca_does_not_trust_another_cas_certificate(pki, clean_trust):
    ca, stranger, ca_file = pki
    api, login = _servers(ca, api_ca=stranger)                        # the API presents a stranger's cert
    try:
        with pytest.raises(NetworkError) as err:
            await _get(_tenant(api, login, ca_bundle=ca_file))
        assert err.value.kind == "tls" and f"127.0.0.1:{api.port}" in err.value.message
        assert len(login.requests) == 1 and api.requests == []        # the token came; the API was refused
    finally:
        api.stop()
        login.stop()


async def test_the_host_name_is_checked(pki, clean_trust):
    ca, _, ca_file = pki
    api, login = _servers(ca, names=("elsewhere.example",))           # right CA, wrong name
    try:
        with pytest.raises(NetworkError) as err:
            await _get(_tenant(api, login, ca_bundle=ca_file))
        assert err.value.kind == "tls" and "token request failed" in err.value.message
        assert "127.0.0.1" in err.value.message and login.requests == []
    finally:
        api.stop()
        login.stop()


@pytest.mark.parametrize("source", ["ca_bundle", "SSL_CERT_FILE"])
async def test_a_custom_ca_serves_token_and_api_requests(pki, clean_trust, source):
    ca, _, ca_file = pki
    api, login = _servers(ca)
    try:
        if source == "ca_bundle":
            tenant = _tenant(api, login, ca_bundle=ca_file)
        else:
            clean_trust.setenv("SSL_CERT_FILE", ca_file)
            tenant = _tenant(api, login)
        assert await _get(tenant) == "J1"
        assert len(login.requests) == 1 and len(api.requests) == 1
        assert api.requests[0].headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
        async with Session(tenant) as s:
            assert ca_file in s.net.trust_source
            ctx = s.net.ssl_context()
            assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    finally:
        api.stop()
        login.stop()


# -- proxies ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def named(pki, clean_trust):
    """Token and API servers under made-up names, a recording proxy, and getaddrinfo answering the names."""
    ca, _, ca_file = pki
    api, login = _servers(ca, url_host_api=API, url_host_login=LOGIN)
    proxy = RecordingProxy().start()
    clean_trust.setattr(socket, "getaddrinfo", fake_resolver([API, LOGIN]))
    for var in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                "all_proxy"):
        clean_trust.delenv(var, raising=False)
    yield api, login, proxy, ca_file, clean_trust
    proxy.stop()
    api.stop()
    login.stop()


def _connects(proxy: RecordingProxy) -> list[str]:
    return [r.target for r in proxy.records if r.method == "CONNECT"]


@pytest.mark.parametrize("no_proxy,via_proxy", [
    (None, [LOGIN, API]),
    (LOGIN, [API]),
    (f"{API},{LOGIN}", []),
    (".avegraph.test", []),
])
async def test_https_proxy_and_no_proxy_route_token_and_api_requests(named, no_proxy, via_proxy):
    api, login, proxy, ca_file, env = named
    env.setenv("HTTPS_PROXY", proxy.url(PROXY_USER, PROXY_PASS))
    if no_proxy is not None:
        env.setenv("NO_PROXY", no_proxy)
    assert await _get(make_tenant(api.base_url, token_url=login.token_url, ca_bundle=ca_file)) == "J1"
    expected = [f"{LOGIN}:{login.port}"] * (LOGIN in via_proxy) + [f"{API}:{api.port}"] * (API in via_proxy)
    assert _connects(proxy) == expected
    basic = "Basic " + base64.b64encode(f"{PROXY_USER}:{PROXY_PASS}".encode()).decode()
    assert all(r.proxy_authorization == basic for r in proxy.records)
    assert len(login.requests) == 1 and len(api.requests) == 1          # each arrived, by either route


async def test_the_tenants_proxy_overrides_the_environment(named):
    api, login, proxy, ca_file, env = named
    env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")                    # would fail: nothing listens there
    env.setenv("NO_PROXY", "*")
    tenant = make_tenant(api.base_url, token_url=login.token_url, ca_bundle=ca_file, proxy=proxy.url())
    assert await _get(tenant) == "J1"
    assert _connects(proxy) == [f"{LOGIN}:{login.port}", f"{API}:{api.port}"]


async def _through_a_dead_proxy(named, where: str) -> tuple[NetworkError, int]:
    from tests.faults import Sleeps
    api, login, _, ca_file, env = named
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()
    url = f"http://{PROXY_USER}:{PROXY_PASS}@127.0.0.1:{port}"
    over = {"proxy": url} if where == "tenant" else {}
    if where == "environment":
        env.setenv("HTTPS_PROXY", url)
    tenant = make_tenant(api.base_url, token_url=login.token_url, ca_bundle=ca_file, timeout_connect="1", **over)
    with pytest.raises(NetworkError) as err:
        async with Session(tenant, sleep=Sleeps()) as s:               # retries without waiting for real
            await s.request("aos.jobs")
    assert login.requests == [] and api.requests == []
    return err.value, port


@pytest.mark.parametrize("where", ["environment", "tenant"])
async def test_a_dead_proxy_never_shows_its_password(named, where):
    e, _ = await _through_a_dead_proxy(named, where)
    assert PROXY_PASS not in e.describe() + repr(e) + str(e.exchange) + str(e.url)


@pytest.mark.parametrize("where", ["environment", "tenant"])
async def test_a_dead_proxy_is_named_as_the_proxy(named, where):
    e, port = await _through_a_dead_proxy(named, where)
    assert "proxy" in e.message.lower() and f"127.0.0.1:{port}" in e.message, e.message


def test_doctor_shows_the_proxy_masked_and_gets_a_token_through_it(named, tmp_path, capsys):
    import tomli_w
    from tui.cli import main
    api, login, proxy, ca_file, env = named
    env.setenv("HTTPS_PROXY", proxy.url(PROXY_USER, PROXY_PASS))
    env.setenv("NO_PROXY", LOGIN)
    cfg = tmp_path / "config.toml"
    cfg.write_text(tomli_w.dumps({"tenants": [{
        "name": "t", "client_id": "fault-client", "client_secret": "doctor-secret-0123456789",
        "environment": "commercial", "api_url": api.base_url, "elements_url": api.base_url,
        "token_url": login.token_url, "ca_bundle": ca_file}]}))
    cfg.chmod(0o600)
    code = main(["doctor", "--config", str(cfg), "--tenant", "t"])
    out, err = capsys.readouterr()
    assert PROXY_PASS not in out + err and "doctor-secret-0123456789" not in out + err
    assert f"proxy for {API}: http://{PROXY_USER}:••••@127.0.0.1:{proxy.port}" in out
    assert f"proxy for {LOGIN}: none (direct)" in out
    assert f"TLS trust: ca_bundle from config: {ca_file}" in out
    assert f"ok   TLS {API}:{api.port}" in out and f"ok   TLS {LOGIN}:{login.port}" in out
    assert "ok   token:" in out and code == 0, out + err
    assert _connects(proxy) == []                                      # the token went direct (NO_PROXY)
    assert len(login.requests) == 1
