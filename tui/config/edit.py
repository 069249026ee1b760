"""The changes avegraph makes to the config file: whole document, one tenant, default tenant, theme,
saved requests.

Each is a ``change`` function run by ``tui.config.write._modify`` on the file as it is *now*
(under the lock), so other tenants, unknown keys and top-level keys are left as they are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.config.document import _raw_tenant_tables
from tui.config.errors import ConfigError
from tui.config.model import Config, TenantConfig, config_to_dict, tenant_to_dict
from tui.config.saved import SavedRequest, check_saved, saved_to_table
from tui.config.schema import SAVED_KEY
from tui.config.validate import _coerce_toml_value, _first_error, _validate_table
from tui.config.write import _modify, _real_target


def save_config(config: Config | Mapping[str, Any], path: str | os.PathLike[str] | None = None) -> None:
    """Write a whole document (a Config or a plain dict) atomically; ``path`` defaults to ``config.path``.

    Prefer ``upsert_tenant`` and friends: they change one thing in the *current* file.
    """
    if path is None:
        if not isinstance(config, Config):
            raise TypeError("save_config(dict, path): path is required for a plain dict")
        path = config.path
    doc = config_to_dict(config) if isinstance(config, Config) else dict(config)

    def change(current: dict[str, Any], target: Path) -> tuple[None, bool]:
        # ``current`` was read only to prove the file is valid TOML: a broken file is never overwritten.
        current.clear()
        current.update(doc)
        return None, True

    _modify(path, change)


def _find(tables: list[dict[str, Any]], name: str | None) -> int | None:
    if name is None:
        return None
    return next((i for i, t in enumerate(tables) if t.get("name") == name), None)


def upsert_tenant(path: str | os.PathLike[str], tenant: TenantConfig, old_name: str | None = None) -> None:
    """Add or replace one tenant in the current file (rename when ``old_name`` differs).

    Other tenants, unknown keys and top-level keys are left as they are; a rename
    also moves ``default_tenant``.
    """
    check, errors = _validate_table(tenant_to_dict(tenant), _coerce_toml_value)
    if check is None:
        raise _first_error(errors, _real_target(path), tenant.name)

    def change(doc: dict[str, Any], target: Path) -> tuple[None, bool]:
        tables = _raw_tenant_tables(doc, target)
        at_old, at_new = _find(tables, old_name), _find(tables, tenant.name)
        if at_new is not None and at_old is not None and at_new != at_old:
            raise ConfigError(
                f"cannot rename {old_name!r} to {tenant.name!r}: a tenant with that name already exists. "
                "Fix: choose another name.",
                path=target, tenant=old_name, key="name",
            )
        index = at_old if at_old is not None else at_new
        if index is None:
            tables.append(tenant_to_dict(tenant))
        else:
            tables[index] = tenant_to_dict(tenant, tables[index])
        doc["tenants"] = tables
        if old_name is not None and old_name != tenant.name and doc.get("default_tenant") == old_name:
            doc["default_tenant"] = tenant.name
        return None, True

    _modify(path, change)


def delete_tenant(path: str | os.PathLike[str], name: str) -> bool:
    """Remove a tenant; False if it was not there. Clears ``default_tenant`` if it named it."""

    def change(doc: dict[str, Any], target: Path) -> tuple[bool, bool]:
        tables = _raw_tenant_tables(doc, target)
        index = _find(tables, name)
        if index is None:
            return False, False
        del tables[index]
        doc["tenants"] = tables
        if doc.get("default_tenant") == name:
            del doc["default_tenant"]  # otherwise the file would no longer load
        return True, True

    if not _real_target(path).exists():
        return False
    return _modify(path, change)


def set_default_tenant(path: str | os.PathLike[str], name: str | None) -> None:
    """Set (or with None remove) ``default_tenant``; the tenant must exist in the file."""

    def change(doc: dict[str, Any], target: Path) -> tuple[None, bool]:
        if name is None:
            return None, doc.pop("default_tenant", None) is not None
        if _find(_raw_tenant_tables(doc, target), name) is None:
            raise ConfigError(f"no tenant named {name!r} to make the default.", path=target, key="default_tenant")
        doc["default_tenant"] = name
        return None, True

    _modify(path, change)


def set_theme(path: str | os.PathLike[str], theme: str | None) -> None:
    """Remember the UI theme (None removes it)."""

    def change(doc: dict[str, Any], target: Path) -> tuple[None, bool]:
        if theme is None:
            return None, doc.pop("theme", None) is not None
        doc["theme"] = theme
        return None, True

    _modify(path, change)


# -- saved requests (top-level [[saved]] tables) --------------------------------------------------

def _raw_saved_tables(doc: dict[str, Any], target: Path) -> list[Any]:
    tables = doc.get(SAVED_KEY, [])
    if not isinstance(tables, list):
        raise ConfigError(f"{SAVED_KEY} must be a list of [[saved]] tables; refusing to change it. "
                          "Fix the file by hand first.", path=target, key=SAVED_KEY)
    return tables


def _find_saved(tables: list[Any], name: str | None) -> int | None:
    if name is None:
        return None
    low = name.lower()
    return next((i for i, t in enumerate(tables)
                 if isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"].strip().lower() == low), None)


def upsert_saved(path: str | os.PathLike[str], request: SavedRequest, old_name: str | None = None,
                 *, replace: bool = True) -> bool:
    """Add or replace one saved request (rename when ``old_name`` differs); True if one was replaced.

    With ``replace=False`` an existing request of that name is a ConfigError. Every tenant, every
    other saved request and every other key of the file is left as it is.
    """
    check_saved(request)

    def change(doc: dict[str, Any], target: Path) -> tuple[bool, bool]:
        tables = _raw_saved_tables(doc, target)
        at_old, at_new = _find_saved(tables, old_name), _find_saved(tables, request.name)
        if at_new is not None and at_new != at_old and (at_old is not None or not replace):
            raise ConfigError(f"a saved request named {request.name!r} already exists. Fix: choose another name.",
                              path=target, key="name")
        index = at_old if at_old is not None else at_new
        if index is None:
            tables.append(saved_to_table(request))
        else:
            tables[index] = saved_to_table(request, tables[index])
        doc[SAVED_KEY] = tables
        return index is not None, True

    return _modify(path, change)


def delete_saved(path: str | os.PathLike[str], name: str) -> bool:
    """Remove a saved request; False if it was not there."""

    def change(doc: dict[str, Any], target: Path) -> tuple[bool, bool]:
        tables = _raw_saved_tables(doc, target)
        index = _find_saved(tables, name)
        if index is None:
            return False, False
        del tables[index]
        if tables:
            doc[SAVED_KEY] = tables
        else:
            doc.pop(SAVED_KEY, None)
        return True, True

    if not _real_target(path).exists():
        return False
    return _modify(path, change)


def import_saved(path: str | os.PathLike[str], requests: list[SavedRequest], *,
                 replace: bool = False) -> tuple[list[str], list[str], list[str]]:
    """Add shared requests in one write: (added, replaced, skipped because the name exists) names.

    A request for a tenant the file does not have becomes usable with any tenant (the colleague's
    tenant names are not yours).
    """
    for request in requests:
        check_saved(request)
    added: list[str] = []
    replaced: list[str] = []
    skipped: list[str] = []

    def change(doc: dict[str, Any], target: Path) -> tuple[None, bool]:
        tables = _raw_saved_tables(doc, target)
        tenants = {t.get("name") for t in _raw_tenant_tables(doc, target)}
        for request in requests:
            if request.tenant is not None and request.tenant not in tenants:
                from dataclasses import replace as with_changes
                request = with_changes(request, tenant=None)
            index = _find_saved(tables, request.name)
            if index is None:
                tables.append(saved_to_table(request))
                added.append(request.name)
            elif replace:
                tables[index] = saved_to_table(request, tables[index])
                replaced.append(request.name)
            else:
                skipped.append(request.name)
        doc[SAVED_KEY] = tables
        return None, bool(added or replaced)

    _modify(path, change)
    return added, replaced, skipped
