"""The Permissions screen's four tabs: the Token view and a ``ResultsPane`` per table.

The summary line above each table is the screen's to fill; ``ClearingPane`` is the tables' pane;
``RowBatches`` hands streamed rows to the tables in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from tui.ui.permissions.render import discovery_style, matrix_style, probe_style
from tui.ui.permissions.token_view import TokenView
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.results_pane import FilterInput, ResultsPane

TABS = ("token", "matrix", "probe", "discovery")


class ClearingPane(ResultsPane):
    """The permission tables' pane: Esc in the filter drops it, Enter keeps it."""

    def action_filter(self) -> None:
        self.open_filter(self.filter_text)

    @on(FilterInput.Closed)
    def _drop_filter(self, event: FilterInput.Closed) -> None:
        # runs before ResultsPane's own handler, which hides the filter
        if self.filter_focused:
            self.table.set_filter("")


class RowBatches:
    """Streamed rows reach a table in batches: a table's growth costs a layout pass of the screen.

    ``append(which, rows)`` adds rows to the table ``which``; ``schedule()`` starts the timer that
    calls ``flush`` (and returns it)."""

    def __init__(self, append: Callable[[str, list[dict]], None], schedule: Callable[[], Any]) -> None:
        self._append, self._schedule = append, schedule
        self._rows: dict[str, list[dict]] = {}
        self._timer: Any = None

    def add(self, which: str, row: dict) -> None:
        self._rows.setdefault(which, []).append(row)
        if self._timer is None:
            self._timer = self._schedule()

    def drop(self, which: str) -> None:
        self._rows.pop(which, None)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        for which, rows in list(self._rows.items()):
            if rows:
                self._rows[which] = []
                self._append(which, rows)


def permission_tabs(initial: str) -> ComposeResult:
    """The four tabs, ``initial`` shown first."""
    placeholder = "filter rows (! inverts) — Enter keeps it, Esc clears it"
    with TabbedContent(initial=initial, id="perm-tabs"):
        with TabPane("Token", id="token"):
            with VerticalScroll(id="token-scroll"):
                yield TokenView(Text("Getting the token…", style="dim"), id="token-view")
        with TabPane("Scope matrix", id="matrix"):
            yield Static("", id="matrix-summary")
            yield ClearingPane(table=PagedTable(id="matrix-table", row_style_fn=matrix_style,
                                                empty_text="No endpoints",
                                                preferred=("token", "endpoint", "scope", "note", "method", "path",
                                                           "service")),
                               placeholder=placeholder, id="matrix-pane")
        with TabPane("Probe", id="probe"):
            yield Static(Text("Press p to call each list endpoint once, the cheapest way (page size 1), "
                              "and see what the service really answers.", style="dim"), id="probe-summary")
            yield ClearingPane(table=PagedTable(id="probe-table", row_style_fn=probe_style,
                                                empty_text="Not probed yet: press p",
                                                preferred=("outcome", "endpoint", "scope", "message", "request-id",
                                                           "token", "catalogue")),
                               detail=ExchangeInspector(id="probe-inspector"), placeholder=placeholder,
                               id="probe-pane")
        with TabPane("Discovery", id="discovery"):
            yield Static(Text("Press d to ask the identity service for a token per catalogue scope: "
                              "which permissions does this app registration have?", style="dim"),
                         id="discovery-summary")
            yield ClearingPane(table=PagedTable(id="discovery-table", row_style_fn=discovery_style,
                                                empty_text="Not asked yet: press d",
                                                preferred=("scope", "result", "endpoints",
                                                           "identity service says")),
                               placeholder=placeholder, id="discovery-pane")
