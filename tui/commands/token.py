"""`avegraph token`: the decoded claims and expiry of each scope bundle's token.

Never the raw token unless ``--raw`` (then on stdout, after a warning on stderr).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from tui.commands.common import EXIT_OK, eprint, open_tenant, report_error, to_json, write_output

__all__ = ["run"]


async def _claims(tenant: Any) -> tuple[list, dict]:
    from tui.api.session import Session
    async with Session(tenant) as session:
        claims = await session.acquire_all()
        bundles = [(b.name, b.scopes) for b in session.bundles]
        return bundles, claims


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
            bundles, claims = asyncio.run(_claims(tenant))
            name = tenant.name
    except (ApiError, ConfigError, OSError) as exc:
        return report_error(exc)
    if args.format == "json":
        out = []
        for bname, scopes in bundles:
            c = claims.get(bname)
            d = {"bundle": bname, "requested_scopes": list(scopes) or None, **(c.to_dict() if c else {})}
            if getattr(args, "raw", False) and c is not None:
                d["access_token"] = c.raw
            out.append(d)
        if getattr(args, "raw", False):
            eprint("avegraph: warning: the output holds access tokens; anyone with them can call the API "
                   "until they expire")
        write_output(to_json({"tenant": name, "tokens": out}), None)
        return EXIT_OK
    lines = [f"tenant {name}"]
    now = datetime.now(timezone.utc)
    for bname, scopes in bundles:
        c = claims.get(bname)
        lines.append("")
        lines.append(f"bundle {bname}" + (f" (requested: {' '.join(scopes)})" if scopes else
                                          " (no scope requested: every scope the app holds)"))
        if c is None:
            lines.append("  (no token)")
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
            lines.append(f"  {k:<9} {v}")
    if getattr(args, "raw", False):
        eprint("avegraph: warning: the output holds access tokens; anyone with them can call the API until they "
               "expire")
        for bname, _ in bundles:
            c = claims.get(bname)
            if c is not None:
                lines.append("")
                lines.append(f"access token ({bname}):")
                lines.append(c.raw)
    write_output("\n".join(lines) + "\n", None, report=True)  # claims are the server's text
    return EXIT_OK
