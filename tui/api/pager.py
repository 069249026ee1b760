"""One pager for every documented pagination style (catalogue section 4).

``async for page in session.pager(endpoint, path_params, params).pages()`` yields ``Page`` objects
until the last page. The pager knows nothing of sessions, tokens or clients: it is given a
``PageFetch`` (one request, e.g. ``Session.page_fetch``), the endpoint's base URL for relative
nextLinks, and the request's first URL. Everything about an endpoint's paging comes from
``endpoint.pagination``:

* ``next_link`` / ``top_next`` / ``top_skip``: follow the nextLink (absolute URL, relative URL
  completed with ``relative_next_base``, or a token sent back as ``cursor_param``); top_skip
  falls back to ``skip += top`` when no link comes back.
* ``page_index`` / ``start_page``: increment the page parameter; stop on an empty or short page,
  when ``pages * size >= total``, or when the response's nextLink is present and empty.
* ``skip_token`` / ``start_index``: send the response's token back as ``cursor_param``.
* ``body_next``: send the token back in the JSON body (Insights POST queries).
* ``none``: one request.

The pager keeps its state between calls: when a page fails, ``pages()`` raises the typed error
and calling ``pages()`` (or ``resume()``) again retries that page; pages already yielded are not
fetched again. ``start=`` begins a walk at a cursor a previous walk reported (``Page.next_cursor``,
``Pager.resume_cursor``): ``avegraph get --resume CURSOR`` after an interrupt. A page whose body cannot be read (invalid JSON, cut at max_body_mb) fails the same
way (``UnreadablePageError``). A cursor or URL that repeats, or a page identical to the previous one, stops the
walk with a notice; so does the page cap (``max_pages``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Protocol

from tui.api.errors import UnreadablePageError
from tui.api.exchange import Exchange
from tui.api.redact import mask_url
from tui.catalog.model import dig, dig_first

if TYPE_CHECKING:  # pragma: no cover
    from tui.api.http import WaitObserver
    from tui.catalog.model import Endpoint

__all__ = ["Page", "Pager", "PageFetch", "extract_items", "extract_total", "split_path_params", "DEFAULT_MAX_PAGES"]

DEFAULT_MAX_PAGES = 10_000


class PageFetch(Protocol):
    """One page's request: the query ``params`` and JSON ``body`` to send to the endpoint's URL, or
    ``url`` (a nextLink, to be checked against the tenant's hosts as ``why``) instead. Returns the
    Exchange; raises the typed errors of ``tui.api.errors``."""

    def __call__(self, *, params: dict[str, Any] | None, body: dict[str, Any] | None, url: str | None,
                 why: str, on_wait: "WaitObserver | None") -> Awaitable[Exchange]: ...


def split_path_params(endpoint: "Endpoint", params: dict[str, Any] | None,
                      path_params: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(path params, the other params): path parameters given among the params move to the first."""
    params = dict(params or {})
    pp = dict(path_params or {})
    for p in endpoint.params:
        if p.location == "path":
            for k in list(params):
                if k.lower() == p.name.lower():
                    pp.setdefault(p.name, params.pop(k))
    return pp, params


@dataclass(eq=False)
class Page:
    items: list
    total: int | None
    number: int                       # 1-based position in this walk
    cursor_used: Any                  # what asked for this page: None (first), a page index, a token, a URL
    next_cursor: Any                  # what asks for the next one; None on the last page
    exchange: Exchange | None
    notice: str | None = None
    loaded: int = 0                   # items loaded so far, this page included

    @property
    def last(self) -> bool:
        return self.next_cursor is None

    def __repr__(self) -> str:
        return (f"<Page {self.number} items={len(self.items)} total={self.total} loaded={self.loaded}"
                f"{' last' if self.last else ''}{' notice' if self.notice else ''}>")


@dataclass
class _Step:
    kind: str                                              # "query" | "url"
    query: dict[str, Any] = field(default_factory=dict)    # overrides of the user's query params
    body: dict[str, Any] = field(default_factory=dict)     # overrides of the user's body params
    url: str | None = None
    cursor: Any = None                                     # what Page.cursor_used reports
    index: int | None = None                               # page index (page_index / start_page)
    offset: int | None = None                              # skip (top_skip)


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            return int(float(str(value)))
        except ValueError:
            return None


def extract_items(endpoint: "Endpoint", body: Any) -> list:
    """The items of one response: ``items_path`` keys, a bare array, or the single object (the one under
    ``object_path`` when the envelope wraps it, as /backup/m365/cloudbackupjobs/{jobId} wraps it in data)."""
    path = endpoint.items_path
    if body is None:
        return []
    if path is None:
        inner = dig(body, endpoint.object_path) if endpoint.object_path and isinstance(body, dict) else None
        return [inner if isinstance(inner, dict) else body]
    if not path:
        return body if isinstance(body, list) else [body]
    value = dig(body, path)
    if value is None:
        if isinstance(body, list):
            # The Cloud Backup overview page shows its envelope inside [ ]: read the one wrapped envelope.
            inner = dig(body[0], path) if len(body) == 1 and isinstance(body[0], dict) else None
            return inner if isinstance(inner, list) else body
        return []
    return value if isinstance(value, list) else [value]


def extract_total(endpoint: "Endpoint", body: Any) -> int | None:
    paths = endpoint.pagination.total_paths
    return _int(dig_first(body, paths)) if paths and isinstance(body, dict) else None


_MISSING = object()


def _lookup(body: Any, dotted: str) -> Any:
    """The value at a dotted path (any casing), or _MISSING when the key is absent."""
    keys = dotted.split(".")
    parent = dig(body, keys[:-1]) if len(keys) > 1 else body
    if not isinstance(parent, dict):
        return _MISSING
    low = keys[-1].lower()
    for k, v in parent.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return _MISSING


def _present(body: Any, dotted: str) -> bool:
    return _lookup(body, dotted) is not _MISSING


def _present_and_empty(body: Any, dotted: str) -> bool:
    """The key exists (any casing) and holds null or ""."""
    v = _lookup(body, dotted)
    return v is not _MISSING and (v is None or v == "")


def _signature(items: list) -> str | None:
    if not items:
        return None
    import json
    try:
        first = json.dumps(items[0], sort_keys=True, default=str)
        last = json.dumps(items[-1], sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):   # a ~1,000-level item: no signature, still loads
        return None
    return hashlib.sha1(f"{len(items)}|{first}|{last}".encode()).hexdigest()


class Pager:
    def __init__(self, fetch: PageFetch, endpoint: "Endpoint", params: dict[str, Any] | None = None,
                 page_size: int | None = None, max_pages: int | None = None, *,
                 path_params: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
                 on_wait: "WaitObserver | None" = None, url: str = "", base_url: str = "",
                 start: Any = None):
        self.fetch = fetch
        self.on_wait = on_wait                          # told of each wait before a retry (ApiClient.send)
        self.endpoint = endpoint
        self.pag = endpoint.pagination
        self.max_pages = max_pages if max_pages is not None else DEFAULT_MAX_PAGES
        self.path_params, self.params = split_path_params(endpoint, params, path_params)
        self.body = dict(body or {})
        self.url = url                                  # the first request's URL (path parameters filled in)
        self.base_url = base_url.rstrip("/")            # what a relative nextLink is completed with
        self.size = self._size(page_size)
        self.loaded = 0
        self.total: int | None = None
        self.number = 0
        self.done = False
        self.notice: str | None = None
        self.error: Exception | None = None
        self.exchanges: list[Exchange] = []
        self.keep_exchanges = 50                        # the last pages' exchanges (the inspector's)
        self._seen: set[str] = set()
        self._last_sig: str | None = None
        self._next: _Step | None = self._first_step() if start in (None, "") else self._resume_step(start)

    # -- set-up ------------------------------------------------------------------------------------
    def _user_value(self, name: str | None) -> Any:
        if not name:
            return None
        for src in (self.params, self.body):
            for k, v in src.items():
                if k.lower() == name.lower():
                    return v
        return None

    def _size(self, page_size: int | None) -> int | None:
        pag = self.pag
        given = _int(self._user_value(pag.size_param))
        size = page_size or given or pag.size_default
        if size is None and pag.style in ("start_page", "start_index"):
            size = 100                          # both are required there; 100 is the documented maximum
        if size is not None and pag.size_max and size > pag.size_max:
            size = pag.size_max
        return size

    def _loc(self, name: str | None, default: str) -> str:
        p = self.endpoint.param(name) if name else None
        if p is not None and p.location in ("query", "body"):
            return p.location
        return default

    def _put(self, step: _Step, name: str | None, value: Any, default_loc: str) -> None:
        if not name or value is None:
            return
        (step.query if self._loc(name, default_loc) == "query" else step.body)[name] = value

    def _first_step(self) -> _Step:
        pag, style = self.pag, self.pag.style
        step = _Step("query")
        if style == "none":
            return step
        self._put(step, pag.size_param, self.size, pag.size_in)
        if style in ("page_index", "start_page"):
            start = _int(self._user_value(pag.page_param))
            step.index = pag.first_page if start is None else start
            self._put(step, pag.page_param, step.index, pag.size_in)
            step.cursor = step.index
        elif style == "top_skip":
            step.offset = _int(self._user_value(pag.offset_param)) or 0
        return step

    def _resume_step(self, cursor: Any) -> _Step:
        """The step that asks for the page a previous walk stopped before (its ``resume_cursor``)."""
        from tui.api.errors import ParamError
        pag, style = self.pag, self.pag.style
        text = str(cursor).strip()
        if text.startswith(("http://", "https://")):
            return _Step("url", url=text, cursor=text)
        step = self._first_step()
        if style == "none":
            raise ParamError(f"{self.endpoint.id} answers in one page: there is no cursor to resume from")
        if style in ("page_index", "start_page", "top_skip"):
            n = _int(text)
            if n is None or n < 0:
                raise ParamError(f"resume cursor {text!r}: {self.endpoint.id} pages by number, so the cursor is a "
                                 "page index or offset (a whole number)",
                                 hint="give the cursor the interrupted walk printed")
            if style == "top_skip":
                step.offset = step.cursor = n
                self._put(step, pag.offset_param, n, pag.size_in)
            else:
                step.index = step.cursor = n
                self._put(step, pag.page_param, n, pag.size_in)
            return step
        if style == "body_next":
            new = _Step("query", {}, dict(step.body), cursor=text)
            new.body[pag.cursor_param or "nextLink"] = text
        elif pag.cursor_param:
            new = _Step("query", dict(step.query), dict(step.body), cursor=text)
            self._put(new, pag.cursor_param, text, pag.cursor_in)
        else:
            raise ParamError(f"resume cursor {text!r}: {self.endpoint.id} continues by nextLink URL only",
                             hint="give the URL the interrupted walk printed")
        self._seen.add(f"cursor|{text}")
        return new

    @staticmethod
    def _cursor_of(step: _Step | None) -> Any:
        if step is None:
            return None
        if step.kind == "url":
            return step.url
        if step.cursor is not None:
            return step.cursor
        return step.index if step.index is not None else step.offset

    @property
    def resume_cursor(self) -> Any:
        """What asks for the next page not loaded yet (None when the walk is complete): give it back
        as ``Pager(..., start=cursor)`` to continue in another process."""
        return self._cursor_of(self._next)

    # -- state -----------------------------------------------------------------------------------------
    @property
    def progress(self) -> str:
        """"N of M" when the total is known, else "N"."""
        return f"{self.loaded} of {self.total}" if self.total is not None else f"{self.loaded}"

    def __repr__(self) -> str:
        return (f"<Pager {self.endpoint.id} style={self.pag.style} pages={self.number} loaded={self.progress}"
                f"{' done' if self.done else ''}>")

    @property
    def more(self) -> bool:
        """More pages exist than were loaded (the walk stopped at the page cap, or has not ended)."""
        return self._next is not None

    def _cap_notice(self) -> str:
        n = self.max_pages
        return f"stopped at the page cap ({n} page{'s' if n != 1 else ''}); {self.progress} loaded, more pages exist"

    def resume(self) -> AsyncIterator[Page]:
        """Continue after a failed page (or a stop): the same iterator as ``pages()``."""
        return self.pages()

    async def all_items(self) -> list:
        out: list = []
        async for page in self.pages():
            out.extend(page.items)
        return out

    async def pages(self) -> AsyncIterator[Page]:
        # No re-entrance guard: a consumer that breaks out of the loop leaves its generator to be
        # finalised later, and must be able to call pages() again at once (the state is in self).
        while not self.done and self._next is not None:
            if self.number >= self.max_pages:
                self.done = True
                self.notice = self._cap_notice()
                return
            step = self._next
            try:
                ex = await self._fetch(step)
                unreadable = self._unreadable(ex)
                if unreadable is not None:
                    raise unreadable            # before _advance: the walk stays at this page's cursor
            except Exception as exc:
                self.error = exc
                raise
            self.error = None
            yield self._advance(step, ex)

    # -- one page ------------------------------------------------------------------------------------------
    async def _fetch(self, step: _Step) -> Exchange:
        if step.kind == "url":
            body = {**self.body, **step.body} if self.endpoint.method == "POST" else None
            return await self.fetch(params=None, body=body, url=step.url, why="nextLink", on_wait=self.on_wait)
        return await self.fetch(params=_merge(self.params, step.query), body=_merge(self.body, step.body), url=None,
                                why="request", on_wait=self.on_wait)

    def _unreadable(self, ex: Exchange) -> UnreadablePageError | None:
        """The error for a page whose items cannot be read, or None.

        Half a body or invalid JSON is a failed page, not the end of the walk: its items are unknown
        and the next cursor with them. Only a first page that is plain text (no JSON was promised)
        is shown as it is, with nothing to page through.
        """
        if ex.json is not None or (ex.text is None and not ex.truncated):
            return None
        number = self.number + 1
        if ex.truncated:
            return UnreadablePageError(
                f"page {number} cannot be read: {ex.notice or 'body truncated at the size cap (max_body_mb)'}",
                page=number, exchange=ex,
                hint="raise max_body_mb in the tenant config (this page is bigger), or ask for smaller pages")
        if ex.parse_error is not None:
            return UnreadablePageError(f"page {number} cannot be read: {ex.parse_error}", page=number, exchange=ex,
                                       hint="the service sent a broken page; asking for it again may work")
        if self.number == 0:
            return None
        return UnreadablePageError(
            f"page {number} is not JSON ({ex.content_type or 'no content type'}), unlike page 1", page=number,
            exchange=ex, hint="a proxy or gateway may have answered instead of the API; asking again may work")

    def _advance(self, step: _Step, ex: Exchange) -> Page:
        self.exchanges.append(ex)
        if len(self.exchanges) > self.keep_exchanges:
            del self.exchanges[:-self.keep_exchanges]
        body = ex.json
        items = extract_items(self.endpoint, body) if ex.text is None else []
        total = extract_total(self.endpoint, body)
        if total is not None:
            self.total = total
        self.number += 1
        self._seen.add(ex.raw_url if step.kind == "url" or self.endpoint.method == "GET" else
                       f"{ex.raw_url}|{step.cursor}")
        notice = None
        sig = _signature(items)
        if sig is not None and sig == self._last_sig:
            # The server ignored our cursor / page index and sent the same page again.
            self.done, self._next = True, None
            self.notice = notice = (f"page {self.number} repeated page {self.number - 1} (the server ignored the "
                                    f"paging parameters); stopped to avoid a loop")
            return Page([], self.total, self.number, step.cursor, None, ex, notice, self.loaded)
        self._last_sig = sig
        self.loaded += len(items)
        if ex.text is not None:
            notice = "the response is not JSON; nothing to page through"
            nxt = None
        else:
            nxt, notice = self._next_step(step, body, items)
        if nxt is not None and nxt.kind == "url" and nxt.url in self._seen:
            notice = (f"the server sent a nextLink it already sent ({mask_url(nxt.url)}); stopped after "
                      f"{self.number} page{'s' if self.number != 1 else ''} to avoid a loop")
            nxt = None
        elif nxt is not None and nxt.kind == "query" and nxt.cursor is not None and nxt.index is None:
            key = f"cursor|{nxt.cursor}"
            if key in self._seen:
                notice = (f"the server sent the same continuation token twice; stopped after {self.number} "
                          f"page{'s' if self.number != 1 else ''} to avoid a loop")
                nxt = None
            else:
                self._seen.add(key)
        if nxt is not None and self.number >= self.max_pages:
            notice = self._cap_notice()
        self._next = nxt
        if nxt is None:
            self.done = True
        if notice:
            self.notice = notice
        next_cursor = self._cursor_of(nxt)
        return Page(items, self.total, self.number, step.cursor if step.kind != "url" else step.url,
                    next_cursor, ex, notice, self.loaded)

    # -- what comes next ---------------------------------------------------------------------------------
    def _link(self, value: str) -> str:
        """An absolute URL for a nextLink: absolute as is, relative completed with relative_next_base."""
        if value.startswith(("http://", "https://")):
            return value
        base = self.base_url
        rb = self.pag.relative_next_base
        if value.startswith("/"):
            if rb and rb.strip("/") and not value.lower().startswith("/" + rb.strip("/").lower() + "/"):
                return base + "/" + rb.strip("/") + value
            return base + value
        prefix = rb if rb else "/" + self.endpoint.path.lstrip("/").rsplit("/", 1)[0] + "/"
        return base + "/" + prefix.strip("/") + "/" + value

    def _next_step(self, step: _Step, body: Any, items: list) -> tuple[_Step | None, str | None]:
        pag, style = self.pag, self.pag.style
        count = len(items)
        raw_next = dig_first(body, pag.next_paths) if pag.next_paths and isinstance(body, dict) else None
        nxt = str(raw_next) if raw_next not in (None, "") and not isinstance(raw_next, (dict, list)) else None
        if isinstance(raw_next, (dict, list)) and raw_next:
            import json
            nxt = json.dumps(raw_next, separators=(",", ":"))

        if style == "none":
            return None, None

        if style in ("page_index", "start_page"):
            if count == 0:
                return None, None
            size = self.size or count
            if self.size is None:
                self.size = count
            if count < size:
                return None, None
            index = (step.index if step.index is not None else pag.first_page)
            pages_done = index - pag.first_page + 1
            if self.total is not None and pages_done * size >= self.total:
                return None, None
            if self.total is None and pag.next_paths and any(_present_and_empty(body, p) for p in pag.next_paths):
                return None, None
            new = _Step("query", dict(step.query), dict(step.body), index=index + 1, cursor=index + 1)
            self._put(new, pag.page_param, index + 1, pag.size_in)
            return new, None

        if style == "body_next":
            if nxt is None:
                return None, None
            new = _Step("query", {}, dict(step.body), cursor=nxt)
            new.body[pag.cursor_param or "nextLink"] = nxt
            return new, None

        if style == "start_index":
            if nxt is None or count == 0:
                return None, None
            new = _Step("query", dict(step.query), dict(step.body), cursor=nxt)
            self._put(new, pag.cursor_param, nxt, pag.cursor_in)
            return new, None

        if style == "skip_token":
            if nxt is None:
                return None, None
            if nxt.startswith(("http://", "https://")):
                return _Step("url", url=nxt), None
            new = _Step("query", {}, {}, cursor=nxt)
            self._put(new, pag.size_param, self.size, pag.size_in)
            self._put(new, pag.cursor_param, nxt, pag.cursor_in)
            return new, None

        # next_link, top_next, top_skip
        if nxt is not None:
            looks_like_url = nxt.startswith(("http://", "https://", "/")) or ("?" in nxt and "=" in nxt)
            if looks_like_url and not pag.next_is_token_only:
                return _Step("url", url=self._link(nxt)), None
            if pag.cursor_param:
                new = _Step("query", dict(step.query), {}, cursor=nxt)
                self._put(new, pag.cursor_param, nxt, pag.cursor_in)
                return new, None
            return None, ("the server returned a continuation token but the API documents no way to send it "
                          f"back; showing the first {self.loaded} items")
        if style == "top_skip" and count and not any(_present(body, p) for p in pag.next_paths):
            # No nextLink in the response at all: skip += top ourselves.
            offset = step.offset
            if step.kind == "url" and step.url:
                from urllib.parse import parse_qsl, urlsplit
                sent = {k.lower(): v for k, v in parse_qsl(urlsplit(step.url).query)}
                offset = _int(sent.get((pag.offset_param or "skip").lower()))
            offset = (offset or 0) + count
            top = self.size or count
            more = (offset < self.total) if self.total is not None else count >= top
            if more:
                new = _Step("query", dict(step.query), {}, offset=offset, cursor=offset)
                self._put(new, pag.offset_param, offset, pag.size_in)
                return new, None
        return None, None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    if not override:
        return dict(base)
    low = {k.lower() for k in override}
    out = {k: v for k, v in base.items() if k.lower() not in low}
    out.update(override)
    return out
