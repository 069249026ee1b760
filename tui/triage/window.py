"""The scan's time window: parsed from "7d" / an ISO date, split into chunks an endpoint accepts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tui import clock
from tui.catalog.validate import PRESETS, parse_window


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    text: str = ""                       # what the user typed: "7d", "2026-01-01"

    @classmethod
    def parse(cls, text: str, now: datetime | None = None) -> "Window":
        """'24h', '7d', '30d', '90m', '2w' or an ISO date / date-time (the window runs from it to now).
        ValueError with a sentence otherwise."""
        now = (now or clock.utc_now()).astimezone(timezone.utc).replace(microsecond=0)
        t = (text or "").strip()
        since, until, _ = parse_window(t, now)
        return cls(since, until, t.lower() if t.lower() in PRESETS else t)

    @property
    def span(self) -> timedelta:
        return self.until - self.since

    def contains(self, dt: datetime | None) -> bool:
        return dt is not None and self.since <= dt <= self.until

    def chunks(self, max_days: int | None) -> list["Window"]:
        """Consecutive windows of at most ``max_days`` (newest first), covering this one."""
        if not max_days or self.span <= timedelta(days=max_days):
            return [self]
        out, end = [], self.until
        step = timedelta(days=max_days)
        while end > self.since:
            start = max(self.since, end - step)
            out.append(Window(start, end, self.text))
            end = start
        return out

    def label(self) -> str:
        names = {"24h": "last 24 h", "7d": "last 7 days", "30d": "last 30 days"}
        if self.text in names:
            return names[self.text]
        return f"{self.since:%Y-%m-%d %H:%M} – {self.until:%Y-%m-%d %H:%M} UTC"
