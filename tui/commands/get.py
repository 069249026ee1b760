"""`avegraph get PATH-or-ENDPOINT`: fetch, page, print. Data on stdout, diagnostics on stderr.

Rows stream page by page to stdout or ``--output`` (``get_output``, ``get_walk``): memory stays
flat at any size, Ctrl+C keeps what arrived and names the cursor to continue from.

    avegraph get m365.cloudbackupjobs -p jobState=Failed --all --format csv -o failed.csv
    avegraph get /backup/m365/cloudbackupjobs/JOBID -v
    avegraph get @failed-today                      # a saved request (avegraph saved list)
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.commands.common import (EXIT_HTTP_5XX, EXIT_OK, UsageError, eprint, install_debug_log, open_tenant,
                                 report_error)
from tui.export import EXTRA_COLUMN

__all__ = ["run", "resolve_target", "parse_params", "check_params", "check_path_params", "with_default_window",
           "resume_args", "EXIT_INTERRUPTED"]

EXIT_INTERRUPTED = 130          # Ctrl+C / SIGTERM: what arrived is written, the resume cursor said


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


def _allowed(p: Any) -> str:
    return ", ".join(f"{v.value} ({v.label})" for v in p.enum)


def _add_hint(endpoint: Any, names: list[str]) -> str:
    """The exact -p arguments to add: an enum parameter shows a documented value, the others VALUE."""
    adds, examples = [], []
    for n in names:
        p = endpoint.param(n)
        if p is not None and p.enum:
            adds.append(f"-p {n}={p.enum[0].value}")
            examples.append(f"{n}={p.enum[0].value} is {p.enum[0].label}")
        else:
            adds.append(f"-p {n}=VALUE")
    return "add " + " ".join(adds) + (f" ({'; '.join(examples)}; labels work too)" if examples else "")


def check_path_params(endpoint: Any, path_params: dict[str, Any]) -> None:
    """UsageError when a path parameter is missing, listing the documented values of an enum one
    (``{productType}``: 1 DocAve Online, 4 Cloud Governance, ...) and the exact ``-p`` to add."""
    missing = [n for n in endpoint.path_params if not path_params.get(n)]
    if not missing:
        return
    enums = [endpoint.param(n) for n in missing if endpoint.param(n) is not None and endpoint.param(n).enum]
    allowed = "".join(f"; {p_.name} is one of: {_allowed(p_)}" for p_ in enums)
    raise UsageError(f"{endpoint.id} needs {', '.join(missing)} ({endpoint.path}){allowed}",
                     hint=_add_hint(endpoint, missing) + " or give a concrete path")


def check_params(endpoint: Any, path_params: dict[str, Any], params: dict[str, Any], *,
                 raw: bool = False) -> dict[str, Any]:
    """Validate against the catalogue before any request; UsageError naming the allowed values.
    An enum path parameter given by its label is replaced by its value in ``path_params``.

    A name the endpoint does not document is refused with the names it does (a typo would
    otherwise be sent, ignored by the service, and return unfiltered rows); ``raw`` sends it.
    """
    from tui.catalog.validate import validate_params
    if not raw:
        _refuse_unknown(endpoint, params)
    values = {**params}
    for k, v in path_params.items():
        values.setdefault(k, v)
    clean, errors = validate_params(endpoint, values)
    pag = endpoint.pagination
    pager_owned = {n.lower() for n in (pag.page_param, pag.size_param, pag.cursor_param, pag.offset_param) if n}
    errors = {k: v for k, v in errors.items() if not (k.lower() in pager_owned and k not in values)}
    if errors:
        lines = [f"{name}: {msg}" for name, msg in errors.items()]
        enum_names = [n for n in errors if (endpoint.param(n) is not None and endpoint.param(n).enum)]
        hint = "give parameters with -p NAME=VALUE; enum values may be given by value or label"
        if enum_names:
            hint = _add_hint(endpoint, enum_names)
        raise UsageError(f"{endpoint.id}: " + "; ".join(lines), hint=hint)
    for k in list(path_params):
        hit = next((v for name, v in clean.items() if name.lower() == k.lower()), None)
        if hit is not None:
            path_params[k] = hit
    return clean


def _refuse_unknown(endpoint: Any, params: dict[str, Any]) -> None:
    import difflib
    known = {p.name.lower(): p.name for p in endpoint.params}
    unknown = [k for k in params if k.lower() not in known]
    if not unknown:
        return
    names = [p.name for p in endpoint.params if p.location != "path"]
    listed = ("its parameters: " + ", ".join(names)) if names else "it takes no parameters"
    close = [known[m] for k in unknown for m in difflib.get_close_matches(k.lower(), list(known), n=1, cutoff=0.6)]
    raise UsageError(f"{endpoint.id} has no parameter {', '.join(map(repr, unknown))}; {listed}",
                     hint=(f"did you mean {', '.join(close)}? " if close else "")
                     + "--raw sends undocumented parameters as given")


def with_default_window(endpoint: Any, params: dict[str, Any], since: str | None) -> tuple[dict[str, Any], str | None]:
    """``params`` with the explorer's time window for a job or audit list (the last 7 days, or
    ``--since``) unless a start or end time is given; ``--since all`` sends none. (params, note)."""
    from tui.catalog.defaults import DEFAULT_WINDOW, has_window, window_values
    from tui.catalog.validate import time_params
    no_window = since is not None and since.strip().lower() in ("all", "none")
    if not has_window(endpoint):
        if since is not None and not no_window:
            raise UsageError(f"--since: {endpoint.id} has no time window",
                             hint="its parameters: " + (", ".join(p.name for p in endpoint.user_params()) or "none"))
        return params, None
    start, end = time_params(endpoint)
    given = {k.lower() for k in params}
    if start.name.lower() in given or end.name.lower() in given:
        if since is not None:
            raise UsageError(f"--since and -p {start.name}/{end.name} both set the time window",
                             hint="give one of them")
        return params, None
    if no_window:
        return params, None
    try:
        values, note = window_values(endpoint, since or DEFAULT_WINDOW)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}", hint="for example --since 24h, --since 30d, --since 2026-01-31 "
                                                 "or --since all") from None
    return {**params, **values}, note


async def _fetch(tenant: Any, endpoint: Any, pp: dict, params: dict, max_pages: int | None,
                 verbose: int, page_size: int | None, writer: Any, *, start: Any = None,
                 deadline: float | None = None) -> tuple[Any, Any]:
    """Walk the pages into ``writer`` as they come: (pager, WalkOutcome)."""
    from tui.api.session import Session
    from tui.commands.get_walk import walk
    # A small history: the CLI never looks back, and each Exchange holds its page's body.
    session = Session(tenant, history_size=4)
    if verbose:
        session.on_exchange.append(lambda ex: _show_exchange(ex, verbose))
    try:
        pager = session.pager(endpoint, pp, params, page_size=page_size, max_pages=max_pages, start=start)
        pager.keep_exchanges = 2
        outcome = await walk(session, pager, writer, deadline=deadline, verbose=verbose)
        return pager, outcome
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


def resume_args(endpoint: Any, cursor: Any, pinned: dict[str, Any] | None = None) -> str:
    """What to add to the same command line to continue at ``cursor``: the page parameter for an
    endpoint that pages by number (``-p pageIndex=57``), else ``--resume CURSOR``. ``pinned``: the
    default time window this walk used, given as -p so that a later run pages the same window."""
    import shlex
    pin = "".join(f"-p {k}={shlex.quote(str(v))} " for k, v in (pinned or {}).items())
    pag = endpoint.pagination
    text = str(cursor)
    if text.isdigit() and pag.style in ("page_index", "start_page") and pag.page_param:
        return f"{pin}-p {pag.page_param}={text}"
    if text.isdigit() and pag.style == "top_skip" and pag.offset_param:
        return f"{pin}-p {pag.offset_param}={text}"
    return f"{pin}--resume {shlex.quote(text)}"


def _stopped_report(args: Any, endpoint: Any, pager: Any, outcome: Any, why: str,
                    pinned: dict[str, Any] | None = None) -> None:
    """rows, pages, where they went and how to continue, on stderr."""
    where = f"written to {args.output} (complete up to the last whole row)" if args.output else "written"
    if outcome.error is not None:
        eprint(f"avegraph: partial result: {outcome.rows} items from {outcome.pages} page(s) before the failure, "
               f"{where}")
    else:
        eprint(f"avegraph: {why}: {outcome.rows} row{'s' if outcome.rows != 1 else ''} in {outcome.pages} "
               f"page{'s' if outcome.pages != 1 else ''} {where}")
    cursor = pager.resume_cursor
    if cursor is None:
        return
    again = resume_args(endpoint, cursor, pinned)
    into = " and another --output (this one would be replaced)" if args.output else ""
    eprint(f"avegraph: to continue, run the same command with {again}{into}")
    eprint(f"avegraph: resume cursor: {cursor}")


def run(args: Any) -> int:
    from tui.catalog import load_catalog
    from tui.commands.get_output import FileSink, StdoutSink, make_writer
    verbose = int(getattr(args, "verbose", 0) or 0)
    if verbose >= 2:
        install_debug_log()
    sink = None
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
        check_path_params(endpoint, pp)
        given = dict(params)
        params, window_note = with_default_window(endpoint, params, getattr(args, "since", None))
        pinned = {k: v for k, v in params.items() if k not in given}   # the window this run chose
        clean = check_params(endpoint, pp, params, raw=bool(getattr(args, "raw", False)))
        params = {k: v for k, v in clean.items() if k not in pp and k.lower() not in path_names}
        if args.all:
            max_pages = None
        elif args.max_pages is not None:
            if args.max_pages < 1:
                raise UsageError("--max-pages must be at least 1")
            max_pages = args.max_pages
        else:
            max_pages = 1
        deadline = getattr(args, "deadline", None)
        if deadline is not None and not (deadline > 0 and deadline != float("inf")):
            raise UsageError(f"--deadline {deadline:g}: give the seconds the whole walk may take (more than 0)")
        start = getattr(args, "resume", None)
        # --all without a page size: the documented maximum, so that fewer requests fetch everything.
        pag = endpoint.pagination
        user_size = pag.size_param and any(k.lower() == pag.size_param.lower() for k in params)
        # Otherwise the explorer's page size, so that the first page holds the same rows in both.
        from tui.catalog.defaults import page_size as default_page_size
        page_size = None if user_size else (pag.size_max if args.all and pag.size_max else default_page_size(endpoint))
        with open_tenant(args) as tenant:
            if verbose:
                eprint(f"avegraph: tenant {tenant.name}: {endpoint.id} {endpoint.method} {endpoint.path}")
            if window_note and (verbose or getattr(args, "since", None)):
                eprint(f"avegraph: note: {window_note}")
            fmt = args.format
            to_file = bool(args.output) and args.output != "-"
            sink = FileSink(args.output) if to_file else StdoutSink()   # a terminal gets sanitised text
            writer = make_writer(fmt, sink, endpoint, csv_raw=bool(getattr(args, "csv_raw", False)))
            pager, outcome = asyncio.run(_fetch(tenant, endpoint, pp, params, max_pages, verbose, page_size, writer,
                                                start=start, deadline=deadline))
            # A walk that failed before any row leaves no output (no "[]", no lone header).
            keep = not (outcome.error is not None and outcome.rows == 0)
            if keep and not outcome.reader_gone:
                writer.close()
            sink.finish(keep=keep)
            sink = None
    except KeyboardInterrupt:
        if sink is not None:
            sink.finish(keep=False)
        raise
    except Exception as exc:
        if sink is not None:
            sink.finish(keep=False)
        from tui.api.errors import ApiError
        from tui.config import ConfigError
        if isinstance(exc, (ApiError, ConfigError, UsageError, OSError)):
            return report_error(exc)
        raise
    if outcome.reader_gone:
        return EXIT_OK
    if outcome.interrupted is not None:
        _stopped_report(args, endpoint, pager, outcome, f"interrupted ({outcome.interrupted})", pinned)
        return EXIT_INTERRUPTED
    if outcome.deadline_hit:
        _stopped_report(args, endpoint, pager, outcome, f"stopped at the --deadline of {deadline:g} s", pinned)
        return EXIT_HTTP_5XX
    if outcome.error is not None:
        if outcome.rows:
            _stopped_report(args, endpoint, pager, outcome, "partial result before the failure", pinned)
        return report_error(outcome.error)
    if pager.notice and not (max_pages == 1 and "page cap" in pager.notice):
        eprint(f"avegraph: note: {pager.notice}")
    extra = getattr(writer, "extra_keys", None)
    if extra:
        eprint(f"avegraph: note: later rows had fields the CSV header lacks ({', '.join(list(extra)[:8])}"
               f"{', …' if len(extra) > 8 else ''}); they are in its last column, {EXTRA_COLUMN}, as JSON")
    if pager.more and max_pages is not None:
        total = f" of {pager.total}" if pager.total is not None else ""
        eprint(f"avegraph: {pager.loaded}{total} items loaded; more pages exist: use --all or --max-pages N"
               f" (or continue with {resume_args(endpoint, pager.resume_cursor, pinned)})")
    if verbose:
        total = f" of {pager.total}" if pager.total is not None else ""
        eprint(f"avegraph: {outcome.rows}{total} items in {pager.number} page(s)"
               + (f", written to {args.output}" if args.output else ""))
    return EXIT_OK
