"""The seen state (tui.triage.seen) and the report (tui.triage.report): pure, no server."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone

from tui.triage import FailedJob, JobError, ScanResult, SourceState, TargetError, Window
from tui.triage.report import group_jobs, render_html, render_markdown
from tui.triage.seen import SeenStore, fingerprint

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)


def job(job_id: str, *, status: str = "Failed", end: datetime | None = T0, customer: str | None = None,
        service: str = "M365", severity: str = "failed", start: datetime | None = T0, error: str | None = None):
    return FailedJob(source="m365.cloudbackupjobs", service=service, job_type="Backup", job_id=job_id,
                     status=status, status_code=3, severity=severity, start=start, end=end, duration=None,
                     failed_count=None, total_count=None, errors=(JobError(error),) if error else (), item={},
                     customer=customer, customer_id=customer and f"id-{customer}")


class TestSeenStore:
    def test_new_then_seen_and_a_restart_keeps_it(self, tmp_path):
        a, b = job("a"), job("b")
        store = SeenStore("contoso", directory=tmp_path).load()
        assert store.new_jobs([a, b]) == [a, b]
        assert store.mark([a]) == 1
        assert store.new_jobs([a, b]) == [b]
        again = SeenStore("contoso", directory=tmp_path).load()       # a new process
        assert again.new_jobs([a, b]) == [b]
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        assert SeenStore("other", directory=tmp_path).load().new_jobs([a]) == [a]   # per tenant

    def test_the_same_id_failing_again_later_is_new(self, tmp_path):
        store = SeenStore("t", directory=tmp_path).load()
        store.mark([job("a")])
        assert store.is_new(job("a", end=datetime(2026, 3, 11, tzinfo=timezone.utc)))
        assert store.is_new(job("a", status="Partially finished"))
        assert not store.is_new(job("a"))

    def test_two_processes_do_not_lose_each_others_marks(self, tmp_path):
        one = SeenStore("t", directory=tmp_path).load()
        two = SeenStore("t", directory=tmp_path).load()
        one.mark([job("a")])
        two.mark([job("b")])                 # two never read a: the write merges with the disk
        three = SeenStore("t", directory=tmp_path).load()
        assert not three.is_new(job("a")) and not three.is_new(job("b"))
        one.mark([job("c")])
        assert not one.is_new(job("b"))

    def test_corrupt_file_is_named_kept_and_rebuilt(self, tmp_path):
        store = SeenStore("t", directory=tmp_path)
        store.path.parent.mkdir(parents=True, exist_ok=True)
        store.path.write_text("{not json")
        warnings = []
        store.warn = warnings.append
        store.load()
        assert len(warnings) == 1 and str(store.path) in warnings[0] and "corrupt" in warnings[0]
        assert store.is_new(job("a"))
        store.mark([job("a")])
        assert json.loads(store.path.read_text())["seen"]
        assert store.path.with_name(store.path.name + ".corrupt").read_text() == "{not json"
        assert not SeenStore("t", directory=tmp_path).load().is_new(job("a"))

    def test_wrong_shape_is_corrupt_too(self, tmp_path):
        store = SeenStore("t", directory=tmp_path)
        store.path.parent.mkdir(parents=True, exist_ok=True)
        store.path.write_text('["a list"]')
        store.load()
        assert store.warnings and store.is_new(job("a"))

    def test_bounded_to_the_newest(self, tmp_path):
        store = SeenStore("t", directory=tmp_path, max_entries=3).load()
        for i in range(5):
            store.mark([job(f"j{i}")], now=1000.0 + i)
        again = SeenStore("t", directory=tmp_path, max_entries=3).load()
        assert len(again) == 3
        assert [again.is_new(job(f"j{i}")) for i in range(5)] == [True, True, False, False, False]

    def test_no_secret_or_item_data_in_the_file(self, tmp_path):
        j = job("a")
        j.item["secret"] = "s3cr3t-value"
        store = SeenStore("t", directory=tmp_path).load()
        store.mark([j])
        text = store.path.read_text()
        assert "s3cr3t" not in text and fingerprint(j) in json.loads(text)["seen"]


def result_of(jobs, sources=()):
    return ScanResult(Window.parse("7d", datetime(2026, 3, 11, tzinfo=timezone.utc)), True, 4, list(jobs),
                      list(sources))


class TestReport:
    JOBS = [job("1", customer="Contoso", error="Mailbox quota exceeded", start=T0),
            job("2", customer="Contoso", error="Mailbox quota exceeded",
                start=datetime(2026, 3, 9, tzinfo=timezone.utc)),
            job("3", customer="Contoso", service="Teams", severity="attention", status="Finished with exception"),
            job("4", customer="Fabrikam <b>&", error="<script>alert(1)</script> | pipe")]

    def test_groups_and_counts(self):
        groups = group_jobs(self.JOBS)
        assert [(g.customer, g.service, g.failed, g.exceptions) for g in groups] == [
            ("Contoso", "M365", 2, 0), ("Contoso", "Teams", 0, 1), ("Fabrikam <b>&", "M365", 1, 0)]
        g = groups[0]
        assert g.first == datetime(2026, 3, 9, tzinfo=timezone.utc) and g.last == T0
        assert g.top_messages() == [("Mailbox quota exceeded", 2)]
        assert sum(g.count for g in groups) == len(self.JOBS)

    def test_markdown(self):
        md = render_markdown(result_of(self.JOBS), "partner")
        assert "## Contoso" in md and "| M365 | 2 | 0 | 2026-03-09 00:00 | 2026-03-10 08:00 |" in md
        assert "Mailbox quota exceeded (×2)" in md
        assert "\\| pipe" in md                          # a pipe cannot break the table
        assert "3 failed, 1 finished with exceptions" in md

    def test_html_is_self_contained_and_escaped(self):
        src = SourceState("iaas.jobs", "VM", "tenant", state="failed",
                          errors=[TargetError("", "HTTP 500 <oops>", 500, "http")])
        doc = render_html(result_of(self.JOBS, [src]))
        assert "<script>" not in doc and "&lt;script&gt;" in doc
        assert "Fabrikam &lt;b&gt;&amp;" in doc and "HTTP 500 &lt;oops&gt;" in doc
        assert "http://" not in doc and "https://" not in doc and "<link" not in doc and "src=" not in doc
        assert doc.startswith("<!DOCTYPE html>") and doc.rstrip().endswith("</html>")

    def test_empty(self):
        assert "Nothing failed." in render_markdown(result_of([]))
        assert "Nothing failed." in render_html(result_of([]))
