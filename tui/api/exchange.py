"""One request and its response, as recorded for the history, the inspector and ``-v``.

An Exchange never holds a credential: the ``Authorization`` header is stored already masked
(``Bearer ••••1a2b``), token requests keep their form with ``client_secret`` /
``client_assertion`` masked and their response with ``access_token`` masked. The request URL is
kept as sent (a copy-pasteable curl needs it), but every rendering (``url``, ``display_url()``,
``str``, ``repr``, ``to_dict``, ``to_curl()``) masks secret-named query parameters.
"""

from __future__ import annotations

import itertools
import json
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.api.redact import mask_text, mask_url

__all__ = ["Exchange", "next_exchange_id"]

_ids = itertools.count(1)


def next_exchange_id() -> int:
    return next(_ids)


@dataclass(eq=False, repr=False, slots=True)
class Exchange:
    id: int
    started_at: datetime
    method: str
    raw_url: str                                      # as sent; render through .url / display_url()
    request_headers: list[tuple[str, str]] = field(default_factory=list)   # masked
    request_body: Any = None                          # JSON for POST queries; masked form for token requests
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)  # masked
    ttfb: float | None = None                         # seconds to the response head
    elapsed: float | None = None                      # seconds to the end of the body (or the failure)
    size: int = 0                                     # body bytes received (decoded)
    request_id: str | None = None
    trace_id: str | None = None
    retries: int = 0
    json: Any = None                                  # the parsed body when it is JSON
    text: str | None = None                           # the body as text when it is not (HTML 502, bad JSON)
    parse_error: str | None = None                    # "Expecting value: line 1 column 7 (char 6)"
    truncated: bool = False                           # body cut at the size cap
    error: str | None = None                          # what went wrong, masked, for a person
    endpoint_id: str | None = None
    bundle: str | None = None                         # scope bundle whose token was used
    kind: str = "api"                                 # "api" | "token"
    content_type: str | None = None
    attempts: list[str] = field(default_factory=list)  # earlier attempts: "429 (waited 1.0 s)", ...
    token_scopes: tuple[str, ...] = ()                # token requests: the scopes granted
    notice: str | None = None

    # -- derived ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The request URL with secret-named query parameters masked."""
        return mask_url(self.raw_url)

    def display_url(self) -> str:
        return self.url

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.error is None

    @property
    def is_json(self) -> bool:
        return self.parse_error is None and self.text is None and self.status is not None

    @property
    def body(self) -> Any:
        """The parsed JSON, else the text."""
        return self.json if self.text is None else self.text

    def masked_request_headers(self) -> list[tuple[str, str]]:
        return list(self.request_headers)

    def masked_response_headers(self) -> list[tuple[str, str]]:
        return list(self.response_headers)

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == low), None)

    # -- renderings ------------------------------------------------------------------------------
    def summary(self) -> str:
        """One line: ``#12 GET https://… -> 200 OK 153 ms 4.2 KB request-id …``."""
        parts = [f"#{self.id}", self.method, self.url]
        if self.status is not None:
            parts.append(f"-> {self.status}{(' ' + self.reason) if self.reason else ''}")
        elif self.error:
            parts.append("-> failed")
        if self.elapsed is not None:
            parts.append(f"{self.elapsed * 1000:.0f} ms")
        parts.append(f"{self.size} B")
        if self.retries:
            parts.append(f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}")
        if self.truncated:
            parts.append("(truncated)")
        if self.request_id:
            parts.append(f"request-id {self.request_id}")
        if self.trace_id:
            parts.append(f"traceId {self.trace_id}")
        if self.error:
            parts.append(f"error: {self.error}")
        return mask_text(" ".join(parts))

    __str__ = summary

    def __repr__(self) -> str:
        return mask_text(f"<Exchange #{self.id} {self.kind} {self.method} {self.url} status={self.status} "
                         f"size={self.size} retries={self.retries} endpoint={self.endpoint_id} "
                         f"bundle={self.bundle}{' error' if self.error else ''}>")

    def to_dict(self, body: bool = True) -> dict[str, Any]:
        """A JSON-able, masked record (history export, ``-vv``)."""
        d = {
            "id": self.id, "kind": self.kind, "started_at": self.started_at.isoformat(),
            "method": self.method, "url": self.url,
            "request_headers": [list(p) for p in self.request_headers],
            "request_body": self.request_body,
            "status": self.status, "reason": self.reason,
            "response_headers": [list(p) for p in self.response_headers],
            "ttfb_ms": None if self.ttfb is None else round(self.ttfb * 1000, 1),
            "elapsed_ms": None if self.elapsed is None else round(self.elapsed * 1000, 1),
            "size": self.size, "request_id": self.request_id, "trace_id": self.trace_id,
            "retries": self.retries, "attempts": list(self.attempts), "truncated": self.truncated,
            "parse_error": self.parse_error, "error": self.error, "endpoint_id": self.endpoint_id,
            "bundle": self.bundle, "notice": self.notice,
        }
        if body:
            d["body"] = self.body
        return d

    def to_curl(self, reveal: bool = False, token: str | None = None) -> str:
        """A copy-pasteable curl command.

        The bearer token is written as ``$AVEGRAPH_TOKEN`` (export it first) and secret-named query
        parameters are masked, unless ``reveal=True``: then the URL is as sent and, when ``token`` is
        given (the caller must hold it; the Exchange never does), the token is written out.
        """
        url = self.raw_url if reveal else self.url
        out = ["curl", "-sS"]
        if self.method != "GET":
            out += ["-X", shlex.quote(self.method)]
        out.append(shlex.quote(url))
        for k, v in self.request_headers:
            low = k.lower()
            if low in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
                continue
            if low == "authorization":
                scheme = v.split(" ", 1)[0] if " " in v else "Bearer"
                if scheme.lower() == "basic":
                    out += ["-u", '"$AVEGRAPH_CLIENT_ID:$AVEGRAPH_CLIENT_SECRET"']
                elif reveal and token:
                    out += ["-H", shlex.quote(f"Authorization: {scheme} {token}")]
                else:
                    out += ["-H", f'"Authorization: {scheme} $AVEGRAPH_TOKEN"']
                continue
            out += ["-H", shlex.quote(f"{k}: {v}")]
        if self.request_body is not None:
            if self.kind == "token" and isinstance(self.request_body, dict):
                for k, v in self.request_body.items():
                    if k == "client_secret":
                        out += ["--data-urlencode", '"client_secret=$AVEGRAPH_CLIENT_SECRET"']
                    elif k == "client_assertion":
                        out += ["--data-urlencode", '"client_assertion=$AVEGRAPH_CLIENT_ASSERTION"']
                    else:
                        out += ["--data-urlencode", shlex.quote(f"{k}={v}")]
            else:
                data = self.request_body if isinstance(self.request_body, str) else \
                    json.dumps(self.request_body, ensure_ascii=False, separators=(",", ":"))
                out += ["--data-raw", shlex.quote(data)]
        text = " ".join(out)
        return text if reveal else mask_text(text)
