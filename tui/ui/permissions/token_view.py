"""The Permissions screen's Token tab: each scope bundle's header, claims and time to expiry.

The raw token is shown only while the screen says it is revealed; otherwise it is masked.
"""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui import perms
from tui.api.redact import mask
from tui.textsafe import safe_multiline, safe_text

BADGES = {"valid": ("valid", "bold black on green"), "expired": ("expired", "bold white on red"),
          "undecodable": ("not a JWT", "bold black on yellow"), "error": ("no token", "bold white on red")}


def token_text(infos: list[perms.TokenInfo], now: float, *, revealed: bool, reveal_seconds: float) -> Text:
    """Every bundle's token: state badge, countdown, requested scopes, claims, the token (masked
    unless ``revealed``)."""
    t = Text()
    for n, info in enumerate(infos):
        if n:
            t.append("\n")
        t.append("bundle ", style="dim")
        t.append(safe_text(info.bundle, 60), style="bold")
        state = info.state(now)
        badge = BADGES[state]
        t.append("  ")
        t.append(f" {badge[0]} ", style=badge[1])
        if info.claims is not None:
            left = info.claims.expires_in(now)
            t.append("  expires in " if left is None or left > 0 else "  ", style="dim")
            t.append(perms.format_countdown(left), style="bold red" if left is not None and left <= 60 else "bold")
        t.append("\n")
        if state != "valid":
            t.append("  " + safe_text(info.describe_state(now), 400) + "\n",
                     style="red" if state in ("error", "expired") else "yellow")
        if info.requested:
            _field(t, "requested", " ".join(info.requested))
        else:
            _field(t, "requested", "(no scope sent: every scope the app registration holds)")
        c = info.claims
        if c is not None:
            _field(t, "client id", c.client_id or "?")
            _field(t, "issuer", c.issuer or "?")
            _field(t, "audience", " ".join(c.audience) or "?")
            if c.tenant:
                _field(t, "tenant", c.tenant)
            _field(t, "scopes", "\n".join(c.scopes) if c.scopes else "(not stated)")
            _field(t, "issued", _utc(c.issued_at))
            _field(t, "expires", _utc(c.expires_at))
        _field(t, "token URL", info.token_url or "?")
        if c is not None:
            t.append(f"  {'token':<10} ", style="dim")
            if revealed:
                t.append(safe_text(c.raw, 20000), style="bold yellow")
                t.append("\n")
                t.append(f"  {'':<10} shown for {reveal_seconds:g} s; v hides it now\n", style="dim")
            else:
                t.append(mask(c.raw))
                t.append(f"  (v reveals it for {reveal_seconds:g} s)\n", style="dim")
            if c.header:
                _field(t, "header", json.dumps(c.header, ensure_ascii=False, default=str))
            if c.payload:
                claims = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}"
                                   for k, v in c.payload.items())
                _field(t, "claims", claims)
    return t


def tokens_status_text(infos: list[perms.TokenInfo], granted: dict[str, str] | None) -> Text:
    """The status line once the tokens are in: how many, how many scopes held, which bundles failed."""
    failed = [i for i in infos if i.claims is None]
    if failed and len(failed) == len(infos):
        t = Text("No token: ", style="bold red")
        t.append(safe_text(perms.error_text(failed[0].error), 300))
        return t
    held = sorted(granted.values(), key=str.lower) if granted else []
    t = Text(f"{len(infos)} token{'s' if len(infos) != 1 else ''} · ")
    t.append(f"{len(held)} scope{'s' if len(held) != 1 else ''} held", style="bold")
    if failed:
        t.append(f" · {len(failed)} bundle(s) without a token", style="bold red")
    return t


def _field(t: Text, label: str, value: str) -> None:
    """A labelled value; its further lines are indented under the first."""
    t.append(f"  {label:<10} ", style="dim")
    lines = safe_multiline(str(value), 4000).split("\n")
    t.append(lines[0])
    for line in lines[1:]:
        t.append("\n" + " " * 13 + line)
    t.append("\n")


def _utc(d: Any) -> str:
    if d is None:
        return "?"
    return d.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class TokenView(Static):
    """The tokens as ``token_text`` renders them, redrawn every second for the countdown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lines = -1

    def show(self, infos: list[perms.TokenInfo], now: float, *, revealed: bool, reveal_seconds: float) -> None:
        t = token_text(infos, now, revealed=revealed, reveal_seconds=reveal_seconds)
        lines = t.plain.count("\n")
        self.update(t, layout=lines != self._lines)   # the countdown ticks without a layout pass
        self._lines = lines

