"""The walk of `avegraph get`: pages from the Pager straight to a writer, one page at a time.

* Each page is written as a whole between two awaits, so a signal (handled by the event loop,
  never in the middle of Python code) always falls between pages: what was written is whole
  rows, and the pager's ``resume_cursor`` asks for exactly the first page not written.
* SIGINT and SIGTERM cancel the walk where it waits (a request, a Retry-After); the outcome says
  which signal, and the command reports rows, pages and the cursor, then exits 130.
* ``deadline`` (seconds, ``--deadline``) bounds the whole walk, waits included.
* Every wait before a retry is said on stderr: "throttled (429), waiting 3 s (retry 1 of 3)".
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from typing import Any

from tui.commands.common import eprint
from tui.commands.get_output import ReaderGone

__all__ = ["WalkOutcome", "walk", "wait_line"]


@dataclass
class WalkOutcome:
    rows: int = 0
    pages: int = 0
    error: BaseException | None = None       # the ApiError that stopped the walk
    interrupted: str | None = None            # "SIGINT" / "SIGTERM"
    deadline_hit: bool = False
    reader_gone: bool = False


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def wait_line(seconds: float, why: str, retry: int, of: int) -> str:
    return f"avegraph: {why}, waiting {_seconds(seconds)} s (retry {retry} of {of})"


class _WaitTeller:
    """Counts the retries of the request under way (reset when a request ends) and says each wait."""

    def __init__(self, max_retries: int):
        self.max_retries = max_retries
        self.retry = 0

    def __call__(self, seconds: float, why: str) -> None:
        self.retry += 1
        eprint(wait_line(seconds, why, self.retry, self.max_retries))

    def request_ended(self, ex: Any) -> None:
        if getattr(ex, "kind", "api") == "api":
            self.retry = 0


async def walk(session: Any, pager: Any, writer: Any, *, deadline: float | None = None,
               verbose: int = 0) -> WalkOutcome:
    """Write every page the pager yields; never raises for an API error, a signal or the deadline:
    the outcome says what stopped the walk."""
    from tui.api.errors import ApiError
    outcome = WalkOutcome()
    teller = _WaitTeller(session.client.max_retries)
    pager.on_wait = teller
    session.on_exchange.append(teller.request_ended)
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    installed = []

    def on_signal(name: str) -> None:
        if outcome.interrupted is None:
            outcome.interrupted = name
            if task is not None:
                task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):   # not the main thread, or no signals here
            pass
    try:
        async with asyncio.timeout(deadline):
            async for page in pager.pages():
                writer.write(page.items, last=page.last)
                outcome.rows += len(page.items)
                outcome.pages += 1
                if verbose:
                    total = f" of {page.total}" if page.total is not None else ""
                    eprint(f"  page {page.number}: {len(page.items)} items ({page.loaded}{total} loaded)"
                           + ("" if page.next_cursor is not None else ", last page"))
                    if page.notice:
                        eprint(f"  note: {page.notice}")
    except asyncio.CancelledError:
        if outcome.interrupted is None:
            raise
        if task is not None:
            task.uncancel()
    except TimeoutError:
        outcome.deadline_hit = True
    except ReaderGone:
        outcome.reader_gone = True
    except ApiError as exc:
        outcome.error = exc
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        try:
            session.on_exchange.remove(teller.request_ended)
        except ValueError:
            pass
    return outcome
