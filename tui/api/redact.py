"""Redaction, in one place: what counts as secret and how it is shown.

A value is shown as ``••••`` plus its last 4 characters (only when it is long enough that
4 characters give nothing away), so two tokens can be told apart without revealing either:
``Authorization: Bearer ••••1a2b``.

Secret by name: ``Authorization``, ``Proxy-Authorization``, cookies, and any header, query
parameter or form field whose name contains one of the words token, secret, key, password,
signature (sig), assertion, code, credential, auth (as a word of a camelCase/snake_case/kebab
name: ``client_secret`` is secret, ``keyword`` is not). A paging cursor (``skipToken``,
``continuationToken``, ...) is named like a token but is none: it asks for the next page, grants
nothing, and a curl copy of page 2 must carry it to be replayable. Secret by value:
every string registered through :func:`tui.crash.register_secret` is masked wherever it appears.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from tui.crash import mask_known_secrets

__all__ = ["MASK", "scrub_bytes", "mask", "mask_authorization", "is_secret_name", "is_cursor_name", "is_unsaved_name",
           "mask_headers", "mask_pairs", "mask_url", "mask_form", "mask_text", "mask_json"]

MASK = "••••"

_SECRET_WORDS = frozenset({
    "token", "secret", "key", "apikey", "password", "passwd", "pwd", "passphrase", "signature", "sig",
    "assertion", "code", "credential", "credentials", "authorization", "auth", "cookie", "session",
    "sessionid", "jwt", "bearer", "private",
})
# Words long enough to be matched inside a run-together name too ("skiptoken", "clientsecret").
_SECRET_SUBSTRINGS = ("token", "secret", "password", "passwd", "assertion", "signature", "credential", "apikey",
                      "cookie", "privatekey")
# Named like a secret, but public by definition (OAuth constants).
# Paging cursors: they ask for a page and grant nothing.
_CURSORS = frozenset({"skiptoken", "$skiptoken", "nexttoken", "continuationtoken", "pagetoken", "nextpagetoken",
                      "cursor", "nextcursor", "nextlink", "starttoken"})
_PUBLIC = frozenset({"client_assertion_type", "token_type", "grant_type"}) | _CURSORS
_ALWAYS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
                     "ocp-apim-subscription-key", "access_token", "refresh_token", "id_token",
                     "client_secret", "client_assertion"})
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|-)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]


def is_secret_name(name: str) -> bool:
    """True when a header / parameter / field name says its value is a credential."""
    low = name.lower()
    if low in _PUBLIC:
        return False
    if low in _ALWAYS:
        return True
    if any(w in low for w in _SECRET_SUBSTRINGS):
        return True
    return any(w in _SECRET_WORDS for w in _words(name))


def is_cursor_name(name: str) -> bool:
    """True for a paging cursor's name (``skipToken``, ``nextLink``...): not secret, but the position
    of one walk, so history and saved requests leave it out."""
    return name.lower() in _CURSORS


def is_unsaved_name(name: str) -> bool:
    """What history and saved requests never keep: a credential or a paging cursor."""
    return is_cursor_name(name) or is_secret_name(name)


def mask(value: Any) -> str:
    """``••••`` + the last 4 characters (just ``••••`` for short values)."""
    s = "" if value is None else str(value)
    if len(s) > 12:
        return MASK + s[-4:]
    return MASK


def mask_authorization(value: str) -> str:
    """``Bearer eyJ...1a2b`` -> ``Bearer ••••1a2b``; ``Basic ...`` -> ``Basic ••••``."""
    scheme, sep, rest = str(value).partition(" ")
    if sep and rest and scheme.isalpha() and len(scheme) <= 20:
        return f"{scheme} {mask(rest.strip())}"
    return mask(value)


def _mask_header_value(name: str, value: str) -> str:
    low = name.lower()
    if low in ("authorization", "proxy-authorization"):
        return mask_authorization(value)
    if is_secret_name(name):
        return mask(value)
    return mask_known_secrets(value)


def mask_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """Headers as (name, masked value) pairs, order and duplicates kept."""
    if headers is None:
        return []
    items = headers.items() if hasattr(headers, "items") else headers
    if hasattr(headers, "raw") and hasattr(headers, "multi_items"):
        # httpx.Headers: original casing, repeated headers (Set-Cookie) kept
        items = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]
    return [(k, _mask_header_value(k, v)) for k, v in items]


def mask_pairs(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(k, mask(v) if is_secret_name(k) else mask_known_secrets(str(v))) for k, v in pairs]


def mask_form(form: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> dict[str, str]:
    """A token request's form with client_secret / client_assertion (and any secret-named field) masked."""
    if form is None:
        return {}
    items = form.items() if hasattr(form, "items") else form
    return {k: (mask(v) if is_secret_name(k) else mask_known_secrets(str(v))) for k, v in items}


def mask_url(url: str) -> str:
    """The URL with user-info removed and secret-named query parameters masked."""
    if not url:
        return url
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return mask_known_secrets(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            query = "&".join(f"{quote(k, safe='')}={quote(v, safe='•') if not is_secret_name(k) else mask(v)}"
                             for k, v in pairs)
    return mask_known_secrets(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def scrub_bytes(data: bytes) -> bytes:
    """A response body with every registered secret (client secret, access tokens) masked, so that a
    server echoing a credential back cannot put it into an Exchange. One substring search per secret."""
    from tui import crash
    secrets = getattr(crash, "_SECRETS", ())
    if not secrets or not data:
        return data
    for s in sorted(secrets, key=len, reverse=True):
        b = s.encode("utf-8", "ignore")
        if len(b) >= 8 and b in data:
            data = data.replace(b, mask(s).encode("utf-8"))
    return data


def mask_text(text: str) -> str:
    """Free text (log lines, error messages): registered secrets and bearer tokens masked."""
    text = mask_known_secrets(text)
    return re.sub(r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/=-]{8,})",
                  lambda m: f"{m.group(1)} {mask(m.group(2))}", text)


def mask_json(value: Any, depth: int = 0) -> Any:
    """A JSON value with secret-named keys masked (token responses; never API data)."""
    if depth > 20:
        return value
    if isinstance(value, dict):
        return {k: (mask(v) if isinstance(k, str) and is_secret_name(k) and isinstance(v, (str, int))
                    and k.lower() not in ("token_type",) else mask_json(v, depth + 1))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, depth + 1) for v in value]
    return value
