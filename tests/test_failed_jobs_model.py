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
