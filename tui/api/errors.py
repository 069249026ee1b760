"""Typed errors of the API core, each one a sentence a person can act on.

Every error carries ``exit_code`` (the CLI's contract: 2 usage/config, 3 authentication,
4 HTTP 4xx, 5 HTTP 5xx or network) and, when a request was made, the ``exchange`` that records
it. None of them ever holds a secret or a token: messages are built from masked values only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from tui.api.exchange import Exchange

__all__ = [
    "ApiError", "AuthError", "CredentialError", "ParamError", "HttpError", "NetworkError", "RefusedError",
    "ThrottledError", "UnreadablePageError", "error_message", "EXIT_USAGE", "EXIT_AUTH", "EXIT_HTTP_4XX",
    "EXIT_HTTP_5XX",
]

EXIT_USAGE, EXIT_AUTH, EXIT_HTTP_4XX, EXIT_HTTP_5XX = 2, 3, 4, 5


class ApiError(Exception):
    """Base of every error the API core raises on purpose."""

    exit_code = EXIT_HTTP_5XX

    def __init__(self, message: str, *, hint: str | None = None, exchange: "Exchange | None" = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exchange = exchange

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """The message and, on a second line, the hint (what to do about it)."""
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


class AuthError(ApiError):
    """The identity service refused to issue a token (or the token request could not be made)."""

    exit_code = EXIT_AUTH

    def __init__(self, error: str, error_description: str | None, token_url: str,
                 scopes: tuple[str, ...] | list[str] = (), hint: str | None = None, *,
                 exchange: "Exchange | None" = None, bad_scopes: tuple[str, ...] = ()):
        self.error = error
        self.error_description = error_description or ""
        self.token_url = token_url
        self.scopes = tuple(scopes)
        self.bad_scopes = tuple(bad_scopes)
        what = f"token request to {token_url} failed: {error}"
        if self.error_description:
            what += f" ({self.error_description})"
        if self.scopes:
            what += f" [scopes: {' '.join(self.scopes)}]"
        super().__init__(what, hint=hint, exchange=exchange)


class ParamError(ApiError):
    """A request that cannot be built: a missing path parameter, a bad value (refused before sending)."""

    exit_code = EXIT_USAGE


class CredentialError(ApiError):
    """The configured credential cannot be used (unreadable certificate, wrong password)."""

    exit_code = EXIT_USAGE


class NetworkError(ApiError):
    """No usable HTTP response: DNS, refused, TLS, timeout, reset, garbage, truncated body, proxy."""

    exit_code = EXIT_HTTP_5XX
    KINDS = ("dns", "refused", "tls", "timeout", "reset", "protocol", "truncated", "proxy", "connect", "other")

    def __init__(self, kind: str, message: str, url: str, *, hint: str | None = None,
                 exchange: "Exchange | None" = None, phase: str | None = None):
        self.kind = kind
        self.url = url
        self.phase = phase
        super().__init__(message, hint=hint, exchange=exchange)


class HttpError(ApiError):
    """The server answered with an error status; ``message`` carries the server's own words."""

    def __init__(self, status: int, exchange: "Exchange | None", message: str, *, hint: str | None = None,
                 server_message: str | None = None):
        self.status = status
        self.server_message = server_message
        super().__init__(message, hint=hint, exchange=exchange)

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        if self.status == 401:
            return EXIT_AUTH
        return EXIT_HTTP_4XX if 400 <= self.status < 500 else EXIT_HTTP_5XX


class ThrottledError(HttpError):
    """The service asks us to wait (429/503 with Retry-After) longer than we are willing to sleep,
    or kept throttling through every retry."""

    def __init__(self, retry_after: float | None, exchange: "Exchange | None" = None, *, status: int = 429,
                 message: str | None = None):
        self.retry_after = retry_after
        if message is None:
            message = (f"throttled, retry after {int(round(retry_after))} s" if retry_after is not None
                       else "throttled: the service kept answering 429 through every retry")
        super().__init__(status, exchange, message,
                         hint="wait and try again, or fetch fewer pages at a time")


class UnreadablePageError(ApiError):
    """A successful response whose body is not the page it should be: invalid JSON, cut at the size
    cap (max_body_mb), or not JSON where the first page was. The pager does not move past it, so a
    retry asks for the same page again."""

    exit_code = EXIT_HTTP_5XX

    def __init__(self, message: str, *, page: int, exchange: "Exchange | None" = None, hint: str | None = None):
        self.page = page
        super().__init__(message, hint=hint, exchange=exchange)


class RefusedError(ApiError):
    """Something avegraph will not do: a write method, or sending the token to a foreign host or over http."""

    def __init__(self, message: str, *, host: str | None = None, url: str | None = None, hint: str | None = None,
                 exchange: "Exchange | None" = None, exit_code: int = EXIT_HTTP_5XX):
        self.host = host
        self.url = url
        self.exit_code = exit_code
        super().__init__(message, hint=hint, exchange=exchange)


# ------------------------------------------------------------------------------------------------
# The server's own message, from any documented error body (catalogue section 5)
# ------------------------------------------------------------------------------------------------

_MESSAGE_KEYS = ("message", "errorMessage", "error_description", "error", "errorModel", "detail", "title",
                 "Message", "msg")


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return error_message(value)
    if isinstance(value, list):
        parts = [p for p in (_text(v) for v in value[:5]) if p]
        return "; ".join(parts) or None
    return str(value)


def error_message(body: Any) -> str | None:
    """The human text of an error body: ErrorResponse ``error``, the backup envelope's ``message`` and
    ``errors[].message`` (with ``field``), Insights ``message``, IaaS ``errorModel``, OAuth
    ``error_description``, RFC 7807 ``title``/``detail``; None when there is none."""
    if isinstance(body, list):
        return _text(body)
    if not isinstance(body, dict):
        return _text(body) if isinstance(body, str) else None
    low = {k.lower(): k for k in body if isinstance(k, str)}
    main = None
    for key in _MESSAGE_KEYS:
        k = low.get(key.lower())
        if k is not None:
            main = _text(body[k])
            if main:
                break
    details = []
    errs = body.get(low.get("errors", ""), None) if "errors" in low else None
    if isinstance(errs, list):
        for e in errs[:5]:
            if isinstance(e, dict):
                m = _text(e.get("message") or e.get("Message"))
                f = e.get("field") or e.get("Field")
                if m:
                    details.append(f"{f}: {m}" if f else m)
            elif isinstance(e, str):
                details.append(e)
    elif isinstance(errs, dict):  # ASP.NET validation problem: {"field": ["msg", ...]}
        for f, ms in list(errs.items())[:5]:
            m = _text(ms)
            if m:
                details.append(f"{f}: {m}")
    if main and details:
        extra = [d for d in details if d != main]
        return main + (" — " + "; ".join(extra) if extra else "")
    if main:
        return main
    if details:
        return "; ".join(details)
    data = body.get(low.get("data", ""), None) if "data" in low else None
    if isinstance(data, dict) and data is not body:
        return error_message(data) if any(k.lower() in ("message", "error") for k in data) else None
    return None
