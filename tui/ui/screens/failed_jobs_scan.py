"""The Failed jobs screen's scan: a thread of its own, and the inbox it fills for the screen.

``run_scan`` runs ``tui.triage.FailedJobsScan`` on its own event loop in a thread worker (group
"scan"), so drawing rows on the app's loop never delays its requests. The scan's events and
exchanges go into the screen's inbox (``_deliver``, on the scan's thread), which wakes the screen
with one ``ScanUpdate`` per batch; the screen's handler takes them in with ``_drain`` on the app's
loop. Mixed into ``FailedJobsScreen``, which holds the state this reads and writes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work
from textual.worker import get_current_worker

from tui.triage import FailedJobsScan, Window
from tui.ui.screens.failed_jobs_messages import ScanCrashed, ScanUpdate


class ScanMixin:
    def cancel_scan(self) -> None:
        """Stop the running scan (it keeps what it found and reports "cancelled")."""
        scan, loop = self.scan, self._scan_loop
        if scan is not None and loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(scan.cancel)
            except RuntimeError:     # the scan's loop just finished
                pass

    @work(thread=True, group="scan")
    def run_scan(self, token: int, window: Window, include_exceptions: bool, concurrency: int) -> None:
        """The scan runs on its own event loop in a thread: rendering rows on the app's loop never
        delays its requests. It has its own connection pool and shares the app session's tokens;
        its exchanges are handed to the app session's history."""
        try:
            asyncio.run(self._scan(token, window, include_exceptions, concurrency, get_current_worker()))
        except Exception as exc:  # a bug, not an API error (those are per source): shown, not raised
            self.post_message(ScanCrashed(token, exc))

    async def _scan(self, token: int, window: Window, include_exceptions: bool, concurrency: int,
                    worker: Any = None) -> None:
        from tui.api.session import Session
        app_session = self.session
        session = Session(app_session.tenant, app_session.catalog,
                          on_exchange=[lambda ex: self._deliver(token, ("exchange", ex))])
        session.tokens.tokens.update(app_session.tokens.tokens)
        scan = FailedJobsScan(session, window=window, include_exceptions=include_exceptions,
                              concurrency=concurrency, tenant_label=self.tenant_name,
                              on_event=lambda ev: self._deliver(token, ("event", ev)))
        if token != self._token:              # superseded before it started
            await session.aclose()
            return
        self.scan, self._scan_loop = scan, asyncio.get_running_loop()

        async def watch_worker() -> None:     # workers.cancel_group / cancel_all reach the scan too
            while worker is not None:
                if worker.is_cancelled:
                    scan.cancel()
                    return
                await asyncio.sleep(0.1)

        watchdog = asyncio.ensure_future(watch_worker())
        try:
            await scan.run()
        finally:
            watchdog.cancel()
            app_session.tokens.tokens.update(session.tokens.tokens)
            await session.aclose()

    def _deliver(self, token: int, entry: tuple) -> None:
        """From the scan's thread: queue the event; wake the screen once per batch (and at the end)."""
        self._inbox.append((token, entry))
        done = entry[0] == "event" and entry[1].kind == "done"
        if done or not self._woken:
            self._woken = True
            self.post_message(ScanUpdate(token, entry[1] if done else None))

    def _drain(self) -> None:
        """Take in what the scan queued: source states, new jobs, exchanges (for the session's history)."""
        self._woken = False
        app_session = self.session
        while self._inbox:
            token, (kind, what) = self._inbox.popleft()
            if token != self._token:
                continue
            if kind == "exchange":
                if app_session is not None:
                    app_session.history.append(what)        # the history screen (H in the explorer)
                    for cb in list(getattr(app_session, "on_exchange", ())):
                        try:
                            cb(what)
                        except Exception:  # noqa: BLE001 - an observer must never break the screen
                            pass
                continue
            ev = what
            if ev.source is not None:
                self.sources[ev.source.id] = ev.source
            if ev.kind == "jobs":
                self._pending.extend(ev.jobs)
            elif ev.kind == "done":
                self.scanning = False
                self.result = ev.result
                if ev.result is not None:
                    for src in ev.result.sources:
                        self.sources[src.id] = src
                    self.error = ev.result.error
