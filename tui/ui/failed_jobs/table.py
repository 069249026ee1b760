"""The Failed jobs screen's table: a row per job shown, coloured by the job's severity.

The rows are the jobs' ``row()`` dicts behind a first, narrow column ``new``: ``●`` marks a failure
new since the last look at the tenant (``FailedJobsModel.is_new``), and those rows sort before the
others whatever the sort (the table's ``pin_fn``). The table remembers which job each row is, so
Enter, the exports and the colours reach the ``FailedJob`` behind a row.
"""

from __future__ import annotations

from typing import Any, Callable

from tui.triage import TABLE_COLUMNS, FailedJob
from tui.ui.failed_jobs.render import NEW_MARK
from tui.ui.widgets.paged_table import PagedTable

NEW_COLUMN = "new"
#: below the screen's narrow width (80 columns, say): the status and start come right after the
#: service, and the two long text columns are capped, so that a row's outcome shows without
#: scrolling sideways (at 40 cells, the job type alone pushed the status off an 80-column screen)
NARROW_FIRST = ("service", "status", "start")         # the last two moved to just after the first
NARROW_CAPS = {"customer / tenant": 20, "job type": 28}


def _pinned(row: Any) -> bool:
    return bool(row.get(NEW_COLUMN))


class JobTable(PagedTable):
    def __init__(self, *, id: str | None = None, empty_text: str = "No rows", narrow: bool = False) -> None:
        super().__init__(id=id, empty_text=empty_text, preferred=[NEW_COLUMN, *TABLE_COLUMNS],
                         row_style_fn=self._severity, pin_fn=_pinned, column_caps=NARROW_CAPS if narrow else None)
        self._row_job: dict[int, FailedJob] = {}      # id(row) -> the job it shows
        self._partner = False
        self._narrow = narrow

    def job_of(self, row: Any) -> FailedJob | None:
        return self._row_job.get(id(row))

    def _severity(self, row: Any) -> str | None:
        job = self._row_job.get(id(row))
        return job.severity if job is not None else None

    def add_jobs(self, jobs: list[FailedJob], is_new: Callable[[FailedJob], bool] | None = None,
                 keep_cursor: bool = False) -> None:
        """Add rows (``is_new`` marks them); with ``keep_cursor`` the cursor stays on its job as rows
        sort in above it, and a view at the top stays there so the rows added above show."""
        rows = []
        for j in jobs:
            row = {NEW_COLUMN: NEW_MARK if is_new is not None and is_new(j) else "", **j.row()}
            self._row_job[id(row)] = j
            rows.append(row)
        if not rows:
            return
        held = self.current_row_index() if keep_cursor else None
        at_top = self.scroll_offset.y == 0
        self.append_rows(rows)
        if held is None:
            return
        pos = next((i for i in range(self.visible_count) if self.row_id_at(i) == held), None)
        if pos is None:
            return
        if pos != self.cursor_row:
            self.move_cursor(row=pos)
        if at_top and pos < self.page_lines() and self.scroll_offset.y:
            self.scroll_to(y=0, animate=False, immediate=True)

    def set_columns(self, partner: bool) -> None:
        """A partner's table starts with the customer; a tenant's own has it last (it is always the tenant)."""
        self._partner = partner
        cols = list(TABLE_COLUMNS)
        if not partner:
            cols.remove("customer / tenant")
            cols.append("customer / tenant")
        if self._narrow:
            rest = [c for c in cols if c not in NARROW_FIRST[1:]]
            at = rest.index(NARROW_FIRST[0]) + 1
            cols = rest[:at] + list(NARROW_FIRST[1:]) + rest[at:]
        self.preferred = [NEW_COLUMN, *cols]

    def set_narrow(self, narrow: bool) -> None:
        """The narrow screen's column order and caps (``NARROW_FIRST``, ``NARROW_CAPS``), or the wide one's."""
        if narrow == self._narrow:
            return
        self._narrow = narrow
        self.column_caps = NARROW_CAPS if narrow else {}
        self.set_columns(self._partner)

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
