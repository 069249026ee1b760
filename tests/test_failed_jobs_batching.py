"""Issue 16, the failed-jobs screen: rows arrive in batches (one table update per redraw, never one
per job), the summary and status are redrawn a few times a second at most, and a redraw does not
lay the screen out again when nothing changed size. Counted, not timed (speed lives in
``python -m tests.bench --only failed-jobs``).
"""

from __future__ import annotations

from tests.test_failed_jobs_ui import open_failed, until_done
from tests.ui_helpers import make_app, record_layouts, settle, wait_until
from tui.ui.failed_jobs import screen as screen_module
from tui.ui.failed_jobs.messages import ScanUpdate
from tui.ui.failed_jobs.screen import FailedJobsScreen
from tui.ui.failed_jobs.table import JobTable

SIZE = (80, 24)


def calls_logged(method, log: list):
    """``method`` (a function of a class) logging each call in ``log``."""
    def wrapper(self, *args, **kwargs):
        log.append(args)
        return method(self, *args, **kwargs)
    return wrapper


def counting(obj, name: str, log: list):
    """Wrap ``obj.name`` so each call appends its arguments to ``log``."""
    original = getattr(obj, name)

    def wrapper(*args, **kwargs):
        log.append((args, kwargs))
        return original(*args, **kwargs)
    setattr(obj, name, wrapper)


class TestBatches:
    async def test_rows_arrive_one_table_update_per_redraw_and_never_one_per_job(self, tmp_path, make_sim, monkeypatch):
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        sim = make_sim(latency=0.03)            # a partner scan of ~110 requests: many pages, several redraws
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            appends: list = []
            flushes: list = []
            summaries: list = []
            append_rows = JobTable.append_rows

            def counted_append(table, rows):
                appends.append(len(rows))
                return append_rows(table, rows)
            monkeypatch.setattr(JobTable, "append_rows", counted_append)
            for name, log in (("flush", flushes), ("render_summary", summaries)):
                monkeypatch.setattr(FailedJobsScreen, name, calls_logged(getattr(FailedJobsScreen, name), log))
            screen = await open_failed(pilot, "demo-partner", concurrency=4, window="30d")
            await until_done(pilot, screen, rounds=6000)
            await settle(pilot)
            table = screen.query_one(JobTable)
            pages = sum(s.pages for s in screen.model.sources.values())
            rows = appends
            assert sum(rows) == table.row_count == len(screen.model.jobs) > 100
            assert len(appends) <= len(flushes)          # one table update per redraw at most
            assert len(appends) < pages                  # fewer table updates than pages read, far fewer than jobs
            assert max(rows) > 1
            assert len(summaries) == len(flushes)        # the summary: once per redraw
            # the scan's own session shares the app session's settings (and TLS context: ~35 ms to load)
            assert screen.loader.scan.session.net is screen.session.net

    async def test_a_burst_of_scan_updates_makes_one_redraw(self, tmp_path, sim, monkeypatch):
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted")
            await until_done(pilot, screen)
            await settle(pilot)
            flushes: list = []
            counting(screen, "flush", flushes)
            for _ in range(50):                          # the loader's wake-ups, however many, ...
                screen.on_scan_update(ScanUpdate(screen.model.token, None))
            await wait_until(pilot, lambda: flushes)
            await pilot.pause(screen_module.REDRAW * 2)
            assert len(flushes) == 1                     # ... make one redraw per REDRAW period
            assert 1 / screen_module.REDRAW <= 20        # the summary and status: at most ~20 a second

    async def test_a_status_of_the_same_height_does_not_lay_the_screen_out(self, tmp_path, sim, monkeypatch):
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted")
            await until_done(pilot, screen)
            await settle(pilot)
            await pilot.pause(screen_module.REDRAW * 2)      # nothing the scan scheduled is still to come
            status = screen.pane.query_one("#status")
            layouts = record_layouts(status)
            for _ in range(5):
                screen.render_status()                   # the same line again: a repaint, no layout
            assert layouts == [False] * 5
            from rich.text import Text
            screen.pane.set_status(Text("x " * 200))     # wraps: its height changes, the layout follows
            await pilot.pause()
            assert layouts[-1] is True and status.size.height > 1
            screen.pane.set_status(Text("short again"))
            await pilot.pause()
            assert layouts[-1] is True and status.size.height == 1

    async def test_with_the_session_open_already_the_scan_starts_at_mount_and_only_once(self, tmp_path, sim,
                                                                                      monkeypatch):
        from tui.ui.widgets.tenant_session import TenantSession
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        for widget_answers in (False, True):
            app = make_app(sim, tmp_path / "config.toml")
            with monkeypatch.context() as patch:
                if not widget_answers:                    # its thread never answers: the scan starts anyway
                    patch.setattr(TenantSession, "connect", lambda self: None)
                async with app.run_test(size=SIZE) as pilot:
                    await pilot.pause()
                    app.session_for("demo-restricted")    # as after the explorer: the app holds it
                    screen = FailedJobsScreen("demo-restricted")
                    app.push_screen(screen)
                    await until_done(pilot, screen)
                    await settle(pilot)
                    assert screen.model.token == 1        # one scan: the widget's answer, when it comes, is ignored

    async def test_with_the_session_open_already_the_scan_starts_before_the_widgets_mount(self, tmp_path, sim,
                                                                                         monkeypatch):
        """Its first requests are in flight while the screen's ~20 widgets mount (~0.1 s at 80x24)."""
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        seen_at_mount: list = []

        class Probe(FailedJobsScreen):
            def on_mount(self) -> None:           # Textual runs the base class's handler after this one
                seen_at_mount.append((self.loader is not None, self.model.scanning))

        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.session_for("demo-restricted")
            screen = Probe("demo-restricted")
            app.push_screen(screen)
            await until_done(pilot, screen)
            await settle(pilot)
            assert seen_at_mount == [(True, True)]
            assert screen.model.token == 1
            assert screen.model.window_label
            assert screen.query_one("AppHeader").crumbs == ("Failed jobs", screen.model.window_label)


class TestThreadSwitches:
    def test_a_scan_shortens_the_switch_interval_and_the_last_one_restores_it(self):
        import sys

        from tui.ui.failed_jobs.loader import SCAN_SWITCH_INTERVAL, prompt_thread_switches
        before = sys.getswitchinterval()
        with prompt_thread_switches():
            assert sys.getswitchinterval() == min(SCAN_SWITCH_INTERVAL, before)
            with prompt_thread_switches():                 # a watch scan overlapping a re-run
                pass
            assert sys.getswitchinterval() == min(SCAN_SWITCH_INTERVAL, before)
        assert sys.getswitchinterval() == before
        try:
            with prompt_thread_switches():
                raise RuntimeError("a crashed scan")
        except RuntimeError:
            pass
        assert sys.getswitchinterval() == before
