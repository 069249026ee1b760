"""Faults seen from the TUI explorer: what the user sees, that keys are answered while it happens,
that loaded rows stay, and that r continues from the page that failed.

The explorer is the real one, opened on a tenant whose API is a fault server over https (trustme
CA in the tenant's ca_bundle, as production is https) with a paged collection (tests/faults.py,
tests/hardening_helpers.py). Page 1 of /aos/jobs always works; the fault is put on page 2, reached
by the nextLink, so there are rows to keep. Servers hold their answer on a threading.Event and the
session's retry waits on an asyncio.Event, both released by the test: nothing here sleeps to wait,
and no real timeout is longer than a second.

Opening the explorer costs seconds of Textual style work on a loaded machine, so each test opens
it once and runs a family of faults in turn (each one re-opens the endpoint); a failure names the
fault. Core-level tests of the same faults are in tests/test_api_http.py; these are the screen's.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.hardening_helpers import GateSleep, PagedFaultServer, closed_port, fault_app, make_tenant, press
from tests.ui_helpers import make_app, open_explorer, screen_text, wait_until
from tui.ui.widgets.paged_table import PagedTable

JOBS = "/aos/jobs"
SIZE = 50                     # rows per page of the fault server
TOTAL = 150                   # three pages


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    import trustme
    ca = trustme.CA()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ctx, str(path)


@pytest.fixture
def fs(tls):
    server = PagedFaultServer(ssl_context=tls[0]).start()
    server.route(JOBS, "pages", total=TOTAL, size=SIZE)
    yield server
    server.stop()


def table(app) -> PagedTable:
    return app.screen.query_one(PagedTable)


def status(app) -> str:
    """The status bar as shown on screen (its region of the screen), wrapped lines joined with a space
    so that phrases can be searched."""
    region = app.screen.query_one("#status").region
    lines = screen_text(app).splitlines()[region.y:region.y + region.height]
    return " ".join(line[region.x:region.x + region.width].strip() for line in lines).strip()


def shown(app) -> str:
    return " ".join(line.strip() for line in screen_text(app).splitlines())


async def open_jobs(pilot, app, screen):
    """aos.jobs opened (reloaded when it is open already: r/Ctrl+R), page 1 loaded, the table focused."""
    if screen.view is not None and screen.view.endpoint.id == "aos.jobs":
        screen.reload()
    else:
        screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
    await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1 and not screen.view.loading)
    assert screen.view.error is None, screen.view.error
    table(app).focus()


async def next_page(pilot, screen) -> None:
    """What a user does: End on the table; the cursor near the last row asks for the next page."""
    await press(pilot, "end")
    await wait_until(pilot, lambda: screen.view.loading or screen.view.error or screen.view.pages > 1)


async def keys_answered(pilot, app, screen) -> None:
    """Keys pressed now are handled now: the table's row and column cursor move within a bounded wait
    (cheap keys: a relayout per key would cost more on a shared machine than the faults themselves)."""
    t = table(app)
    t.focus()
    row, col = t.cursor_row, t.cursor_column
    there, back = ("up", "down") if row > 0 else ("down", "up")
    await press(pilot, there, "right")
    await wait_until(pilot, lambda: (t.cursor_row, t.cursor_column) == (row + (-1 if row > 0 else 1), col + 1))
    await press(pilot, back, "left")
    await wait_until(pilot, lambda: (t.cursor_row, t.cursor_column) == (row, col))


async def handled(pilot, app) -> None:
    """Every key sent so far was handled: keys are handled in order, so one with a visible effect
    (the table cursor moving down and back) coming through means the ones before it did too."""
    await keys_answered(pilot, app, app.screen)


async def failed(pilot, app, screen) -> str:
    await wait_until(pilot, lambda: not screen.view.loading and screen.view.error is not None)
    await wait_until(pilot, lambda: "⚠" in status(app))  # the status bar repainted
    return screen.view.error


async def retry_continues(pilot, app, screen, server, *, loaded: int = SIZE) -> None:
    """r after a failure asks for the failed page again (not page 1) and appends to the kept rows."""
    before = len(server.page_hits(JOBS))
    await press(pilot, "r")
    await handled(pilot, app)
    await wait_until(pilot, lambda: not screen.view.loading and (screen.view.loaded > loaded or screen.view.error))
    v = screen.view
    assert v.error is None and v.loaded == loaded + SIZE, v.error
    assert server.page_hits(JOBS)[before:] == [loaded // SIZE + 1]
    ids = [r["id"] for r in table(app).store.rows]
    assert ids == [f"job-{i:05d}" for i in range(loaded + SIZE)]


@dataclass
class Fault:
    kind: str
    words: list[str]                         # in the error and on screen
    opts: dict[str, Any] = field(default_factory=dict)
    gated: bool = True                       # the server holds the answer until keys were pressed
    max_s: float | None = None               # the error comes within this long (timeouts)

    def __str__(self) -> str:
        return self.kind


async def run_fault(pilot, app, screen, server, fault: Fault) -> None:
    server.clear()
    gate = threading.Event() if fault.gated else None
    server.fail(2, fault.kind, **fault.opts, **({"gate": gate} if gate else {}))
    await open_jobs(pilot, app, screen)
    before = len(server.page_hits(JOBS))
    t0 = time.monotonic()
    await next_page(pilot, screen)
    await wait_until(pilot, lambda: server.page_hits(JOBS)[before:] == [2])      # page 2 was asked for
    assert screen.view.loading, (screen.view.error, screen.view.notice, screen.view.pages)
    await keys_answered(pilot, app, screen)
    assert screen.view.loading or not fault.gated                              # keys did not wait for it
    if gate is not None:
        gate.set()
    error = await failed(pilot, app, screen)
    if fault.max_s is not None:
        assert time.monotonic() - t0 < fault.max_s
    text = status(app)
    for w in fault.words:
        assert w in error and w in text, (w, error)
    assert "⚠" in text and "r retries from this page" in text
    assert screen.view.loaded == SIZE and table(app).row_count == SIZE          # nothing lost
    await keys_answered(pilot, app, screen)
    await retry_continues(pilot, app, screen, server)


# -- broken responses, timeouts and redirects, over https ------------------------------------------------------------

async def test_broken_responses_and_redirects(fs, tls, tmp_path):
    faults = [
        Fault("reset", ["was reset"]),
        Fault("truncated", ["closed the connection before the end of the body"]),
        Fault("garbage", ["garbage response", "not valid HTTP"]),
        Fault("html502", ["HTTP 502", "HTML error page"]),
        Fault("redirect", ["redirect to 127.0.0.1 not followed: it downgrades https to http"],
              {"location": f"http://127.0.0.1:{fs.port}{JOBS}?p=2"}),
        Fault("redirect", ["redirect to api.example.com not followed: it is plain http"],
              {"location": f"http://api.example.com{JOBS}?p=2"}),
    ]
    app = fault_app(make_tenant(fs.base_url, ca_bundle=tls[1]), tmp_path / "config.toml")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_explorer(pilot, "fault")
        for fault in faults:
            try:
                await run_fault(pilot, app, screen, fs, fault)
            except AssertionError as exc:
                raise AssertionError(f"fault {fault}: {exc}") from exc
    # the refused redirects were never followed: the server saw page requests to itself only
    assert {r.path for r in fs.requests} <= {JOBS, "/connect/token"}


async def test_black_hole_and_trickle_are_cut_by_timeouts(fs, tls, tmp_path):
    """Not held by the test: the timeouts themselves end these (keys are pressed meanwhile)."""
    faults = [
        Fault("blackhole", ["sent nothing for 1 s (read timeout)"], {"hold": 30}, gated=False, max_s=4),
        # ~1.3 KB at 50 B/s: 26 s if nothing stopped it; every single read is well inside the read timeout
        Fault("trickle", ["within the 1.5 s deadline"], {"interval": 0.02}, gated=False, max_s=4),
    ]
    tenant = make_tenant(fs.base_url, ca_bundle=tls[1], timeout_read="1", deadline="1.5")
    app = fault_app(tenant, tmp_path / "config.toml")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_explorer(pilot, "fault")
        for fault in faults:
            try:
                await run_fault(pilot, app, screen, fs, fault)
            except AssertionError as exc:
                raise AssertionError(f"fault {fault}: {exc}") from exc


async def test_a_plain_httpx_read_timeout_does_not_stop_a_trickle(fs, tls):
    """The library problem the deadline exists for: httpx's read timeout is per read, so a server
    sending a byte every 20 ms is never silent for 0.3 s; the request is still running after 1 s."""
    fs.route("/slow", "trickle", interval=0.02)
    verify = ssl.create_default_context(cafile=tls[1])
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3), verify=verify) as client:
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):                 # our guard fired, not httpx's timeout
            await asyncio.wait_for(client.get(fs.base_url + "/slow"), 1.0)
        assert time.monotonic() - t0 >= 0.9


# -- throttling, refused connections, paging loops and foreign links -------------------------------------------------

async def test_throttling_refused_and_paging_faults(fs, tls, tmp_path):
    port = closed_port()
    down = f"https://127.0.0.1:{port}"                  # the tenant's Elements host: nothing listens there
    sleeps = GateSleep()
    tenant = make_tenant(fs.base_url, ca_bundle=tls[1], elements_url=down)
    app = fault_app(tenant, tmp_path / "config.toml", sleep=sleeps)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_explorer(pilot, "fault")

        async def throttled(name: str, faults: list[dict], words: list[str], waits: list[float] | int,
                            ends_in_error: bool = True) -> None:
            try:
                fs.clear()
                for f in faults:
                    fs.fail(2, "status", **f)
                sleeps.waits.clear()
                sleeps.hold = True
                await open_jobs(pilot, app, screen)
                await next_page(pilot, screen)
                if waits:
                    await wait_until(pilot, lambda: len(sleeps.waits) == 1)    # waiting before a retry
                    assert screen.view.loading and screen.view.loaded == SIZE
                    await keys_answered(pilot, app, screen)
                sleeps.release()
                if ends_in_error:
                    error = await failed(pilot, app, screen)
                    for w in words:
                        assert w in error and w in status(app), (w, error)
                    assert table(app).row_count == SIZE
                    await keys_answered(pilot, app, screen)
                    await retry_continues(pilot, app, screen, fs)
                else:
                    await wait_until(pilot, lambda: not screen.view.loading and screen.view.pages == 2)
                    v = screen.view
                    assert v.error is None and v.loaded == 2 * SIZE
                    assert v.last_exchange.attempts == words
                if isinstance(waits, int):
                    assert len(sleeps.waits) == waits and sleeps.waits == sorted(sleeps.waits)  # backoff grows
                else:
                    assert sleeps.waits == waits
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from exc

        # Retry-After honoured (7 s asked, 7 s waited), keys answered meanwhile, then the rows
        await throttled("429 with Retry-After", [{"code": 429, "retry_after": 7}], ["429 (waited 7.0 s)"], [7.0],
                        ends_in_error=False)
        await throttled("503 with Retry-After", [{"code": 503, "retry_after": 2}], ["503 (waited 2.0 s)"], [2.0],
                        ends_in_error=False)
        # a Retry-After of 10 minutes is not slept on: named at once
        await throttled("429 with Retry-After 600", [{"code": 429, "retry_after": 600}],
                        ["throttled, retry after 600 s"], [])
        await throttled("503 with Retry-After 600", [{"code": 503, "retry_after": 600}],
                        ["throttled, retry after 600 s"], [])
        # without Retry-After: exponential backoff, three retries, then named
        await throttled("429 without Retry-After", [{"code": 429}] * 4, ["throttled: HTTP 429 through 3 retries"], 3)
        await throttled("503 without Retry-After", [{"code": 503}] * 4, ["HTTP 503", "simulated 503"], 3)

        # connection refused: page 1's nextLink names the tenant's other API host, which refuses
        try:
            fs.clear()
            fs.fail(1, "foreign", other=down)
            sleeps.waits.clear()
            sleeps.hold = True
            await open_jobs(pilot, app, screen)
            await next_page(pilot, screen)
            await wait_until(pilot, lambda: len(sleeps.waits) == 1)          # backing off after "refused"
            assert screen.view.loading
            await keys_answered(pilot, app, screen)
            sleeps.release()
            error = await failed(pilot, app, screen)
            assert f"connection refused by 127.0.0.1:{port}" in error and "connection refused" in status(app)
            assert len(sleeps.waits) == 3 and table(app).row_count == SIZE
            late = PagedFaultServer(ssl_context=tls[0], port=port).start()    # the host comes back
            try:
                late.route(JOBS, "pages", total=TOTAL, size=SIZE)
                before = len(fs.page_hits(JOBS))
                await press(pilot, "r")
                await handled(pilot, app)
                await wait_until(pilot, lambda: not screen.view.loading and (screen.view.loaded > SIZE
                                                                            or screen.view.error))
                assert screen.view.error is None and screen.view.loaded == 2 * SIZE
                assert late.page_hits(JOBS) == [2] and fs.page_hits(JOBS)[before:] == []
            finally:
                late.stop()
        except AssertionError as exc:
            raise AssertionError(f"connection refused: {exc}") from exc

        # a nextLink loop: load all (the worst case) stops after the repeated link, with a notice
        try:
            fs.clear()
            fs.fail(2, "loop", sticky=True)
            await open_jobs(pilot, app, screen)
            before = len(fs.page_hits(JOBS))
            await press(pilot, "L")
            await wait_until(pilot, lambda: not screen.view.loading and screen.view.done)
            await wait_until(pilot, lambda: "to avoid a loop" in status(app))
            v = screen.view
            assert v.error is None and v.loaded == 2 * SIZE and table(app).row_count == 2 * SIZE
            assert "nextLink it already sent" in v.notice and "to avoid a loop" in status(app)
            assert fs.page_hits(JOBS)[before:] == [2]
            await keys_answered(pilot, app, screen)
            await press(pilot, "L")                                            # done: nothing more is asked
            await handled(pilot, app)
            assert not screen.view.loading and fs.page_hits(JOBS)[before:] == [2]
        except AssertionError as exc:
            raise AssertionError(f"nextLink loop: {exc}") from exc

        # a nextLink to another host: refused before sending; r asks again and is refused again
        other = PagedFaultServer(ssl_context=tls[0]).start()
        try:
            other.route(JOBS, "pages", total=TOTAL, size=SIZE)
            fs.clear()
            fs.fail(2, "foreign", other=other.base_url)
            await open_jobs(pilot, app, screen)
            before = len(fs.page_hits(JOBS))
            await press(pilot, "L")
            error = await failed(pilot, app, screen)
            assert f"nextLink to 127.0.0.1:{other.port} not followed" in error
            assert "not one of this tenant's API hosts" in status(app)
            assert screen.view.loaded == 2 * SIZE and table(app).row_count == 2 * SIZE
            await keys_answered(pilot, app, screen)
            await press(pilot, "r")
            await handled(pilot, app)                                          # r ran (and failed again)
            await failed(pilot, app, screen)
            assert other.requests == [] and fs.page_hits(JOBS)[before:] == [2]
        except AssertionError as exc:
            raise AssertionError(f"foreign nextLink: {exc}") from exc
        finally:
            other.stop()


async def test_a_client_level_bearer_header_follows_a_foreign_next_link(fs, tls):
    """The library problem: default headers (or auth=) of an httpx client go to whatever host a
    nextLink names. The explorer's pager refuses such a link before sending (test above)."""
    other = PagedFaultServer(ssl_context=tls[0]).start()
    try:
        other.route(JOBS, "pages", total=TOTAL, size=SIZE)
        fs.fail(1, "foreign", other=other.base_url)
        async with httpx.AsyncClient(headers={"Authorization": "Bearer naive-token-0123456789"},
                                     verify=ssl.create_default_context(cafile=tls[1])) as client:
            url = fs.base_url + JOBS
            for _ in range(2):
                url = (await client.get(url)).json()["nextLink"]
        assert other.requests[0].headers["authorization"] == "Bearer naive-token-0123456789"
    finally:
        other.stop()


async def test_the_status_names_a_throttling_wait_while_it_waits(fs, tls, tmp_path):
    fs.fail(2, "status", code=429, retry_after=90)
    sleeps = GateSleep(hold=True)
    app = fault_app(make_tenant(fs.base_url, ca_bundle=tls[1]), tmp_path / "config.toml", sleep=sleeps)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_explorer(pilot, "fault")
        await open_jobs(pilot, app, screen)
        await next_page(pilot, screen)
        await wait_until(pilot, lambda: sleeps.waits == [90.0])
        try:
            await wait_until(pilot, lambda: "throttled" in status(app).lower() or "429" in status(app), rounds=50)
            assert "throttled (429), retrying in" in status(app) and "loading…" not in status(app), status(app)
            assert screen.view.loading and screen.view.loaded == SIZE
        finally:
            sleeps.release()
        await wait_until(pilot, lambda: not screen.view.loading and screen.view.loaded == 2 * SIZE)
        await wait_until(pilot, lambda: "throttled" not in status(app))             # the wait is over


def test_status_text_counts_a_retry_wait_down():
    from tui.catalog import load_catalog
    from tui.ui.explorer.model import View, status_text
    v = View(1, load_catalog().get("aos.jobs"), {}, {}, loaded=50, pages=1, loading=True)
    assert "loading…" in status_text(v, "", 50).plain
    v.waiting = ("throttled (429)", 100.0)
    assert "throttled (429), retrying in 90 s…" in status_text(v, "", 50, now=10.0).plain
    assert "retrying in 1 s…" in status_text(v, "", 50, now=99.5).plain
    done = status_text(v, "", 50, now=100.0).plain                  # the wait is over: the retry is under way
    assert "throttled (429), retrying…" in done and "loading…" not in done
    v.loading = False
    assert "throttled" not in status_text(v, "", 50, now=10.0).plain


# -- seconds of real latency (the simulator's knob) ------------------------------------------------------------------

async def test_seconds_of_latency_keys_answered_esc_stops_r_continues(make_sim, tmp_path):
    sim = make_sim()
    app = make_app(sim, tmp_path / "config.toml")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_explorer(pilot, "demo-aos")
        await open_jobs(pilot, app, screen)
        first = screen.view.loaded
        assert first == 100
        sim.faults.latency = 2.0
        t0 = time.monotonic()
        await next_page(pilot, screen)
        await keys_answered(pilot, app, screen)
        assert screen.view.loading and time.monotonic() - t0 < 2.0        # keys did not wait for the page
        await press(pilot, "escape")                                       # the user gives up waiting
        await wait_until(pilot, lambda: not screen.view.loading)
        await wait_until(pilot, lambda: "press r to continue" in status(app))
        v = screen.view
        assert v.loaded == first and table(app).row_count == first
        assert "stopped" in v.notice and "press r to continue" in status(app)
        sim.faults.latency = 0.5                                          # still slow, but it arrives
        jobs = lambda: [r for r in sim.api_requests() if r.path == JOBS]  # noqa: E731
        before = len(jobs())
        await press(pilot, "r")
        await wait_until(pilot, lambda: not screen.view.loading and screen.view.loaded > first)
        sim.faults.latency = 0
        assert screen.view.error is None and screen.view.loaded == 2 * first
        assert [r.query.get("skip") for r in jobs()[before:]] == ["100"]  # page 2 again, never page 1
        ids = [r["id"] for r in table(app).store.rows]
        assert len(ids) == len(set(ids)) == 2 * first


# -- a page that is not readable JSON ----------------------------------------------------------------------------------

async def test_an_unreadable_page_is_an_error_that_r_retries(fs, tls, tmp_path):
    big = {"jobs": [{"id": f"big-{i}", "pad": "y" * 200} for i in range(100)], "totalCount": TOTAL}   # ~24 KB
    tenant = make_tenant(fs.base_url, ca_bundle=tls[1], max_body_mb="0.01")                          # 10 KB cap
    app = fault_app(tenant, tmp_path / "config.toml")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_explorer(pilot, "fault")
        for kind, opts, words in (("json", {"body": big}, ["truncated", "max_body_mb"]),
                                  ("badjson", {}, ["invalid JSON"])):
            fs.clear()
            fs.fail(2, kind, **opts)
            await open_jobs(pilot, app, screen)
            await next_page(pilot, screen)
            await wait_until(pilot, lambda: not screen.view.loading)
            text = " ".join(filter(None, (screen.view.error, screen.view.notice)))
            for w in words:
                assert w in text, (kind, text)
            assert screen.view.error is not None and not screen.view.done, (kind, text)
            await failed(pilot, app, screen)
            for w in words:                                   # the Exchange's notice reaches the status bar
                assert w in status(app), (kind, status(app))
            assert screen.view.loaded == SIZE and table(app).row_count == SIZE          # the rows stay
            await retry_continues(pilot, app, screen, fs)
