"""The one place the core and the UI read the time.

Everything that shows a time or a duration (exchange timings, history, preset windows, the
failed-jobs scan) asks here, so a test can freeze the world with one fixture and snapshot a
screen that otherwise changes every second. Production code never sets these.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

__all__ = ["utc_now", "perf_counter", "freeze", "thaw"]

_frozen_now: datetime | None = None
_frozen_perf: float | None = None


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen_now if _frozen_now is not None else datetime.now(timezone.utc)


def perf_counter() -> float:
    """A monotonic clock for durations (seconds)."""
    return _frozen_perf if _frozen_perf is not None else time.perf_counter()


def freeze(now: datetime, perf: float = 1000.0) -> None:
    """Stop both clocks (tests only): every duration reads 0 and every timestamp reads ``now``."""
    global _frozen_now, _frozen_perf
    _frozen_now = now.astimezone(timezone.utc)
    _frozen_perf = perf


def thaw() -> None:
    global _frozen_now, _frozen_perf
    _frozen_now = None
    _frozen_perf = None
