"""Watching for new failures: what is new since the last look, and when the next scan is due.

Shared by ``avegraph failed-jobs --new`` / ``--watch`` and the failed-jobs screen (its ``W``), so
both answer "what failed since I last looked" the same way:

* ``NewFailures`` wraps one tenant's ``SeenStore`` for one run (a CLI process, a visit of the
  screen). A job is new when its fingerprint was not in the store when it first arrived; it stays
  new for the rest of the run even once it is marked seen, so a re-scan shows the same marks.
  ``fresh()`` hands each new failure out once (a watch prints it once, a screen adds one row).
* ``next_scan_delay``: scans run every ``interval`` seconds start to start, so a scan slowed down
  by Retry-After waits shortens the pause after it instead of pushing the schedule back.

UI-free: no Textual, no widgets; the time is passed in (``tui.clock`` or a test's own).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from tui.triage.seen import SeenStore, fingerprint

__all__ = ["DEFAULT_INTERVAL", "MIN_INTERVAL", "NewFailures", "next_scan_delay"]

DEFAULT_INTERVAL = 300.0          # seconds between the starts of two scans (CLI --interval, config watch_interval)
MIN_INTERVAL = 1.0


def next_scan_delay(started: float, now: float, interval: float) -> float:
    """Seconds from ``now`` until the scan after the one that started at ``started`` (never negative:
    a scan that ran longer than the interval is followed by the next one at once)."""
    return max(0.0, started + interval - now)


class NewFailures:
    """Which failures of one tenant are new in this run, and which were already handed out."""

    def __init__(self, store: SeenStore | None) -> None:
        self.store = store
        self.new: set[str] = set()            # fingerprints new in this run (they stay new)
        self.handed_out: set[str] = set()     # fingerprints ``fresh()`` returned already
        # When the tenant's failures were last looked at (before this run): "3 new since 09:12".
        self.since: datetime | None = None
        if store is not None and store.entries:
            self.since = datetime.fromtimestamp(max(store.entries.values()), timezone.utc)

    def is_new(self, job: Any) -> bool:
        return self.is_new_fingerprint(fingerprint(job))

    def is_new_fingerprint(self, fp: str) -> bool:
        """``is_new`` of the job whose ``seen.fingerprint`` is ``fp``."""
        if fp in self.new:
            return True
        if self.store is not None and fp not in self.store.entries:
            self.new.add(fp)
            return True
        return False

    def new_of(self, jobs: Iterable[Any]) -> list[Any]:
        return [j for j in jobs if self.is_new(j)]

    def fresh(self, jobs: Iterable[Any]) -> list[Any]:
        """The jobs not handed out before in this run (each once), now counted as handed out."""
        out = []
        for j in jobs:
            fp = fingerprint(j)
            if fp not in self.handed_out:
                self.handed_out.add(fp)
                out.append(j)
        return out

    def unmarked(self, jobs: Iterable[Any]) -> list[Any]:
        """The jobs the store does not hold yet (what a ``mark`` would add)."""
        if self.store is None:
            return []
        entries = self.store.entries
        return [j for j in jobs if fingerprint(j) not in entries]
