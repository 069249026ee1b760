"""The Failed jobs screen's controls: the time window, whether exceptions show, the concurrency.

One line of widgets (styled by the screen's ``#controls`` rules). A change posts
``ScanControls.Changed`` (``what``: "window", "exceptions" or "concurrency", and the new value); the
screen decides what it means (a new scan, a redraw). "custom…" asks for a duration or a date first
and posts it only once ``Window.parse`` accepts it.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select, Switch

from tui.triage import Window

WINDOWS = (("last 24 h", "24h"), ("last 7 days", "7d"), ("last 30 days", "30d"), ("custom…", "custom"))
CONCURRENCY = (1, 2, 3, 4, 6, 8, 12, 16)


class ScanControls(Horizontal):
    class Changed(Message):
        def __init__(self, what: str, value: Any) -> None:
            super().__init__()
            self.what, self.value = what, value

    def __init__(self, window_text: str, include_exceptions: bool, concurrency: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = (window_text, include_exceptions, concurrency)

    def compose(self) -> ComposeResult:
        window_text, include_exceptions, concurrency = self._initial
        yield Label("window")
        yield Select(WINDOWS, value=window_text if window_text in {v for _, v in WINDOWS} else "custom",
                     allow_blank=False, compact=True, id="window")
        yield Label("exceptions")
        yield Switch(include_exceptions, animate=False, id="exceptions")
        yield Label("concurrency")
        yield Select([(str(n), n) for n in CONCURRENCY], value=concurrency if concurrency in CONCURRENCY else 4,
                     allow_blank=False, compact=True, id="concurrency")

    def toggle_exceptions(self) -> None:
        switch = self.query_one("#exceptions", Switch)
        switch.value = not switch.value               # Switch.Changed does the rest

    def focus_window(self) -> None:
        self.query_one("#window", Select).focus()

    @on(Select.Changed, "#window")
    def _window_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != "custom":
            self.post_message(self.Changed("window", str(event.value)))
            return
        from tui.ui.screens.prompt import PathPrompt

        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                Window.parse(text)
            except ValueError as exc:
                self.notify(Text(str(exc)), severity="error")
                return
            self.post_message(self.Changed("window", text))
        self.app.push_screen(PathPrompt("Window: since (a duration such as 14d, or a date such as 2026-01-31)",
                                        "14d"), chosen)

    @on(Select.Changed, "#concurrency")
    def _concurrency_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int):
            self.post_message(self.Changed("concurrency", event.value))

    @on(Switch.Changed, "#exceptions")
    def _exceptions_changed(self, event: Switch.Changed) -> None:
        event.stop()
        self.post_message(self.Changed("exceptions", event.value))
