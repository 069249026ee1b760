"""`avegraph endpoints`: the catalogue of documented endpoints with their scopes.

Read-only endpoints by default; ``--all`` adds the documented write operations, flagged
"write, never sent". No network, no config.
"""

from __future__ import annotations

from typing import Any

from tui.commands.common import EXIT_OK, UsageError, report_error, to_csv, to_json, to_table, write_output

__all__ = ["run", "select", "format_table"]


def select(catalog: Any, service: str | None = None, search: str | None = None, include_writes: bool = False) -> list:
    endpoints = list(catalog)
    if service:
        s = service.strip().lower()
        keys = {k for k, name, _ in catalog.services() if k.lower() == s or name.lower() == s}
        if not keys:
            keys = {k for k, name, _ in catalog.services() if s in k.lower() or s in name.lower()}
        if not keys:
            known = ", ".join(k for k, _, _ in catalog.services())
            raise UsageError(f"unknown service {service!r}", hint=f"services: {known}")
        endpoints = [e for e in endpoints if e.service_key in keys]
    if search:
        hits = {e.id for e in catalog.search(search, limit=len(catalog))}
        endpoints = [e for e in endpoints if e.id in hits]
    if not include_writes:
        endpoints = [e for e in endpoints if e.read_only]
    return endpoints


def _row(e: Any) -> dict:
    return {
        "id": e.id, "method": e.method, "path": e.path, "service": e.service, "title": e.title,
        "scopes": " or ".join(e.scopes), "paging": e.pagination.style,
        "access": "read" if e.read_only else "write, never sent",
    }


def run(args: Any) -> int:
    try:
        from tui.catalog import load_catalog
        catalog = load_catalog()
        chosen = select(catalog, getattr(args, "service", None), getattr(args, "search", None),
                        bool(getattr(args, "all", False)))
    except UsageError as exc:
        return report_error(exc)
    rows = [_row(e) for e in chosen]
    if args.format == "json":
        write_output(to_json([{**r, "scopes": list(e.scopes), "base": e.base,
                               "params": [{"name": p.name, "in": p.location, "type": p.type, "required": p.required,
                                           **({"enum": [{"value": v.value, "label": v.label} for v in p.enum]}
                                              if p.enum else {})} for p in e.params]}
                              for r, e in zip(rows, chosen)]), None)
        return EXIT_OK
    if args.format == "csv":
        write_output(to_csv(rows) if rows else "", None)
        return EXIT_OK
    cols = ["id", "method", "path", "scopes", "paging", "access"]
    text = format_table(rows, cols) if rows else "(no endpoints match)\n"
    write_output(text, None, report=True)
    return EXIT_OK


def format_table(rows: list[dict], cols: list[str], terminal_width: int | None = None) -> str:
    """The table with every path whole. Piped (not a TTY): nothing is cut at all. On a terminal the
    scopes and then the ids give up width so that a line fits; the paths never do."""
    from tui.textsafe import safe_text
    if terminal_width is None:
        import shutil
        import sys
        terminal_width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    full = {c: max(len(c), *(len(safe_text(str(r.get(c) or ""))) for r in rows)) for c in cols}
    limits: dict[str, int] = {}
    excess = sum(full.values()) + 2 * (len(cols) - 1) - (terminal_width or 10**9)
    for c, floor in (("scopes", 12), ("id", 18)):
        if excess <= 0:
            break
        give = min(excess, max(0, full[c] - floor))
        if give:
            limits[c] = full[c] - give
            excess -= give
    cut = [{c: safe_text(str(r.get(c) or ""), limits.get(c)) for c in cols} for r in rows]
    return to_table(cut, cols, max_width=max(full.values()))     # the cells are cut here, not there
