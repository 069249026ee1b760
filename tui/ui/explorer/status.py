"""What the explorer says about a view: the status line under the table, and the text the empty
table shows. Pure functions of a ``View`` (no Textual), unit-tested with the model.

The first characters of the status line carry what matters most at 80 columns: the counts while
rows arrive, and after a refused first page the status and where to go ("403 Forbidden · missing
scope audit.read.all · P permissions"); the long explanation goes in the table's empty body.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text

from tui import clock
from tui.catalog import Endpoint
from tui.hints import holds_scope, permission_hint
from tui.textsafe import safe_text

if TYPE_CHECKING:
    from tui.ui.explorer.model import View

__all__ = ["STATUS_REASONS", "failure_detail", "short_hint", "status_text", "table_message"]

STATUS_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
                  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}

NO_ROWS = "No rows"


def short_hint(endpoint: Endpoint, status: int, granted: set[str] | None) -> str:
    """What fits an 80-column status line first: "missing scope X · P permissions"."""
    need = " or ".join(endpoint.scopes) or "(none listed)"
    has = holds_scope(endpoint, granted)
    if status == 401:
        return "token refused · P permissions"
    if has is True:
        return f"token holds {need}; refused for another reason · P permissions"
    return f"missing scope {need} · P permissions"


def failure_detail(endpoint: Endpoint, error: BaseException, status: int | None, granted: set[str] | None) -> str:
    """The whole story of a failed page: the service's message, and for 401/403 what to do."""
    text = safe_text(str(error), 300)
    if status in (401, 403):
        text += "  " + permission_hint(endpoint, status, granted)
    return text


def _failure_head(v: View) -> str:
    """"403 Forbidden", "HTTP 502 Bad Gateway", or "request failed" (no HTTP status)."""
    if v.status is None:
        return "request failed"
    reason = STATUS_REASONS.get(v.status, "")
    head = f"{v.status} {reason}".strip()
    return head if v.status in (401, 403) else "HTTP " + head


def _metrics(t: Text, v: View) -> None:
    ex = v.last_exchange
    if ex is None:
        return
    if ex.elapsed is not None:
        t.append(f" · {ex.elapsed * 1000:.0f} ms")
    if ex.request_id:
        t.append(" · request-id ", style="dim")
        t.append(safe_text(str(ex.request_id), 40))


def status_text(v: View, filter_text: str, visible: int, now: float | None = None) -> Text:
    """"1,200 of 5,000 · page 12 · 183 ms · request-id …" ("of >N" when the total is unknown); while a
    retry waits, why and for how long: "throttled (429), retrying in 90 s…" (``now``: tui.clock.perf_counter).
    A first page that failed reads "403 Forbidden · missing scope X · P permissions" instead of "0 · page 0"."""
    t = Text()
    if v.error and not v.loaded:
        t.append(_failure_head(v), style="bold red")
        if v.hint:
            t.append(" · ")
            t.append(safe_text(v.hint, 200), style="bold")
        else:
            t.append(" · r retries", style="dim")
        _metrics(t, v)
        return t
    count = f"{v.loaded:,}"
    if v.total is not None:
        t.append(f"{count} of {v.total:,}")
    elif v.done:
        t.append(f"{count} (all)")
    else:
        t.append(f"{count} of >{count}" if v.loaded else "0")
    if filter_text:
        t.append(f" · showing {visible:,}", style="cyan")
    t.append(f" · page {v.pages}")
    _metrics(t, v)
    if v.loading and v.waiting is not None:
        why, until = v.waiting
        left = math.ceil(until - (clock.perf_counter() if now is None else now))
        t.append(f" · {safe_text(why, 60)}, retrying" + (f" in {left:,} s…" if left > 0 else "…"), style="yellow")
    elif v.loading:
        t.append(" · loading…", style="italic")
    if v.notice:
        t.append(" · " + safe_text(v.notice, 120), style="yellow")
    if v.error:
        t.append("\n")
        if v.hint:
            t.append(safe_text(v.hint, 200) + " · ", style="bold")
        t.append("⚠ " + v.error, style="bold red")
        t.append("  (r retries from this page)", style="dim")
    return t


def table_message(v: View | None) -> str:
    """What the table says while it has no row: nothing before or during the first load, "No rows"
    only after a load that returned none, the failure's whole story after a failed first page."""
    if v is None or v.loaded:
        return ""
    if v.error:
        return "⚠ " + v.error + ("" if v.hint else "\n\nPress r to try again.")
    if v.done and v.pages:
        return NO_ROWS
    return ""
