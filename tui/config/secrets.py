"""Reading a tenant's credential from where the config says it is: env var, file, literal, certificate.

``TenantConfig.load_secret`` / ``load_certificate`` delegate here. Kept out of the model so
the rule "no secret value in any message" is checked in one small file: every error below
names the variable or path, never what it holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config.errors import ConfigError

if TYPE_CHECKING:
    from tui.config.model import TenantConfig


def load_secret(tenant: TenantConfig) -> str:
    """The client secret from its env var, file or literal; ConfigError (without the value) if unavailable."""
    if tenant.client_secret_env:
        return _secret_from_env(tenant, tenant.client_secret_env)
    if tenant.client_secret_file:
        return _secret_from_file(tenant, Path(tenant.client_secret_file).expanduser())
    if tenant.client_secret:
        return tenant.client_secret
    raise _error(
        tenant,
        "client_secret_env",
        'no client secret is configured. Fix: set client_secret_env = "NAME" (and export NAME) '
        "or client_secret_file = \"/path/to/file\".",
    )


def load_certificate(tenant: TenantConfig) -> tuple[bytes, str | None]:
    """``(file bytes, password or None)``; the caller decides PEM vs PFX."""
    path = tenant.certificate_file
    if path is None:
        raise _error(tenant, "certificate_path", 'certificate_path is not set. Fix: certificate_path = "/path/to/cert.pem".')
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _error(
            tenant,
            "certificate_path",
            f"cannot read the certificate file {str(path)!r}: {exc.strerror}. "
            "Fix: check the path and that your user can read the file.",
        ) from None
    password = None
    if tenant.certificate_password_env:
        name = tenant.certificate_password_env
        if name not in os.environ:
            raise _error(
                tenant,
                "certificate_password_env",
                f"environment variable {name} (the certificate password) is not set. "
                f"Fix: export {name}=… before starting avegraph, or remove certificate_password_env "
                "if the key is not encrypted.",
            )
        password = os.environ[name] or None
    return data, password


def _secret_from_env(tenant: TenantConfig, name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise _error(
            tenant,
            "client_secret_env",
            f"environment variable {name} is not set. Fix: export {name}=<client secret> in the shell "
            "that starts avegraph, or use client_secret_file.",
        )
    if not value.strip():
        raise _error(
            tenant,
            "client_secret_env",
            f"environment variable {name} is empty. Fix: export {name}=<client secret> "
            "(check the command that sets it).",
        )
    # Trailing newlines sneak in from `export X=$(cat file)`-style setups.
    return value.strip()


def _secret_from_file(tenant: TenantConfig, path: Path) -> str:
    try:
        value = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise _error(
            tenant,
            "client_secret_file",
            f"cannot read the secret file {str(path)!r}: {reason}. "
            "Fix: check the path and that your user can read it.",
        ) from None
    if not value.strip():
        raise _error(
            tenant, "client_secret_file", f"the secret file {str(path)!r} is empty. Fix: put the client secret in it."
        )
    return value.strip()


def _error(tenant: TenantConfig, key: str, message: str) -> ConfigError:
    return ConfigError(message, tenant=tenant.name, key=key)
