"""The explorer's page loading: the worker that walks a pager, and the handlers of what it posts.

The worker only posts (PageLoaded, PageFailed, LoadStopped, RetryWaiting); these handlers own
the view's state. Mixed into ExplorerScreen, whose view, session, table, inspector and status
line they use. Named ``on_*`` handlers, not ``@on``: Textual registers ``@on`` only on classes
built by its own metaclass, and a plain mixin is not.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import ProgressBar

from tui import clock
from tui.catalog import Endpoint
from tui.catalog.display import labelled
from tui.hints import permission_hint
from tui.textsafe import safe_text
from tui.ui.screens.explorer_state import LoadStopped, PageFailed, PageLoaded, RetryWaiting
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable


class PageLoading:
    """Loads the current view's pages in the exclusive "table" worker group."""

    def start_loading(self, pages: int | None = 1) -> None:
        v = self.view
        if v is None or v.loading or v.done:
            return
        if v.pager is None:
            token = v.token

            def waiting(seconds: float, why: str) -> None:
                # Called from the worker's request: a message, like the pages, for the handler.
                self.post_message(RetryWaiting(token, seconds, why))

            try:
                v.pager = self.session.pager(v.endpoint, v.context, v.params, page_size=self.page_size(v.endpoint),
                                             on_wait=waiting)
            except Exception as exc:   # a path or parameter the request cannot be built from
                v.error = safe_text(str(exc), 300)
                self.render_status()
                return
        v.loading, v.error, v.waiting = True, None, None
        if pages is None:
            bar = self.query_one("#progress", ProgressBar)
            bar.display = True
            bar.update(total=v.total, progress=v.loaded)
        self.render_status()
        self.load_pages(v.token, v.pager, pages)

    @staticmethod
    def page_size(endpoint: Endpoint) -> int | None:
        """The page size `avegraph get` uses too (tui.catalog.defaults), so both show the same rows."""
        from tui.catalog.defaults import page_size
        return page_size(endpoint)

    @work(exclusive=True, group="table")
    async def load_pages(self, token: int, pager: Any, count: int | None) -> None:
        import asyncio
        n = 0
        try:
            async for page in pager.pages():
                self.post_message(PageLoaded(token, page))
                n += 1
                if count is not None and n >= count:
                    break
        except asyncio.CancelledError:
            self.post_message(LoadStopped(token, True))
            raise
        except Exception as exc:  # typed API errors and anything unexpected: shown in place
            self.post_message(PageFailed(token, exc))
            return
        self.post_message(LoadStopped(token, False))

    def _refresh_scopes(self) -> None:
        granted = self.session.granted_scopes() if self.session is not None else None
        if granted:
            self._learn_scopes(granted)

    def on_retry_waiting(self, message: RetryWaiting) -> None:
        v = self.view
        if v is None or message.token != v.token or not v.loading:
            return
        v.waiting = (message.why, clock.perf_counter() + message.seconds)
        if self._wait_timer is None:
            self._wait_timer = self.set_interval(1.0, self._count_down_wait)
        self.render_status()

    def _count_down_wait(self) -> None:
        v = self.view
        if v is None or v.waiting is None or not v.loading:
            if self._wait_timer is not None:
                self._wait_timer.stop()
                self._wait_timer = None
            return
        self.render_status()

    def on_page_loaded(self, message: PageLoaded) -> None:
        self._refresh_scopes()
        v = self.view
        if v is None or message.token != v.token:
            return
        v.waiting = None
        page = message.page
        items = page.items if isinstance(page.items, list) else [page.items]
        raw = [it if isinstance(it, dict) else {"value": it} for it in items]
        v.items.extend(raw)
        self.query_one(PagedTable).append_rows([labelled(v.endpoint, it) for it in raw])
        v.pages += 1
        v.loaded += len(raw)
        v.total = page.total if page.total is not None else v.total
        v.last_exchange = page.exchange
        v.notice = page.notice or v.notice
        v.done = bool(getattr(v.pager, "done", False))
        if page.exchange is not None:
            self.query_one(ExchangeInspector).show_exchange(page.exchange) \
                if self.query_one(ExchangeInspector).item is None else None
        bar = self.query_one("#progress", ProgressBar)
        if bar.display:
            bar.update(total=v.total, progress=v.loaded)
        self.render_status()

    def on_page_failed(self, message: PageFailed) -> None:
        self._refresh_scopes()
        v = self.view
        if v is None or message.token != v.token:
            return
        v.loading, v.waiting = False, None
        self.query_one("#progress").display = False
        err = message.error
        exchange = getattr(err, "exchange", None)
        status = getattr(err, "status", None)
        text = safe_text(str(err), 300)
        if status in (401, 403):
            text += "  " + permission_hint(v.endpoint, status, self.granted)
        v.error = text
        if exchange is not None:
            v.last_exchange = exchange
            self.query_one(ExchangeInspector).show_exchange(exchange)
        self.render_status()

    def on_load_stopped(self, message: LoadStopped) -> None:
        v = self.view
        if v is None or message.token != v.token:
            return
        v.loading, v.waiting = False, None
        v.done = bool(getattr(v.pager, "done", False))
        self.query_one("#progress").display = False
        if message.cancelled and not v.done:
            v.notice = "stopped — press r to continue from the last page"
        self.render_status()
