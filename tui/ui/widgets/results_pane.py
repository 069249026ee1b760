"""The results pane: a paged table with its filter, sort, status line, progress and detail panel.

The explorer, failed-jobs and permissions screens all show rows the same way; the keys that work
on those rows (``/`` filter, ``s`` sort, ``i`` detail, Esc out of the filter) live here once.

Use it through this API only (never by reaching into its children):

* ``ResultsPane(table=..., detail=..., placeholder=...)``: the table to show (a ``PagedTable``
  or a subclass; one is made when omitted) and an optional detail widget shown under it.
* ``append_rows(rows)``, ``clear()``: the table's rows; ``table`` is the table itself.
* ``set_status(text)``, ``show_error(text)``: the status line (a ``rich.text.Text`` or ``str``).
* ``show_progress(total, progress)``, ``hide_progress()``: the progress bar beside the status.
* ``open_filter()``, ``close_filter()``, ``filter_text``; ``sort()``; ``show_detail(bool)``,
  ``detail_shown``; ``focus_table()``.

Messages (all bubble to the screen; ``control`` is the table for the table's own messages, so
``@on(ResultsPane.RowSelected, "#jobs")`` selects by the table's id):

* ``ResultsPane.RowSelected``, ``ResultsPane.NearEnd``, ``ResultsPane.CursorMoved``: the
  table's (``PagedTable``'s) messages, under the pane's name.
* ``ResultsPane.FilterChanged(pane, text)``: the filter was applied (re-render the status).

What the detail panel shows, and the key that toggles it, stay with the screen: only it knows
what a row opens.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.visual import visualize
from textual.widget import Widget
from textual.widgets import Input, ProgressBar, Static

from tui.ui.widgets.paged_table import PagedTable

__all__ = ["ResultsPane"]


class FilterInput(Input):
    """The pane's filter: Esc closes it (only while it has focus; elsewhere Esc is the screen's)."""

    BINDINGS = [Binding("escape", "close", "Close filter")]

    class Closed(Message):
        pass

    def action_close(self) -> None:
        self.post_message(self.Closed())


class ResultsPane(Vertical):
    DEFAULT_CSS = """
    ResultsPane { height: 1fr; }
    ResultsPane > Input.results-filter, ResultsPane > Input.results-filter:focus {
        height: 1; border: none; padding: 0 1; background: $boost;
    }
    ResultsPane > PagedTable { height: 1fr; }
    ResultsPane > .results-status-bar { height: auto; max-height: 4; background: $panel; }
    ResultsPane .results-status { width: 1fr; height: auto; padding: 0 1; }
    ResultsPane .results-progress { width: 30; height: 1; }
    ResultsPane.-detail > .results-detail { height: 2fr; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort column"),
    ]

    RowSelected = PagedTable.RowSelected
    NearEnd = PagedTable.NearEnd
    CursorMoved = PagedTable.CursorMoved

    class FilterChanged(Message):
        """The filter text changed and the table shows only the matching rows."""

        def __init__(self, pane: "ResultsPane", text: str) -> None:
            super().__init__()
            self.pane, self.text = pane, text

        @property
        def control(self) -> "ResultsPane":
            return self.pane

    def __init__(self, *, table: PagedTable | None = None, detail: Widget | None = None,
                 placeholder: str = "filter rows (! inverts) — Esc to close",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.table = table if table is not None else PagedTable(id="table")
        self.detail = detail
        self._filter = FilterInput(placeholder=placeholder, id="filter", classes="results-filter")
        self._status = Static("", id="status", classes="results-status")
        self._progress = ProgressBar(id="progress", show_eta=False, classes="results-progress")

    def compose(self) -> ComposeResult:
        yield self._filter
        yield self.table
        with Horizontal(classes="results-status-bar"):
            yield self._status
            yield self._progress
        if self.detail is not None:
            self.detail.add_class("results-detail")
            yield self.detail

    def on_mount(self) -> None:
        self._filter.display = False
        self._progress.display = False
        if self.detail is not None:
            self.detail.display = False

    # -- rows -------------------------------------------------------------------------------
    def append_rows(self, rows: Sequence[Any]) -> None:
        self.table.append_rows(rows)

    def clear(self) -> None:
        self.table.clear()

    def focus_table(self) -> None:
        self.table.focus()

    # -- status line and progress -------------------------------------------------------------
    def set_status(self, text: Text | str) -> None:
        """Show ``text``; the screen is laid out again only when the line's height changes (a status
        redrawn a few times a second while loading must not re-layout the screen each time)."""
        status = self._status
        shown = status.content_region            # as laid out now (a pending layout measures it again anyway)
        height = visualize(status, text, markup=False).get_height(status.styles, shown.width) if shown.width else -1
        status.update(text, layout=height != shown.height)

    def show_error(self, text: str) -> None:
        self.set_status(Text("⚠ " + text, style="bold red"))

    def show_progress(self, total: float | None, progress: float) -> None:
        self._progress.display = True
        self._progress.update(total=total, progress=progress)

    def hide_progress(self) -> None:
        self._progress.display = False

    @property
    def progress_shown(self) -> bool:
        return bool(self._progress.display)

    # -- filter and sort ------------------------------------------------------------------------
    @property
    def filter_text(self) -> str:
        return self.table.filter_text

    @property
    def filter_focused(self) -> bool:
        return bool(self._filter.display and self._filter.has_focus)

    def open_filter(self, value: str | None = None) -> None:
        if value is not None and value != self._filter.value:
            with self._filter.prevent(Input.Changed):
                self._filter.value = value
        self._filter.display = True
        self._filter.focus()

    def close_filter(self) -> bool:
        """Hide the filter if it has focus (its text still applies); True when it did."""
        if not self.filter_focused:
            return False
        self._filter.display = False
        self.table.focus()
        return True

    def sort(self) -> None:
        self.table.call_next(self.table.action_sort_column)

    # The table's own messages (NearEnd after a filter or sort) must reach the screen. Textual stops
    # a message at the parent that posted it, so what the table posts in answer to the pane's keys is
    # posted from the table's own message loop (``call_next``), not from the pane's handler.

    def action_filter(self) -> None:
        self.open_filter()

    def action_sort(self) -> None:
        self.sort()

    @on(FilterInput.Closed)
    def _filter_closed(self, event: "FilterInput.Closed") -> None:
        event.stop()
        self.close_filter()

    @on(Input.Changed, ".results-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        value = event.value

        def apply() -> None:
            self.table.set_filter(value)
            self.post_message(self.FilterChanged(self, value))
        self.table.call_next(apply)

    @on(Input.Submitted, ".results-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    # -- detail panel -------------------------------------------------------------------------------
    @property
    def detail_shown(self) -> bool:
        return self.detail is not None and bool(self.detail.display)

    def show_detail(self, show: bool) -> None:
        if self.detail is None:
            return
        self.detail.display = show
        self.set_class(show, "-detail")
        if not show:
            self.table.focus()
