"""The explorer's state (one opened endpoint) and the messages its workers post."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from tui.catalog import Endpoint


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


class PageLoaded(Message):
    def __init__(self, token: int, page: Any) -> None:
        super().__init__()
        self.token, self.page = token, page


class PageFailed(Message):
    def __init__(self, token: int, error: BaseException) -> None:
        super().__init__()
        self.token, self.error = token, error


class LoadStopped(Message):
    def __init__(self, token: int, cancelled: bool) -> None:
        super().__init__()
        self.token, self.cancelled = token, cancelled


class SessionReady(Message):
    def __init__(self, session: Any, error: BaseException | None = None) -> None:
        super().__init__()
        self.session, self.error = session, error


class ExchangeRecorded(Message):
    def __init__(self, exchange: Any) -> None:
        super().__init__()
        self.exchange = exchange
