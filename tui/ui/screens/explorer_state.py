"""The explorer's state (one opened endpoint) and the messages its workers post."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.message import Message

from tui import clock
from tui.catalog import Endpoint
from tui.textsafe import safe_text


@dataclass
class View:
    """One opened endpoint: what was asked, and what has been loaded so far."""

    token: int
    endpoint: Endpoint
    context: dict[str, str]
    params: dict[str, Any]
    pager: Any = None
    pages: int = 0
    loaded: int = 0
    total: int | None = None
    done: bool = False
    loading: bool = False
    error: str | None = None
    last_exchange: Any = None
    notice: str | None = None
    crumbs: tuple[str, ...] = field(default_factory=tuple)
    items: list = field(default_factory=list)        # raw items in load order (the table shows labels)
    waiting: tuple[str, float] | None = None          # (why, when the retry starts: tui.clock.perf_counter)


class PageLoaded(Message):
    def __init__(self, token: int, page: Any) -> None:
        super().__init__()
        self.token, self.page = token, page


class PageFailed(Message):
    def __init__(self, token: int, error: BaseException) -> None:
        super().__init__()
        self.token, self.error = token, error


class RetryWaiting(Message):
    """The core waits ``seconds`` before retrying a request (Retry-After, backoff): ``why`` it does."""

    def __init__(self, token: int, seconds: float, why: str) -> None:
        super().__init__()
        self.token, self.seconds, self.why = token, seconds, why


class LoadStopped(Message):
    def __init__(self, token: int, cancelled: bool) -> None:
        super().__init__()
        self.token, self.cancelled = token, cancelled


class ExchangeRecorded(Message):
    def __init__(self, exchange: Any) -> None:
        super().__init__()
        self.exchange = exchange


def status_text(v: View, filter_text: str, visible: int, now: float | None = None) -> Text:
    """"1,200 of 5,000 · page 12 · 183 ms · request-id …" ("of >N" when the total is unknown); while a
    retry waits, why and for how long: "throttled (429), retrying in 90 s…" (``now``: tui.clock.perf_counter)."""
    t = Text()
    count = f"{v.loaded:,}"
    if v.total is not None:
        t.append(f"{count} of {v.total:,}")
    elif v.done:
        t.append(f"{count} (all)")
    else:
        t.append(f"{count} of >{count}" if v.loaded else "0")
    if filter_text:
        t.append(f" · showing {visible:,}", style="cyan")
    t.append(f" · page {v.pages}")
    ex = v.last_exchange
    if ex is not None:
        if ex.elapsed is not None:
            t.append(f" · {ex.elapsed * 1000:.0f} ms")
        if ex.request_id:
            t.append(" · request-id ", style="dim")
            t.append(safe_text(str(ex.request_id), 40))
    if v.loading and v.waiting is not None:
        why, until = v.waiting
        left = math.ceil(until - (clock.perf_counter() if now is None else now))
        t.append(f" · {safe_text(why, 60)}, retrying" + (f" in {left:,} s…" if left > 0 else "…"), style="yellow")
    elif v.loading:
        t.append(" · loading…", style="italic")
    if v.notice:
        t.append(" · " + safe_text(v.notice, 120), style="yellow")
    if v.error:
        t.append("\n")
        t.append("⚠ " + v.error, style="bold red")
        t.append("  (r retries from this page)", style="dim")
    return t
