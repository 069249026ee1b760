"""``load_config``: the whole file validated into a ``Config`` (plus warnings worth showing)."""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.config.document import _raw_tenant_tables, _read_document, _top_level_string
from tui.config.errors import ConfigError
from tui.config.model import Config, TenantConfig
from tui.config.schema import TENANT_KEYS
from tui.config.validate import _coerce_toml_value, _first_error, _validate_table
from tui.config.watch import watch_settings


def _tenant_label(table: Mapping[str, Any], index: int) -> str:
    name = table.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else f"#{index} (unnamed)"


# Keys avegraph itself writes beside the schema's: `demo-server --write-config` marks its tenants.
WRITTEN_BY_AVEGRAPH = frozenset({"demo"})


def _unknown_key_warnings(label: str, extra: Mapping[str, Any]) -> list[str]:
    out = []
    for key in extra:
        if key in WRITTEN_BY_AVEGRAPH:
            continue
        close = difflib.get_close_matches(key, TENANT_KEYS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        out.append(f"tenant {label!r}: unknown key {key!r} is kept as is{hint}")
    return out


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate the config file; raises ConfigMissing or ConfigError."""
    path = Path(path).expanduser()
    doc, st = _read_document(path, saving=False)
    default_tenant = _top_level_string(doc, "default_tenant", path)
    theme = _top_level_string(doc, "theme", path)
    watch_settings(doc, path)                 # checked here; kept in ``extra`` (Config.watch_interval)
    tenants: list[TenantConfig] = []
    warnings: list[str] = []
    for index, table in enumerate(_raw_tenant_tables(doc, path), 1):
        label = _tenant_label(table, index)
        tenant, errors = _validate_table(table, _coerce_toml_value)
        if tenant is None:
            raise _first_error(errors, path, label)
        if any(t.name == tenant.name for t in tenants):
            raise ConfigError(
                f"two tenants are named {tenant.name!r}. Fix: rename or remove one of them.",
                path=path, tenant=tenant.name, key="name",
            )
        tenants.append(tenant)
        warnings += _unknown_key_warnings(label, tenant.extra)
        if tenant.client_secret is not None:
            warnings.append(
                f"tenant {tenant.name!r}: client_secret is stored in the config file; "
                "prefer client_secret_env or client_secret_file."
            )
    names = [t.name for t in tenants]
    if default_tenant is not None and default_tenant not in names:
        raise ConfigError(
            f"default_tenant is {default_tenant!r} but no tenant has that name. "
            f"Fix: set it to one of: {', '.join(names) or '(no tenants yet)'}, or remove it.",
            path=path, key="default_tenant",
        )
    _check_file_mode(path, st, tenants)
    extra = {k: v for k, v in doc.items() if k not in ("default_tenant", "theme", "tenants")}
    return Config(path=path, default_tenant=default_tenant, theme=theme, tenants=tuple(tenants), extra=extra, warnings=warnings)


def _check_file_mode(path: Path, st: os.stat_result | None, tenants: list[TenantConfig]) -> None:
    """A literal secret is tolerated only in a file other users cannot read."""
    holder = next((t for t in tenants if t.client_secret is not None), None)
    if holder is None or st is None or not (st.st_mode & 0o077):
        return
    import shlex

    raise ConfigError(
        f"the file holds a literal client_secret but other users can read it "
        f"(mode {stat.S_IMODE(st.st_mode):o}). Fix: run `chmod 600 {shlex.quote(str(path))}`, "
        "or move the secret to client_secret_env / client_secret_file.",
        path=path, tenant=holder.name, key="client_secret",
    )
