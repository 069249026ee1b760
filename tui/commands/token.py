"""`avegraph token`: the decoded claims and expiry of each scope bundle's token.

Tokens come from ``perms.token_infos`` (the one token check, shared with ``avegraph perms`` and
the TUI). A bundle whose token cannot be had is listed with its error and the command exits with
that error's code after printing the others. Never the raw token unless ``--raw`` (then on
stdout, after a warning on stderr).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from tui.commands.common import EXIT_OK, eprint, open_tenant, report_error, to_json, write_output

__all__ = ["run"]


async def _token_infos(tenant: Any) -> list:
    from tui import perms
    from tui.api.session import Session
    async with Session(tenant) as session:
        return await perms.token_infos(session)


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds <= 0:
        return "expired"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if h else f"{m} min {s} s"


def run(args: Any) -> int:
    from tui.api.errors import ApiError
    from tui.config import ConfigError
    try:
        with open_tenant(args) as tenant:
            infos = asyncio.run(_token_infos(tenant))
            name = tenant.name
    except (ApiError, ConfigError, OSError) as exc:
        return report_error(exc)
    failed = next((i.error for i in infos if i.claims is None and i.error is not None), None)
    if failed is not None and all(i.claims is None for i in infos):
        return report_error(failed)                     # nothing to show: the error alone, as before
    raw = bool(getattr(args, "raw", False))
    if raw:
        eprint("avegraph: warning: the output holds access tokens; anyone with them can call the API "
               "until they expire")
    now = datetime.now(timezone.utc)
    if args.format == "json":
        out = []
        for info in infos:
            d = info.to_dict(now.timestamp())
            if raw and info.claims is not None:
                d["access_token"] = info.raw
            out.append(d)
        write_output(to_json({"tenant": name, "tokens": out}), None)
    else:
        write_output(_text(name, infos, now, raw), None, report=True)  # claims are the server's text
    return report_error(failed) if failed is not None else EXIT_OK


def _text(name: str, infos: list, now: datetime, raw: bool) -> str:
    from tui import perms
    from tui.textsafe import safe_multiline
    lines = [f"tenant {name}"]
    for info in infos:
        scopes = info.requested
        lines.append("")
        lines.append(f"bundle {info.bundle}" + (f" (requested: {' '.join(scopes)})" if scopes else
                                                " (no scope requested: every scope the app holds)"))
        c = info.claims
        if c is None:
            lines.append(f"  (no token: {safe_multiline(perms.error_text(info.error))})")
            continue
        exp = c.expires_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if c.expires_at else "?"
        rows = [
            ("client_id", c.client_id or ""), ("tenant", c.tenant or ""), ("issuer", c.issuer or ""),
            ("audience", " ".join(c.audience)),
            ("issued", c.issued_at.strftime("%Y-%m-%d %H:%M:%S UTC") if c.issued_at else ""),
            ("expires", f"{exp} (in {_left(c.expires_in(now.timestamp()))})"),
            ("scopes", "\n            ".join(c.scopes) or "(none stated)"),
        ]
        for k, v in rows:
            lines.append(f"  {k:<9} {safe_multiline(str(v))}")
    if raw:
        for info in infos:
            if info.claims is not None:
                lines.append("")
                lines.append(f"access token ({info.bundle}):")
                lines.append(info.raw)
    return "\n".join(lines) + "\n"
