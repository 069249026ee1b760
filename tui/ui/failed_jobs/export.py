"""``e`` on the failed-jobs screen: the jobs the table shows, in its order, to a .csv or .json file,
written as the CLI writes them (``tui.export.jobs_export_text``), atomically."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text

from tui import clock
from tui.export import jobs_export_text


def ask_and_export(app: Any, tenant_name: str, jobs: Callable[[], list]) -> None:
    """Ask for a file name (a dated default), then write ``jobs()`` as they are when it is given."""
    from tui.ui.screens.prompt import PathPrompt
    stamp = clock.utc_now().strftime("%Y%m%d-%H%M")
    default = f"failed-jobs-{tenant_name}-{stamp}.csv"

    def chosen(path: str | None) -> None:
        if path:
            export_jobs(app, jobs(), path)

    app.push_screen(PathPrompt("Export the table to (.csv or .json)", default), chosen)


def export_jobs(app: Any, jobs: list, path: str) -> None:
    text = jobs_export_text(jobs, path)
    if text is None:
        app.notify(Text("Export: the file name must end in .csv or .json"), severity="error")
        return
    from tui.files import write_text_atomic
    try:
        target = write_text_atomic(path, text)
    except OSError as exc:
        app.notify(Text(f"Could not export: {exc}"), severity="error")
        return
    app.notify(Text(f"Exported {len(jobs):,} jobs to {target}"))
