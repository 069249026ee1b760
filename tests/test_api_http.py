"""The HTTP layer against the fault server: deadline, timeouts, broken bodies, garbage, HTML and
invalid JSON kept as text, redirects, retries with Retry-After, read-only refusal, cancellation."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from tests.faults import FaultServer, Sleeps, make_tenant
from tui.api.errors import HttpError, NetworkError, RefusedError, ThrottledError
from tui.api.http import NetSettings, network_error
from tui.api.session import Session

JOBS = "/backup/m365/cloudbackupjobs"
M365 = "m365.cloudbackupjobs"


@pytest.fixture
def fs():
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def other():
    server = FaultServer().start()
    yield server
    server.stop()


def session(fs: FaultServer, sleeps: Sleeps | None = None, **over) -> Session:
    return Session(make_tenant(fs.base_url, **over), sleep=sleeps or Sleeps())


# -- slow and silent servers ------------------------------------------------------------------------

async def test_trickle_is_stopped_by_the_deadline(fs):
    fs.route(JOBS, "trickle", interval=0.02)            # ~1.3 KB at 50 B/s: ~26 s if let run
    async with session(fs, deadline="1", timeout_read="5") as s:
        t0 = time.monotonic()
        with pytest.raises(NetworkError) as err:
            await s.request(M365)
        took = time.monotonic() - t0
    e = err.value
    assert e.kind == "timeout" and e.phase == "deadline" and "1 s deadline" in e.message
    assert took < 3
    assert e.exchange is not None and e.exchange.status == 200 and e.exchange.error
    assert s.history[-1] is e.exchange


async def test_black_hole_hits_the_read_timeout(fs):
    fs.route(JOBS, "blackhole")
    async with session(fs, timeout_read="0.5", deadline="5") as s:
        t0 = time.monotonic()
        with pytest.raises(NetworkError) as err:
            await s.request(M365)
    assert err.value.kind == "timeout" and err.value.phase == "read" and "0.5 s" in err.value.message
    assert time.monotonic() - t0 < 3


# -- broken responses --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,expected,words", [
    ("reset", "reset", "reset"),
    ("truncated", "truncated", "before the end of the body"),
    ("garbage", "protocol", "garbage response"),
])
async def test_broken_responses_are_named(fs, kind, expected, words):
    fs.route(JOBS, kind)
    async with session(fs) as s:
        with pytest.raises(NetworkError) as err:
            await s.request(M365)
    e = err.value
    assert e.kind == expected and words in e.message and f"127.0.0.1:{fs.port}" in e.message
    assert e.exit_code == 5 and e.url.startswith(fs.base_url)


async def test_html_502_is_kept_as_text(fs):
    fs.route(JOBS, "html502")
    async with session(fs) as s:
        with pytest.raises(HttpError) as err:
            await s.request(M365)
    e = err.value
    assert e.status == 502 and e.exit_code == 5 and "HTML error page" in e.message
    assert e.exchange.json is None and "<h1>502 Bad Gateway</h1>" in e.exchange.text
    assert e.exchange.retries == 0                       # 502 is not retried


async def test_invalid_json_is_kept_as_text_with_the_position(fs):
    fs.route(JOBS, "badjson")
    async with session(fs) as s:
        ex = await s.request(M365)
    assert ex.status == 200 and ex.json is None and ex.text == '{"data": [{"id": 1},, {"id": 2}]}'
    assert "line 1 column 21" in ex.parse_error


def test_json_bodies_orjson_misreads_or_refuses_are_read_as_json_loads_reads_them():
    from tui.api.exchange import Exchange
    from tui.api.http import decode_body

    def decoded(body: bytes) -> Exchange:
        ex = Exchange(id=1, started_at=datetime.now(timezone.utc), method="GET", raw_url="https://x/")
        decode_body(ex, body, "application/json", False)
        return ex

    assert decoded(b'{"id":-123456789012345678901234567890}').json == {"id": -123456789012345678901234567890}
    assert decoded(b'{"id":18446744073709551615,"s":"12345678901234567890123"}').json == \
        {"id": 2 ** 64 - 1, "s": "12345678901234567890123"}
    assert decoded(b'[1e400, "\\ud800", NaN]').json[:2] == [float("inf"), "\ud800"]   # orjson refuses all three
    ex = decoded(b'{"a": [1,, 2]}')
    assert ex.json is None and "line 1 column 10" in ex.parse_error                  # orjson's message


async def test_body_over_the_cap_is_truncated(fs):
    big = {"data": [{"id": i, "pad": "y" * 100} for i in range(100)]}
    fs.route(JOBS, "json", body=big)
    async with session(fs) as s:
        s.client.net.max_body = 2000
        ex = await s.request(M365)
    assert ex.truncated and ex.size == 2000 and ex.json is None and "truncated" in ex.notice
    assert "truncated" in ex.parse_error


async def test_error_status_carries_the_server_message_and_ids(fs):
    fs.route(JOBS, "json", status=400, body={"statusCode": 400, "message": "pageSize must be at most 100.",
                                             "errors": [], "traceId": "00-abc-01"})
    async with session(fs) as s:
        with pytest.raises(HttpError) as err:
            await s.request(M365)
    e = err.value
    assert e.status == 400 and e.exit_code == 4 and "pageSize must be at most 100." in e.message
    assert e.server_message == "pageSize must be at most 100."
    assert e.exchange.trace_id == "00-abc-01" and e.exchange.request_id.startswith("fault-")


# -- redirects and hosts --------------------------------------------------------------------------------

async def test_redirect_to_another_host_is_not_followed(fs, other):
    fs.route(JOBS, "redirect", location=other.base_url + JOBS)
    async with session(fs) as s:
        with pytest.raises(RefusedError) as err:
            await s.request(M365)
    assert f"127.0.0.1:{other.port}" in str(err.value) and "not followed" in str(err.value)
    assert other.requests == []


async def test_redirect_on_the_same_host_is_followed_with_the_token(fs):
    fs.route(JOBS + "/moved", "json", body={"data": [{"id": "moved"}]})
    fs.route(JOBS, "redirect", location=JOBS + "/moved?x=1")
    async with session(fs) as s:
        ex = await s.request(M365)
    assert ex.json == {"data": [{"id": "moved"}]} and "302" in ex.attempts[0]
    assert fs.hits(JOBS + "/moved")[0].headers["authorization"].startswith("Bearer ")


async def test_absolute_url_to_a_foreign_host_is_refused_before_sending(fs, other):
    async with session(fs) as s:
        with pytest.raises(RefusedError) as err:
            await s.request(M365, url=other.base_url + JOBS)
        with pytest.raises(RefusedError):
            await s.request(M365, url="http://example.com" + JOBS)
    assert other.requests == [] and "not one of this tenant's API hosts" in str(err.value)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    import trustme
    ca = trustme.CA()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    server = FaultServer(ssl_context=ctx).start()
    yield server, str(path)
    server.stop()


async def test_redirect_from_https_down_to_http_is_refused(tls, fs):
    server, ca = tls
    server.route(JOBS, "redirect", location=f"http://127.0.0.1:{server.port}{JOBS}")
    async with Session(make_tenant(server.base_url, ca_bundle=ca), sleep=Sleeps()) as s:
        with pytest.raises(RefusedError) as err:
            await s.request(M365)
    assert "downgrades https to http" in str(err.value)


# -- retries -----------------------------------------------------------------------------------------------

async def test_429_with_retry_after_is_retried(fs):
    fs.route(JOBS, "status", code=429, times=1, retry_after=2)
    sleeps = Sleeps()
    async with session(fs, sleeps) as s:
        ex = await s.request(M365)
    assert ex.status == 200 and ex.retries == 1 and sleeps.waits == [2.0]
    assert len(fs.hits(JOBS)) == 2


async def test_each_wait_before_a_retry_is_told_to_the_caller(fs):
    """A screen can say "throttled (429), retrying in 90 s" instead of "loading…" (the pager passes it on)."""
    fs.route(JOBS, "status", code=429, times=1, retry_after=90)
    told: list[tuple[float, str]] = []
    sleeps = Sleeps()
    async with session(fs, sleeps) as s:
        ex = await s.request(M365, on_wait=lambda seconds, why: told.append((seconds, why)))
        assert ex.status == 200 and told == [(90.0, "throttled (429)")] == [(sleeps.waits[0], "throttled (429)")]
        fs.route(JOBS, "status", code=503, times=2)
        told.clear()
        page = await s.pager(M365, on_wait=lambda seconds, why: told.append((seconds, why))).pages().__anext__()
        assert page.exchange.status == 200 and [why for _, why in told] == ["service unavailable (503)"] * 2

        def broken(seconds: float, why: str) -> None:
            raise RuntimeError("an observer must never break a request")
        fs.route(JOBS, "status", code=504, times=1)
        assert (await s.request(M365, on_wait=broken)).status == 200


async def test_retry_after_600_is_not_slept_on(fs):
    fs.route(JOBS, "status", code=429, times=5, retry_after=600)
    sleeps = Sleeps()
    async with session(fs, sleeps) as s:
        with pytest.raises(ThrottledError) as err:
            await s.request(M365)
    assert sleeps.waits == [] and err.value.retry_after == 600
    assert "throttled, retry after 600 s" in str(err.value) and err.value.exit_code == 4
    assert len(fs.hits(JOBS)) == 1


async def test_retry_after_as_an_http_date(fs):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(minutes=10), usegmt=True)
    fs.route(JOBS, "status", code=503, times=5, retry_after=when)
    sleeps = Sleeps()
    async with session(fs, sleeps) as s:
        with pytest.raises(ThrottledError) as err:
            await s.request(M365)
    assert sleeps.waits == [] and 590 <= err.value.retry_after <= 600 and err.value.exit_code == 5
    fs.route(JOBS, "status", code=503, times=1,
             retry_after=format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True))
    async with session(fs, sleeps) as s:
        ex = await s.request(M365)
    assert ex.status == 200 and 25 <= sleeps.waits[0] <= 30


async def test_503_then_success_with_backoff(fs):
    fs.route(JOBS, "status", code=503, times=2)
    sleeps = Sleeps()
    async with session(fs, sleeps) as s:
        ex = await s.request(M365)
    assert ex.status == 200 and ex.retries == 2 and len(sleeps.waits) == 2
    assert 0.5 <= sleeps.waits[0] <= 1.0 and 1.0 <= sleeps.waits[1] <= 1.5     # exponential, with jitter


async def test_retries_stop_after_three(fs):
    fs.route(JOBS, "status", code=504, times=10)
    sleeps = Sleeps()
    async with session(fs, sleeps) as s:
        with pytest.raises(HttpError) as err:
            await s.request(M365)
    assert err.value.status == 504 and err.value.exchange.retries == 3 and len(sleeps.waits) == 3
    assert len(fs.hits(JOBS)) == 4


async def test_connection_refused_is_retried_then_named():
    s0 = socket.socket()
    s0.bind(("127.0.0.1", 0))
    port = s0.getsockname()[1]
    s0.close()
    with FaultServer() as tok:                             # the token comes from a live server
        tenant = make_tenant(f"http://127.0.0.1:{port}", token_url=tok.token_url)
        sleeps = Sleeps()
        async with Session(tenant, sleep=sleeps) as s:
            with pytest.raises(NetworkError) as err:
                await s.request(M365)
    assert err.value.kind == "refused" and len(sleeps.waits) == 3 and err.value.exchange.retries == 3


# -- read-only -------------------------------------------------------------------------------------------

async def test_writes_are_never_sent(fs):
    from tui.catalog import load_catalog
    write = next(e for e in load_catalog() if not e.read_only and not e.path_params)
    async with session(fs) as s:
        with pytest.raises(RefusedError) as err:
            await s.request(write)
        with pytest.raises(RefusedError):
            await s.client.send("DELETE", fs.base_url + JOBS)
        with pytest.raises(RefusedError):
            await s.client.send("PUT", fs.base_url + JOBS)
    assert err.value.exit_code == 2 and "never sent" in str(err.value)
    assert fs.hits("/") == []


# -- cancellation ----------------------------------------------------------------------------------------

async def test_cancellation_propagates_and_closes_the_response(fs):
    fs.route(JOBS, "trickle", interval=0.02)
    async with session(fs, deadline="30") as s:
        task = asyncio.create_task(s.request(M365))
        for _ in range(300):                             # until the server is sending the body
            if fs.hits(JOBS):
                break
            await asyncio.sleep(0.01)
        assert fs.hits(JOBS)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(300):                             # the server sees the connection go away
            if not fs._conns:
                break
            await asyncio.sleep(0.01)
        assert not fs._conns


# -- the Exchange ------------------------------------------------------------------------------------------

async def test_exchange_fields_and_observers(fs):
    fs.route(JOBS, "json", body={"data": [{"id": "A"}], "traceId": "trace-42", "metadata": {"totalCount": 1}},
             headers={"Set-Cookie": "session=abcdef0123456789; HttpOnly"})
    seen, threads = [], []

    def bad_observer(ex):
        raise RuntimeError("observer bug")

    async with session(fs) as s:
        s.on_exchange.extend([bad_observer, lambda ex: (seen.append(ex), threads.append(threading.get_ident()))])
        ex = await s.request(M365, {}, {"jobState": 3, "pageSize": 5})
    assert [e.kind for e in seen] == ["token", "api"] and set(threads) == {threading.get_ident()}
    assert ex.method == "GET" and ex.status == 200 and ex.reason == "OK" and ex.endpoint_id == M365
    assert ex.bundle == "default" and ex.trace_id == "trace-42" and ex.request_id.startswith("fault-")
    assert ex.ttfb is not None and ex.elapsed >= ex.ttfb and ex.size > 0 and ex.retries == 0
    assert ex.started_at.tzinfo is not None and ex.id > 0
    req = dict(ex.request_headers)
    assert req["Accept"] == "application/json" and req["User-Agent"].startswith("avegraph/")
    assert req["Authorization"].startswith("Bearer ••••")
    assert dict(ex.response_headers)["Set-Cookie"] == "••••Only"
    sent = fs.hits(JOBS)[0]
    assert sent.query == {"jobState": "3", "pageSize": "5"}
    assert sent.headers["authorization"] == "Bearer fault-token-0123456789abcdef"


async def test_lists_are_repeated_keys_and_post_bodies_are_json(fs):
    from tui.catalog import load_catalog
    cat = load_catalog()
    e = cat.get("insights.access-export")
    fs.route("/", "json", body={"jobId": "1"})
    async with session(fs) as s:
        query, body = s.build_request(e, {"dataSources": ["1", "2"], "siteUrls": ["https://a", "https://b"]})
        assert query.count(("dataSources", "1")) == 1 and ("dataSources", "2") in query and body is None
        ex = await s.request("elements.customers", {}, {"pageIndex": 2, "pageSize": 10, "customerIds": "c1,c2"})
    post = fs.hits("/partner/external/v3/general/customers/batch")[0]
    assert post.method == "POST" and post.query == {"pageIndex": "2", "pageSize": "10"}
    import json
    assert json.loads(post.body) == {"customerIds": ["c1", "c2"]} and ex.request_body == {"customerIds": ["c1", "c2"]}


# -- naming network failures ---------------------------------------------------------------------------------

def _wrapped(inner: BaseException, outer: type = httpx.ConnectError) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as e:
            raise outer(str(e)) from e
    except BaseException as exc:
        return exc


@pytest.mark.parametrize("inner,kind,words", [
    (socket.gaierror(-2, "Name or service not known"), "dns", "cannot resolve the host name graph-zz.example"),
    (ConnectionRefusedError(111, "Connection refused"), "refused", "connection refused by graph-zz.example"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "tls",
     "TLS certificate verification failed for graph-zz.example"),
    (ConnectionResetError(104, "Connection reset by peer"), "reset", "was reset"),
])
def test_network_failures_are_named(inner, kind, words):
    net = NetSettings(ca_file="/tmp/ca.pem", trust_source="ca_bundle /tmp/ca.pem (tenant config)")
    err = network_error(_wrapped(inner), "https://graph-zz.example/aos/audit?sig=SECRET-CURSOR-1234", net)
    assert err.kind == kind and words in err.message
    assert "SECRET-CURSOR" not in err.url
    if kind == "tls":
        assert "ca_bundle /tmp/ca.pem" in err.message and "ca_bundle" in err.hint
    assert network_error(httpx.ConnectTimeout("x"), "https://h/x", net).phase == "connect"
    assert network_error(TimeoutError(), "https://h/x", net).phase == "deadline"


def test_a_failure_to_connect_through_a_proxy_names_the_proxy_masked(monkeypatch):
    refused = _wrapped(ConnectionRefusedError(111, "Connection refused"))
    monkeypatch.setenv("HTTPS_PROXY", "http://bob:PROXY-PASS-1234@10.0.0.9:3128")
    monkeypatch.setenv("NO_PROXY", ".direct.example")
    env = NetSettings()
    err = network_error(refused, "https://graph-zz.example/aos/jobs", env)
    assert err.kind == "refused" and "PROXY-PASS" not in err.describe()
    assert err.message.startswith("connection refused by the proxy http://••••@10.0.0.9:3128 "
                                  "(for graph-zz.example)")
    assert "HTTPS_PROXY" in err.hint
    assert env.proxy_for("https://login.direct.example/t") is None                      # NO_PROXY: direct
    assert "connection refused by login.direct.example" in network_error(
        refused, "https://login.direct.example/t", env).message
    tenant = NetSettings(proxy="http://proxy.corp:8080", trust_env=False)               # as from_tenant builds it
    err = network_error(refused, "https://login.direct.example/t", tenant)
    assert "the proxy http://proxy.corp:8080" in err.message and "tenant config" in err.hint
    err = network_error(_wrapped(socket.gaierror(-2, "Name or service not known")), "https://h/x", tenant)
    assert err.kind == "dns" and "proxy http://proxy.corp:8080" in err.message
    err = network_error(httpx.ConnectTimeout("x"), "https://h/x", tenant)
    assert err.phase == "connect" and "connecting to the proxy http://proxy.corp:8080" in err.message
    assert "proxy" not in network_error(refused, "https://h/x", NetSettings(trust_env=False)).message


def test_size_text_names_a_cap_under_1_mb():
    from tui.api.http import size_text
    mib = 1024 * 1024
    assert size_text(50 * mib) == "50 MB"
    assert size_text(int(1.5 * mib)) == "1.5 MB"
    assert size_text(int(0.5 * mib)) == "0.5 MB"              # max_body_mb = "0.5"
    assert size_text(10 * 1024) == "10 KB"
    assert size_text(int(0.01 * mib)) == "10.2 KB"             # max_body_mb = "0.01": never "0 MB"
    assert size_text(900) == "900 bytes" and size_text(1) == "1 byte"
