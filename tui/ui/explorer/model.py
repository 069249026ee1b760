"""The explorer's state and its pure transitions: no Textual, no I/O, unit-tested without a pilot.

``ExplorerModel`` holds the opened endpoint (a ``View``), the recorded exchanges and the scopes
the token is known to hold. Every transition takes the *token* of the view a worker was started
for, and ignores messages from a superseded load (the user opened something else meanwhile).
The screen calls these from its message handlers and then redraws from the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from tui import clock
from tui.catalog import Endpoint
from tui.catalog.display import labelled
from tui.textsafe import safe_text
from tui.ui.explorer.status import STATUS_REASONS, failure_detail, short_hint, status_text, table_message

__all__ = ["ExplorerModel", "View", "page_size", "status_text", "table_message", "STATUS_REASONS"]


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
        v.status = status if isinstance(status, int) else None
        if v.status in (401, 403):
            v.hint = short_hint(v.endpoint, v.status, self.granted)
        v.error = failure_detail(v.endpoint, error, v.status, self.granted)
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
