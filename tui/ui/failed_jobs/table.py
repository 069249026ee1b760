"""The Failed jobs screen's table: a row per job shown, coloured by the job's severity.

The rows are the jobs' ``row()`` dicts; the table remembers which job each row is, so Enter, the
exports and the colours reach the ``FailedJob`` behind a row.
"""

from __future__ import annotations

from typing import Any

from tui.triage import TABLE_COLUMNS, FailedJob
from tui.ui.widgets.paged_table import PagedTable


class JobTable(PagedTable):
    def __init__(self, *, id: str | None = None, empty_text: str = "No rows") -> None:
        super().__init__(id=id, empty_text=empty_text, preferred=list(TABLE_COLUMNS), row_style_fn=self._severity)
        self._row_job: dict[int, FailedJob] = {}      # id(row) -> the job it shows

    def job_of(self, row: Any) -> FailedJob | None:
        return self._row_job.get(id(row))

    def _severity(self, row: Any) -> str | None:
        job = self._row_job.get(id(row))
        return job.severity if job is not None else None

    def add_jobs(self, jobs: list[FailedJob]) -> None:
        rows = []
        for j in jobs:
            row = j.row()
            self._row_job[id(row)] = j
            rows.append(row)
        if rows:
            self.append_rows(rows)

    def set_columns(self, partner: bool) -> None:
        """A partner's table starts with the customer; a tenant's own has it last (it is always the tenant)."""
        cols = list(TABLE_COLUMNS)
        if not partner:
            cols.remove("customer / tenant")
            cols.append("customer / tenant")
        self.preferred = cols

    def clear_jobs(self, keep_view: bool = False) -> None:
        """No rows; sorted newest first, unfiltered, unless ``keep_view`` keeps the sort and filter."""
        sort = (self.sort_column, self.sort_reverse) if keep_view and self.sort_column else ("start", True)
        filt = self.filter_text if keep_view else ""
        self.clear()
        self._row_job = {}
        self.sort_by(sort[0], reverse=sort[1])
        if filt:
            self.set_filter(filt)

    def visible_jobs(self) -> list[FailedJob]:
        """The jobs the table shows, in its order (filter and sort applied)."""
        rows = self.store.rows
        return [self._row_job[id(rows[self.row_id_at(i)])] for i in range(self.visible_count)]
