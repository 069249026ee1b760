"""The HTTP layer: one reused ``httpx.AsyncClient`` per session, read-only by construction.

What it guarantees, whatever the server does:

* Only GET and the catalogue's read-only POST queries are sent; anything else is refused.
* The bearer token goes only to the tenant's own API hosts (``api_url`` / ``elements_url``), over
  https (plain http only to loopback); redirects are followed by hand (``follow_redirects=False``)
  and never to another host or down to http.
* Per-phase timeouts (connect, read) *and* an overall deadline per attempt (``asyncio.timeout``
  around send + read, so a server trickling one byte at a time cannot hold a request), and a cap
  on the body size (bigger bodies are truncated, the Exchange says so).
* Retries of 429 / 503 / 504 and connection failures, at most 3, honouring ``Retry-After``
  (seconds or an HTTP date), else exponential backoff with jitter; never a sleep of 180 s or
  more (``ThrottledError`` says "throttled, retry after N s" instead). Waits are cancellable.
* Every failure becomes a typed error with a sentence for a person; every request an Exchange.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import math
import os
import random
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable
from urllib.parse import urljoin, urlsplit

import httpx

from tui import __version__
from tui import clock
from tui.api.errors import CredentialError, HttpError, NetworkError, RefusedError, ThrottledError, \
    error_message
from tui.api.exchange import Exchange, next_exchange_id
from tui.api.redact import mask_headers, mask_text, mask_url, scrub_bytes
from tui.config.urls import is_loopback_host as _is_loopback

try:
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover - orjson is a dependency
    _loads = json.loads
    _JSONError = (ValueError,)

__all__ = ["ApiClient", "NetSettings", "WaitObserver", "network_error", "parse_retry_after", "size_text", "USER_AGENT",
           "READ_METHODS", "MAX_RETRIES", "MAX_SLEEP"]

log = logging.getLogger("avegraph.api")

USER_AGENT = f"avegraph/{__version__}"
READ_METHODS = ("GET", "POST")        # POST only for the catalogue's read-only queries
RETRY_STATUSES = (429, 503, 504)
MAX_RETRIES = 3
MAX_SLEEP = 180.0                     # never sleep this long: report "throttled, retry after N s"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


def _origin(url: str) -> tuple[str, str, int]:
    p = urlsplit(url)
    scheme = (p.scheme or "").lower()
    port = p.port or (443 if scheme == "https" else 80)
    return scheme, (p.hostname or "").lower(), port


# ------------------------------------------------------------------------------------------------
# Network settings shared by the API client and the token client
# ------------------------------------------------------------------------------------------------

@dataclass
class NetSettings:
    """Timeouts, trust and proxy of one tenant: the API client and the token client share them."""

    timeout_connect: float = 10.0
    timeout_read: float = 30.0
    deadline: float = 60.0
    max_body: int = 50 * 1024 * 1024
    ca_file: str | None = None
    trust_source: str = "the system's default CAs"
    proxy: str | None = None
    trust_env: bool = True
    _ssl: ssl.SSLContext | None = field(default=None, repr=False)

    @classmethod
    def from_tenant(cls, tenant: Any) -> "NetSettings":
        g = lambda name, default: getattr(tenant, name, default) if getattr(tenant, name, None) is not None \
            else default  # noqa: E731
        ca_file, source = _trust_source(g("ca_bundle", None))
        urls = [getattr(tenant, k, "") or "" for k in ("api_url", "elements_url", "token_url")]
        loopback = all(_is_loopback(urlsplit(u).hostname) for u in urls if u)
        proxy = g("proxy", None)
        return cls(timeout_connect=float(g("timeout_connect", 10)), timeout_read=float(g("timeout_read", 30)),
                   deadline=float(g("deadline", 60)), max_body=int(float(g("max_body_mb", 50)) * 1024 * 1024),
                   ca_file=ca_file, trust_source=source, proxy=proxy,
                   # Loopback (demo server, tests) never goes through an environment proxy.
                   trust_env=not loopback and not proxy)

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.timeout_connect, read=self.timeout_read, write=self.timeout_read,
                             pool=self.timeout_connect)

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            try:
                self._ssl = ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise CredentialError(
                    f"cannot load the trusted CAs from {self.trust_source}: {getattr(exc, 'strerror', None) or exc}",
                    hint="point ca_bundle (tenant config) or SSL_CERT_FILE at a readable PEM file of CA certificates")
        return self._ssl

    def proxy_for(self, url: str) -> str | None:
        """The proxy the clients built from these settings use for ``url`` (None: they connect
        directly): the tenant's proxy for every URL, else, with ``trust_env``, the environment's
        (HTTPS_PROXY / ALL_PROXY, minus NO_PROXY) as httpx reads it."""
        if self.proxy:
            return self.proxy
        if not self.trust_env:
            return None
        return _environment_proxy_for(url)

    def client_kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = dict(timeout=self.timeout(), verify=self.ssl_context(), follow_redirects=False,
                                  trust_env=self.trust_env)
        if self.proxy:
            kw["proxy"] = self.proxy
        return kw


def _environment_proxy_for(url: str) -> str | None:
    """The environment proxy httpx mounts for ``url``, by httpx's own rules (its NO_PROXY reading
    differs from urllib's: "*", IPs, "localhost", suffixes); urllib's rules if those move."""
    try:
        from httpx._utils import URLPattern, get_environment_proxies

        target = httpx.URL(url)
        mounts = sorted(((URLPattern(key), proxy) for key, proxy in get_environment_proxies().items()),
                        key=lambda mount: mount[0])
        for pattern, proxy in mounts:        # the order httpx.Client sorts its mounts in
            if pattern.matches(target):
                return proxy
        return None
    except (ImportError, AttributeError, TypeError, ValueError, httpx.InvalidURL):
        import urllib.request

        p = urlsplit(url)
        if urllib.request.proxy_bypass_environment(p.hostname or ""):
            return None
        proxies = urllib.request.getproxies_environment()
        return proxies.get(p.scheme) or proxies.get("all")


def _trust_source(ca_bundle: str | None) -> tuple[str | None, str]:
    """(CA file, how to name it): ``ca_bundle``, else SSL_CERT_FILE, else REQUESTS_CA_BUNDLE, else certifi."""
    if ca_bundle:
        path = os.path.expanduser(ca_bundle)
        return path, f"ca_bundle {path} (tenant config)"
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(var)
        if value and os.path.isfile(value):
            return value, f"{var}={value}"
    try:
        import certifi
        return certifi.where(), f"the certifi bundle ({certifi.where()})"
    except ImportError:  # pragma: no cover
        return None, "the system's default CAs"


# ------------------------------------------------------------------------------------------------
# Naming failures for a person
# ------------------------------------------------------------------------------------------------

def _chain(exc: BaseException) -> list[BaseException]:
    out, seen = [], set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        out.append(e)
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return out


def network_error(exc: BaseException, url: str, net: NetSettings | None = None, *,
                  what: str = "the API") -> NetworkError:
    """A NetworkError that says what happened, to which host, and what to try."""
    net = net or NetSettings()
    p = urlsplit(url)
    host = p.hostname or "?"
    hostport = f"{host}:{p.port}" if p.port else host
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    low = text.lower()

    def make(kind: str, message: str, hint: str | None = None, phase: str | None = None) -> NetworkError:
        return NetworkError(kind, mask_text(message), mask_url(url), hint=hint, phase=phase)

    try:
        proxy = net.proxy_for(url)
    except Exception:  # noqa: BLE001 - naming a failure must never fail
        proxy = None
    # Named as mask_url shows it: never the proxy's credentials.
    shown = mask_url(proxy if "://" in proxy else f"http://{proxy}") if proxy else ""
    where = ("the tenant config's proxy setting" if net.proxy
             else "HTTPS_PROXY / ALL_PROXY in the environment; hosts in NO_PROXY go direct")
    if proxy and isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        # Through a proxy, the TCP connection is made to the proxy: a refusal, a connect timeout or
        # an unknown host name is the proxy's, not the target's.
        proxy_hint = f"check the proxy ({where}): is it running, and is its address right?"
        if isinstance(exc, httpx.ConnectTimeout):
            return make("timeout", f"timed out connecting to the proxy {shown} (for {hostport}) after "
                                   f"{net.timeout_connect:g} s (connect timeout)", proxy_hint, "connect")
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in low:
            return make("refused", f"connection refused by the proxy {shown} (for {hostport}): nothing accepts "
                                   "connections there", proxy_hint)
        if any(isinstance(e, socket.gaierror) for e in chain) or "name or service not known" in low \
                or "nodename nor servname" in low or "temporary failure in name resolution" in low:
            return make("dns", f"cannot resolve the host name of the proxy {shown} (for {hostport})", proxy_hint)
        if any(isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH) for e in chain):
            return make("connect", f"cannot reach the proxy {shown} (for {hostport}): network unreachable",
                        proxy_hint)

    if isinstance(exc, httpx.ConnectTimeout):
        return make("timeout", f"timed out connecting to {hostport} after {net.timeout_connect:g} s (connect timeout)",
                    "check the network path to the host (firewall, proxy); timeout_connect raises the limit",
                    "connect")
    if isinstance(exc, httpx.ReadTimeout):
        return make("timeout", f"{hostport} sent nothing for {net.timeout_read:g} s (read timeout)",
                    "the service is slow or stuck; timeout_read raises the limit", "read")
    if isinstance(exc, httpx.WriteTimeout):
        return make("timeout", f"timed out sending the request to {hostport} (write timeout)", None, "write")
    if isinstance(exc, httpx.PoolTimeout):
        return make("timeout", f"no free connection to {hostport} (pool timeout)", None, "pool")
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return make("timeout", f"no complete response from {hostport} within the {net.deadline:g} s deadline",
                    "the server is answering too slowly (trickling); the tenant's deadline raises the limit",
                    "deadline")
    if isinstance(exc, httpx.ProxyError) or "proxy" in low and isinstance(exc, httpx.ConnectError) and proxy:
        return make("proxy", f"the proxy {shown + ' ' if shown else ''}refused or failed the connection to "
                             f"{hostport}: {exc}", f"check the proxy ({where}) and its credentials")
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            reason = getattr(e, "verify_message", None) or str(e)
            return make("tls", f"TLS certificate verification failed for {hostport}: {reason} "
                               f"(trusted CAs: {net.trust_source})",
                        "if a proxy or a private CA signs this certificate, set ca_bundle = \"/path/to/ca.pem\" in "
                        "the tenant config (or export SSL_CERT_FILE=/path/to/ca.pem)")
    if "certificate_verify_failed" in low or "certificate verify failed" in low:
        return make("tls", f"TLS certificate verification failed for {hostport} (trusted CAs: {net.trust_source})",
                    "set ca_bundle = \"/path/to/ca.pem\" in the tenant config, or export SSL_CERT_FILE")
    for e in chain:
        if isinstance(e, ssl.SSLError):
            return make("tls", f"TLS handshake with {hostport} failed: {e}",
                        "the service speaks TLS 1.2/1.3 only; check a TLS-intercepting proxy, or the URL's scheme")
    for e in chain:
        if isinstance(e, socket.gaierror) or "name or service not known" in low or "nodename nor servname" in low \
                or "temporary failure in name resolution" in low or "no address associated" in low:
            return make("dns", f"cannot resolve the host name {host} (DNS lookup failed)",
                        "check the URL in the tenant config (api_url / data_center) and your DNS or proxy settings")
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or "connection refused" in low:
            return make("refused", f"connection refused by {hostport}: nothing accepts connections there",
                        "check the URL and port; a firewall or a stopped service refuses connections")
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending a response" in low or "server disconnected" in low:
            return make("reset", f"{hostport} closed the connection without answering",
                        "the server or a proxy dropped the request; try again")
        if "complete message body" in low or "incomplete" in low:
            return make("truncated", f"{hostport} closed the connection before the end of the body ({exc})",
                        "the response was cut short; try again")
        return make("protocol", f"garbage response from {hostport}: not valid HTTP ({exc})",
                    "something other than the AvePoint API answered on this address (check the URL and proxy)")
    if isinstance(exc, httpx.DecodingError):
        return make("protocol", f"could not decode the body from {hostport}: {exc}")
    for e in chain:
        if isinstance(e, ConnectionResetError) or "connection reset" in low:
            return make("reset", f"the connection to {hostport} was reset", "a proxy or the server dropped it; try again")
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return make("connect", f"cannot reach {hostport}: network unreachable", "check the network and proxy")
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return make("reset", f"the connection to {hostport} broke: {exc or type(exc).__name__}",
                    "a proxy or the server dropped it; try again")
    if isinstance(exc, httpx.ConnectError):
        return make("connect", f"cannot connect to {hostport}: {exc or 'connection failed'}")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return make("other", f"unsupported URL {mask_url(url)}: {exc}")
    return make("other", f"request to {hostport} failed: {type(exc).__name__}: {exc}")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/bad.

    A negative or non-finite number is bad too (None: the caller backs off exponentially with
    jitter instead of hammering the server at once); a date already past means now (0).
    """
    if value is None:
        return None
    v = value.strip()
    if not v:
        return None
    try:
        seconds = float(v)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_REQUEST_ID_HEADERS = ("request-id", "x-request-id", "x-ms-request-id", "requestid", "x-correlation-id")


def _request_id(headers: httpx.Headers, body: Any) -> str | None:
    for h in _REQUEST_ID_HEADERS:
        v = headers.get(h)
        if v:
            return v
    if isinstance(body, dict):
        for k, v in body.items():
            if isinstance(k, str) and k.lower() in ("requestid", "request_id") and v:
                return str(v)
    return None


def _trace_id(body: Any) -> str | None:
    if isinstance(body, dict):
        for k, v in body.items():
            if isinstance(k, str) and k.lower() in ("traceid", "trace_id") and v:
                return str(v)
    return None


# 2**64 has 20 digits: orjson reads a longer integer as a float (an id loses its last digits), so a
# body with such a run of digits is parsed by json.loads, which keeps every digit. The run may also
# be in a string or a fraction: then json.loads only costs a little more time. Found by mapping every
# digit to "0" and searching for 20 of them: ~10x faster than re's [0-9]{20}, which is slower than
# parsing the body.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_TWENTY_DIGITS = b"0" * 20


def _may_hold_a_long_integer(data: bytes) -> bool:
    return _TWENTY_DIGITS in data.translate(_DIGITS_TO_ZERO)


def _parse_json(data: bytes) -> Any:
    """orjson (fast) unless the body holds an integer it would turn into a float; json.loads for
    what orjson refuses but the JSON module reads (1e400, lone surrogates, NaN); orjson's error
    when neither reads it."""
    if _may_hold_a_long_integer(data):
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            pass
    try:
        return _loads(data)
    except _JSONError:
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            pass
        raise


def decode_body(ex: Exchange, data: bytes, content_type: str, truncated: bool) -> None:
    """Fill ``json`` or ``text`` (+ ``parse_error``) of an Exchange from body bytes."""
    ex.size = len(data)
    ex.truncated = truncated
    data = scrub_bytes(data)
    ex.content_type = content_type or None
    if not data:
        return
    ctype = content_type.lower()
    head = data[:64].lstrip()[:1]
    if "json" in ctype or (not ctype or "text/plain" in ctype) and head in (b"{", b"["):
        try:
            ex.json = _parse_json(data)
            return
        except _JSONError as exc:
            ex.parse_error = f"invalid JSON: {exc}" + (" (body truncated at the size cap)" if truncated else "")
    charset = "utf-8"
    if "charset=" in ctype:
        charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"') or "utf-8"
    try:
        ex.text = data.decode(charset, errors="replace")
    except LookupError:
        ex.text = data.decode("utf-8", errors="replace")


def size_text(n: int) -> str:
    """A byte count for a person: "900 bytes", "10 KB", "0.5 MB", "50 MB" (1 KB = 1024 bytes).

    Never "0 MB": a cap under 1 MB is named in KB (max_body_mb = "0.01" -> "10 KB"), or in MB when
    it is a tenth of one or more (max_body_mb = "0.5" -> "0.5 MB").
    """
    def short(x: float) -> str:
        return f"{x:.2f}".rstrip("0").rstrip(".")

    mib = 1024 * 1024
    if n >= mib or n > 0 and n * 10 % mib == 0:
        return f"{short(n / mib)} MB"
    if n >= 1024:
        return f"{short(round(n / 1024, 1))} KB"
    return f"{n} byte{'' if n == 1 else 's'}"


# ------------------------------------------------------------------------------------------------
# The API client
# ------------------------------------------------------------------------------------------------

TokenGetter = Callable[[bool], Awaitable[str]]
#: Told before each wait between attempts: (seconds, why), e.g. (90.0, "throttled (429)").
WaitObserver = Callable[[float, str], None]

_WAIT_REASONS = {429: "throttled (429)", 503: "service unavailable (503)", 504: "gateway timeout (504)",
                 "refused": "connection refused", "connect": "cannot connect", "timeout": "connect timed out"}


class ApiClient:
    """Sends one logical request (with its retries and redirects) and returns its Exchange."""

    def __init__(self, net: NetSettings, allowed_urls: list[str], *, emit: Callable[[Exchange], None] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] | None = None,
                 backoff_base: float = 0.5, backoff_cap: float = 30.0, max_retries: int = MAX_RETRIES,
                 max_sleep: float = MAX_SLEEP):
        self.net = net
        self._emit = emit or (lambda ex: None)
        self._sleep = sleep or asyncio.sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retries = max_retries
        self.max_sleep = max_sleep
        self.allowed = [_origin(u) for u in allowed_urls if u]
        kw = net.client_kwargs()
        if transport is not None:
            kw["transport"] = transport
        kw["limits"] = httpx.Limits(max_connections=20, max_keepalive_connections=10)
        self._client = httpx.AsyncClient(headers={"Accept": "application/json", "User-Agent": USER_AGENT}, **kw)

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- policy -------------------------------------------------------------------------------------
    def allowed_hosts(self) -> list[str]:
        return [f"{h}:{p}" if p not in (80, 443) else h for _, h, p in self.allowed]

    def check_target(self, url: str, *, why: str = "request") -> None:
        """Refuse to send the token anywhere but the tenant's API hosts, and never over plain http
        (except to loopback)."""
        scheme, host, port = _origin(url)
        if scheme not in ("https", "http"):
            raise RefusedError(f"not sending the request to {mask_url(url)}: only https URLs are used",
                               host=host, url=mask_url(url))
        if scheme == "http" and not _is_loopback(host):
            raise RefusedError(
                f"{why} to {host} not followed: it is plain http, and the token is only sent over https",
                host=host, url=mask_url(url), hint="the service should never send an http link; report it")
        for s, h, p in self.allowed:
            if h == host and p == port:
                if s == "https" and scheme == "http":
                    raise RefusedError(f"{why} to {host} not followed: it downgrades https to http",
                                       host=host, url=mask_url(url))
                return
        raise RefusedError(
            f"{why} to {host}{'' if port in (80, 443) else f':{port}'} not followed: it is not one of this tenant's "
            f"API hosts ({', '.join(self.allowed_hosts())}), and the token is only sent to those",
            host=host, url=mask_url(url),
            hint="if the service really moved, set api_url / elements_url in the tenant config")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff_base * (2 ** attempt)) + random.uniform(0, self.backoff_base)

    # -- one logical request ---------------------------------------------------------------------------
    async def send(self, method: str, url: str, *, params: Any = None, json_body: Any = None,
                   token: TokenGetter | None = None, endpoint_id: str | None = None, bundle: str | None = None,
                   retry: bool = True, on_wait: WaitObserver | None = None) -> Exchange:
        """``on_wait(seconds, why)`` is called before each wait between attempts (a Retry-After of up
        to 179 s, a backoff), so that a caller can say it is waiting rather than loading."""
        method = method.upper()
        if method not in READ_METHODS:
            raise RefusedError(f"{method} is never sent: avegraph is read-only by design (GET and the documented "
                               "read-only POST queries only)", exit_code=2)
        self.check_target(url)
        retries = 0
        refreshed = False
        redirects = 0
        attempts: list[str] = []
        force = False
        while True:
            bearer = await token(force) if token is not None else None
            force = False
            try:
                ex, headers = await self._attempt(method, url, params, json_body, bearer, endpoint_id, bundle)
            except NetworkError as err:
                ex = err.exchange
                retryable = err.kind in ("refused", "connect") or (err.kind == "timeout" and err.phase == "connect")
                if retry and retryable and retries < self.max_retries:
                    wait = self._backoff(retries)
                    attempts.append(f"{err.kind} (waited {wait:.1f} s)")
                    retries += 1
                    self._tell_wait(on_wait, wait, _WAIT_REASONS.get(err.kind, err.kind))
                    await self._sleep(wait)
                    continue
                if ex is not None:
                    ex.retries, ex.attempts = retries, attempts
                    self._finish(ex)
                raise
            status = ex.status or 0
            ex.retries, ex.attempts = retries, attempts
            # Redirects: by hand, same hosts only, never down to http, GET only.
            if status in REDIRECTS and headers.get("location"):
                target = urljoin(url, headers["location"])
                if method != "GET" or redirects >= MAX_REDIRECTS:
                    ex.error = (f"redirect to {mask_url(target)} not followed"
                                + (" (a POST query is never redirected)" if method != "GET" else " (too many)"))
                    self._finish(ex)
                    raise HttpError(status, ex, ex.error)
                try:
                    self.check_target(target, why="redirect")
                except RefusedError as err:
                    ex.error = str(err)
                    err.exchange = ex
                    self._finish(ex)
                    raise
                attempts.append(f"{status} -> {mask_url(target)}")
                redirects += 1
                url, params = target, None
                continue
            if status == 401 and token is not None and not refreshed:
                refreshed = True
                force = True
                retries += 1
                attempts.append("401 (token refreshed)")
                continue
            if status in RETRY_STATUSES and retry:
                wait = parse_retry_after(headers.get("retry-after"))
                if wait is not None and wait >= self.max_sleep:
                    err = ThrottledError(wait, ex, status=status)
                    ex.error = str(err)
                    self._finish(ex)
                    raise err
                if retries < self.max_retries:
                    if wait is None:
                        wait = self._backoff(retries)
                    attempts.append(f"{status} (waited {wait:.1f} s)")
                    retries += 1
                    self._tell_wait(on_wait, wait, _WAIT_REASONS.get(status, f"HTTP {status}"))
                    await self._sleep(wait)
                    continue
                if status == 429:
                    err = ThrottledError(wait, ex, status=status,
                                         message=f"throttled: HTTP 429 through {retries} retries"
                                                 + (f"; retry after {int(round(wait))} s" if wait else ""))
                    ex.error = str(err)
                    self._finish(ex)
                    raise err
            if status >= 400:
                err = self._http_error(ex, method)
                ex.error = str(err)
                self._finish(ex)
                raise err
            self._finish(ex)
            return ex

    @staticmethod
    def _tell_wait(on_wait: WaitObserver | None, seconds: float, why: str) -> None:
        if on_wait is None:
            return
        try:
            on_wait(seconds, why)
        except Exception:  # an observer must never break a request
            log.debug("wait observer failed", exc_info=True)

    def _finish(self, ex: Exchange) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s", ex.summary())
        try:
            self._emit(ex)
        except Exception:  # an observer must never break a request
            log.debug("exchange observer failed", exc_info=True)

    def _http_error(self, ex: Exchange, method: str) -> HttpError:
        body = ex.json if ex.json is not None else ex.text
        server = error_message(body) if ex.json is not None else None
        if server is None and ex.text:
            snippet = " ".join(ex.text.split())[:160]
            server = snippet if snippet and not snippet.lstrip().startswith("<") else None
        path = urlsplit(ex.url).path
        msg = f"HTTP {ex.status}{(' ' + ex.reason) if ex.reason else ''} from {method} {path}"
        if server:
            msg += f": {server}"
        elif ex.text and ex.text.lstrip().startswith("<"):
            msg += " (an HTML error page, not the API: a proxy or gateway answered)"
        hint = None
        if ex.status == 401:
            hint = "the token was refused even after a refresh: check the app registration and `avegraph token`"
        elif ex.status == 403:
            hint = "the app registration lacks a permission this endpoint needs (see `avegraph endpoints`)"
        elif ex.status == 404:
            hint = "check the path and its parameters (ids come from the parent list)"
        elif ex.status and ex.status >= 500:
            hint = "a server-side failure; try again later and quote the request-id to AvePoint support"
        return HttpError(ex.status or 0, ex, mask_text(msg), hint=hint, server_message=server)

    async def _attempt(self, method: str, url: str, params: Any, json_body: Any, bearer: str | None,
                       endpoint_id: str | None, bundle: str | None) -> tuple[Exchange, httpx.Headers]:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else None
        try:
            req = self._client.build_request(method, url, params=params, json=json_body, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise RefusedError(f"not a usable URL: {mask_url(url)} ({exc})", url=mask_url(url), exit_code=2) from None
        ex = Exchange(id=next_exchange_id(), started_at=clock.utc_now(), method=method,
                      raw_url=str(req.url), request_headers=mask_headers(req.headers),
                      request_body=json_body, endpoint_id=endpoint_id, bundle=bundle, kind="api")
        t0 = clock.perf_counter()
        resp: httpx.Response | None = None
        try:
            async with asyncio.timeout(self.net.deadline):
                resp = await self._client.send(req, stream=True)
                ex.ttfb = clock.perf_counter() - t0
                ex.status, ex.reason = resp.status_code, resp.reason_phrase
                ex.response_headers = mask_headers(resp.headers)
                data, truncated = await self._read(resp)
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            err = network_error(exc, str(req.url), self.net)
            ex.elapsed = clock.perf_counter() - t0
            ex.error = err.message
            err.exchange = ex
            raise err from None
        finally:
            if resp is not None:
                await resp.aclose()
        ex.elapsed = clock.perf_counter() - t0
        decode_body(ex, data, resp.headers.get("content-type", ""), truncated)
        ex.request_id = _request_id(resp.headers, ex.json)
        ex.trace_id = _trace_id(ex.json)
        if truncated:
            ex.notice = f"body truncated at {size_text(self.net.max_body)} (max_body_mb)"
        return ex, resp.headers

    async def _read(self, resp: httpx.Response) -> tuple[bytes, bool]:
        cap = self.net.max_body
        length = resp.headers.get("content-length")
        if length and length.isdigit() and int(length) <= cap and not resp.headers.get("content-encoding"):
            # The common case: one read of a known, acceptable size.
            data = await resp.aread()
            return data, False
        chunks: list[bytes] = []
        n = 0
        async for chunk in resp.aiter_bytes():
            if n + len(chunk) > cap:
                chunks.append(chunk[: cap - n])
                return b"".join(chunks), True
            chunks.append(chunk)
            n += len(chunk)
        return b"".join(chunks), False
