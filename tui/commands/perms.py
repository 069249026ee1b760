"""`avegraph perms`: what the token holds, what each endpoint needs, and (with --probe / --discover)
what the service and the identity service really say. The headless twin of the Permissions screen.

Never prints the raw token (``avegraph token --raw`` is the one way to get it). Exit codes: 0 when
the check ran (whatever it found), 2 usage/config, 3 when no token could be had, 5 when the
identity service or the API could not be reached.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone
from typing import Any

from tui.commands.common import (EXIT_AUTH, EXIT_HTTP_5XX, EXIT_OK, eprint, open_tenant, report_error, to_json,
                                 to_table, write_output)

__all__ = ["run", "collect", "render_table"]


async def collect(tenant: Any, *, probe: bool = False, discover: bool = False, concurrency: int = 4,
                  progress: Any = None, session: Any = None) -> dict[str, Any]:
    """Everything the command reports, as plain data (no raw token anywhere)."""
    from tui import perms
    from tui.api.session import Session
    from tui.catalog import load_catalog
    catalog = load_catalog()
    own = session is None
    session = session or Session(tenant, catalog)
    try:
        infos = await perms.token_infos(session)
        now = datetime.now(timezone.utc).timestamp()
        granted = perms.granted_of(infos)
        matrix = perms.scope_matrix(catalog, granted)
        out: dict[str, Any] = {
            "tenant": tenant.name,
            "client_id": tenant.client_id,
            "auth": tenant.auth,
            "tokens": [i.to_dict(now) for i in infos],
            "granted_scopes": sorted(granted.values(), key=str.lower) if granted is not None else None,
            "matrix": [r.to_dict() for r in matrix],
            "matrix_counts": perms.matrix_counts(matrix),
        }
        fatal = None
        if all(i.claims is None for i in infos):
            fatal = infos[0].error if infos else None
        if probe:
            if fatal is not None:
                out["probe"] = {"aborted": "no token: " + perms.error_text(fatal), "results": []}
            else:
                plans = perms.probe_plan(catalog, families=perms.families_of(granted))
                results = [r async for r in perms.iter_probe(session, plans, concurrency, preflight=False)]
                order = {p.endpoint.id: i for i, p in enumerate(plans)}
                results.sort(key=lambda r: order.get(r.endpoint.id, 0))
                states = {r.endpoint.id: r.state for r in matrix}
                dicts = [r.to_dict(states.get(r.endpoint.id)) for r in results]
                out["probe"] = {"aborted": None, "results": dicts, "counts": _count(r.outcome for r in results),
                                "disagreements": sum(1 for d in dicts if d["disagrees_with_catalogue"])}
        if discover:
            results, aborted = [], None
            try:
                async for r in perms.iter_discover(session, catalog, concurrency=concurrency, progress=progress):
                    results.append(r)
            except perms.DiscoveryAborted as exc:
                aborted = exc.message
                fatal = fatal or exc.error
            order = {s.lower(): i for i, s in enumerate(catalog.all_scopes())}
            results.sort(key=lambda r: order.get(r.scope.lower(), len(order)))
            out["discovery"] = {"aborted": aborted, "results": [r.to_dict() for r in results],
                                "counts": _count(r.state for r in results)}
        out["_fatal"] = fatal
        return out
    finally:
        if own:
            await session.aclose()


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _when(iso: str | None) -> str:
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def render_table(data: dict[str, Any]) -> str:
    from tui import perms
    from tui.textsafe import safe_text
    lines = [f"tenant {safe_text(data['tenant'])}  (client {safe_text(data['client_id'])}, {data['auth']} auth)", ""]
    lines.append("TOKENS")
    for t in data["tokens"]:
        head = f"  bundle {safe_text(t['bundle'])}: {t['state']}"
        if t["state"] != "error":
            head += f", expires in {perms.format_countdown(t.get('expires_in'))}"
        lines.append(head)
        if t.get("error"):
            lines.append(f"    error      {safe_text(t['error'], 400)}")
        if "client_id" in t:
            for label, key in (("client id", "client_id"), ("issuer", "issuer"), ("tenant", "tenant")):
                lines.append(f"    {label:<10} {safe_text(str(t.get(key) or ''), 200)}")
            lines.append(f"    {'audience':<10} {safe_text(' '.join(t.get('audience') or []), 200)}")
            lines.append(f"    {'issued':<10} {_when(t.get('issued_at'))}")
            lines.append(f"    {'expires':<10} {_when(t.get('expires_at'))}")
            scopes = t.get("scopes") or []
            lines.append(f"    {'scopes':<10} " + ("\n               ".join(safe_text(s, 120) for s in scopes)
                                                  if scopes else "(not stated)"))
        lines.append(f"    {'token URL':<10} {safe_text(t.get('token_url') or '', 200)}")
        if t["state"] == "undecodable":
            lines.append("    the token is not a JWT (opaque or malformed): its claims cannot be read")
        if t.get("requested_scopes"):
            lines.append(f"    {'requested':<10} {safe_text(' '.join(t['requested_scopes']), 400)}")
    lines.append("")
    granted = data.get("granted_scopes")
    counts = data["matrix_counts"]
    lines.append(f"SCOPE MATRIX  {counts['granted']} granted, {counts['missing']} missing, "
                 f"{counts['unknown']} unknown (of {sum(counts.values())} endpoints)")
    if granted is not None:
        lines.append("  the tokens hold: " + (", ".join(granted) or "(none)"))
    rows = [{"state": r["state"], "service": r["service"], "endpoint": r["endpoint"], "method": r["method"],
             "scope": " or ".join(r["scopes"])} for r in data["matrix"]]
    lines.append(_indent(to_table(rows, max_width=60)))
    probe = data.get("probe")
    if probe is not None:
        lines.append("PROBE")
        if probe["aborted"]:
            lines.append(f"  not run: {safe_text(probe['aborted'], 400)}")
        else:
            sent = [r for r in probe["results"] if r["outcome"] != "skipped"]
            rows = [{"outcome": (str(r["status"]) if r["status"] is not None else
                                 perms.OUTCOME_LABELS.get(r["outcome"], r["outcome"])),
                     "endpoint": r["endpoint"], "scope": " or ".join(r["scopes"]),
                     "request-id": r["request_id"] or "", "message": r["message"] or r["note"]} for r in sent]
            c = probe["counts"]
            lines.append("  " + ", ".join(f"{perms.OUTCOME_LABELS.get(k, k)}: {v}" for k, v in sorted(c.items())))
            odd = [r for r in sent if r.get("disagrees_with_catalogue")]
            if odd:
                lines.append(f"  {len(odd)} disagree with the catalogue:")
                lines += [f"    {safe_text(r['endpoint'])}: {r['disagrees_with_catalogue']}" for r in odd]
            lines.append(_indent(to_table(rows, max_width=70)))
            skipped = [r for r in probe["results"] if r["outcome"] == "skipped"]
            if skipped:
                why = _count(r["note"].split(" (")[0] for r in skipped)
                lines.append(f"  not sent: {len(skipped)} (" + "; ".join(f"{k}: {v}" for k, v in why.items()) + ")")
            lines.append("")
    disc = data.get("discovery")
    if disc is not None:
        lines.append("DISCOVERY  which catalogue scopes the app registration can obtain")
        if disc["aborted"]:
            lines.append(f"  stopped: {safe_text(disc['aborted'], 400)}")
        c = disc["counts"]
        lines.append(f"  granted {c.get('granted', 0)}, refused {c.get('refused', 0)}")
        rows = [{"scope": r["scope"], "result": r["state"],
                 "identity service says": (f"granted as {r['spelling']}" if r["state"] == "granted" and
                                           r["spelling"] != r["scope"] else r["description"])}
                for r in disc["results"]]
        lines.append(_indent(to_table(rows, max_width=90)))
    return "\n".join(lines).rstrip() + "\n"


def _indent(text: str) -> str:
    return "\n".join("  " + ln if ln else ln for ln in text.splitlines()) + "\n"


def run(args: Any) -> int:
    from tui.api.errors import ApiError
    from tui.config import ConfigError
    fmt = getattr(args, "format", "table") or "table"
    progress = None
    if getattr(args, "discover", False) and fmt == "table" and sys.stderr.isatty():
        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\rdiscovering scopes: {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()
    try:
        with open_tenant(args) as tenant:
            data = asyncio.run(collect(tenant, probe=bool(getattr(args, "probe", False)),
                                       discover=bool(getattr(args, "discover", False)), progress=progress))
    except (ApiError, ConfigError, OSError) as exc:
        return report_error(exc)
    fatal = data.pop("_fatal", None)
    write_output(to_json(data) if fmt == "json" else render_table(data), None, report=fmt != "json")
    if fatal is not None:
        from tui.api.errors import AuthError, CredentialError, NetworkError
        msg = getattr(fatal, "message", None) or str(fatal)
        eprint(f"avegraph: no token: {msg}")
        if isinstance(fatal, NetworkError) or (getattr(fatal, "status", 0) or 0) >= 500:
            return EXIT_HTTP_5XX
        if isinstance(fatal, (AuthError, CredentialError)):
            return EXIT_AUTH
        return EXIT_AUTH
    return EXIT_OK
