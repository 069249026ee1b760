"""`avegraph doctor [--tenant T]`: a report to paste into a support ticket (secrets masked)."""

from __future__ import annotations

import asyncio
import sys

from tui import __version__
from tui.doctor import Check, config_checks, tenant_checks


def _line(c: Check) -> str:
    mark = {True: "ok  ", False: "FAIL", None: "    "}[c.ok]
    return f"{mark} {c.name}: {c.detail}"


def _say(text: str) -> None:
    """A report line on stdout, as the checks finish (a slow check shows what ran before it).
    A report for people: the server's words in it (a token error) are made terminal-safe."""
    from tui.commands.common import write_output
    write_output(text + "\n", None, report=True)


def _files_check(demo: bool) -> Check:
    """Where avegraph keeps its files (tui.paths: $XDG_CONFIG_HOME, $XDG_STATE_HOME, $XDG_DATA_HOME)."""
    from tui.paths import config_dir, data_dir, state_dir
    detail = f"config {config_dir()}, state {state_dir()}, data {data_dir()}"
    if demo:
        from tui.simulator.demo import demo_dir
        detail += f"; demo credentials in {demo_dir()}"
    return Check("files", None, detail)


async def _token_attempt(tenant) -> Check:
    from tui.api.errors import ApiError
    from tui.api.session import Session
    session = Session(tenant)
    try:
        claims = await session.acquire_all()
        scopes = sorted({s for c in claims.values() for s in c.scopes}, key=str.lower)
        return Check("token", True, f"{len(claims)} token(s), {len(scopes)} scope(s) granted: "
                                    + ", ".join(scopes[:12]) + (" …" if len(scopes) > 12 else ""))
    except ApiError as exc:
        hint = f" — {exc.hint}" if getattr(exc, "hint", None) else ""
        return Check("token", False, f"{exc.message}{hint}")
    except Exception as exc:  # the report goes on; the reason is printed, not a traceback
        return Check("token", False, f"{type(exc).__name__}: {exc}")
    finally:
        await session.aclose()


def run(args) -> int:
    from tui.commands.common import eprint, open_tenant, report_error
    from tui.config import ConfigError, load_config, resolve_config_path

    _say(f"avegraph {__version__} · Python {sys.version.split()[0]} · {sys.platform}")
    path = resolve_config_path(args.config)
    checks = config_checks(path) if not args.demo else [Check("config", None, "--demo: the embedded simulator")]
    checks.append(_files_check(bool(args.demo)))
    if not args.demo and path.exists():
        try:
            cfg = load_config(path)
            checks.append(Check("tenants", None, ", ".join(cfg.tenant_names) or "(none)"))
            checks.extend(Check("warning", None, w) for w in cfg.warnings)
        except ConfigError as exc:
            checks.append(Check("config valid", False, str(exc)))
    for c in checks:
        _say(_line(c))
    failed = any(c.ok is False for c in checks)
    if not args.demo and not args.tenant and not path.exists():
        return 2
    try:
        with open_tenant(args) as tenant:
            for c in tenant_checks(tenant):
                _say(_line(c))
                failed |= c.ok is False
            c = asyncio.run(_token_attempt(tenant))
            _say(_line(c))
            failed |= c.ok is False
    except ConfigError as exc:
        return report_error(exc)
    if failed:
        eprint("doctor: some checks failed (see FAIL lines above)")
    return 1 if failed else 0
