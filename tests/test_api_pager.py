"""The Pager's stops and resumes: page cap, resume after a failure, break and continue, nextLink
loops, foreign hosts, repeated pages and tokens, relative links, POST paging."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.faults import FaultServer, Sleeps, demo_tenant, make_tenant
from tui.api.errors import HttpError, RefusedError
from tui.api.session import Session


def _window(days):
    now = datetime.now(timezone.utc)
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"), now.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_elements_post_pages_in_the_query_and_filters_in_the_body(sim):
    c = sim.dataset.items("elements.customers")[0]
    n = len(sim.requests)
    async with Session(demo_tenant(sim, "demo-partner")) as s:
        items = await s.pager("elements.avpt-products-jobs", {"customerId": c["id"]}, {"jobType": 7, "jobModule": 302},
                              page_size=2).all_items()
    expected = sim.dataset.select("elements.avpt-products-jobs", {"customerId": c["id"]},
                                  body={"jobType": 7, "jobModule": 302})
    assert [j["jobId"] for j in items] == [j["jobId"] for j in expected]
    posts = [r for r in sim.requests[n:] if r.kind == "api"]
    assert all(r.method == "POST" and "pageIndex" in r.query and r.body == {"jobType": 7, "jobModule": 302}
               for r in posts)


async def test_page_cap_stops_with_a_notice(sim):
    async with Session(demo_tenant(sim)) as s:
        pager = s.pager("m365.cloudbackupjobs", page_size=100, max_pages=3)
        pages = [p async for p in pager.pages()]
    assert len(pages) == 3 and pager.more and pager.done
    assert "page cap (3 pages)" in pages[-1].notice and "300 of 5000" in pager.notice


async def test_resume_after_a_failed_page(sim):
    got = []
    async with Session(demo_tenant(sim), sleep=Sleeps()) as s:
        pager = s.pager("aos.jobs", {}, {"top": 50})
        with pytest.raises(HttpError) as err:
            async for page in pager.pages():
                got.extend(page.items)
                if page.number == 2:
                    sim.force("/aos/jobs", status=500, times=1)
        assert err.value.status == 500 and pager.error is err.value and not pager.done
        assert pager.number == 2 and len(got) == 100
        async for page in pager.resume():
            got.extend(page.items)
    ids = [j["id"] for j in got]
    assert len(ids) == len(set(ids)) == len(sim.dataset.items("aos.jobs")) and pager.done


@pytest.mark.parametrize("fault,opts,words", [
    ("badjson", {}, "page 2 cannot be read: invalid JSON"),
    ("json", {"body": {"jobs": [{"id": "x", "pad": "y" * 200}] * 60, "totalCount": 150}},
     "page 2 cannot be read: body truncated at 10.2 KB (max_body_mb)"),
])
async def test_an_unreadable_page_fails_and_resume_asks_for_it_again(fault, opts, words):
    """Invalid JSON or half a body is a failed page (its items and next cursor are unknown), not the
    end of the walk: the rows so far stay, and resume() asks for the same page."""
    from tests.hardening_helpers import PagedFaultServer
    from tui.api.errors import UnreadablePageError
    fs = PagedFaultServer().start()
    try:
        fs.route("/aos/jobs", "pages", total=150, size=50)
        fs.fail(2, fault, **opts)
        got = []
        async with Session(make_tenant(fs.base_url, max_body_mb="0.01"), sleep=Sleeps()) as s:
            pager = s.pager("aos.jobs")
            with pytest.raises(UnreadablePageError) as err:
                async for page in pager.pages():
                    got.extend(page.items)
            assert words in str(err.value) and err.value.page == 2 and err.value.exchange.status == 200
            assert pager.error is err.value and not pager.done and pager.number == 1 and pager.loaded == 50
            async for page in pager.resume():
                got.extend(page.items)
        assert [it["id"] for it in got] == [f"job-{i:05d}" for i in range(150)] and pager.done
        assert fs.page_hits("/aos/jobs") == [1, 2, 2, 3]
    finally:
        fs.stop()


async def test_only_a_first_page_of_plain_text_is_shown_as_it_is():
    from tui.api.errors import UnreadablePageError
    from tui.api.exchange import Exchange
    async with Session(make_tenant("https://api.example.test")) as s:       # nothing is sent
        pager = s.pager("aos.jobs")
    text = Exchange(id=1, started_at=datetime.now(timezone.utc), method="GET", raw_url="https://api.example.test/x",
                    status=200, text="plain words", content_type="text/plain")
    assert pager._unreadable(text) is None                          # page 1: shown, nothing to page through
    pager.number = 1
    err = pager._unreadable(text)
    assert isinstance(err, UnreadablePageError) and "page 2 is not JSON (text/plain), unlike page 1" in str(err)


async def test_break_and_continue_keeps_the_place(sim):
    async with Session(demo_tenant(sim)) as s:
        pager = s.pager("aos.jobs", {}, {"top": 500})
        first = []
        async for page in pager.pages():
            first.extend(page.items)
            break
        rest = await pager.all_items()
    ids = [j["id"] for j in first + rest]
    assert len(ids) == len(set(ids)) == len(sim.dataset.items("aos.jobs"))


# -- stops and refusals (fault server) -----------------------------------------------------------------

async def test_nextlink_loop_is_stopped_with_a_notice():
    with FaultServer() as fs:
        fs.route("/aos/audit", "loop")
        async with Session(make_tenant(fs.base_url)) as s:
            s7, e7 = _window(7)
            pager = s.pager("aos.audit", {}, {"startTime": s7, "endTime": e7})
            pages = [p async for p in pager.pages()]
    assert len(pages) == 1 and pager.done and "already sent" in pages[0].notice and "loop" in pager.notice
    assert len(fs.hits("/aos/audit")) == 1


async def test_nextlink_to_another_host_is_not_sent_the_token():
    with FaultServer() as fs, FaultServer() as other:
        fs.route("/aos/audit", "foreign", other=other.base_url)
        async with Session(make_tenant(fs.base_url)) as s:
            pager = s.pager("aos.audit")
            got = []
            with pytest.raises(RefusedError) as err:
                async for page in pager.pages():
                    got.extend(page.items)
    assert got == [{"id": 1}, {"id": 2}]
    assert f"127.0.0.1:{other.port}" in str(err.value) and "nextLink" in str(err.value)
    assert other.requests == []


async def test_same_page_twice_is_stopped():
    with FaultServer() as fs:
        fs.route("/backup/google/admin/jobs", "json", body={"jobs": [{"id": 1}, {"id": 2}], "nextLink": "t"})
        async with Session(make_tenant(fs.base_url)) as s:
            pager = s.pager("google.jobs", page_size=2)
            pages = [p async for p in pager.pages()]
    assert [len(p.items) for p in pages] == [2, 0] and "repeated page 1" in pages[-1].notice and pager.done


async def test_same_continuation_token_twice_is_stopped():
    with FaultServer() as fs:
        fs.route("/backup/vm/jobs", "json",
                 body=lambda req, hit: {"jobs": [{"id": hit}], "totalCount": 99, "nextLink": "SAME-TOKEN"})
        async with Session(make_tenant(fs.base_url)) as s:
            pager = s.pager("iaas.jobs", page_size=1)
            pages = [p async for p in pager.pages()]
    assert len(pages) == 2 and "same continuation token twice" in pages[-1].notice
    assert fs.hits("/backup/vm/jobs")[1].query["skiptoken"] == "SAME-TOKEN"


async def test_token_with_no_way_back_stops_with_a_notice():
    with FaultServer() as fs:
        fs.route("/smp/powerplatform/environments", "json",
                 body={"environments": [{"id": 1}], "totalCount": 5, "nextLink": "opaque-token"})
        async with Session(make_tenant(fs.base_url)) as s:
            pager = s.pager("enpower.environments")
            pages = [p async for p in pager.pages()]
    assert len(pages) == 1 and "no way to send it" in pages[0].notice


async def test_relative_nextlinks_are_completed(sim):
    async with Session(demo_tenant(sim)) as s:
        d365 = s.pager("d365.jobs", {}, {"type": 0})
        assert d365._link("/jobs?pageIndex=2") == sim.base_url + "/dynamicsbackup/jobs?pageIndex=2"
        assert d365._link("/dynamicsbackup/jobs?x=1") == sim.base_url + "/dynamicsbackup/jobs?x=1"
        dmso = s.pager("dmso.audits")
        assert dmso._link("audits?pageIndex=2") == sim.base_url + "/dmso/audits?pageIndex=2"
        assert dmso._link("https://x.example/a") == "https://x.example/a"


async def test_single_object_and_missing_path_params(sim):
    from tui.api.errors import ParamError
    job = sim.dataset.items("m365.cloudbackupjobs")[0]
    async with Session(demo_tenant(sim)) as s:
        pages = [p async for p in s.pager("m365.cloudbackupjobs-item", {"jobId": job["id"]}).pages()]
        # the page wraps the job in {statusCode, data: {...}}: the one item is the job itself
        assert len(pages) == 1 and pages[0].last and pages[0].items[0]["id"] == job["id"]
        with pytest.raises(ParamError) as err:
            s.pager("m365.cloudbackupjobs-item")
    assert "jobId" in str(err.value) and err.value.exit_code == 2
