"""FailedJobsModel without a pilot: a scan's events in, what the screen draws out."""

from __future__ import annotations

import ast
from pathlib import Path

from tui.triage import FailedJob, ScanEvent, ScanResult, SourceState, TargetError, Window
from tui.ui.failed_jobs.model import FailedJobsModel, Summary


def job(n: int, severity: str = "failed", service: str = "Microsoft 365", status: str = "Failed",
        customer: str | None = None) -> FailedJob:
    return FailedJob(source="m365.cloudbackupjobs", service=service, job_type="Backup", job_id=f"j{n}",
                     status=status, status_code=status, severity=severity, start=None, end=None, duration=None,
                     failed_count=None, total_count=None, errors=(), item={}, customer=customer)


def src(sid: str = "m365.cloudbackupjobs", state: str = "running", **kw) -> SourceState:
    return SourceState(sid, "Microsoft 365", "tenant", state=state, **kw)


def result(sources: list[SourceState], error: str | None = None, elapsed: float = 1.5) -> ScanResult:
    return ScanResult(Window.parse("7d"), True, 4, [], sources, error=error, elapsed=elapsed)


def test_a_scan_from_start_to_done():
    m = FailedJobsModel("demo-aos")
    token = m.start(now=10.0)
    assert token == 1 and m.scanning and not m.settled
    assert m.progress_percent() is None                       # no source known yet
    m.apply_event(ScanEvent("source", source=src(total=10, items=5)))
    assert m.progress_percent() == 50                         # items read of the announced total
    m.apply_event(ScanEvent("jobs", jobs=[job(1), job(2, "attention")]))
    assert m.pending and not m.jobs
    assert [j.job_id for j in m.take_pending()] == ["j1", "j2"] and not m.pending and len(m.jobs) == 2
    done = src(state="done")
    m.apply_event(ScanEvent("done", result=result([done], error="partly")))
    assert not m.scanning and m.result is not None and m.sources["m365.cloudbackupjobs"] is done
    assert m.error == "partly" and m.settled and m.progress_percent() == 100
    assert m.elapsed(now=99.0) == 1.5                          # the scan's own figure once done


def test_a_new_scan_forgets_the_old_one_and_drops_its_crash():
    m = FailedJobsModel("t")
    first = m.start(now=0.0)
    m.apply_event(ScanEvent("jobs", jobs=[job(1)]))
    m.take_pending()
    second = m.start(now=1.0)
    assert second == first + 1 and m.jobs == [] and m.sources == {} and m.result is None
    assert not m.apply_crash(first, RuntimeError("x"), "RuntimeError: x")
    assert m.scanning and m.error is None
    assert m.apply_crash(second, RuntimeError("y"), "RuntimeError: y")
    assert not m.scanning and m.error == "RuntimeError: y"


def test_exceptions_hidden_shown_or_fetched():
    m = FailedJobsModel("t", include_exceptions=True)
    m.start(now=0.0)
    m.apply_event(ScanEvent("jobs", jobs=[job(1), job(2, "attention"), job(3, "attention")]))
    m.take_pending()
    assert m.set_exceptions(True) is None
    assert m.set_exceptions(False) == "redraw"
    assert [j.job_id for j in m.shown()] == ["j1"]
    assert m.summary() == Summary(1, 0, 2, {"Microsoft 365": (1, 0)})
    assert m.set_exceptions(True) == "redraw"                  # the data in hand holds them
    lean = FailedJobsModel("t", include_exceptions=False)
    lean.start(now=0.0)
    assert lean.set_exceptions(True) == "rescan"               # the scan left them out: fetch them


def test_summary_counts_and_partner():
    jobs = [job(1), job(2, service="Exchange"), job(3, "attention", status="Warning", customer="Contoso")]
    s = Summary.of(jobs)
    assert (s.failed, s.exceptions, s.hidden) == (2, 1, 0)
    assert s.by_service == {"Microsoft 365": (1, 1), "Exchange": (1, 0)}      # failed and exceptions apart
    assert list(s.by_service) == ["Microsoft 365", "Exchange"]                  # most failed, then most exc
    m = FailedJobsModel("t")
    assert m.partner(jobs) and not m.partner(jobs[:2])


def test_skipped_sources_do_not_count_towards_progress():
    m = FailedJobsModel("t")
    m.start(now=0.0)
    m.apply_event(ScanEvent("source", source=src("a", state="skipped")))
    assert m.progress_percent() is None
    m.apply_event(ScanEvent("source", source=src("b", state="done")))
    assert m.progress_percent() == 100


def test_source_error_of_an_option_id():
    m = FailedJobsModel("t")
    s = src("iaas.jobs", state="failed")
    s.errors.append(TargetError("", "403 Forbidden", 403))
    m.sources[s.id] = s
    assert m.source_error("err:iaas.jobs:0") == (s, s.errors[0])
    for oid in ("err:iaas.jobs:1", "src:iaas.jobs", "err:nosuch:0", "more:iaas.jobs", "err:iaas.jobs:x", ""):
        assert m.source_error(oid) is None, oid


def test_the_model_imports_no_textual():
    tree = ast.parse(Path("tui/ui/failed_jobs/model.py").read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.split(".")[0] in ("textual", "rich")}


def dated(n: int, end_hour: int = 8) -> FailedJob:
    from datetime import datetime, timezone
    j = job(n)
    j.end = datetime(2026, 3, 10, end_hour, tzinfo=timezone.utc)
    return j


def test_new_failures_are_judged_once_and_keep_their_mark_for_the_visit(tmp_path):
    from tui.triage.seen import SeenStore
    from tui.triage.watch import NewFailures
    store = SeenStore("t", directory=tmp_path).load()
    store.mark([dated(1)], now=1_000_000.0)                      # looked at before: j1
    m = FailedJobsModel("t")
    m.new_failures = NewFailures(store)
    m.start(now=0.0)
    m.apply_event(ScanEvent("jobs", jobs=[dated(1), dated(2)]))
    batch = m.take_pending()
    assert [m.is_new(j) for j in batch] == [False, True]
    s = m.summary()
    assert s.new == 1 and s.since is not None and s.since.timestamp() == 1_000_000.0
    assert [j.job_id for j in m.to_mark()] == ["j2"]
    store.mark(m.to_mark())
    assert m.to_mark() == []
    # a watch scan keeps the rows in hand, adds only what is not among them; j2 stays new
    m.start(now=1.0, keep=True)
    m.apply_event(ScanEvent("jobs", jobs=[dated(1), dated(2), dated(3), dated(2, end_hour=9)]))
    added = m.take_pending()
    assert [(j.job_id, j.end.hour) for j in added] == [("j3", 8), ("j2", 9)]   # j2 failing again is new again
    assert [j.job_id for j in m.jobs] == ["j1", "j2", "j3", "j2"]
    assert m.summary().new == 3 and m.added_new == 2
    # a full rescan (r) starts from no rows; the marks of this visit stay
    m.start(now=2.0)
    m.apply_event(ScanEvent("jobs", jobs=[dated(2)]))
    assert [m.is_new(j) for j in m.take_pending()] == [True] and m.added_new == 0


def test_without_seen_state_nothing_is_counted_as_new():
    m = FailedJobsModel("t")
    m.start(now=0.0)
    m.apply_event(ScanEvent("jobs", jobs=[job(1)]))
    assert not m.is_new(m.take_pending()[0]) and m.summary().new is None and m.to_mark() == []


def test_watch_schedule_start_to_start():
    m = FailedJobsModel("t", watch_interval=60)
    m.start(now=100.0)
    assert not m.watch_due(1000.0) and m.next_scan_in(100.0) is None     # not watching
    m.apply_event(ScanEvent("done", result=result([])))
    assert m.toggle_watch(now=130.0)
    assert m.next_scan_in(130.0) == 30.0                      # 60 s after the last scan started
    assert not m.watch_due(159.0) and m.watch_due(160.0)
    m.start(now=160.0, keep=True)
    assert not m.watch_due(10_000.0)                         # never while a scan runs
    m.apply_event(ScanEvent("done", result=result([])))
    assert m.next_scan_at == 220.0                           # start to start, however long the scan took
    assert m.watch_due(300.0) and m.next_scan_in(300.0) == 0.0   # a scan longer than the interval: at once
    assert not m.toggle_watch(now=300.0) and not m.watch_due(300.0) and m.next_scan_in(300.0) is None
    late = FailedJobsModel("t", watch_interval=60)
    late.toggle_watch(now=5.0)                               # before any scan: due in a full interval
    assert late.next_scan_in(5.0) == 60.0
