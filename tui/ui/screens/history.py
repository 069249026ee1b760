"""The history modals. ``HistoryScreen``: every exchange of this session (Enter inspects, r re-runs).
``RequestHistoryScreen``: the persistent history of a tenant across restarts (Enter re-runs, e edits).
Each has its own footer with its own keys (the screen's behind it do not work here)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.ui.widgets.footer import Footer
from tui.ui.widgets.paged_table import PagedTable


def history_row(i: int, ex: Any) -> dict:
    url = urlsplit(ex.url)
    started = getattr(ex, "started_at", None)
    return {
        "#": i + 1,
        "time": started.strftime("%H:%M:%S") if started is not None else "",
        "method": ex.method,
        "path": url.path + (f"?{url.query}" if url.query else ""),
        "status": ex.status if ex.status is not None else "ERR",
        "ms": round(ex.elapsed * 1000) if ex.elapsed is not None else None,
        "request-id": ex.request_id or "",
        "retries": ex.retries or 0,
    }


def _severity(row: dict) -> str | None:
    status = row.get("status")
    if status == "ERR" or (isinstance(status, int) and status >= 500):
        return "failed"
    if isinstance(status, int) and status >= 400:
        return "attention"
    return None


class HistoryScreen(ModalScreen[tuple[str, Any] | None]):
    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    /* full width at 80 columns: nothing of the screen behind (its scrollbar) shows beside the border */
    HistoryScreen > Vertical { width: 100%; max-width: 150; height: 85%; border: round $accent;
                             background: $surface; }
    HistoryScreen PagedTable { height: 1fr; scrollbar-size-vertical: 1; }
    """
    # Enter is the table's too (it opens the row): as a priority binding here it says what it does
    BINDINGS = [
        Binding("enter", "show", "Inspect", priority=True),
        Binding("r", "rerun", "Re-run"),
        Binding("escape", "cancel", "Close"),
    ]
    FOOTER_ORDER = ("show", "rerun", "cancel")

    def __init__(self, exchanges: list[Any]) -> None:
        super().__init__()
        self.exchanges = list(exchanges)

    def compose(self) -> ComposeResult:
        with Vertical():
            n = len(self.exchanges)
            yield Label(Text(f" History — {n} request{'' if n == 1 else 's'} of this session", style="bold"))
            yield PagedTable(id="history-table")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.preferred = ["#", "time", "method", "status", "ms", "path", "request-id", "retries"]
        table.row_style_fn = _severity
        table.append_rows([history_row(i, ex) for i, ex in enumerate(self.exchanges)])
        if self.exchanges:
            table.move_cursor(row=len(self.exchanges) - 1)
        table.focus()

    def _current(self) -> Any | None:
        row = self.query_one(PagedTable).current_row()
        if not row:
            return None
        return self.exchanges[row["#"] - 1]

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.action_show()

    def action_show(self) -> None:
        ex = self._current()
        if ex is not None:
            self.dismiss(("show", ex))

    def action_rerun(self) -> None:
        ex = self._current()
        if ex is not None:
            self.dismiss(("rerun", ex))

    def action_cancel(self) -> None:
        self.dismiss(None)


# ------------------------------------------------------------------------------------------------
# The persistent history (tui.history): past sessions included. Enter re-runs, e edits in the form.
# ------------------------------------------------------------------------------------------------

def entry_row(i: int, entry: Any) -> dict:
    """One HistoryEntry as a table row (every cell is made terminal-safe by PagedTable)."""
    return {
        "#": i + 1,
        "when (UTC)": entry.time.strftime("%Y-%m-%d %H:%M"),      # 16 columns: the parameters need the room
        "method": entry.method,
        "endpoint": entry.endpoint or entry.path,
        "parameters": entry.request_text + (" (next page)" if entry.more else ""),
        "status": entry.status if entry.status is not None else "ERR",
        "ms": round(entry.duration_ms) if entry.duration_ms is not None else None,
        "request-id": entry.request_id or "",
    }


class RequestHistoryScreen(ModalScreen[tuple[str, Any] | None]):
    """Every request remembered for a tenant, newest at the bottom; dismisses ("run" | "edit", entry)."""

    DEFAULT_CSS = """
    RequestHistoryScreen { align: center middle; }
    /* full width at 80 columns: nothing of the screen behind (its scrollbar) shows beside the border */
    RequestHistoryScreen > Vertical { width: 100%; max-width: 150; height: 85%; border: round $accent;
                             background: $surface; }
    RequestHistoryScreen PagedTable { height: 1fr; scrollbar-size-vertical: 1; }
    RequestHistoryScreen #history-problems { color: $warning; height: auto; max-height: 3; }
    """
    BINDINGS = [
        Binding("enter", "run", "Re-run", priority=True),
        Binding("e", "edit", "Edit and run"),
        Binding("escape", "cancel", "Close"),
        Binding("r", "run", "Re-run", show=False),
    ]
    FOOTER_ORDER = ("run", "edit", "cancel")

    def __init__(self, tenant: str, entries: list[Any], problems: list[str] | None = None) -> None:
        super().__init__()
        self.tenant = tenant
        self.entries = list(entries)
        self.problems = list(problems or [])

    def compose(self) -> ComposeResult:
        from tui.textsafe import safe_text
        with Vertical():
            n = len(self.entries)
            yield Label(Text(f" History of {safe_text(self.tenant, 40)} — {n} request{'' if n == 1 else 's'}, "
                             "past sessions included", style="bold"))
            yield PagedTable(id="history-table")
            if self.problems:
                shown = "; ".join(self.problems[:2]) + (f" (+{len(self.problems) - 2} more)" if len(self.problems) > 2 else "")
                yield Label(Text(f" {len(self.problems)} unreadable line(s) skipped: {safe_text(shown, 300)}"),
                            id="history-problems")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.preferred = ["#", "when (UTC)", "method", "status", "ms", "endpoint", "parameters", "request-id"]
        table.row_style_fn = _severity
        table.append_rows([entry_row(i, e) for i, e in enumerate(self.entries)])
        if self.entries:
            table.move_cursor(row=len(self.entries) - 1)
        table.focus()

    def _current(self) -> Any | None:
        row = self.query_one(PagedTable).current_row()
        return self.entries[row["#"] - 1] if row else None

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.action_run()

    def action_run(self) -> None:
        entry = self._current()
        if entry is not None:
            self.dismiss(("run", entry))

    def action_edit(self) -> None:
        entry = self._current()
        if entry is not None:
            self.dismiss(("edit", entry))

    def action_cancel(self) -> None:
        self.dismiss(None)
