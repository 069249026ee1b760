"""The ``[[tenants]]`` table's keys: their kinds, units, defaults and allowed values.

Shared by the model (field <-> key names), validation (kinds, units) and the file writer
(defaults left out), so a new key is declared once, here.
"""

from __future__ import annotations

from typing import Any

AUTH_KINDS = ("secret", "certificate")
SECRET_TRANSPORTS = ("body", "basic")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
MAX_NAME_LENGTH = 64


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), "a date/time")


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

# Top-level ``[[saved]]`` tables (saved requests, tui.config.saved): their keys and a bound on how
# many are read (the palette and the tree list them all).
SAVED_KEY = "saved"
SAVED_TABLE_KEYS = ("name", "endpoint", "tenant", "note", "params")
MAX_SAVED = 500
