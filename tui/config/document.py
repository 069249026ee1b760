"""Reading the config file as a TOML document, for loading and for saving alike.

Errors say where (line and column) but never quote the file: a line may hold a secret. When
saving, a file that cannot be read or parsed is reported and never overwritten.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.config.errors import ConfigError, ConfigMissing
from tui.config.schema import _toml_type

if TYPE_CHECKING:
    import tomllib

# shlex and tomllib are imported where they are used: the tenant screen imports the config
# package at start-up, usually before any file is read.


def _missing_message(path: Path) -> str:
    import shlex

    quoted = shlex.quote(str(path))
    return (
        f"no config file at {path}. To look around first: `avegraph --demo` (simulated tenants, no "
        f"account needed). To add your tenant: run `avegraph` and press Add (a) on the tenant screen, "
        f"or start from the commented example: `avegraph config example --write {quoted}` writes it there "
        f"(mode 0600) for you to edit; `avegraph config example` prints it."
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


MAX_CONFIG_BYTES = 1_000_000      # a config is a few kB; anything over 1 MB is not one


def _not_a_file(path: Path, st: os.stat_result, *, saving: bool) -> ConfigError:
    import stat

    kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
    action = " Refusing to save over it." if saving else ""
    return ConfigError(f"the config path is {kind}, not a regular file.{action} Fix: point --config or "
                       "$AVEGRAPH_CONFIG at a TOML file.", path=path)


def _read_document(path: Path, *, saving: bool) -> tuple[dict[str, Any], os.stat_result | None]:
    """Parse the file. Missing: ConfigMissing when loading, empty document when saving.

    Only a regular file of at most 1 MB is read: /dev/zero or a FIFO would never end, and a
    file that size is not a config. Nesting too deep for the parser is a config error too.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if saving:
            return {}, None
        raise ConfigMissing(_missing_message(path), path=path) from None
    except OSError:
        st = None                     # reported by open() below, with its reason
    if st is not None:
        import stat

        if not stat.S_ISREG(st.st_mode):
            raise _not_a_file(path, st, saving=saving)
        if st.st_size > MAX_CONFIG_BYTES:
            raise _too_big(path, st.st_size, saving=saving)
    try:
        # O_NONBLOCK: a FIFO swapped in after the check must not hang the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            import stat

            if not stat.S_ISREG(st.st_mode):
                raise _not_a_file(path, st, saving=saving)
            data = fh.read(MAX_CONFIG_BYTES + 1)
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
    if len(data) > MAX_CONFIG_BYTES:
        raise _too_big(path, len(data), saving=saving, exact=False)
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
    except RecursionError:
        action = " Refusing to save so your file is not overwritten." if saving else ""
        raise ConfigError(f"the file nests arrays or tables too deeply to be read (a config needs two levels).{action} "
                          "Fix: remove the deeply nested value.", path=path) from None


def _too_big(path: Path, size: int, *, saving: bool, exact: bool = True) -> ConfigError:
    action = " Refusing to save over it." if saving else ""
    how_big = f"{size:,} bytes" if exact else f"more than {MAX_CONFIG_BYTES:,} bytes"
    return ConfigError(f"the file is {how_big}; a config is at most {MAX_CONFIG_BYTES:,} bytes (1 MB).{action} "
                       "Fix: point --config at the right file, or remove what does not belong in it.", path=path)


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
            "(`avegraph config example` prints an example).",
            path=path,
            key="tenants",
        )
    return tables
