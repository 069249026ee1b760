"""The configuration as typed values: ``TenantConfig`` (one ``[[tenants]]`` table) and ``Config``
(the whole file), and their TOML-table and form-field representations.

Validation builds these (``tui.config.validate``); nothing here checks values. No secret value
ever appears in a ``repr`` or ``str`` (hand-written ``__repr__`` below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tui.config.errors import ConfigError
from tui.config.saved import SavedRequest, parse_saved
from tui.config.schema import _KEY_KINDS, _KEY_OF_FIELD, _OMIT_WHEN_DEFAULT, SAVED_KEY, TENANT_KEYS
from tui.config.secrets import load_certificate as _load_certificate
from tui.config.secrets import load_secret as _load_secret
from tui.config.urls import _mask_url, is_loopback_url
from tui.environments import ENVIRONMENTS, api_url_for


@dataclass(frozen=True, kw_only=True)
class TenantConfig:
    """One ``[[tenants]]`` entry, validated. Build it with ``tenant_from_fields`` or ``load_config``."""

    name: str
    client_id: str
    environment: str = "commercial"
    data_center: str | None = None  # None only for commercial with an api_url override
    auth: str = "secret"
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    client_secret: str | None = None
    secret_transport: str = "body"
    certificate_path: str | None = None
    certificate_password_env: str | None = None
    scopes: tuple[str, ...] | None = None
    api_url_override: str | None = None  # TOML key: api_url
    elements_url_override: str | None = None  # TOML key: elements_url
    token_url_override: str | None = None  # TOML key: token_url
    ca_bundle: str | None = None
    accent: str | None = None
    proxy: str | None = None
    timeout_connect: float = 10
    timeout_read: float = 30
    deadline: float = 60
    max_body_mb: float = 50
    # Keys this version does not know, kept so a save does not drop them.
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    # -- URLs -----------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """Regional Graph API base (no trailing slash)."""
        if self.api_url_override:
            return self.api_url_override
        # Validation guarantees data_center is set whenever there is no override.
        return api_url_for(self.data_center or "")

    @property
    def elements_url(self) -> str:
        return self.elements_url_override or ENVIRONMENTS[self.environment].elements_url

    @property
    def token_url(self) -> str:
        return self.token_url_override or ENVIRONMENTS[self.environment].token_url

    @property
    def is_loopback(self) -> bool:
        """All three hosts are on this machine (demo server / tests): no real tenant is touched."""
        return all(is_loopback_url(u) for u in (self.api_url, self.elements_url, self.token_url))

    # -- display ----------------------------------------------------------------
    @property
    def short_client_id(self) -> str:
        return self.client_id if len(self.client_id) <= 8 else self.client_id[:8] + "…"

    @property
    def secret_source(self) -> str:
        """Where the credential comes from, for display (never the value)."""
        if self.auth == "certificate":
            return f"certificate {self.certificate_path}"
        if self.client_secret_env:
            return f"env ${self.client_secret_env}"
        if self.client_secret_file:
            return f"file {self.client_secret_file}"
        return "literal client_secret in config file"

    @property
    def ca_bundle_path(self) -> Path | None:
        return Path(self.ca_bundle).expanduser() if self.ca_bundle else None

    @property
    def certificate_file(self) -> Path | None:
        return Path(self.certificate_path).expanduser() if self.certificate_path else None

    # -- credentials (read in tui.config.secrets, the one place that touches secret values) --
    def load_secret(self) -> str:
        """The client secret from its env var, file or literal; ConfigError (without the value) if unavailable."""
        return _load_secret(self)

    def load_certificate(self) -> tuple[bytes, str | None]:
        """``(file bytes, password or None)``; the caller decides PEM vs PFX."""
        return _load_certificate(self)

    def __repr__(self) -> str:
        # Hand-written so the secret and proxy credentials can never leak into logs or tracebacks.
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "extra" and not value):
                continue
            if f.name == "client_secret":
                shown = "'***'"
            elif f.name == "proxy":
                shown = repr(_mask_url(value))
            elif f.name == "extra":
                shown = f"<keys {sorted(value)!r}>"  # values of unknown keys may be anything
            else:
                shown = repr(value)
            parts.append(f"{f.name}={shown}")
        return f"TenantConfig({', '.join(parts)})"

    __str__ = __repr__


def _tenant_values(tenant: TenantConfig) -> dict[str, Any]:
    """TOML key -> value (None = absent) in canonical key order."""
    values = {_KEY_OF_FIELD.get(f.name, f.name): getattr(tenant, f.name) for f in fields(tenant) if f.name != "extra"}
    if values["scopes"] is not None:
        values["scopes"] = list(values["scopes"])
    return {key: values[key] for key in TENANT_KEYS}


def tenant_to_fields(tenant: TenantConfig) -> dict[str, str]:
    """Form strings for editing ``tenant`` (the inverse of ``tenant_from_fields``)."""
    out = {}
    for key, value in _tenant_values(tenant).items():
        if value is None:
            out[key] = ""
        elif isinstance(value, list):
            out[key] = ", ".join(value)
        else:
            out[key] = str(value)
    return out


def tenant_to_dict(tenant: TenantConfig, existing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``[[tenants]]`` table for ``tenant``, merged into ``existing`` (the table it replaces).

    Keys keep their existing order, unknown keys survive (``tenant.extra`` wins), cleared
    keys disappear, and new keys equal to their default are left out to keep the file short.
    """
    existing = existing or {}
    values = _tenant_values(tenant)
    merged: dict[str, Any] = {}
    for key, old in existing.items():
        if key in _KEY_KINDS:
            if values[key] is not None:
                merged[key] = values[key]
        else:
            merged[key] = tenant.extra.get(key, old)
    for key, value in values.items():
        if key in merged or key in existing or value is None or _is_default(key, value, tenant):
            continue
        merged[key] = value
    for key, value in tenant.extra.items():
        merged.setdefault(key, value)
    return merged


def _is_default(key: str, value: Any, tenant: TenantConfig) -> bool:
    if key == "data_center":
        return value == ENVIRONMENTS[tenant.environment].single_data_center
    return key in _OMIT_WHEN_DEFAULT and value == _OMIT_WHEN_DEFAULT[key]


@dataclass
class Config:
    """A loaded configuration file."""

    path: Path
    default_tenant: str | None = None
    theme: str | None = None
    tenants: tuple[TenantConfig, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # unknown top-level keys, kept on save
    warnings: list[str] = field(default_factory=list)

    @property
    def tenant_names(self) -> list[str]:
        return [t.name for t in self.tenants]

    @property
    def saved(self) -> list[SavedRequest]:
        """The top-level ``[[saved]]`` requests that can be used (bad tables skipped: ``saved_warnings``)."""
        return parse_saved(self.extra.get(SAVED_KEY))[0]

    @property
    def saved_warnings(self) -> list[str]:
        return parse_saved(self.extra.get(SAVED_KEY))[1]

    @property
    def watch_interval(self) -> float | None:
        """Seconds between the failed-jobs screen's watch scans (``watch_interval``); None when not set."""
        from tui.config.watch import watch_settings
        return watch_settings(self.extra, self.path)[0]

    @property
    def watch_bell(self) -> bool:
        """Ring the bell when a watch scan finds a new failure (``watch_bell``; default off)."""
        from tui.config.watch import watch_settings
        return bool(watch_settings(self.extra, self.path)[1])

    def saved_for(self, tenant: str | None) -> list[SavedRequest]:
        """Saved requests usable with ``tenant``: its own and those without a tenant."""
        return [s for s in self.saved if s.usable_with(tenant)]

    def saved_request(self, name: str, tenant: str | None = None) -> SavedRequest:
        """The saved request named ``name`` (case-insensitive) usable with ``tenant``; ConfigError naming
        the saved requests there are when there is none."""
        usable = self.saved_for(tenant) if tenant is not None else self.saved
        for req in usable:
            if req.name.lower() == name.lower():
                return req
        other = next((s for s in self.saved if s.name.lower() == name.lower()), None)
        if other is not None:
            raise ConfigError(f"the saved request {name!r} is for tenant {other.tenant!r}, not {tenant!r}. "
                              f"Fix: add --tenant {other.tenant}.", path=self.path, key=SAVED_KEY)
        names = ", ".join(s.name for s in usable) or "(none yet)"
        raise ConfigError(f"no saved request named {name!r}. Saved requests: {names}. "
                          "Fix: `avegraph saved list` shows them; S in the explorer saves one.",
                          path=self.path, key=SAVED_KEY)

    def tenant(self, name: str | None = None) -> TenantConfig:
        """The named tenant; without a name the default tenant, else the first one."""
        if name is None:
            if self.default_tenant is not None:
                name = self.default_tenant
            elif self.tenants:
                return self.tenants[0]
            else:
                raise ConfigError(
                    "no tenants are configured. Fix: add a [[tenants]] table (`avegraph config example` prints one) "
                    "or add one from the tenant screen.",
                    path=self.path,
                )
        for tenant in self.tenants:
            if tenant.name == name:
                return tenant
        raise ConfigError(
            f"no tenant named {name!r}. Configured tenants: {', '.join(self.tenant_names) or '(none)'}.",
            path=self.path,
        )

    def __repr__(self) -> str:
        return (
            f"Config(path={str(self.path)!r}, default_tenant={self.default_tenant!r}, theme={self.theme!r}, "
            f"tenants={list(self.tenants)!r}, extra=<keys {sorted(self.extra)!r}>, warnings={self.warnings!r})"
        )


def config_to_dict(config: Config) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if config.default_tenant is not None:
        doc["default_tenant"] = config.default_tenant
    if config.theme is not None:
        doc["theme"] = config.theme
    doc.update(config.extra)
    if config.tenants:
        doc["tenants"] = [tenant_to_dict(t) for t in config.tenants]
    return doc
