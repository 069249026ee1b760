"""Saved requests: the config file's top-level ``[[saved]]`` tables, and the TOML file they are shared in.

    [[saved]]
    name = "failed-today"               # what you type after @ (avegraph get @failed-today)
    endpoint = "m365.cloudbackupjobs"   # a catalogue endpoint id
    tenant = "contoso-prod"             # optional: only for this tenant; left out, usable with any
    note = "M365 backups that failed"   # optional
    [saved.params]                      # optional: path, query or body parameters as typed at `:`
    jobState = "3"
    since = "24h"                       # a window ending when the request runs

A saved request never holds a credential: a parameter named like one (``apiKey``) or a paging cursor (``skipToken``)
is refused when saving and dropped when reading. A bad ``[[saved]]`` table never stops the
config from loading: it is skipped with a warning naming what is wrong. Parameters are checked
against the catalogue when the request runs (``tui.catalog.query``), not here: the config
package does not read the catalogue.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.config.errors import ConfigError
from tui.config.schema import MAX_NAME_LENGTH, MAX_SAVED, SAVED_KEY, SAVED_TABLE_KEYS, _toml_type

__all__ = ["SavedRequest", "parse_saved", "saved_to_table", "check_saved", "export_saved", "read_saved_file"]

_NAME_CHARS = "-_."


def is_secret_name(name: str) -> bool:
    # The one rule of what is secret (tui.api.redact); imported on use: importing tui.api costs
    # ~50 ms and the tenant screen imports the config package at start-up.
    from tui.api.redact import is_secret_name as rule
    return rule(name)


def is_cursor_name(name: str) -> bool:
    from tui.api.redact import is_cursor_name as rule
    return rule(name)


@dataclass(frozen=True)
class SavedRequest:
    name: str
    endpoint: str
    params: dict[str, Any] = field(default_factory=dict)      # name -> str or list of str
    tenant: str | None = None                                  # None: usable with any tenant
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)   # unknown keys, kept on save

    def usable_with(self, tenant: str | None) -> bool:
        return self.tenant is None or self.tenant == tenant

    @property
    def params_text(self) -> str:
        return " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in self.params.items())


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot name a saved request (it is typed after @ on a command line)."""
    if not isinstance(name, str) or not name.strip():
        return 'name is missing. Fix: add name = "failed-today" (you run it with avegraph get @failed-today).'
    if len(name) > MAX_NAME_LENGTH:
        return f"name {name[:20]!r}… is longer than {MAX_NAME_LENGTH} characters. Fix: pick a shorter name."
    if not all(c.isalnum() or c in _NAME_CHARS for c in name):
        return (f"name {name!r} may hold only letters, digits and {' '.join(_NAME_CHARS)} "
                "(it is typed after @ on a command line). Fix: replace the spaces and other characters.")
    return None


def _clean_params(raw: Any, label: str) -> tuple[dict[str, Any], list[str]]:
    if raw is None:
        return {}, []
    if not isinstance(raw, Mapping):
        return {}, [f"saved request {label}: params must be a table (got {_toml_type(raw)}). "
                    'Fix: write [saved.params] with lines such as jobState = "3".']
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if is_secret_name(str(key)):
            problems.append(f"saved request {label}: parameter {key!r} looks like a credential and is not kept. "
                            "Fix: remove it; saved requests are shared and must not hold secrets.")
            continue
        if is_cursor_name(str(key)):
            problems.append(f"saved request {label}: parameter {key!r} is a paging cursor and is not kept. "
                            "Fix: remove it; a saved request starts at the first page.")
            continue
        if isinstance(value, bool):
            out[str(key)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[str(key)] = str(value)
        elif isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            out[str(key)] = [str(v) for v in value]
        else:
            problems.append(f"saved request {label}: parameter {key!r} must be a string, number or list of them "
                            f"(got {_toml_type(value)}); not kept.")
    return out, problems


def _optional_string(table: Mapping[str, Any], key: str, label: str, problems: list[str]) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"saved request {label}: {key} must be a string in quotes (got {_toml_type(value)}); ignored.")
        return None
    return value.strip() or None


def parse_saved_table(table: Any, index: int) -> tuple[SavedRequest | None, list[str]]:
    """One ``[[saved]]`` table -> (request or None when unusable, warnings)."""
    if not isinstance(table, Mapping):
        return None, [f"saved request #{index} is not a table. Fix: write each one as a [[saved]] section."]
    name = table.get("name")
    label = repr(name) if isinstance(name, str) and name.strip() else f"#{index} (unnamed)"
    problem = name_problem(name)
    if problem:
        return None, [f"saved request {label}: {problem} Skipped."]
    endpoint = table.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint.strip():
        return None, [f"saved request {label}: endpoint is missing. Fix: add endpoint = \"m365.cloudbackupjobs\" "
                      "(`avegraph endpoints` lists the ids). Skipped."]
    problems: list[str] = []
    params, param_problems = _clean_params(table.get("params"), label)
    problems += param_problems
    tenant = _optional_string(table, "tenant", label, problems)
    note = _optional_string(table, "note", label, problems)
    extra = {k: v for k, v in table.items() if k not in SAVED_TABLE_KEYS}
    return SavedRequest(name=name.strip(), endpoint=endpoint.strip(), params=params, tenant=tenant, note=note,
                        extra=extra), problems


def parse_saved(value: Any) -> tuple[list[SavedRequest], list[str]]:
    """The document's ``saved`` value -> (requests in file order, warnings). Never raises."""
    if value is None:
        return [], []
    if not isinstance(value, list):
        return [], [f"{SAVED_KEY} must be a list of [[saved]] tables (got {_toml_type(value)}); ignored."]
    out: list[SavedRequest] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, table in enumerate(value[:MAX_SAVED], 1):
        req, found = parse_saved_table(table, index)
        problems += found
        if req is None:
            continue
        if req.name.lower() in seen:
            problems.append(f"two saved requests are named {req.name!r}; the first is used. Fix: rename one.")
            continue
        seen.add(req.name.lower())
        out.append(req)
    if len(value) > MAX_SAVED:
        problems.append(f"only the first {MAX_SAVED} of {len(value)} saved requests are read.")
    return out, problems


def check_saved(req: SavedRequest) -> None:
    """Refuse (ConfigError) a request that must not be written: bad name, no endpoint, a credential."""
    problem = name_problem(req.name)
    if problem:
        raise ConfigError(problem, key="name")
    if not req.endpoint.strip():
        raise ConfigError("a saved request needs an endpoint id.", key="endpoint")
    secret = [k for k in req.params if is_secret_name(k)]
    if secret:
        raise ConfigError(f"parameter {secret[0]!r} looks like a credential; saved requests never hold secrets. "
                          "Fix: leave it out.", key="params")


def saved_to_table(req: SavedRequest, existing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``[[saved]]`` table for ``req``, keeping the order and unknown keys of the one it replaces."""
    values: dict[str, Any] = {"name": req.name, "endpoint": req.endpoint, "tenant": req.tenant, "note": req.note,
                              "params": dict(req.params) or None}
    out: dict[str, Any] = {}
    for key, old in (existing or {}).items():
        if key in values:
            if values[key] is not None:
                out[key] = values[key]
        else:
            out[key] = req.extra.get(key, old)
    for key, value in values.items():
        if value is not None and key not in out:
            out[key] = value
    for key, value in req.extra.items():
        out.setdefault(key, value)
    # tomli_w writes a nested table after the plain keys anyway; keep params last for people too.
    if "params" in out:
        out["params"] = out.pop("params")
    return out


# ------------------------------------------------------------------------------------------------
# Sharing: a TOML file holding only [[saved]] tables
# ------------------------------------------------------------------------------------------------

def export_saved(requests: Iterable[SavedRequest], target: str | os.PathLike[str]) -> Path:
    """Write ``requests`` as a TOML file of ``[[saved]]`` tables (atomic, 0600). Nothing else of the
    config goes in: no tenant settings, no secret sources; secret-named parameters cannot be there."""
    import tomli_w

    from tui.files import write_text_atomic
    tables = []
    for req in requests:
        check_saved(req)
        tables.append(saved_to_table(req))
    header = "# avegraph saved requests: `avegraph saved import FILE` adds them to your config.\n"
    return write_text_atomic(target, header + tomli_w.dumps({SAVED_KEY: tables}))


def read_saved_file(path: str | os.PathLike[str]) -> tuple[list[SavedRequest], list[str]]:
    """The ``[[saved]]`` tables of a shared file: (requests, warnings); ConfigError when it is not TOML."""
    from tui.config.document import _read_document
    source = Path(path).expanduser()
    if not source.is_file():
        raise ConfigError(f"no file to import at {source}.", path=source)
    doc, _ = _read_document(source, saving=False)
    requests, problems = parse_saved(doc.get(SAVED_KEY))
    ignored = sorted(k for k in doc if k != SAVED_KEY)
    if ignored:
        problems.append(f"only [[saved]] tables are imported; ignored: {', '.join(ignored)}.")
    if not requests and not problems:
        problems.append("the file holds no [[saved]] tables.")
    return requests, problems
