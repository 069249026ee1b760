"""The explorer's workers, in Harlequin's style: each is built from everything it needs (its
constructor arguments are its whole interface), does the I/O, and only posts messages. The screen
runs them (``run_worker(loader.run(), exclusive=True, group=...)``) and its handlers own the state.

* ``PageLoader``: walks pages of a view's pager: ``PageLoaded``, ``PageFailed``, ``LoadStopped``,
  and ``RetryWaiting`` while the core waits before a retry (see ``open_pager``).
* ``TreeItemsLoader``: one page of a collection under a tree node: ``ResourceTree.ItemsLoaded``
  (posted to the tree, which runs it).
* ``Replayer``: re-sends a recorded request from the history: ``ExchangeInspector.Replayed`` (posted
  to the inspector, which runs it).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from textual.message import Message

from tui.catalog import Endpoint
from tui.catalog.validate import preset_window, time_params, validate_params
from tui.textsafe import safe_text
from tui.ui.explorer.model import page_size
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.resource_tree import ResourceTree

TreeItemsLoaded = ResourceTree.ItemsLoaded
Replayed = ExchangeInspector.Replayed

Post = Callable[[Message], Any]

__all__ = ["ExchangeRecorded", "LoadStopped", "PageFailed", "PageLoaded", "PageLoader", "Replayed", "Replayer",
           "RetryWaiting", "TreeItemsLoaded", "TreeItemsLoader", "open_pager"]


class PageLoaded(Message):
    def __init__(self, token: int, page: Any, done: bool) -> None:
        super().__init__()
        self.token, self.page, self.done = token, page, done


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
    def __init__(self, token: int, cancelled: bool, done: bool) -> None:
        super().__init__()
        self.token, self.cancelled, self.done = token, cancelled, done


class ExchangeRecorded(Message):
    """The session recorded a request (posted from the session's ``on_exchange`` hook)."""

    def __init__(self, exchange: Any) -> None:
        super().__init__()
        self.exchange = exchange


def open_pager(session: Any, endpoint: Endpoint, context: dict[str, str], params: dict[str, Any],
               token: int, post: Post) -> Any:
    """The session's pager for a view; its retry waits come back as ``RetryWaiting`` messages.
    Raises when the request cannot be built (a path or parameter value)."""

    def waiting(seconds: float, why: str) -> None:
        post(RetryWaiting(token, seconds, why))     # called from the worker's request

    return session.pager(endpoint, context, params, page_size=page_size(endpoint), on_wait=waiting)


class PageLoader:
    """Walks ``count`` pages of ``pager`` (None: to the end), tagging each message with ``token``."""

    def __init__(self, post: Post, token: int, pager: Any, count: int | None) -> None:
        self._post, self._token, self._pager, self._count = post, token, pager, count

    def _done(self) -> bool:
        return bool(getattr(self._pager, "done", False))

    async def run(self) -> None:
        n = 0
        try:
            async for page in self._pager.pages():
                self._post(PageLoaded(self._token, page, self._done()))
                n += 1
                if self._count is not None and n >= self._count:
                    break
        except asyncio.CancelledError:
            self._post(LoadStopped(self._token, True, self._done()))
            raise
        except Exception as exc:  # typed API errors and anything unexpected: shown in place
            self._post(PageFailed(self._token, exc))
            return
        self._post(LoadStopped(self._token, False, self._done()))


class TreeItemsLoader:
    """One page of ``endpoint``'s items for a tree ``node``; ``pager`` continues a "load more"."""

    def __init__(self, post: Post, session: Any, node: Any, endpoint: Endpoint, context: dict[str, str],
                 more: Any = None, pager: Any = None) -> None:
        self._post, self._session, self._node, self._more = post, session, node, more
        self._endpoint, self._context, self._pager = endpoint, dict(context), pager

    async def run(self) -> None:
        params = tree_params(self._endpoint)
        _, errors = validate_params(self._endpoint, {**params, **self._context})
        if errors and self._pager is None:      # a required value only the form can ask for
            self._post(TreeItemsLoaded(self._node, self._more, [], None,
                                       f"needs {', '.join(sorted(errors))}: press Enter to open it with the form"))
            return
        try:
            pager = self._pager or self._session.pager(self._endpoint, self._context, params,
                                                       page_size=page_size(self._endpoint))
            items: list = []
            async for page in pager.pages():
                items = page.items if isinstance(page.items, list) else [page.items]
                break
        except asyncio.CancelledError:
            self._post(TreeItemsLoaded(self._node, self._more, [], None, "stopped"))
            raise
        except Exception as exc:  # shown as a leaf under the node
            self._post(TreeItemsLoaded(self._node, self._more, [], None, safe_text(str(exc), 200)))
            return
        self._post(TreeItemsLoaded(self._node, self._more, items, None if pager.done else pager, None))


def tree_params(endpoint: Endpoint) -> dict[str, Any]:
    """What a tree expansion sends: the form's default window (last 7 days) where there is one."""
    start, end = time_params(endpoint)
    return dict(preset_window(endpoint, "7d")) if start is not None and end is not None else {}


class Replayer:
    """Sends ``exchange`` again through ``session`` (history's re-run)."""

    def __init__(self, post: Post, session: Any, exchange: Any) -> None:
        self._post, self._session, self._exchange = post, session, exchange

    async def run(self) -> None:
        try:
            new = await self._session.replay(self._exchange)
        except Exception as exc:
            new = getattr(exc, "exchange", None)
            if new is None:
                self._post(Replayed(None, safe_text(str(exc), 200)))
                return
        self._post(Replayed(new, None))
