"""Issue 17 in the app: the failed-jobs screen marks failures new since the last look, and ``W``
watches (pilot tests against the simulator on 127.0.0.1).

A job "fails between two scans" as in test_failed_jobs_watch (an in-progress VM job of the
simulator's dataset turns failed in place). Watch mode's clock is ``tui.clock``: the tests freeze
it and move it on, so five minutes pass without anyone waiting; the watch line looks at the clock
once a second, so a due scan starts within about a second of real time.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.test_failed_jobs import tenant_of
from tests.test_failed_jobs_ui import open_failed, until_done
from tests.test_failed_jobs_watch import fail_a_running_vm_job
from tests.ui_helpers import make_app, screen_text, settle, wait_until
from tui import clock
from tui.triage.seen import SeenStore
from tui.ui.failed_jobs.screen import FailedJobsScreen
from tui.ui.failed_jobs.table import NEW_COLUMN, JobTable
from tui.ui.failed_jobs.watch import WatchLine

SIZE = (80, 24)


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    """A seen state of this test's own (the session's XDG_STATE_HOME is shared by every test)."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.fixture
def driven_clock():
    """``tui.clock`` stands still until the test moves it: ``driven_clock(seconds)`` sets the
    monotonic clock to 1000 + seconds (the wall clock stays at the test's start)."""
    now = datetime.now(timezone.utc)

    def at(seconds: float) -> None:
        clock.freeze(now, perf=1000.0 + seconds)

    at(0)
    try:
        yield at
    finally:
        clock.thaw()


def marked(screen) -> list[str]:
    """The ids of the rows marked new, in table order."""
    t = screen.query_one(JobTable)
    rows = [t.store.rows[t.row_id_at(i)] for i in range(t.visible_count)]
    return [r["job id"] for r in rows if r[NEW_COLUMN]]


def summary(screen) -> str:
    content = screen.query_one("#summary").content
    return content.plain if hasattr(content, "plain") else str(content)


async def visit(app, tenant: str = "demo-aos", **kw) -> tuple[list[str], str, int]:
    """Open the screen, let its scan finish and its marks be written; (marked ids, summary, rows); close it."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_failed(pilot, tenant, **kw)
        await until_done(pilot, screen)
        await settle(pilot)
        return marked(screen), summary(screen), screen.query_one(JobTable).row_count


class TestNewSinceTheLastLook:
    async def test_a_job_failing_between_two_visits_is_new_exactly_once_and_a_restart_keeps_the_state(
            self, make_sim, tmp_path, state_home):
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        first, text, rows = await visit(make_app(sim, cfg))
        assert rows and len(first) == rows                       # a first look: every failure is new
        assert f"● {rows} new (first look)" in text
        store = SeenStore("demo-aos").load()
        assert len(store) == rows                                # recorded as seen when the scan ended
        assert (store.path.stat().st_mode & 0o777) == 0o600
        # a restart (a new app reads the file) keeps the seen state: nothing is new
        again, text, _ = await visit(make_app(sim, cfg))
        assert again == [] and "0 new since" in text and "UTC" in text
        failed_id = fail_a_running_vm_job(sim)
        now, text, rows_now = await visit(make_app(sim, cfg))
        assert now == [failed_id] and rows_now == rows + 1 and "● 1 new since" in text
        after, text, _ = await visit(make_app(sim, cfg))
        assert after == [] and "0 new" in text                  # shown once: seen from then on

    async def test_the_new_failure_sorts_first_and_keeps_its_mark_for_the_visit(self, make_sim, tmp_path, state_home):
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        await visit(make_app(sim, cfg))
        failed_id = fail_a_running_vm_job(sim)
        async with make_app(sim, cfg).run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            await settle(pilot)
            jobs = screen.visible_jobs()
            assert jobs[0].job_id == failed_id and marked(screen) == [failed_id]
            top = screen.query_one(JobTable).render_line(1).text    # the first row, as drawn at 80 columns
            assert top.lstrip().startswith("●") and jobs[0].service in top and "Failed" in top
            table = screen.query_one(JobTable)
            for reverse in (False, True):                       # any sort, either way: the new one first
                table.sort_by("job id", reverse=reverse)
                ids = [j.job_id for j in screen.visible_jobs()]
                assert ids[0] == failed_id and ids[1:] == sorted(ids[1:], key=str.casefold, reverse=reverse)
            table.focus()
            await pilot.press("r")                              # a rerun in the same visit keeps the mark
            await until_done(pilot, screen)
            await settle(pilot)
            assert marked(screen) == [failed_id]

    async def test_a_corrupt_seen_file_is_named_and_rebuilt(self, make_sim, tmp_path, state_home):
        sim = make_sim()
        store = SeenStore("demo-aos")
        store.path.parent.mkdir(parents=True)
        store.path.write_text("{not json")
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            await settle(pilot)
            notes = [n.message for n in app._notifications]
            assert any(str(store.path) in n and "corrupt" in n for n in notes), notes
            assert marked(screen)                               # all new: the state was rebuilt
        assert len(SeenStore("demo-aos").load()) > 0


class TestWatch:
    async def test_under_429s_it_keeps_its_interval_adds_the_new_failure_on_top_and_loses_nothing(
            self, make_sim, tmp_path, state_home, driven_clock):
        sim = make_sim()
        await visit(make_app(sim, tmp_path / "config.toml"))     # an earlier look: nothing is new now
        sim.faults.rate_429, sim.faults.retry_after = 0.2, "0"
        sim.reset_stats()
        app = make_app(sim, tmp_path / "config.toml")
        bells: list[int] = []
        app.bell = lambda: bells.append(1)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos", concurrency=3, watch_interval=60, bell=True)
            await until_done(pilot, screen)
            await settle(pilot)
            table = screen.query_one(JobTable)
            rows_before = table.row_count
            table.focus()
            await pilot.press("down", "down")
            held = screen.visible_jobs()[table.cursor_row]
            await pilot.press("W")
            await settle(pilot)
            line = screen.query_one(WatchLine)
            assert screen.model.watching and line.display
            assert "next scan in 1:00" in screen_text(app)        # the interval from the last scan's start
            failed_id = fail_a_running_vm_job(sim)
            token = screen.model.token
            driven_clock(59)
            await wait_until(pilot, lambda: "next scan in 0:01" in screen_text(app), rounds=300)
            assert screen.model.token == token                      # not due yet
            driven_clock(60)
            await wait_until(pilot, lambda: screen.model.token == token + 1, rounds=300)
            driven_clock(95)                                        # the scan is slow (Retry-After waits)
            await until_done(pilot, screen)
            await settle(pilot)
            # the new failure: marked, on top; the cursor still on its job, the view at the top. (A source
            # that ran out of retries in the first scan is read again: its rows come back unmarked.)
            assert table.row_count >= rows_before + 1
            assert marked(screen) == [failed_id] and screen.visible_jobs()[0].job_id == failed_id
            assert screen.visible_jobs()[table.cursor_row] is held and table.scroll_offset.y == 0
            assert bells == [1]
            # start to start: due at 60 + 60 although the scan ended at 95
            assert screen.model.next_scan_at == 1000 + 120
            driven_clock(119)
            await wait_until(pilot, lambda: "next scan in 0:01" in screen_text(app), rounds=300)
            assert screen.model.token == token + 1
            driven_clock(120)
            await wait_until(pilot, lambda: screen.model.token == token + 2, rounds=300)
            await until_done(pilot, screen)
            await settle(pilot)
            assert bells == [1]                                               # nothing new: no bell
            assert marked(screen) == [failed_id]                              # the mark stays for the visit
            assert sum(1 for s in sim.api_requests() if s.status == 429) > 0   # it was throttled
            assert sim.max_concurrent <= 3
            keys = [j.key for j in screen.model.jobs]
            assert len(keys) == len(set(keys))                                  # each failure once
            # loses nothing: a clean scan finds exactly what the table holds
            sim.faults.rate_429 = 0
            from tui.api.session import Session
            from tui.triage import FailedJobsScan
            async with Session(tenant_of(sim, "demo-aos")) as session:
                clean = await FailedJobsScan(session, window="7d", include_exceptions=True).run()
            assert not any(s.errors for s in clean.sources)
            assert {j.key for j in clean.jobs} == set(keys) and table.row_count == len(clean.jobs)
            assert not SeenStore("demo-aos").load().new_jobs(clean.jobs)        # all recorded as seen
            # W again stops: no timer, no scan however late it gets
            await pilot.press("W")
            await settle(pilot)
            assert not screen.model.watching and not line.display and line._timer is None
            driven_clock(10_000)
            await pilot.pause(0.05)
            assert screen.model.token == token + 2

    async def test_leaving_the_screen_stops_the_timer_and_the_countdown_redraws_only_when_it_changes(
            self, make_sim, tmp_path, state_home, driven_clock):
        sim = make_sim()
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted", watch_interval=300)
            await until_done(pilot, screen)
            await settle(pilot)
            screen.query_one(JobTable).focus()
            await pilot.press("W")
            line = screen.query_one(WatchLine)
            await wait_until(pilot, lambda: "next scan in 5:00" in screen_text(app))
            drawn = line.redraws
            for _ in range(5):                                  # the clock stands still: nothing to redraw
                line.tick()
            assert line.redraws == drawn
            driven_clock(1)
            line.tick()
            assert line.redraws == drawn + 1 and "4:59" in str(line.content)
            token = screen.model.token
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, FailedJobsScreen))
            assert line._timer is None
            driven_clock(10_000)
            await pilot.pause(0.05)
            assert screen.model.token == token

    async def test_a_due_scan_is_not_started_twice(self, make_sim, tmp_path, state_home, driven_clock):
        sim = make_sim(latency=0.05)
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos", watch_interval=60)
            await until_done(pilot, screen)
            await settle(pilot)
            screen.query_one(JobTable).focus()
            await pilot.press("W")
            driven_clock(60)
            line = screen.query_one(WatchLine)
            token = screen.model.token
            line.tick()
            await wait_until(pilot, lambda: screen.model.token == token + 1)
            assert screen.model.scanning
            driven_clock(500)                                  # long overdue while the scan runs
            line.tick()
            line.tick()
            await settle(pilot)
            assert screen.model.token == token + 1
            assert len([w for w in app.workers if w.group == "scan" and w.is_running]) <= 1
            await until_done(pilot, screen)

    async def test_the_interval_and_the_bell_come_from_the_config_file(self, make_sim, tmp_path, state_home):
        sim = make_sim()
        cfg = tmp_path / "config.toml"
        cfg.write_text("watch_interval = 120\nwatch_bell = true\n")
        cfg.chmod(0o600)
        app = make_app(sim, cfg)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted")
            await until_done(pilot, screen)
            assert screen.model.watch_interval == 120 and screen.bell_on_new
            screen.query_one(JobTable).focus()
            await pilot.press("W")
            await wait_until(pilot, lambda: "watching every 2 min · next scan in 2:00" in screen_text(app)
                             or "watching every 2 min · next scan in 1:5" in screen_text(app))
        plain = make_app(sim, tmp_path / "none.toml")
        async with plain.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted")
            assert screen.model.watch_interval == 300 and not screen.bell_on_new      # the defaults
