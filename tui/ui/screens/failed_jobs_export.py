"""The Failed jobs table out of the app: a CSV or JSON file (e), TSV on the clipboard (y).

Exports hold the jobs the table shows, in its order (filter and sort applied). The CSV and JSON
writers are the CLI's (``avegraph failed-jobs``), so a file looks the same from either.
"""

from __future__ import annotations

from rich.text import Text

from tui import clock
from tui.export import jobs_export_text
from tui.ui.widgets.paged_table import PagedTable


class ExportMixin:
    """Mixed into ``FailedJobsScreen``: its ``visible_jobs()`` and ``tenant_name`` are what it exports."""

    def action_copy_tsv(self) -> None:
        table = self.query_one(PagedTable)
        self.app.copy_to_clipboard(table.rows_as_tsv())
        self.notify(Text(f"Copied {table.visible_count:,} rows as TSV"))

    def action_export(self) -> None:
        from tui.ui.screens.prompt import PathPrompt
        stamp = clock.utc_now().strftime("%Y%m%d-%H%M")
        default = f"failed-jobs-{self.tenant_name}-{stamp}.csv"
        self.app.push_screen(PathPrompt("Export the table to (.csv or .json)", default), self.export_to)

    def export_to(self, path: str | None) -> None:
        if not path:
            return
        text = self.export_text(path)
        if text is None:
            self.notify(Text("Export: the file name must end in .csv or .json"), severity="error")
            return
        from tui.files import write_text_atomic
        try:
            target = write_text_atomic(path, text)
        except OSError as exc:
            self.notify(Text(f"Could not export: {exc}"), severity="error")
            return
        self.notify(Text(f"Exported {len(self.visible_jobs()):,} jobs to {target}"))

    def export_text(self, path: str) -> str | None:
        return jobs_export_text(self.visible_jobs(), path)
