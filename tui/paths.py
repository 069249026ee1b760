"""Where avegraph keeps its files: the XDG base directories, one place for every module.

``config_dir()`` holds config.toml, ``state_dir()`` what the app learns as it runs (history, the
failed jobs already seen), ``data_dir()`` what it keeps for the user (the demo's certificate).
A relative ``XDG_*_HOME`` is invalid by the spec and ignored, so the default applies.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["config_dir", "data_dir", "state_dir", "xdg_home"]

_DEFAULTS = {"XDG_CONFIG_HOME": (".config",), "XDG_STATE_HOME": (".local", "state"),
             "XDG_DATA_HOME": (".local", "share")}


def xdg_home(var: str, environ: Mapping[str, str] | None = None) -> Path:
    """``$var`` when it is an absolute path, else its default under the home directory."""
    env = os.environ if environ is None else environ
    value = env.get(var, "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home().joinpath(*_DEFAULTS[var])


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    return xdg_home("XDG_CONFIG_HOME", environ) / "avegraph"


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    return xdg_home("XDG_STATE_HOME", environ) / "avegraph"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    return xdg_home("XDG_DATA_HOME", environ) / "avegraph"
