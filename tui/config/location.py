"""Where the configuration file lives (``--config``, ``$AVEGRAPH_CONFIG``, XDG, ``~/.config``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CONFIG_ENV_VAR = "AVEGRAPH_CONFIG"


def resolve_config_path(cli_path: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--config PATH``, else ``$AVEGRAPH_CONFIG``, else ``$XDG_CONFIG_HOME/avegraph/config.toml``,
    else ``~/.config/avegraph/config.toml``."""
    env = os.environ if environ is None else environ
    if cli_path:
        return Path(cli_path).expanduser()
    if env.get(CONFIG_ENV_VAR):
        return Path(env[CONFIG_ENV_VAR]).expanduser()
    from tui.paths import config_dir
    return config_dir(env) / "config.toml"
