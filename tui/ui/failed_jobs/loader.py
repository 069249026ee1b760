"""The Failed jobs screen's loaders: the scan (in a thread of its own) and one job's detail request.

``ScanLoader`` runs ``tui.triage.FailedJobsScan`` on its own event loop in a thread worker, so
drawing rows on the app's loop never delays its requests. Its constructor arguments are all it
uses; it talks to the screen only by posting messages: its events and exchanges go into its own
inbox (on the scan's thread) and one ``ScanUpdate`` per batch wakes the receiver, which takes them
with ``drain()`` on the app's loop. ``JobDetailLoader`` requests a job's detail endpoint and posts
``DetailLoaded``. ``SeenMarker`` records the jobs a scan showed as seen (``SeenStore.mark``: a
locked, fsynced write, so in a thread) and posts ``SeenFailed`` when it cannot.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import deque
from contextlib import contextmanager
from typing import Any

from textual.message_pump import MessagePump
from textual.worker import get_current_worker

from tui.triage import FailedJob, FailedJobsScan, Window
from tui.ui.failed_jobs.messages import DetailLoaded, ScanCrashed, ScanUpdate, SeenFailed

SCAN_SWITCH_INTERVAL = 0.001   # seconds; CPython's default is 0.005

_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.005


@contextmanager
def prompt_thread_switches():
    """While a scan's thread runs: a shorter GIL switch interval for the process.

    The scan's requests are answered on its thread while the app's thread draws. With CPython's
    default 5 ms interval, a response that arrives while a frame is being drawn waits up to 5 ms
    for the GIL before its next request goes out, ~100 times a scan: measured at 80x24, the
    screen's scan took ~0.1 s (5%) longer than with 1 ms, and drawing was not slower. Scans may
    overlap (a watch scan and a re-run): the interval is restored when the last one ends.
    """
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(SCAN_SWITCH_INTERVAL, _switch_saved))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


class ScanLoader:
    """One scan (``token``) of ``session``'s tenant; messages go to ``receiver``."""

    def __init__(self, receiver: MessagePump, session: Any, *, token: int, window: Window, include_exceptions: bool,
                 concurrency: int, tenant_label: str) -> None:
        self.receiver, self.session, self.token = receiver, session, token
        self.window, self.include_exceptions, self.concurrency = window, include_exceptions, concurrency
        self.tenant_label = tenant_label
        self.scan: FailedJobsScan | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancelled = False
        self._inbox: deque = deque()        # ("event", ScanEvent) | ("exchange", Exchange), from the scan thread
        self._woken = False

    @property
    def requests(self) -> int:
        return self.scan.requests if self.scan is not None else 0

    def cancel(self) -> None:
        """Stop the scan (it keeps what it found and reports "cancelled")."""
        self._cancelled = True
        scan, loop = self.scan, self._loop
        if scan is not None and loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(scan.cancel)
            except RuntimeError:     # the scan's loop just finished
                pass

    def run(self) -> None:
        """The body of a thread worker: the scan on its own event loop."""
        try:
            with prompt_thread_switches():
                asyncio.run(self._scan(get_current_worker()))
        except Exception as exc:  # a bug, not an API error (those are per source): shown, not raised
            self.receiver.post_message(ScanCrashed(self.token, exc))

    async def _scan(self, worker: Any = None) -> None:
        # Its own connection pool; the app session's tokens go in and come back out.
        from tui.api.session import Session
        app_session = self.session
        session = Session(app_session.tenant, app_session.catalog, net=getattr(app_session, "net", None),
                          on_exchange=[lambda ex: self._deliver(("exchange", ex))])
        session.tokens.tokens.update(app_session.tokens.tokens)
        scan = FailedJobsScan(session, window=self.window, include_exceptions=self.include_exceptions,
                              concurrency=self.concurrency, tenant_label=self.tenant_label,
                              on_event=lambda ev: self._deliver(("event", ev)))
        self.scan, self._loop = scan, asyncio.get_running_loop()
        if self._cancelled:                   # cancelled before it started: it reports "cancelled" at once
            self._loop.call_soon(scan.cancel)

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

    def _deliver(self, entry: tuple) -> None:
        """From the scan's thread: queue the entry; wake the receiver once per batch (and at the end)."""
        self._inbox.append(entry)
        done = entry[0] == "event" and entry[1].kind == "done"
        if done or not self._woken:
            self._woken = True
            self.receiver.post_message(ScanUpdate(self.token, entry[1] if done else None))

    def drain(self) -> list[tuple]:
        """On the app's loop: what the scan queued since the last drain, oldest first."""
        self._woken = False
        out = []
        while self._inbox:
            out.append(self._inbox.popleft())
        return out


def record_exchange(session: Any, exchange: Any) -> None:
    """A scan's exchange joins the app session's history (H in the explorer) and its observers."""
    session.history.append(exchange)
    for cb in list(getattr(session, "on_exchange", ())):
        try:
            cb(exchange)
        except Exception:  # noqa: BLE001 - an observer must never break the screen
            pass


class JobDetailLoader:
    """The detail request of ``job`` (its ``DetailRequest``) on ``session``; posts ``DetailLoaded``."""

    def __init__(self, receiver: MessagePump, session: Any, job: FailedJob) -> None:
        self.receiver, self.session, self.job = receiver, session, job

    async def run(self) -> None:
        d = self.job.detail
        try:
            ex = await self.session.request(d.endpoint_id, d.path_params, d.params)
        except Exception as exc:  # typed API errors carry the exchange; shown in the inspector
            self.receiver.post_message(DetailLoaded(self.job, getattr(exc, "exchange", None), exc))
            return
        self.receiver.post_message(DetailLoaded(self.job, ex, None))


class SeenMarker:
    """Marks ``jobs`` seen in ``store`` (the body of a thread worker); ``SeenFailed`` on an OS error."""

    def __init__(self, receiver: MessagePump, store: Any, jobs: list[FailedJob]) -> None:
        self.receiver, self.store, self.jobs = receiver, store, jobs

    def run(self) -> None:
        try:
            self.store.mark(self.jobs)
        except OSError as exc:
            self.receiver.post_message(SeenFailed(exc))
