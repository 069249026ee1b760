"""Pilot tests of the failed-jobs screen against the simulator (80x24 unless said otherwise).

What the table lists is compared with the simulator's own data (``expected_ids`` from
test_failed_jobs); nothing sleeps: the tests poll with bounds (``wait_until``, ``settle``).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rich.text import Text

from tests.test_failed_jobs import MODERN, PARTNER, expected_ids
from tests.ui_helpers import make_app, screen_text, settle, wait_until
from tui.triage import FailedJob, JobError, SourceState
from tui.ui.failed_jobs.render import errors_text, source_line, summary_text
from tui.ui.failed_jobs.screen import FailedJobsScreen
from tui.ui.failed_jobs.table import NARROW_CAPS
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable

SIZE = (80, 24)


@pytest.fixture
def app(sim, tmp_path):
    return make_app(sim, tmp_path / "config.toml")


async def open_failed(pilot, tenant: str = "demo-aos", **kw) -> FailedJobsScreen:
    app = pilot.app
    await settle(pilot)
    app.push_screen(FailedJobsScreen(tenant, **kw))
    await wait_until(pilot, lambda: isinstance(app.screen, FailedJobsScreen) and app.screen.is_mounted
                     and bool(app.screen.query(PagedTable)))
    return app.screen


async def until_done(pilot, screen: FailedJobsScreen, rounds: int = 3000) -> None:
    await wait_until(pilot, lambda: screen.model.settled,
                     rounds=rounds)
    await settle(pilot)


def table(screen) -> PagedTable:
    return screen.query_one(PagedTable)


def listed(screen) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for j in screen.visible_jobs():
        out.setdefault(j.source, set()).add(j.job_id)
    return out


class TestTenant:
    async def test_exactly_the_failed_jobs_newest_first_at_80x24(self, app, sim):
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            window = screen.model.result.window
            got = listed(screen)
            for eid in MODERN:
                assert got.get(eid, set()) == expected_ids(sim, eid, window, True), eid
            starts = [r["start"] for r in (table(screen).store.rows[table(screen).row_id_at(i)]
                                           for i in range(table(screen).visible_count))]
            assert starts == sorted(starts, reverse=True)
            text = screen_text(app)
            assert "Failed jobs" in text and "done" in text
            n_failed = sum(1 for j in screen.model.jobs if j.severity == "failed")
            assert f"{n_failed} failed" in text                     # the summary bar
            assert "Microsoft 365" in text and "jobState=3,4,5" in text   # a source line with its filter

    async def test_a_failing_source_is_listed_with_its_error_and_the_others_complete(self, tmp_path, make_sim):
        sim = make_sim()
        sim.force("/backup/vm/jobs", status=403, times=50)
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            assert screen.model.sources["iaas.jobs"].state == "failed"
            assert all(screen.model.sources[e].state == "done" for e in MODERN if e != "iaas.jobs")
            got = listed(screen)
            assert "iaas.jobs" not in got
            assert got["m365.cloudbackupjobs"] == expected_ids(sim, "m365.cloudbackupjobs", screen.model.result.window, True)
            text = screen_text(app)
            assert "IaaS + PaaS" in text and "403" in text
            # the error line opens the refused request in the inspector
            from textual.widgets import OptionList
            ol = screen.query_one("#sources", OptionList)
            idx = next(i for i in range(ol.option_count) if (ol.get_option_at_index(i).id or "").startswith("err:iaas"))
            ol.focus()
            ol.highlighted = idx
            await pilot.press("enter")
            await settle(pilot)
            assert screen.query_one(ExchangeInspector).exchange.status == 403

    async def test_enter_shows_the_errors_and_requests_the_detail_endpoint(self, app, sim):
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            jobs = screen.visible_jobs()
            pos = next(i for i, j in enumerate(jobs) if j.source == "m365.cloudbackupjobs" and j.errors)
            job = jobs[pos]
            t = table(screen)
            t.focus()
            t.move_cursor(row=pos)
            before = len(sim.requests)
            await pilot.press("enter")
            await settle(pilot)
            paths = [r.path for r in sim.requests[before:]]
            assert f"/backup/m365/cloudbackupjobs/{job.job_id}" in paths
            inspector = screen.query_one(ExchangeInspector)
            assert inspector.exchange is not None and inspector.exchange.endpoint_id == "m365.cloudbackupjobs-item"
            shown = screen.query_one("#job-errors").render()
            plain = shown.plain if hasattr(shown, "plain") else str(shown)
            assert job.errors[0].message in plain and "×" in plain
            # v cycles: the job's JSON, the detail request, the list request that carried it
            await pilot.press("v")
            await pilot.press("v")
            await settle(pilot)
            assert inspector.exchange.endpoint_id == "m365.cloudbackupjobs"
            await pilot.press("escape")                       # closes the detail first
            await settle(pilot)
            assert not screen.query_one("#detail").display and isinstance(app.screen, FailedJobsScreen)


class TestNarrow:
    """At 80 columns a row's outcome shows without scrolling sideways: the status and start follow
    the service, and the customer and job type are capped (at 40 cells the job type alone pushed
    the status off screen). Wide again, the wide order and widths come back."""

    @staticmethod
    def header(screen) -> str:
        return table(screen).render_line(0).text

    async def test_the_status_is_on_an_80_column_screen_and_the_wide_layout_returns(self, tmp_path, sim, monkeypatch):
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            for tenant, first in (("demo-aos", "service"), ("demo-partner", "customer / tenant")):
                screen = await open_failed(pilot, tenant)
                await until_done(pilot, screen)
                t = table(screen)
                head = self.header(screen)
                assert "status" in head and ("start" in head or tenant == "demo-partner"), head
                assert t.preferred[1] == first and t.preferred.index("status") == t.preferred.index("service") + 1
                assert all(t.store.widths[t.store.ids[k]] <= cap for k, cap in NARROW_CAPS.items()
                           if k in t.store.ids)
                shown = t.render_line(1).text               # the first row: its status on screen too
                job = t.job_of(t.current_row())
                assert str(job.row()["status"])[:6] in shown
                if tenant == "demo-aos":
                    await pilot.resize_terminal(160, 48)
                    await settle(pilot)
                    assert t.preferred[1:5] == ["service", "job type", "job id", "status"]
                    assert max(t.store.widths) > max(NARROW_CAPS.values())      # the job type is whole again
                    await pilot.resize_terminal(*SIZE)
                    await settle(pilot)
                    assert t.preferred.index("status") == 2
                await pilot.press("escape")
                await wait_until(pilot, lambda: not isinstance(app.screen, FailedJobsScreen))


class TestControls:
    async def test_x_hides_and_shows_exceptions_without_a_request(self, app, sim):
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            all_rows = table(screen).row_count
            failed = sum(1 for j in screen.model.jobs if j.severity == "failed")
            assert all_rows == len(screen.model.jobs) > failed
            before = len(sim.requests)
            table(screen).focus()
            await pilot.press("x")
            await settle(pilot)
            assert table(screen).row_count == failed and len(sim.requests) == before
            assert "exceptions hidden" in screen_text(app)
            await pilot.press("x")
            await settle(pilot)
            assert table(screen).row_count == all_rows and len(sim.requests) == before

    async def test_x_fetches_exceptions_when_the_scan_left_them_out(self, app, sim):
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted", include_exceptions=False)
            await until_done(pilot, screen)
            assert {j.severity for j in screen.model.jobs} == {"failed"}
            table(screen).focus()
            await pilot.press("x")
            await until_done(pilot, screen)
            assert {j.severity for j in screen.model.jobs} == {"failed", "attention"}
            assert listed(screen)["m365.cloudbackupjobs"] == expected_ids(sim, "m365.cloudbackupjobs",
                                                                         screen.model.result.window, True)

    async def test_window_select_reruns_with_that_window(self, app):
        from textual.widgets import Select
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-restricted")
            await until_done(pilot, screen)
            assert screen.model.result.window.span == timedelta(days=7)
            screen.query_one("#window", Select).value = "30d"
            await settle(pilot)
            await until_done(pilot, screen)
            assert screen.model.result.window.span == timedelta(days=30)
            screen.query_one("#concurrency", Select).value = 2
            await settle(pilot)
            await until_done(pilot, screen)
            assert screen.model.result.concurrency == 2

    async def test_export_csv_and_json_and_copy_tsv(self, app, tmp_path):
        from textual.widgets import Input
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-aos")
            await until_done(pilot, screen)
            rows = table(screen).visible_count
            table(screen).focus()
            for name in ("jobs.csv", "jobs.json"):
                await pilot.press("e")
                await wait_until(pilot, lambda: app.screen is not screen)
                app.screen.query_one(Input).value = str(tmp_path / name)
                await pilot.press("enter")
                await wait_until(pilot, lambda: app.screen is screen)
            lines = (tmp_path / "jobs.csv").read_text().splitlines()
            assert len(lines) == rows + 1 and lines[0].startswith("customer,customer_id,tenant")
            doc = json.loads((tmp_path / "jobs.json").read_text())
            assert len(doc) == rows and {"status", "severity", "errors", "item"} <= set(doc[0])
            from tui.export import jobs_export_text
            assert jobs_export_text(screen.visible_jobs(), "jobs.txt") is None        # only .csv / .json
            await pilot.press("y")
            await settle(pilot)
            assert app.clipboard.count("\n") == rows + 1 and app.clipboard.startswith("new\tservice\t")


class TestPartner:
    async def test_streams_stays_responsive_and_respects_the_concurrency(self, tmp_path, make_sim):
        sim = make_sim(latency=0.1)            # ~110 requests, 3 at a time: a few seconds of scanning
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            sim.reset_stats()
            screen = await open_failed(pilot, "demo-partner", concurrency=3, window="30d")
            # rows stream in while the scan is still running
            await wait_until(pilot, lambda: table(screen).row_count > 0, rounds=3000)
            assert screen.model.scanning
            # key presses are handled while loading
            t = table(screen)
            t.focus()
            first = t.current_row_index()
            await pilot.press("down", "down")
            moved = t.current_row_index()
            await pilot.press("slash")
            await pilot.press("f", "a", "i", "l")
            await pilot.pause()
            assert screen.query_one("#filter").display and screen.query_one("#filter").value == "fail"
            assert screen.model.scanning, "the scan finished before the keys were handled: raise the latency"
            assert moved != first                  # the cursor moved (it stays on its row as rows arrive)
            await pilot.press("escape")
            await until_done(pilot, screen, rounds=6000)
            assert sim.max_concurrent == 3
            assert all(screen.model.sources[e].state == "done" for e in PARTNER)
            customers = sim.dataset.customers()
            want = sum(len(expected_ids(sim, "elements.avpt-products-jobs", screen.model.result.window, True,
                                        {"customerId": c["id"]})) for c in customers)
            assert sum(1 for j in screen.model.jobs if j.source == "elements.avpt-products-jobs") == want
            assert screen.query_one("#filter").value == "fail"
            t.set_filter("")
            assert t.visible_count == len(screen.model.jobs)
            text = screen_text(app)
            assert "customers" in text and "Elements jobs" in text

    async def test_escape_cancels_then_goes_back(self, tmp_path, make_sim):
        sim = make_sim(latency=0.05)
        app = make_app(sim, tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_failed(pilot, "demo-partner", concurrency=2)
            await wait_until(pilot, lambda: table(screen).row_count > 0, rounds=3000)
            table(screen).focus()
            await pilot.press("escape")
            await until_done(pilot, screen)
            assert screen.model.result.cancelled
            assert any(s.state == "cancelled" for s in screen.model.sources.values())
            assert "cancelled" in screen_text(app)
            assert screen.model.jobs                                   # what was found stays
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, FailedJobsScreen))


class TestReachable:
    async def test_from_the_explorer(self, app):
        from tests.ui_helpers import open_explorer
        async with app.run_test(size=SIZE) as pilot:
            await open_explorer(pilot, "demo-restricted")
            await pilot.press("F")
            await wait_until(pilot, lambda: isinstance(app.screen, FailedJobsScreen))
            await until_done(pilot, app.screen)
            assert app.screen.tenant_name == "demo-restricted"

    def test_help_lists_the_keys(self):
        from tui.ui.keys import key_groups
        groups = dict(key_groups())
        keys = dict(groups["Failed jobs"])
        for key, desc in (("Esc", "Back / cancel"), ("r", "Rerun"), ("x", "Exceptions"), ("e", "Export CSV/JSON"),
                          ("y", "Copy TSV"), ("Enter", "Job detail")):
            assert keys.get(key) == desc


class TestSafeText:
    HOSTILE = "[bold]x[/] [@click=app.quit]q[/] \x1b]0;pwned\x07 \u202eevil"

    def job(self) -> FailedJob:
        return FailedJob(source="m365.cloudbackupjobs", service="Microsoft 365", job_type=self.HOSTILE,
                         job_id=self.HOSTILE, status="Failed", status_code="Failed", severity="failed",
                         start=None, end=None, duration=None, failed_count=1, total_count=2,
                         errors=(JobError(self.HOSTILE, 3, "https://x/[bold]"),), item={}, customer=self.HOSTILE)

    def test_server_strings_are_never_markup(self):
        odd = self.job()
        odd.status = odd.service = self.HOSTILE             # M365 sends its state as a string
        for text in (errors_text(self.job()), errors_text(odd), summary_text([odd], True)):
            assert isinstance(text, Text)
            assert "[bold]x[/]" in text.plain and "[@click" in text.plain
            assert "\x1b" not in text.plain and "\u202e" not in text.plain
        s = SourceState("iaas.jobs", "IaaS + PaaS", "tenant", state="failed")
        from tui.triage import TargetError
        s.errors.append(TargetError(self.HOSTILE, self.HOSTILE, 500))
        line = source_line(s)
        assert "[bold]x[/]" in line.plain and "\x1b" not in line.plain


class TestSummary:
    """Issue 19, item 8: failed and exceptions apart, one grouping (by service), no count for a skipped one."""

    async def test_failed_and_exceptions_apart_per_service_and_no_count_for_a_skipped_one(self, app):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_failed(pilot, "demo-restricted")
            await until_done(pilot, screen)
            content = screen.query_one("#summary").content
            summary = content.plain if hasattr(content, "plain") else str(content)
            per: dict[str, list[int]] = {}
            for j in screen.model.jobs:
                per.setdefault(j.service, [0, 0])[0 if j.severity == "failed" else 1] += 1
            assert per, "the restricted tenant still finds failed jobs"
            for service, (f, e) in per.items():
                want = " ".join(p for p in (f"{f} failed" if f else "", f"{e} exc" if e else "") if p)
                assert f"{service} {want}" in summary, (service, summary)
            assert summary.count("│") == 1                       # one grouping: no second one per status
            skipped = {s.label for s in screen.model.sources.values() if s.state == "skipped"} - set(per)
            assert skipped, "demo-restricted's token lacks most scopes: some services are skipped"
            for label in skipped:
                assert label not in summary
