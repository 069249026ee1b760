"""The changes avegraph makes to the config file: whole document, one tenant, default tenant, theme.

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
