"""The session facade: one tenant's tokens, HTTP client and exchange history.

    session = Session(tenant)                       # cheap; nothing is sent yet
    ex = await session.request("m365.cloudbackupjobs", {}, {"jobState": 3})
    async for page in session.pager(endpoint, {}, {}).pages(): ...
    await session.aclose()

Usable from Textual workers: every await is cancellable and a cancelled request closes its
response. Errors are typed (``tui.api.errors``); observers of ``on_exchange`` are called from the
event loop, and an observer that raises is ignored (logged at DEBUG).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from typing import Any, Awaitable, Callable, Iterable

import httpx

from tui.api.auth import ScopeBundle, Token, TokenProvider
from tui.api.claims import TokenClaims
from tui.api.errors import AuthError, HttpError, NetworkError, ParamError, RefusedError
from tui.api.exchange import Exchange
from tui.api.http import ApiClient, NetSettings, WaitObserver
from tui.api.pager import PageFetch, Pager, split_path_params

__all__ = ["Session"]

log = logging.getLogger("avegraph.api")

HISTORY_SIZE = 2000


def _str_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class Session:
    def __init__(self, tenant: Any, catalog: Any = None, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 token_transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] | None = None,
                 backoff_base: float = 0.5, history_size: int = HISTORY_SIZE,
                 on_exchange: Iterable[Callable[[Exchange], Any]] = (), net: NetSettings | None = None):
        """``net``: another session's settings of the same tenant, shared (its TLS context, whose CA
        bundle takes ~35 ms to load, comes with them): the failed-jobs screen's scan session does."""
        if catalog is None:
            from tui.catalog import load_catalog
            catalog = load_catalog()
        self.tenant = tenant
        self.catalog = catalog
        self.net = net if net is not None else NetSettings.from_tenant(tenant)
        self.on_exchange: list[Callable[[Exchange], Any]] = list(on_exchange)
        self.history: deque[Exchange] = deque(maxlen=history_size)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.tokens = TokenProvider(tenant, catalog, self.net, record=self._record_from_thread,
                                    transport=token_transport, clock=clock)
        self.client = ApiClient(self.net, [tenant.api_url, tenant.elements_url], emit=self._emit,
                                transport=transport, sleep=sleep, backoff_base=backoff_base)
        self._locks: dict[str, asyncio.Lock] = {}
        self._closed = False
        self._scope_required = False      # the identity service refused a token without a scope

    def __repr__(self) -> str:
        return f"<Session tenant={getattr(self.tenant, 'name', '?')} bundles={[b.name for b in self.bundles]}>"

    async def __aenter__(self) -> "Session":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.client.aclose()
        finally:
            self.tokens.close()

    # -- observers ------------------------------------------------------------------------------------
    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._loop_thread = threading.get_ident()

    def _emit(self, ex: Exchange) -> None:
        self.history.append(ex)
        for cb in list(self.on_exchange):
            try:
                cb(ex)
            except Exception:  # an observer must never break a request
                log.debug("on_exchange observer failed", exc_info=True)

    def _record_from_thread(self, ex: Exchange) -> None:
        """Token exchanges are made in a worker thread: hand them to the event loop."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            self._emit(ex)
            return
        try:
            loop.call_soon_threadsafe(self._emit, ex)
        except RuntimeError:  # the loop is closed: keep the record anyway
            self.history.append(ex)

    # -- endpoints and URLs -------------------------------------------------------------------------
    @property
    def bundles(self) -> list[ScopeBundle]:
        return self.tokens.bundles

    def endpoint(self, endpoint: Any) -> Any:
        if isinstance(endpoint, str):
            e = self.catalog.find(endpoint)
            if e is None:
                raise ParamError(f"unknown endpoint {endpoint!r}", hint="`avegraph endpoints --search TEXT` lists them")
            return e
        return endpoint

    def base_url(self, endpoint: Any) -> str:
        return (self.tenant.elements_url if endpoint.base == "elements" else self.tenant.api_url).rstrip("/")

    def url_for(self, endpoint: Any, path_params: dict[str, Any] | None = None) -> str:
        endpoint = self.endpoint(endpoint)
        values = {}
        for name in endpoint.path_params:
            for k, v in (path_params or {}).items():
                if k.lower() == name.lower():
                    values[name] = v
        try:
            path = endpoint.format_path(values)
        except KeyError as exc:
            missing = [n for n in endpoint.path_params if values.get(n) in (None, "")]
            raise ParamError(f"{endpoint.id} needs the path parameter{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing) or exc.args[0]} ({endpoint.path})",
                             hint="give it with -p NAME=VALUE (ids come from the parent list)") from None
        return self.base_url(endpoint) + "/" + path.lstrip("/")

    def build_request(self, endpoint: Any, params: dict[str, Any] | None = None,
                      body: dict[str, Any] | None = None) -> tuple[list[tuple[str, str]], Any]:
        """(query pairs, JSON body) with the catalogue's names; lists become repeated keys
        (``status=500&status=200``); POST queries get a JSON object body."""
        query: list[tuple[str, str]] = []
        json_body: dict[str, Any] = {}
        for name, value in (params or {}).items():
            if value is None or value == "" or value == []:
                continue
            p = endpoint.param(name)
            if p is not None and p.location == "path":
                continue
            real = p.name if p is not None else name
            loc = p.location if p is not None else ("body" if endpoint.method == "POST" and
                                                    name not in _paging_query(endpoint) else "query")
            if loc == "body":
                json_body[real] = _body_value(p, value)
            elif isinstance(value, (list, tuple)):
                query.extend((real, _str_value(v)) for v in value)
            else:
                query.append((real, _str_value(value)))
        if body:
            json_body.update(body)
        if endpoint.method == "POST":
            return query, json_body
        return query, None

    # -- tokens --------------------------------------------------------------------------------------
    async def token(self, bundle: ScopeBundle, force: bool = False) -> str:
        """The bearer token for a bundle (acquired in a worker thread when needed)."""
        self._bind_loop()
        stale = None
        if not force:
            tok = self.tokens.cached(bundle.name)
            if tok is not None:
                return tok.access_token
        else:
            stale = self.tokens.tokens.get(bundle.name)
        lock = self._locks.setdefault(bundle.name, asyncio.Lock())
        async with lock:
            current = self.tokens.tokens.get(bundle.name)
            if not force:
                tok = self.tokens.cached(bundle.name)
                if tok is not None:
                    return tok.access_token
            elif current is not None and current is not stale:
                return current.access_token          # another request refreshed it while we waited
            tok = await self._acquire(bundle, force)
            return tok.access_token

    def bundle_for(self, endpoint: Any) -> ScopeBundle:
        """The scope bundle whose token serves this endpoint. A tenant without configured scopes uses the
        ``default`` bundle (no scope requested) unless the identity service refused that: then each
        endpoint asks for its own documented scope."""
        endpoint = self.endpoint(endpoint)
        if self._scope_required and not any(b.scopes for b in self.bundles):
            return self._endpoint_bundles(endpoint)[0]
        return self.tokens.bundle_for(endpoint)

    def _endpoint_bundles(self, endpoint: Any) -> list[ScopeBundle]:
        return [ScopeBundle(f"{endpoint.service_key}:{s.lower()}", (s,)) for s in endpoint.scopes] or \
            [self.bundles[0]]

    async def _token_for(self, endpoint: Any, bundle: ScopeBundle, force: bool) -> str:
        per_endpoint = self._scope_required and not any(b.scopes for b in self.bundles)
        if not per_endpoint:
            try:
                return await self.token(bundle, force)
            except AuthError as exc:
                refused_default = (not bundle.scopes and exc.error in ("invalid_scope", "invalid_request")
                                   and "scope" in (exc.error_description or "").lower())
                if not refused_default:
                    raise
                self._scope_required = True
        last: AuthError | None = None
        for alt in self._endpoint_bundles(endpoint):       # the documented scopes, one at a time
            try:
                return await self.token(alt, force)
            except AuthError as exc:
                if exc.error != "invalid_scope":
                    raise
                last = exc
        assert last is not None
        last.hint = (f"{last.hint or ''} (no scopes are configured for this tenant; set scopes = [...] in its "
                     "config to choose them)").strip()
        raise last

    async def _acquire(self, bundle: ScopeBundle, force: bool) -> Token:
        retries = 0
        while True:
            try:
                return await asyncio.to_thread(self.tokens.acquire, bundle, force)
            except (NetworkError, HttpError) as exc:
                transient = (isinstance(exc, NetworkError) and exc.kind in ("refused", "connect")) or \
                            (isinstance(exc, HttpError) and exc.status in (429, 503, 504))
                if not transient or retries >= self.client.max_retries:
                    raise
                retries += 1
                await self.client._sleep(self.client._backoff(retries - 1))

    async def acquire(self, scopes: Iterable[str]) -> TokenClaims:
        """Claims of a token for exactly these scopes (the permissions screen's discovery); AuthError when
        the identity service refuses them."""
        self._bind_loop()
        tok = await asyncio.to_thread(self.tokens.acquire_scopes, tuple(scopes))
        return tok.claims

    async def acquire_all(self) -> dict[str, TokenClaims]:
        """Acquire (or reuse) a token for every bundle; claims by bundle name."""
        for b in self.bundles:
            await self.token(b)
        return await self.token_claims()

    async def token_claims(self) -> dict[str, TokenClaims]:
        """Claims of every bundle's token acquired so far."""
        return {name: tok.claims for name, tok in self.tokens.tokens.items()}

    def granted_scopes(self) -> set[str] | None:
        """Scopes the tokens acquired so far hold (None before any token)."""
        if not self.tokens.tokens:
            return None
        out: set[str] = set()
        for tok in self.tokens.tokens.values():
            out.update(tok.claims.scopes)
        return out

    # -- requests ---------------------------------------------------------------------------------------
    async def request(self, endpoint: Any, path_params: dict[str, Any] | None = None,
                      params: dict[str, Any] | None = None, body: dict[str, Any] | None = None, *,
                      url: str | None = None, on_wait: WaitObserver | None = None) -> Exchange:
        """One request (with retries) to a catalogued read-only endpoint; ``url`` replaces the built URL
        (a nextLink) and is checked against the tenant's hosts. ``on_wait(seconds, why)`` hears of
        each wait before a retry (ApiClient.send)."""
        self._bind_loop()
        endpoint = self.endpoint(endpoint)
        if not endpoint.read_only or endpoint.method not in ("GET", "POST"):
            raise RefusedError(f"{endpoint.method} {endpoint.path} is a write operation: never sent "
                               "(avegraph is read-only by design)", exit_code=2)
        merged_pp = dict(path_params or {})
        rest = {}
        for k, v in (params or {}).items():
            p = endpoint.param(k)
            if p is not None and p.location == "path":
                merged_pp.setdefault(p.name, v)
            else:
                rest[k] = v
        if url is None:
            url = self.url_for(endpoint, merged_pp)
            query, json_body = self.build_request(endpoint, rest, body)
        else:
            query, json_body = None, (body if endpoint.method == "POST" else None)
            if endpoint.method == "POST" and json_body is None:
                json_body = {}
        bundle = self.bundle_for(endpoint)
        return await self.client.send(endpoint.method, url, params=query or None, json_body=json_body,
                                      token=lambda force: self._token_for(endpoint, bundle, force),
                                      endpoint_id=endpoint.id, bundle=bundle.name, on_wait=on_wait)

    def pager(self, endpoint: Any, path_params: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
              page_size: int | None = None, max_pages: int | None = None, body: dict[str, Any] | None = None, *,
              on_wait: WaitObserver | None = None, start: Any = None) -> Pager:
        """A Pager over this session's requests (``page_fetch``); ``start`` resumes at a cursor that
        an earlier walk reported (``Pager.resume_cursor``). Raises ParamError before anything is sent."""
        endpoint = self.endpoint(endpoint)
        pp, rest = split_path_params(endpoint, params, path_params)
        url = self.url_for(endpoint, pp)
        return Pager(self.page_fetch(endpoint, pp), endpoint, rest, page_size, max_pages, path_params=pp, body=body,
                     on_wait=on_wait, url=url, base_url=self.base_url(endpoint), start=start)

    def page_fetch(self, endpoint: Any, path_params: dict[str, Any] | None = None) -> PageFetch:
        """The one-page request a Pager is given: ``request`` to the endpoint, or to a nextLink once
        the link is checked against this tenant's hosts."""
        endpoint = self.endpoint(endpoint)
        pp = dict(path_params or {})

        async def fetch(*, params: dict[str, Any] | None, body: dict[str, Any] | None, url: str | None,
                        why: str = "request", on_wait: WaitObserver | None = None) -> Exchange:
            if url is not None:
                self.client.check_target(url, why=why)
            return await self.request(endpoint, pp, params, body, url=url, on_wait=on_wait)
        return fetch

    async def replay(self, exchange: Exchange) -> Exchange:
        """Send a recorded API request again (same method, URL and body; a fresh token)."""
        self._bind_loop()
        if exchange.kind == "token":
            raise RefusedError("token requests are not replayed; they are made when a token is needed", exit_code=2)
        endpoint = self.catalog.find(exchange.endpoint_id) if exchange.endpoint_id else None
        if endpoint is None:
            endpoint = self.catalog.match_path(_path_of(exchange.raw_url, self), exchange.method)
        if endpoint is None or not endpoint.read_only:
            raise RefusedError("this request does not match a read-only catalogue endpoint; not replayed", exit_code=2)
        bundle = self.bundle_for(endpoint)
        return await self.client.send(exchange.method, exchange.raw_url,
                                      json_body=exchange.request_body if exchange.method == "POST" else None,
                                      token=lambda force: self._token_for(endpoint, bundle, force),
                                      endpoint_id=endpoint.id, bundle=bundle.name)

    def curl(self, exchange: Exchange, reveal: bool = False) -> str:
        """``exchange.to_curl``; with ``reveal=True`` the current token of its bundle is written out."""
        token = None
        if reveal and exchange.bundle and exchange.bundle in self.tokens.tokens:
            token = self.tokens.tokens[exchange.bundle].access_token
        return exchange.to_curl(reveal=reveal, token=token)


def _paging_query(endpoint: Any) -> set[str]:
    pag = endpoint.pagination
    if pag.size_in == "query":
        return {n for n in (pag.page_param, pag.size_param) if n}
    return set()


def _body_value(p: Any, value: Any) -> Any:
    if p is None:
        return value
    if p.type == "list":
        if isinstance(value, (list, tuple)):
            return list(value)
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return [value]
    if p.type == "integer" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if p.type == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if p.type == "enum" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _path_of(url: str, session: Session) -> str:
    from urllib.parse import urlsplit
    path = urlsplit(url).path
    for base in (session.tenant.api_url, session.tenant.elements_url):
        bp = urlsplit(base).path.rstrip("/")
        if bp and path.startswith(bp):
            return path[len(bp):]
    return path
