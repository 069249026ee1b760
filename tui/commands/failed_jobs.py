"""``avegraph failed-jobs``: every failed job of a tenant (or of all a partner's customers), headless.

    avegraph failed-jobs [--tenant T] [--since 7d] [--format table|csv|json|jsonl|md|html]
                         [--include-exceptions] [--concurrency N] [--new [--dry-run]]
                         [--watch [--interval S]] [-v]

``--new`` lists only the failures not seen before and marks them seen; ``--watch`` prints new
failures as they appear until Ctrl+C (``failed_jobs_watch``). ``md`` / ``html``: a report grouped
by customer and service (``tui.triage.report``).

Jobs go to stdout (newest first); what each source did goes to stderr (a line per source that
failed; every source with -v, every request with -vv). Exit codes, for cron and monitoring:

    0  nothing failed in the window (every source answered)
    1  at least one job failed (with --new / --watch: at least one *new* failure) (jobs that finished with an exception are listed with
       --include-exceptions but do not, alone, make the exit code 1)
    2  usage or config error           3  no token (authentication)
    4  a source answered 4xx and nothing failed elsewhere
    5  a source answered 5xx, timed out or could not be reached, and nothing failed elsewhere
  130  --watch stopped by Ctrl+C (what arrived is printed and marked seen)
"""

from __future__ import annotations

import asyncio
from typing import Any

from tui.commands.common import EXIT_USAGE, UsageError, eprint, report_error, to_json, to_table, write_output
from tui.export import jobs_export_text
from tui.triage.watch import DEFAULT_INTERVAL   # seconds between --watch scans (the screen's default too)

__all__ = ["run", "render", "DEFAULT_INTERVAL"]


TABLE_COLUMNS = ("customer / tenant", "service", "job type", "job id", "status", "start", "duration",
                 "failed", "total", "first error")


def _parse(args: Any):
    from tui.triage import MAX_CONCURRENCY, Window
    try:
        window = Window.parse(getattr(args, "since", None) or "7d")
    except ValueError as exc:
        raise UsageError(f"--since: {exc}", hint="for example --since 24h, --since 30d or --since 2026-01-31")
    concurrency = getattr(args, "concurrency", None)
    concurrency = 4 if concurrency is None else concurrency
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be between 1 and {MAX_CONCURRENCY} (got {concurrency})")
    if getattr(args, "watch", False):
        from tui.commands.failed_jobs_watch import WATCH_FORMATS
        if args.format not in WATCH_FORMATS:
            raise UsageError(f"--watch prints one failure at a time: --format {args.format} cannot be streamed",
                             hint="use --format table, jsonl or csv with --watch")
        if not getattr(args, "interval", None) or args.interval < 1:
            raise UsageError(f"--interval must be at least 1 second (got {getattr(args, 'interval', None)})")
    elif getattr(args, "interval", None) is not None and args.interval != DEFAULT_INTERVAL:
        raise UsageError("--interval needs --watch")
    if getattr(args, "dry_run", False) and not (getattr(args, "new", False) or getattr(args, "watch", False)):
        raise UsageError("--dry-run needs --new or --watch")
    return window, concurrency


def render(result: Any, fmt: str, tenant_label: str = "") -> str:
    """The jobs of a ScanResult as table, csv, json (with the sources and the window), jsonl (one
    job a line, without its raw item) or a md / html report."""
    jobs = result.sorted_jobs()
    if fmt == "json":
        return to_json(result.to_dict(items=True))
    if fmt == "jsonl":
        from tui.export import to_jsonl
        return to_jsonl(j.to_dict(item=False) for j in jobs)
    if fmt in ("md", "html"):
        from tui.triage.report import render_html, render_markdown
        return (render_markdown if fmt == "md" else render_html)(result, tenant_label)
    if fmt == "csv":
        return jobs_export_text(jobs, "jobs.csv")
    if not jobs:
        return "no failed jobs in the window\n" if not result.include_exceptions else \
            "no failed jobs and no jobs finished with exceptions in the window\n"
    return to_table([j.row() for j in jobs], TABLE_COLUMNS)


def _source_line(s: Any) -> str:
    head = f"{s.label} ({s.id}): {s.state}"
    bits = []
    if s.targets_total > 1:
        bits.append(f"{s.targets_done}/{s.targets_total} {s.scope}s")
    if s.pages:
        bits.append(f"{s.pages} page{'s' if s.pages != 1 else ''}, {s.items} items read")
    if s.server_filter:
        bits.append(f"server filter {s.server_filter}")
    if s.state not in ("skipped",):
        bits.append(f"{s.failed} failed" + (f", {s.attention} with exceptions" if s.attention else ""))
    if s.reason:
        bits.append(s.reason)
    return head + (" — " + "; ".join(bits) if bits else "")


async def _scan(tenant: Any, args: Any, window: Any, concurrency: int, store: Any = None) -> Any:
    from tui.api.session import Session
    from tui.triage import FailedJobsScan
    verbose = int(getattr(args, "verbose", 0) or 0)
    async with Session(tenant) as session:
        if verbose >= 2:
            session.on_exchange.append(lambda ex: eprint(f"avegraph: {ex.summary()}"))

        def on_event(event: Any) -> None:
            s = event.source
            if verbose >= 1 and event.kind == "source" and s is not None and s.finished_state:
                eprint("avegraph: " + _source_line(s))

        scan = FailedJobsScan(session, window=window, include_exceptions=bool(args.include_exceptions),
                              concurrency=concurrency, tenant_label=tenant.name, on_event=on_event)
        if getattr(args, "watch", False):
            from tui.commands.failed_jobs_watch import watch
            return await watch(session, store, since=getattr(args, "since", None) or "7d",
                               include_exceptions=bool(args.include_exceptions), concurrency=concurrency,
                               interval=float(args.interval), fmt=args.format, write=_write_now,
                               dry_run=bool(getattr(args, "dry_run", False)), verbose=verbose,
                               tenant_label=tenant.name)
        return await scan.run()


def _write_now(text: str) -> None:
    write_output(text, None)


def _store_for(tenant: Any, args: Any) -> Any:
    if not (getattr(args, "new", False) or getattr(args, "watch", False)):
        return None
    from tui.triage.seen import SeenStore
    return SeenStore(tenant.name, warn=lambda m: eprint(f"avegraph: {m}")).load()


def run(args: Any) -> int:
    from tui.commands.common import open_tenant
    try:
        window, concurrency = _parse(args)
        with open_tenant(args) as tenant:
            store = _store_for(tenant, args)
            if getattr(args, "watch", False):
                try:
                    return asyncio.run(_scan(tenant, args, window, concurrency, store))
                except KeyboardInterrupt:       # what arrived is printed and marked (watch's finally)
                    eprint("avegraph: watch stopped")
                    return 130
            result = asyncio.run(_scan(tenant, args, window, concurrency))
    except Exception as exc:  # config, usage, or an unexpected failure before the scan ran
        return report_error(exc)
    if store is not None:
        from tui.commands.failed_jobs_watch import only_new
        result = only_new(result, store)
    if result.error and not any(s.pages for s in result.sources):
        eprint(f"avegraph: authentication failed: {result.error}")
        return result.exit_code
    try:
        write_output(render(result, args.format, tenant.name), None, report=args.format in ("table", "md"))
    except OSError as exc:
        return report_error(exc) or EXIT_USAGE
    if store is not None and not getattr(args, "dry_run", False):
        store.mark(result.jobs)             # after the output was written: nothing is marked unseen-by-you
    for s in result.sources:
        for e in s.errors:
            where = f" [{e.target}]" if e.target else ""
            eprint(f"avegraph: {s.label}{where}: {e.message}")
            if e.hint:
                eprint(f"  hint: {e.hint}")
            ex = e.exchange
            if ex is not None and getattr(ex, "request_id", None):
                eprint(f"  request-id {ex.request_id}")
    n_failed = len(result.failed)
    n_exc = len(result.jobs) - n_failed
    ran = [s for s in result.sources if s.state != "skipped"]
    summary = (f"avegraph: {n_failed}{' new' if store is not None else ''} failed" + (f", {n_exc} with exceptions" if result.include_exceptions else "")
               + f" in the {window.label()} across {len(ran)} source{'s' if len(ran) != 1 else ''}")
    bad = [s for s in ran if s.errors]
    if bad:
        summary += f"; {len(bad)} source{'s' if len(bad) != 1 else ''} could not be read completely"
    if int(getattr(args, "verbose", 0) or 0) or bad or n_failed:
        eprint(summary)
    return result.exit_code
