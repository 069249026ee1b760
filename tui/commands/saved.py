"""`avegraph saved`: list, add, delete, export and import saved requests; `get @name` runs one.

    avegraph saved add failed-today jobs state=failed since=24h      # the `:` syntax of the explorer
    avegraph get @failed-today --format csv
    avegraph saved export team.toml failed-today                      # share (no secrets in it)
    avegraph saved import team.toml

Saved requests live in the config file's top-level ``[[saved]]`` tables (``tui.config.saved``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tui.commands.common import EXIT_OK, UsageError, eprint, report_error

__all__ = ["run", "saved_target"]


def _config(args: Any, *, must_exist: bool = True):
    from tui.config import ConfigMissing, load_config, resolve_config_path
    path = resolve_config_path(getattr(args, "config", None))
    try:
        return load_config(path), path
    except ConfigMissing:
        if must_exist:
            raise
        return None, path


def saved_target(args: Any, catalog: Any) -> tuple[str, dict[str, Any]]:
    """``get @name``: (endpoint id, parameters) of the saved request, resolved exactly as the explorer
    resolves it (``tui.catalog.query.resolve_saved``). A request saved for one tenant runs against
    that tenant unless ``--tenant`` says otherwise."""
    name = args.target.strip()[1:]
    if not name:
        raise UsageError("@ needs the name of a saved request", hint="`avegraph saved list` shows them")
    from tui.catalog.query import resolve_saved
    config, _ = _config(args)
    tenant = getattr(args, "tenant", None)
    req = config.saved_request(name, tenant)
    if tenant is None and req.tenant is not None:
        args.tenant = req.tenant
    query = resolve_saved(catalog, req)
    if query.errors:
        raise UsageError("; ".join(query.errors), hint=f"fix [[saved]] {req.name!r} in {config.path}, or save it again")
    return query.endpoint.id, {**query.path_params, **query.params}


def run(args: Any) -> int:
    action = getattr(args, "saved_command", None) or "list"
    try:
        return {"list": _list, "add": _add, "delete": _delete, "export": _export, "import": _import}[action](args)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        from tui.config import ConfigError
        if isinstance(exc, (ConfigError, UsageError, OSError)):
            return report_error(exc)
        raise


def _list(args: Any) -> int:
    from tui.textsafe import safe_text
    config, path = _config(args, must_exist=False)
    tenant = getattr(args, "tenant", None)
    requests = [] if config is None else (config.saved_for(tenant) if tenant else config.saved)
    for w in [] if config is None else config.saved_warnings:
        eprint(f"avegraph: warning: {w}")
    if getattr(args, "format", "table") == "json":
        rows = [{"name": r.name, "endpoint": r.endpoint, "params": r.params, "tenant": r.tenant, "note": r.note}
                for r in requests]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    if not requests:
        eprint(f"avegraph: no saved requests in {path}; add one with `avegraph saved add NAME ENDPOINT name=value …` "
               "or S in the explorer")
        return EXIT_OK
    width = max(len(r.name) for r in requests) + 1
    for r in requests:
        scope = f"  [{r.tenant}]" if r.tenant else ""
        note = f"  # {r.note}" if r.note else ""
        line = f"@{r.name.ljust(width)} {r.endpoint} {r.params_text}".rstrip() + scope + note
        sys.stdout.write(safe_text(line, 400) + "\n")
    return EXIT_OK


def _add(args: Any) -> int:
    """`saved add NAME ENDPOINT [name=value …]`: names and labels resolved now, windows kept relative."""
    from tui.catalog import load_catalog
    from tui.catalog.query import canonical_params, parse_query, split_words
    from tui.config import SavedRequest, resolve_config_path, upsert_saved
    text = " ".join(args.query)
    query = parse_query(load_catalog(), text)
    if query.endpoint is None or query.errors:
        raise UsageError("; ".join(query.errors) or f"no endpoint matches {text!r}",
                         hint="the same words as at : in the explorer, e.g. jobs state=failed since=24h")
    _, pairs, _ = split_words(text)
    params, errors = canonical_params(query.endpoint, pairs)
    if errors:
        raise UsageError("; ".join(errors))
    tenant = getattr(args, "tenant", None)
    req = SavedRequest(name=args.name, endpoint=query.endpoint.id, params=params, tenant=tenant,
                       note=getattr(args, "note", None))
    path = resolve_config_path(getattr(args, "config", None))
    replaced = upsert_saved(path, req, replace=bool(getattr(args, "replace", False)))
    eprint(f"avegraph: {'replaced' if replaced else 'saved'} @{req.name}: {req.endpoint} {req.params_text}".rstrip()
           + f" in {path}")
    return EXIT_OK


def _delete(args: Any) -> int:
    from tui.config import delete_saved, resolve_config_path
    path = resolve_config_path(getattr(args, "config", None))
    if not delete_saved(path, args.name):
        raise UsageError(f"no saved request named {args.name!r} in {path}", hint="`avegraph saved list` shows them")
    eprint(f"avegraph: deleted @{args.name} from {path}")
    return EXIT_OK


def _export(args: Any) -> int:
    from tui.config import export_saved
    config, path = _config(args)
    requests = config.saved
    if args.names:
        wanted = {n.lstrip("@").lower() for n in args.names}
        unknown = wanted - {r.name.lower() for r in requests}
        if unknown:
            raise UsageError(f"no saved request named {', '.join(sorted(unknown))}",
                             hint="`avegraph saved list` shows them")
        requests = [r for r in requests if r.name.lower() in wanted]
    if not requests:
        raise UsageError(f"there are no saved requests in {path} to export")
    target = export_saved(requests, args.file)
    eprint(f"avegraph: exported {len(requests)} saved request{'s' if len(requests) != 1 else ''} to {target}")
    return EXIT_OK


def _import(args: Any) -> int:
    from tui.config import import_saved, read_saved_file, resolve_config_path
    requests, problems = read_saved_file(args.file)
    for p in problems:
        eprint(f"avegraph: warning: {p}")
    if not requests:
        raise UsageError(f"{args.file} holds no saved request that can be imported")
    path = resolve_config_path(getattr(args, "config", None))
    added, replaced, skipped = import_saved(path, requests, replace=bool(getattr(args, "replace", False)))
    if added:
        eprint(f"avegraph: imported {', '.join('@' + n for n in added)} into {path}")
    if replaced:
        eprint(f"avegraph: replaced {', '.join('@' + n for n in replaced)}")
    if skipped:
        eprint(f"avegraph: kept your own {', '.join('@' + n for n in skipped)} (same name; --replace overwrites)")
    return EXIT_OK
