"""Every request of the session: time, method, path, status, ms, request-id. Enter inspects, r re-runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

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
    HistoryScreen > Vertical { width: 95%; height: 85%; border: round $accent; background: $surface; }
    HistoryScreen PagedTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("r", "rerun", "Re-run"),
    ]

    def __init__(self, exchanges: list[Any]) -> None:
        super().__init__()
        self.exchanges = list(exchanges)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f" History — {len(self.exchanges)} requests · Enter inspects · r re-runs · Esc closes",
                             style="bold"))
            yield PagedTable(id="history-table")

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
        ex = self._current()
        if ex is not None:
            self.dismiss(("show", ex))

    def action_rerun(self) -> None:
        ex = self._current()
        if ex is not None:
            self.dismiss(("rerun", ex))

    def action_cancel(self) -> None:
        self.dismiss(None)
