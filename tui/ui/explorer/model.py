"""The explorer's state and its pure transitions: no Textual, no I/O, unit-tested without a pilot.

``ExplorerModel`` holds the opened endpoint (a ``View``), the recorded exchanges and the scopes
the token is known to hold. Every transition takes the *token* of the view a worker was started
for, and ignores messages from a superseded load (the user opened something else meanwhile).
The screen calls these from its message handlers and then redraws from the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from tui import clock
from tui.catalog import Endpoint
from tui.catalog.display import labelled
from tui.hints import holds_scope, permission_hint
from tui.textsafe import safe_text

__all__ = ["ExplorerModel", "View", "page_size", "status_text", "STATUS_REASONS"]

STATUS_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
                  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


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
    status: int | None = None                         # HTTP status of the failed page, if it had one
    hint: str | None = None                           # one line for a 401/403: the scope and where to go


def page_size(endpoint: Endpoint) -> int | None:
    """The page size `avegraph get` uses too (tui.catalog.defaults), so both show the same rows."""
    from tui.catalog.defaults import page_size as shared
    return shared(endpoint)


def short_hint(endpoint: Endpoint, status: int, granted: set[str] | None) -> str:
    """What fits an 80-column status line first: "missing scope X · P permissions"."""
    need = " or ".join(endpoint.scopes) or "(none listed)"
    has = holds_scope(endpoint, granted)
    if status == 401:
        return "token refused · P permissions"
    if has is True:
        return f"token holds {need}; refused for another reason · P permissions"
    return f"missing scope {need} · P permissions"


class ExplorerModel:
    """The explorer's state: the current view, the exchange history, the token's known scopes."""

    def __init__(self) -> None:
        self.view: View | None = None
        self.history: list[Any] = []
        self.granted: set[str] | None = None
        self._tokens = 0

    # -- opening -------------------------------------------------------------------------------
    def open(self, endpoint: Endpoint, context: dict[str, str], params: dict[str, Any]) -> View:
        """A fresh view (a new token: whatever the previous one still posts is ignored)."""
        self._tokens += 1
        self.view = View(self._tokens, endpoint, dict(context), dict(params))
        return self.view

    def reopen(self, params: dict[str, Any] | None = None) -> View | None:
        """The current endpoint again from its first page, with ``params`` if given."""
        old = self.view
        if old is None:
            return None
        return self.open(old.endpoint, old.context, old.params if params is None else params)

    def submit(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """The form's values: path parameters go into the context, the rest are the query params."""
        v = self.view
        if v is None:
            return None
        path_values = {k: val for k, val in values.items() if k in v.endpoint.path_params}
        v.context.update({k: str(val) for k, val in path_values.items()})
        return {k: val for k, val in values.items() if k not in path_values}

    def current(self, token: int) -> View | None:
        """The view ``token`` was issued for, if it is still the one shown."""
        v = self.view
        return v if v is not None and v.token == token else None

    # -- loading ---------------------------------------------------------------------------------
    def can_load(self) -> bool:
        v = self.view
        return v is not None and not v.loading and not v.done

    def wants_next_page(self) -> bool:
        """The cursor is near the end: fetch more unless a load runs, all arrived, or the last failed."""
        v = self.view
        return v is not None and not v.done and not v.loading and v.error is None

    def start(self) -> None:
        v = self.view
        if v is not None:
            v.loading, v.error, v.waiting, v.status, v.hint = True, None, None, None, None

    def pager_failed(self, error: BaseException) -> None:
        if self.view is not None:
            self.view.error = safe_text(str(error), 300)

    def apply_page(self, token: int, page: Any, done: bool) -> list | None:
        """Account for one page; returns the rows to append to the table (labels), None if stale."""
        v = self.current(token)
        if v is None:
            return None
        v.waiting = None
        items = page.items if isinstance(page.items, list) else [page.items]
        raw = [it if isinstance(it, dict) else {"value": it} for it in items]
        v.items.extend(raw)
        v.pages += 1
        v.loaded += len(raw)
        v.total = page.total if page.total is not None else v.total
        v.last_exchange = page.exchange
        v.notice = page.notice or v.notice
        v.done = done
        return [labelled(v.endpoint, it) for it in raw]

    def apply_failure(self, token: int, error: BaseException) -> View | None:
        """A page failed: the rows stay, the error (and for 401/403 the scope it needs) is shown."""
        v = self.current(token)
        if v is None:
            return None
        v.loading, v.waiting = False, None
        status = getattr(error, "status", None)
        text = safe_text(str(error), 300)
        v.status = status if isinstance(status, int) else None
        if status in (401, 403):
            v.hint = short_hint(v.endpoint, status, self.granted)
            text += "  " + permission_hint(v.endpoint, status, self.granted)
        v.error = text
        exchange = getattr(error, "exchange", None)
        if exchange is not None:
            v.last_exchange = exchange
        return v

    def apply_stopped(self, token: int, cancelled: bool, done: bool) -> View | None:
        v = self.current(token)
        if v is None:
            return None
        v.loading, v.waiting = False, None
        v.done = done
        if cancelled and not done:
            v.notice = "stopped — press r to continue from the last page"
        return v

    def apply_waiting(self, token: int, seconds: float, why: str, now: float | None = None) -> View | None:
        v = self.current(token)
        if v is None or not v.loading:
            return None
        v.waiting = (why, (clock.perf_counter() if now is None else now) + seconds)
        return v

    def cancel_loading(self) -> None:
        if self.view is not None:
            self.view.loading = False

    def retry(self) -> str | None:
        """What ``r`` does now: "continue" (from the failed or stopped page), "reload", or None."""
        v = self.view
        if v is None:
            return None
        if v.error is not None or (not v.done and not v.loading):
            v.error = None
            return "continue"
        return "reload" if v.done else None

    # -- exchanges and scopes -----------------------------------------------------------------------
    def record(self, exchange: Any) -> bool:
        """Keep the exchange; True when it taught us new scopes of the token."""
        self.history.append(exchange)
        claims = getattr(exchange, "token_scopes", None)
        return self.learn_scopes(claims) if claims else False

    def learn_scopes(self, scopes) -> bool:
        granted = set(self.granted or ()) | {s.lower() for s in scopes}
        if granted == self.granted:
            return False
        self.granted = granted
        return True

    def status_text(self, filter_text: str, visible: int, now: float | None = None) -> Text | None:
        return status_text(self.view, filter_text, visible, now) if self.view is not None else None


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
