"""Validation of one tenant: the single path for ``[[tenants]]`` tables and tenant-screen forms.

One set of validators serves both ``load_config`` (TOML values) and ``tenant_from_fields``
(form strings), so the file and the tenant screen can never disagree about what is valid.
Messages name the key, the problem and the fix, and never echo a secret value.
"""

from __future__ import annotations

import math
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.config.errors import ConfigError
from tui.config.model import TenantConfig
from tui.config.schema import (
    _FIELD_OF_KEY,
    _KEY_KINDS,
    _LIST,
    _NUM,
    _SECRET_SOURCES,
    _STR,
    _UNITS,
    AUTH_KINDS,
    MAX_NAME_LENGTH,
    PROXY_SCHEMES,
    SECRET_TRANSPORTS,
    TENANT_KEYS,
    _toml_type,
)
from tui.config.urls import LOOPBACK_NAMES, _mask_url, is_loopback_host
from tui.environments import ENVIRONMENTS, UnknownDataCenter, resolve_data_center

# ---------------------------------------------------------------------------
# Coercion: TOML values and form strings -> typed values (None = absent)
# ---------------------------------------------------------------------------

_Coerced = tuple[Any, "str | None"]


def _coerce_toml_value(key: str, value: Any) -> _Coerced:
    kind = _KEY_KINDS[key]
    if kind == _STR:
        if not isinstance(value, str):
            return None, f'{key} must be a string (got {_toml_type(value)}). Fix: put the value in quotes: {key} = "…".'
        return value.strip() or None, None
    if kind == _NUM:
        if isinstance(value, float) and not math.isfinite(value):
            return None, (f"{key} must be a finite number of {_UNITS[key]} (got {value!r}, which TOML allows but "
                          f"no limit can be). Fix: write a number, e.g. {key} = 30.")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"{key} must be a number of {_UNITS[key]} (got {_toml_type(value)}). Fix: write it without quotes, e.g. {key} = 30."
        return value, None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None, f'{key} must be a list of strings (got {_toml_type(value)}). Fix: {key} = ["audit.read.all"].'
    return tuple(item.strip() for item in value), None


def _coerce_form_value(key: str, value: Any) -> _Coerced:
    if value is None:
        return None, None
    if not isinstance(value, str):  # already typed (e.g. a list of scopes): same rules as the file
        return _coerce_toml_value(key, value)
    text = value.strip()
    if not text:
        return None, None
    kind = _KEY_KINDS[key]
    if kind == _NUM:
        try:
            number: float = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None, f"{key} must be a number of {_UNITS[key]}, e.g. 30."
        if not math.isfinite(number):
            return None, f"{key} must be a number of {_UNITS[key]}."
        return number, None
    if kind == _LIST:
        # Form input: "a.read.all, b.read.all" or space separated.
        return tuple(part for part in re.split(r"[,\s]+", text) if part), None
    return text, None


def _coerce_table(
    raw: Mapping[str, Any], coerce: Callable[[str, Any], _Coerced]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Split a raw table into (known typed values, unknown keys, type errors)."""
    values: dict[str, Any] = dict.fromkeys(TENANT_KEYS)
    extra: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if key not in _KEY_KINDS:
            extra[key] = value
            continue
        values[key], problem = coerce(key, value)
        if problem:
            errors[key] = problem
    return values, extra, errors


# ---------------------------------------------------------------------------
# Validation: one generator per concern; each yields (key, message) and may
# normalise ``v`` in place (lower-case codes, strip trailing slashes, fill defaults).
# ---------------------------------------------------------------------------

_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_Problems = Iterator[tuple[str, str]]


def _check_name(v: dict[str, Any]) -> _Problems:
    name = v["name"]
    if name is None:
        yield "name", 'name is missing. Fix: add name = "contoso-prod" (a short label you pick the tenant by).'
    elif len(name) > MAX_NAME_LENGTH or not name.isprintable():
        yield "name", f"name must be at most {MAX_NAME_LENGTH} printable characters. Fix: pick a shorter label."


def _check_environment(v: dict[str, Any]) -> _Problems:
    env = (v["environment"] or "commercial").lower()
    v["environment"] = env
    if env not in ENVIRONMENTS:
        yield "environment", (
            f"unknown environment {env!r}. Valid environments: {', '.join(ENVIRONMENTS)}. "
            "Fix: set environment to the one your AOS tenant lives in."
        )


def _check_data_center(v: dict[str, Any]) -> _Problems:
    env = v["environment"]
    if env not in ENVIRONMENTS:
        return  # already reported; the valid codes depend on the environment
    dc = v["data_center"].lower() if v["data_center"] else None
    if dc is None and v["api_url"] is not None:
        # An explicit api_url makes the data center irrelevant (demo server, private endpoints).
        v["data_center"] = ENVIRONMENTS[env].single_data_center
        return
    try:
        v["data_center"] = resolve_data_center(env, dc)
    except UnknownDataCenter as exc:
        yield "data_center", f"{exc}. Fix: set data_center to the code of your tenant's region."


def _check_client_id(v: dict[str, Any]) -> _Problems:
    client_id = v["client_id"]
    if client_id is None:
        yield "client_id", (
            "client_id is missing. Fix: copy the application (client) ID from AOS > Administration > "
            'App registrations and add client_id = "…".'
        )
    elif any(c.isspace() for c in client_id):
        yield "client_id", "client_id must not contain spaces. Fix: paste the application ID exactly."


def _check_auth(v: dict[str, Any]) -> _Problems:
    auth = (v["auth"] or "secret").lower()
    v["auth"] = auth
    if auth not in AUTH_KINDS:
        yield "auth", f'auth must be "secret" or "certificate" (got {auth!r}). Fix: pick one of them.'
    transport = (v["secret_transport"] or "body").lower()
    v["secret_transport"] = transport
    if transport not in SECRET_TRANSPORTS:
        yield "secret_transport", (
            f'secret_transport must be "body" or "basic" (got {transport!r}). '
            'Fix: use "body" (the documented way) unless your gateway needs HTTP Basic.'
        )


def _check_env_var_names(v: dict[str, Any]) -> _Problems:
    for key in ("client_secret_env", "certificate_password_env"):
        # Never echo the value: a common mistake is pasting the secret itself here.
        if v[key] is not None and not _ENV_VAR_NAME.match(v[key]):
            yield key, (
                f"{key} must be the NAME of an environment variable (letters, digits and _, "
                "not starting with a digit), not the secret itself. "
                f'Fix: {key} = "CONTOSO_SECRET" and export CONTOSO_SECRET before starting avegraph.'
            )


def _check_secret_source(v: dict[str, Any]) -> _Problems:
    if v["client_secret_file"] is not None:
        yield from _check_path("client_secret_file", v["client_secret_file"], must_read=False)
    if v["auth"] != "secret":
        return
    given = [key for key in _SECRET_SOURCES if v[key] is not None]
    if not given:
        yield "client_secret_env", (
            'auth = "secret" needs a secret source. Fix: set client_secret_env = "ENV_VAR_NAME" '
            '(recommended) or client_secret_file = "/path/to/file"; a literal client_secret works '
            "but is discouraged."
        )
    elif len(given) > 1:
        yield given[1], (
            f"set only one of {', '.join(given)}: they are alternative places for the same secret. "
            "Fix: remove all but one."
        )


def _check_certificate(v: dict[str, Any]) -> _Problems:
    if v["auth"] != "certificate":
        return
    if v["certificate_path"] is None:
        yield "certificate_path", (
            'auth = "certificate" needs certificate_path. Fix: certificate_path = "/path/to/cert.pem" '
            "(PEM with the private key) or a .pfx file."
        )
    else:
        yield from _check_path("certificate_path", v["certificate_path"], must_read=True)


def _check_path(key: str, value: str, *, must_read: bool) -> _Problems:
    path = Path(value).expanduser()
    if not path.is_absolute():
        # Relative paths would depend on the directory avegraph happens to be started from.
        yield key, f"{key} must be an absolute path or start with ~/ (got {value!r}). Fix: write the full path."
        return
    if must_read and (problem := _unreadable(path)):
        yield key, f"cannot read {key} {str(path)!r}: {problem}. Fix: check the path and that your user can read it."


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a regular file, or None if it can."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return "not a regular file"  # also avoids blocking on a FIFO below
        with path.open("rb"):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def _check_scopes(v: dict[str, Any]) -> _Problems:
    scopes = v["scopes"]
    if scopes is None:
        return
    if not scopes:
        yield "scopes", "scopes is empty. Fix: list at least one scope, or remove the key to use each endpoint's own scope."
    elif any(not s or any(c.isspace() for c in s) for s in scopes):
        yield "scopes", 'each scope must be one word without spaces, e.g. "audit.read.all". Fix: split or remove the bad entry.'


def _check_urls(v: dict[str, Any]) -> _Problems:
    for key in ("api_url", "elements_url", "token_url"):
        if v[key] is None:
            continue
        problem = _url_problem(v[key])
        if problem:
            yield key, f"{key} {problem}. Fix: use an https:// URL, or remove {key} to use the environment's default."
        else:
            v[key] = v[key].rstrip("/")


def _url_problem(url: str) -> str | None:
    shown = _mask_url(url)
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return f"is not a valid URL ({shown!r})"
    if parts.scheme not in ("http", "https") or not host:
        return f"must be an absolute https:// URL (got {shown!r})"
    if "@" in parts.netloc:
        return "must not contain a user name or password"
    if parts.query or parts.fragment:
        return f"must not contain a ?query or #fragment (got {shown!r})"
    if parts.scheme == "http" and not is_loopback_host(host):
        return (
            f"uses plain http:// to {host!r}, which would send tokens unencrypted; http:// is allowed only "
            f"for loopback hosts ({', '.join(LOOPBACK_NAMES)})"
        )
    return None


def _check_files_and_proxy(v: dict[str, Any]) -> _Problems:
    if v["ca_bundle"] is not None:
        yield from _check_path("ca_bundle", v["ca_bundle"], must_read=True)
    proxy = v["proxy"]
    if proxy is None:
        return
    shown = _mask_url(proxy)  # proxy URLs often carry credentials
    try:
        parts = urlsplit(proxy)
        host, _port = parts.hostname, parts.port
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in PROXY_SCHEMES or not host:
        yield "proxy", (
            f"proxy must be a URL like http://proxy.example:3128 (got {shown!r}). "
            f"Allowed schemes: {', '.join(PROXY_SCHEMES)}. Fix: correct it, or remove proxy to use HTTPS_PROXY."
        )


def _check_numbers(v: dict[str, Any]) -> _Problems:
    for key, unit in _UNITS.items():
        if v[key] is not None and v[key] <= 0:
            yield key, f"{key} must be a positive number of {unit} (got {v[key]!r}). Fix: use a value above 0."


_CHECKS: tuple[Callable[[dict[str, Any]], _Problems], ...] = (
    _check_name,
    _check_environment,
    _check_data_center,
    _check_client_id,
    _check_auth,
    _check_env_var_names,
    _check_secret_source,
    _check_certificate,
    _check_scopes,
    _check_urls,
    _check_files_and_proxy,
    _check_numbers,
)


def _validate_table(
    raw: Mapping[str, Any], coerce: Callable[[str, Any], _Coerced]
) -> tuple[TenantConfig | None, dict[str, str]]:
    """The single validation path for file tables and form fields."""
    values, extra, errors = _coerce_table(raw, coerce)
    for check in _CHECKS:
        for key, message in check(values):
            errors.setdefault(key, message)  # a type error beats a follow-on error for the same key
    if errors:
        ordered = {key: errors[key] for key in TENANT_KEYS if key in errors}
        return None, ordered
    kwargs = {_FIELD_OF_KEY.get(k, k): value for k, value in values.items() if value is not None}
    return TenantConfig(extra=extra, **kwargs), {}


def tenant_from_fields(fields: Mapping[str, Any]) -> tuple[TenantConfig | None, dict[str, str]]:
    """Validate form input (TOML key -> text; empty text = not set).

    Returns ``(tenant, {})`` or ``(None, {key: message})`` with one message per bad key,
    for the tenant screen to show next to each field. Unknown keys are reported too.
    """
    errors = {key: f"unknown field {key!r}" for key in fields if key not in _KEY_KINDS}
    known = {key: value for key, value in fields.items() if key in _KEY_KINDS}
    tenant, problems = _validate_table(known, _coerce_form_value)
    errors.update(problems)
    return (tenant, {}) if tenant is not None and not errors else (None, errors)


def _first_error(errors: dict[str, str], path: Path, tenant: str) -> ConfigError:
    key, message = next(iter(errors.items()))
    if len(errors) > 1:
        others = ", ".join(list(errors)[1:])
        message += f" (also check: {others})"
    return ConfigError(message, path=path, tenant=tenant, key=key)
