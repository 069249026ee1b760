"""The avegraph configuration file: where it lives, what it holds, how it is checked and saved.

UI-free core: nothing here may import textual. Three rules shape the code:

* One set of validators serves both ``load_config`` (TOML values) and
  ``tenant_from_fields`` (form strings), so the file and the tenant screen can
  never disagree about what is valid.
* Saves are read-modify-write of the *current* file under an exclusive lock,
  written atomically (temp file in the same directory, fsync, ``os.replace``),
  so two avegraph processes never lose each other's tenants and a crash never
  leaves half a file. A file that is not valid TOML is never overwritten.
* No secret value (client secret, proxy credentials, values of keys that hold
  secrets) ever appears in an error message, ``repr`` or ``str``.
"""

from __future__ import annotations

import difflib
import fcntl
import ipaddress
import math
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from tui.environments import ENVIRONMENTS, UnknownDataCenter, api_url_for, resolve_data_center

if TYPE_CHECKING:
    import tomllib

# shlex, tomllib and tomli_w are imported where they are used: the tenant screen imports this
# module at start-up, usually before any file is read or written.

__all__ = [
    "CONFIG_ENV_VAR",
    "Config",
    "ConfigError",
    "ConfigMissing",
    "TENANT_KEYS",
    "TenantConfig",
    "config_to_dict",
    "delete_tenant",
    "is_loopback_host",
    "is_loopback_url",
    "load_config",
    "resolve_config_path",
    "save_config",
    "set_default_tenant",
    "set_theme",
    "tenant_from_fields",
    "tenant_to_dict",
    "tenant_to_fields",
    "upsert_tenant",
]

CONFIG_ENV_VAR = "AVEGRAPH_CONFIG"
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")
AUTH_KINDS = ("secret", "certificate")
SECRET_TRANSPORTS = ("body", "basic")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
MAX_NAME_LENGTH = 64

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class ConfigError(Exception):
    """A problem with the configuration; ``str()`` names file, tenant, key, problem and fix."""

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        tenant: str | None = None,
        key: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.tenant = tenant
        self.key = key
        self.line = line
        self.column = column

    def __str__(self) -> str:
        # "<file>: tenant 'x', key 'y': <problem>. Fix: <fix>"
        where = []
        if self.tenant is not None:
            where.append(f"tenant {self.tenant!r}")
        if self.key is not None:
            where.append(f"key {self.key!r}")
        parts = [str(self.path)] if self.path is not None else []
        if where:
            parts.append(", ".join(where))
        return ": ".join([*parts, self.message])

    def __reduce__(self):  # keyword-only args: teach pickle (multiprocessing) to rebuild us
        return (_rebuild_error, (type(self), self.message, self.__dict__.copy()))


def _rebuild_error(cls: type[ConfigError], message: str, state: dict[str, Any]) -> ConfigError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class ConfigMissing(ConfigError):
    """There is no file at the configuration path."""


# ---------------------------------------------------------------------------
# Location
# ---------------------------------------------------------------------------


def resolve_config_path(cli_path: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--config PATH``, else ``$AVEGRAPH_CONFIG``, else ``$XDG_CONFIG_HOME/avegraph/config.toml``,
    else ``~/.config/avegraph/config.toml``."""
    env = os.environ if environ is None else environ
    if cli_path:
        return Path(cli_path).expanduser()
    if env.get(CONFIG_ENV_VAR):
        return Path(env[CONFIG_ENV_VAR]).expanduser()
    xdg = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "avegraph" / "config.toml"


# ---------------------------------------------------------------------------
# Small helpers shared by validation and the HTTP layer
# ---------------------------------------------------------------------------


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback IPs (127.0.0.0/8, ::1): traffic that never leaves the machine."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False


def _mask_url(url: str) -> str:
    """Hide user-info (``user:password@``) so proxy credentials never reach a message or repr."""
    return re.sub(r"//[^/@]*@", "//***@", url)


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), "a date/time")


# ---------------------------------------------------------------------------
# The tenant
# ---------------------------------------------------------------------------

# TOML key -> kind. The order is the order keys are written for a new tenant and the
# order in which validation reports problems.
_STR, _NUM, _LIST = "string", "number", "list"
_KEY_KINDS: dict[str, str] = {
    "name": _STR,
    "environment": _STR,
    "data_center": _STR,
    "client_id": _STR,
    "auth": _STR,
    "client_secret_env": _STR,
    "client_secret_file": _STR,
    "client_secret": _STR,
    "secret_transport": _STR,
    "certificate_path": _STR,
    "certificate_password_env": _STR,
    "scopes": _LIST,
    "api_url": _STR,
    "elements_url": _STR,
    "token_url": _STR,
    "ca_bundle": _STR,
    "accent": _STR,
    "proxy": _STR,
    "timeout_connect": _NUM,
    "timeout_read": _NUM,
    "deadline": _NUM,
    "max_body_mb": _NUM,
}
TENANT_KEYS: tuple[str, ...] = tuple(_KEY_KINDS)

# The URL keys are properties on TenantConfig (override or environment default),
# so the raw overrides live in fields with an ``_override`` suffix.
_FIELD_OF_KEY = {"api_url": "api_url_override", "elements_url": "elements_url_override", "token_url": "token_url_override"}
_KEY_OF_FIELD = {f: k for k, f in _FIELD_OF_KEY.items()}
_SECRET_SOURCES = ("client_secret_env", "client_secret_file", "client_secret")
_UNITS = {"timeout_connect": "seconds", "timeout_read": "seconds", "deadline": "seconds", "max_body_mb": "megabytes"}
# Values not written for a new tenant when they equal the default (keeps saved files short).
_OMIT_WHEN_DEFAULT = {"secret_transport": "body", "timeout_connect": 10, "timeout_read": 30, "deadline": 60, "max_body_mb": 50}


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

    # -- credentials ------------------------------------------------------------
    def load_secret(self) -> str:
        """The client secret from its env var, file or literal; ConfigError (without the value) if unavailable."""
        if self.client_secret_env:
            return self._secret_from_env(self.client_secret_env)
        if self.client_secret_file:
            return self._secret_from_file(Path(self.client_secret_file).expanduser())
        if self.client_secret:
            return self.client_secret
        raise self._error(
            "client_secret_env",
            'no client secret is configured. Fix: set client_secret_env = "NAME" (and export NAME) '
            "or client_secret_file = \"/path/to/file\".",
        )

    def load_certificate(self) -> tuple[bytes, str | None]:
        """``(file bytes, password or None)``; the caller decides PEM vs PFX."""
        path = self.certificate_file
        if path is None:
            raise self._error("certificate_path", 'certificate_path is not set. Fix: certificate_path = "/path/to/cert.pem".')
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise self._error(
                "certificate_path",
                f"cannot read the certificate file {str(path)!r}: {exc.strerror}. "
                "Fix: check the path and that your user can read the file.",
            ) from None
        password = None
        if self.certificate_password_env:
            name = self.certificate_password_env
            if name not in os.environ:
                raise self._error(
                    "certificate_password_env",
                    f"environment variable {name} (the certificate password) is not set. "
                    f"Fix: export {name}=… before starting avegraph, or remove certificate_password_env "
                    "if the key is not encrypted.",
                )
            password = os.environ[name] or None
        return data, password

    def _secret_from_env(self, name: str) -> str:
        value = os.environ.get(name)
        if value is None:
            raise self._error(
                "client_secret_env",
                f"environment variable {name} is not set. Fix: export {name}=<client secret> in the shell "
                "that starts avegraph, or use client_secret_file.",
            )
        if not value.strip():
            raise self._error(
                "client_secret_env",
                f"environment variable {name} is empty. Fix: export {name}=<client secret> "
                "(check the command that sets it).",
            )
        # Trailing newlines sneak in from `export X=$(cat file)`-style setups.
        return value.strip()

    def _secret_from_file(self, path: Path) -> str:
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise self._error(
                "client_secret_file",
                f"cannot read the secret file {str(path)!r}: {reason}. "
                "Fix: check the path and that your user can read it.",
            ) from None
        if not value.strip():
            raise self._error(
                "client_secret_file", f"the secret file {str(path)!r} is empty. Fix: put the client secret in it."
            )
        return value.strip()

    def _error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, tenant=self.name, key=key)

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
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
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


# ---------------------------------------------------------------------------
# The whole file
# ---------------------------------------------------------------------------


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

    def tenant(self, name: str | None = None) -> TenantConfig:
        """The named tenant; without a name the default tenant, else the first one."""
        if name is None:
            if self.default_tenant is not None:
                name = self.default_tenant
            elif self.tenants:
                return self.tenants[0]
            else:
                raise ConfigError(
                    "no tenants are configured. Fix: add a [[tenants]] table (see config.example.toml) "
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


def _missing_message(path: Path) -> str:
    import shlex

    quoted = shlex.quote(str(path))
    return (
        f"no config file at {path}. Create one with `avegraph demo-server --write-config {quoted}` "
        f"(tenants pointing at the local demo server), or copy config.example.toml from the avegraph "
        f"sources to {path} and edit it (then `chmod 600 {quoted}`)."
    )


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, path: Path, *, saving: bool) -> ConfigError:
    """ConfigError with line and column; tomllib says "(at line L, column C)" or "(at end of document)"."""
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        line, column = int(match[1]), int(match[2])
        message = message[: match.start()]
    else:
        message = re.sub(r"\s*\(at end of document\)$", "", message) + " at end of file"
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    # Never quote the offending line: it may hold a secret.
    detail = f"TOML syntax error at line {line}, column {column}: {message}"
    if saving:
        fix = (
            "Refusing to save so your file is not overwritten; it was not changed. Fix the file by hand "
            "(or move it aside) and save again."
        )
    else:
        fix = 'Fix: edit the file at that position (strings need quotes: key = "value"; tables are [[tenants]]).'
    return ConfigError(f"{detail}. {fix}", path=path, line=line, column=column)


def _read_document(path: Path, *, saving: bool) -> tuple[dict[str, Any], os.stat_result | None]:
    """Parse the file. Missing: ConfigMissing when loading, empty document when saving."""
    try:
        with path.open("rb") as fh:
            data = fh.read()
            st = os.fstat(fh.fileno())
    except FileNotFoundError:
        if saving:
            return {}, None
        raise ConfigMissing(_missing_message(path), path=path) from None
    except OSError as exc:
        import shlex

        action = "Refusing to save over a file that cannot be read." if saving else ""
        raise ConfigError(
            f"cannot read the config file: {exc.strerror}. {action} Fix: check its permissions "
            f"(ls -l {shlex.quote(str(path))}).",
            path=path,
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"the file is not UTF-8 text (bad byte at offset {exc.start}). Fix: save it as UTF-8.", path=path
        ) from None
    import tomllib

    try:
        return tomllib.loads(text), st
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, path, saving=saving) from None


def _first_error(errors: dict[str, str], path: Path, tenant: str) -> ConfigError:
    key, message = next(iter(errors.items()))
    if len(errors) > 1:
        others = ", ".join(list(errors)[1:])
        message += f" (also check: {others})"
    return ConfigError(message, path=path, tenant=tenant, key=key)


def _top_level_string(doc: dict[str, Any], key: str, path: Path) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f'{key} must be a string in quotes, e.g. {key} = "…" (got {_toml_type(value)}).', path=path, key=key)
    return value


def _raw_tenant_tables(doc: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    tables = doc.get("tenants", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(
            "tenants must be a list of [[tenants]] tables. Fix: write each tenant as a [[tenants]] section "
            "(see config.example.toml).",
            path=path,
            key="tenants",
        )
    return tables


def _tenant_label(table: Mapping[str, Any], index: int) -> str:
    name = table.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else f"#{index} (unnamed)"


def _unknown_key_warnings(label: str, extra: Mapping[str, Any]) -> list[str]:
    out = []
    for key in extra:
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


# ---------------------------------------------------------------------------
# Saving: lock, read fresh, change one thing, write atomically
# ---------------------------------------------------------------------------

_T = TypeVar("_T")


def _real_target(path: str | os.PathLike[str]) -> Path:
    # Follow a symlinked config (dotfile managers) so os.replace updates the real file, not the link.
    return Path(os.path.realpath(Path(path).expanduser()))


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Exclusive flock on ``<file>.lock``: a sidecar, because the config itself is replaced on every save."""
    _ensure_directory(target.parent)
    lock_path = target.with_name(target.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the lock file {lock_path}: {exc.strerror}.", path=target) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the lock file stays (deleting it would race)


def _ensure_directory(directory: Path) -> None:
    if directory.is_dir():
        return
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the directory {directory}: {exc.strerror}.", path=directory) from None


def _write_atomic(target: Path, data: bytes) -> None:
    """Temp file (0600 from creation) in the same directory, fsync, os.replace: all or nothing."""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # mkstemp already uses 0600; be explicit, the file may hold a secret
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from None
        raise
    _fsync_directory(target.parent)


def _write_error(target: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        f"could not save: {exc.strerror or exc}. The previous file is unchanged. "
        "Fix: check free disk space and that you may write to that directory.",
        path=target,
    )


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; best effort (not every filesystem allows it).
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _dump(doc: dict[str, Any], target: Path) -> bytes:
    import tomli_w

    try:
        return tomli_w.dumps(doc).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot write this configuration as TOML: {exc}.", path=target) from None


def _modify(path: str | os.PathLike[str], change: Callable[[dict[str, Any], Path], tuple[_T, bool]]) -> _T:
    """Lock, re-read the current file, apply ``change`` (returns result, changed?), write if changed."""
    target = _real_target(path)
    with _locked(target):
        doc, _ = _read_document(target, saving=True)
        result, changed = change(doc, target)
        if changed:
            _write_atomic(target, _dump(doc, target))
    return result


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
