"""`avegraph get PATH-or-ENDPOINT`: fetch, page, print. Data on stdout, diagnostics on stderr.

    avegraph get m365.cloudbackupjobs -p jobState=Failed --all --format csv -o failed.csv
    avegraph get /backup/m365/cloudbackupjobs/JOBID -v
    avegraph get @failed-today                      # a saved request (avegraph saved list)
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.commands.common import (EXIT_OK, UsageError, eprint, format_items, open_tenant, report_error,
                                 write_output)

__all__ = ["run", "resolve_target", "parse_params", "check_params"]


def resolve_target(catalog: Any, target: str) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """(endpoint, path params, query params) for an endpoint id or a concrete path (or URL)."""
    t = target.strip()
    e = catalog.find(t)
    if e is not None:
        return e, {}, {}
    if "/" not in t:
        near = catalog.search(t, limit=5)
        raise UsageError(f"unknown endpoint {t!r}",
                         hint=("did you mean: " + ", ".join(x.id for x in near)) if near else
                         "`avegraph endpoints` lists the endpoint ids")
    parts = urlsplit(t)
    path = "/" + unquote(parts.path).strip("/")
    query: dict[str, Any] = {}
    for k, v in parse_qsl(parts.query, keep_blank_values=False):
        query[k] = [*query[k], v] if isinstance(query.get(k), list) else ([query[k], v] if k in query else v)
    e = catalog.match_path(path)
    if e is None:
        last = [s for s in path.split("/") if s][-1:] or [""]
        near = catalog.search(last[0], limit=5)
        raise UsageError(f"no documented endpoint matches {path}",
                         hint=("close: " + ", ".join(f"{x.path} ({x.id})" for x in near)) if near else
                         "`avegraph endpoints --search TEXT` lists the documented paths")
    rx = re.compile("^/?" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(e.path.strip("/"))) + "/?$", re.I)
    m = rx.match(path.lstrip("/"))
    pp = {k: unquote(v) for k, v in (m.groupdict() if m else {}).items()}
    return e, pp, query


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``-p name=value`` (repeatable); a repeated name becomes a list (``status=500&status=200``)."""
    out: dict[str, Any] = {}
    for raw in pairs:
        if "=" not in raw:
            raise UsageError(f"-p {raw!r}: expected NAME=VALUE")
        k, v = raw.split("=", 1)
        k = k.strip()
        if not k:
            raise UsageError(f"-p {raw!r}: the name is empty")
        if k in out:
            out[k] = [*out[k], v] if isinstance(out[k], list) else [out[k], v]
        else:
            out[k] = v
    return out


def check_params(endpoint: Any, path_params: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Validate against the catalogue before any request; UsageError naming the allowed values."""
    from tui.catalog.validate import validate_params
    values = {**params}
    for k, v in path_params.items():
        values.setdefault(k, v)
    clean, errors = validate_params(endpoint, values)
    pag = endpoint.pagination
    pager_owned = {n.lower() for n in (pag.page_param, pag.size_param, pag.cursor_param, pag.offset_param) if n}
    errors = {k: v for k, v in errors.items() if not (k.lower() in pager_owned and k not in values)}
    if errors:
        lines = [f"{name}: {msg}" for name, msg in errors.items()]
        raise UsageError(f"{endpoint.id}: " + "; ".join(lines),
                         hint="give parameters with -p NAME=VALUE; enum values may be given by value or label")
    return clean


async def _fetch(tenant: Any, endpoint: Any, pp: dict, params: dict, max_pages: int | None,
                 verbose: int, page_size: int | None = None) -> tuple[list, Any, BaseException | None]:
    from tui.api.errors import ApiError
    from tui.api.session import Session
    items: list = []
    session = Session(tenant)
    if verbose:
        session.on_exchange.append(lambda ex: _show_exchange(ex, verbose))
    try:
        pager = session.pager(endpoint, pp, params, page_size=page_size, max_pages=max_pages)
        try:
            async for page in pager.pages():
                items.extend(page.items)
                if verbose:
                    total = f" of {page.total}" if page.total is not None else ""
                    eprint(f"  page {page.number}: {len(page.items)} items ({page.loaded}{total} loaded)"
                           + ("" if page.next_cursor is not None else ", last page"))
                    if page.notice:
                        eprint(f"  note: {page.notice}")
        except ApiError as exc:
            return items, pager, exc
        return items, pager, None
    finally:
        await session.aclose()


def _show_exchange(ex: Any, verbose: int) -> None:
    status = f"{ex.status} {ex.reason}".strip() if ex.status is not None else "failed"
    parts = [f"{ex.method} {ex.url}", f"-> {status}"]
    if ex.elapsed is not None:
        parts.append(f"{ex.elapsed * 1000:.0f} ms")
    if ex.ttfb is not None:
        parts.append(f"(first byte {ex.ttfb * 1000:.0f} ms)")
    parts.append(f"{ex.size} B")
    if ex.retries:
        parts.append(f"{ex.retries} retr{'y' if ex.retries == 1 else 'ies'} [{'; '.join(ex.attempts)}]")
    if ex.request_id:
        parts.append(f"request-id {ex.request_id}")
    if ex.trace_id:
        parts.append(f"traceId {ex.trace_id}")
    if ex.truncated:
        parts.append("(body truncated)")
    eprint("avegraph: " + " ".join(parts))
    if verbose >= 2:
        for k, v in ex.masked_request_headers():
            eprint(f"    > {k}: {v}")
        if ex.kind == "token" and isinstance(ex.request_body, dict):
            eprint("    > " + "&".join(f"{k}={v}" for k, v in ex.request_body.items()))
        for k, v in ex.masked_response_headers():
            eprint(f"    < {k}: {v}")
        eprint(f"    curl: {ex.to_curl()}")
    if ex.error and verbose:
        eprint(f"    error: {ex.error}")


def run(args: Any) -> int:
    from tui.catalog import load_catalog
    verbose = int(getattr(args, "verbose", 0) or 0)
    if verbose >= 2:
        import logging
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("avegraph: debug: %(message)s"))
        lg = logging.getLogger("avegraph")
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        catalog = load_catalog()
        target, saved = args.target, {}
        if target.strip().startswith("@"):          # a saved request: its endpoint and parameters, -p on top
            from tui.commands.saved import saved_target
            target, saved = saved_target(args, catalog)
        endpoint, pp, query = resolve_target(catalog, target)
        if not endpoint.read_only:
            raise UsageError(f"{endpoint.method} {endpoint.path} ({endpoint.id}) is a write operation: never sent",
                             hint="avegraph is read-only by design")
        params = {**query, **saved, **parse_params(getattr(args, "param", []) or [])}
        path_names = {n.lower(): n for n in endpoint.path_params}
        for k in list(params):
            if k.lower() in path_names:
                pp[path_names[k.lower()]] = params.pop(k)
        missing = [n for n in endpoint.path_params if not pp.get(n)]
        if missing:
            raise UsageError(f"{endpoint.id} needs {', '.join(missing)} ({endpoint.path})",
                             hint=f"give {' '.join(f'-p {n}=VALUE' for n in missing)} or a concrete path")
        clean = check_params(endpoint, pp, params)
        params = {k: v for k, v in clean.items() if k not in pp and k.lower() not in path_names}
        if args.all:
            max_pages = None
        elif args.max_pages is not None:
            if args.max_pages < 1:
                raise UsageError("--max-pages must be at least 1")
            max_pages = args.max_pages
        else:
            max_pages = 1
        # --all without a page size: the documented maximum, so that fewer requests fetch everything.
        pag = endpoint.pagination
        user_size = pag.size_param and any(k.lower() == pag.size_param.lower() for k in params)
        page_size = pag.size_max if (args.all and not user_size and pag.size_max) else None
        with open_tenant(args) as tenant:
            if verbose:
                eprint(f"avegraph: tenant {tenant.name}: {endpoint.id} {endpoint.method} {endpoint.path}")
            items, pager, error = asyncio.run(_fetch(tenant, endpoint, pp, params, max_pages, verbose, page_size))
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        from tui.api.errors import ApiError
        from tui.config import ConfigError
        if isinstance(exc, (ApiError, ConfigError, UsageError, OSError)):
            return report_error(exc)
        raise
    single = endpoint.items_path is None
    fmt = args.format
    to_terminal = not args.output and sys.stdout.isatty()
    columns = endpoint.columns(limit=8) if fmt == "table" else None
    if error is not None:
        if items and not args.output:
            write_output(format_items(items, fmt, single=single, columns=columns, to_terminal=to_terminal), None)
        if items:
            eprint(f"avegraph: partial result: {len(items)} items from {pager.number} page(s) before the failure"
                   + (f"; {args.output} was not written" if args.output else ""))
        return report_error(error)
    text = format_items(items, fmt, single=single, columns=columns, to_terminal=to_terminal)
    try:
        write_output(text, args.output)
    except OSError as exc:
        return report_error(exc)
    if pager.notice and not (max_pages == 1 and "page cap" in pager.notice):
        eprint(f"avegraph: note: {pager.notice}")
    if pager.more and max_pages is not None:
        total = f" of {pager.total}" if pager.total is not None else ""
        eprint(f"avegraph: {pager.loaded}{total} items loaded; more pages exist: use --all or --max-pages N")
    if verbose:
        total = f" of {pager.total}" if pager.total is not None else ""
        eprint(f"avegraph: {len(items)}{total} items in {pager.number} page(s)"
               + (f", written to {args.output}" if args.output else ""))
    return EXIT_OK
