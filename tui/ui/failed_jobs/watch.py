"""The Failed jobs screen's watch line: what watch mode (``W``) is doing, and when a scan is due.

``◉ watching every 5 min · next scan in 4:32 · last scan 09:12:05 UTC``: shown only while watching
(the screen's ``-watching`` class), redrawn once a second from the model (``FailedJobsModel``,
which it reads and never changes) without a layout: one line of fixed height, and only when its
text changed. When the model says a scan is due it posts ``WatchLine.Due``; the screen starts the
scan. The timer runs only while watching and stops with the screen.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.widgets import Static

from tui import clock
from tui.ui.failed_jobs.render import watch_line

TICK = 1.0                      # seconds between two looks at the clock (the countdown's resolution)


def resolve_watch_settings(directory: Any, interval: float | None,
                           bell: bool | None) -> tuple[float | None, bool]:
    """Watch mode's interval and bell: the screen's own (tests), else the config file's (``watch_interval``,
    ``watch_bell``, checked when it was loaded), else None (the model's default, 300 s) and no bell."""
    config = getattr(directory, "config", None)
    if interval is None and config is not None:
        interval = config.watch_interval
    if bell is None:
        bell = config is not None and config.watch_bell
    return (float(interval) if interval else None), bool(bell)


class WatchLine(Static):
    DEFAULT_CSS = "WatchLine { width: 1fr; height: 1; background: $panel; }"

    class Due(Message):
        """A watch scan is due."""

    def __init__(self, model: Any, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.model = model
        self._timer: Any = None
        self._shown: str | None = None
        self.redraws = 0                  # how many times the line was redrawn (tests: at most one a tick)

    def start(self) -> None:
        if self._timer is None:
            self._timer = self.set_interval(TICK, self.tick)
        self.redraw()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def on_unmount(self) -> None:
        self.stop()

    def tick(self) -> None:
        now = clock.perf_counter()
        if self.model.watch_due(now):
            self.post_message(self.Due())
        self.redraw(now)

    def redraw(self, now: float | None = None) -> None:
        m = self.model
        now = clock.perf_counter() if now is None else now
        text = watch_line(interval=m.watch_interval, next_in=m.next_scan_in(now), scanning=m.scanning,
                          last_scan_at=m.last_scan_at)
        if text.plain == self._shown:
            return
        self._shown = text.plain
        self.redraws += 1
        self.update(text, layout=False)
