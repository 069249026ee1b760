"""The failed-jobs screen's watch mode (``W``) in the config file: two optional top-level keys.

    watch_interval = 300    # seconds between the starts of two scans (10 .. 86400; default 300)
    watch_bell = false      # ring the terminal bell when a re-scan finds a new failure (default off)

``load_config`` checks them (a bad value is a ``ConfigError`` naming the key and the fix); they stay
in ``Config.extra`` so a save writes them back as they were. ``None`` means "not set": the screen
then uses its defaults (``tui.triage.watch.DEFAULT_INTERVAL``, no bell).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.config.errors import ConfigError
from tui.config.schema import _toml_type

__all__ = ["WATCH_KEYS", "MIN_WATCH_INTERVAL", "MAX_WATCH_INTERVAL", "watch_settings"]

WATCH_KEYS = ("watch_interval", "watch_bell")
MIN_WATCH_INTERVAL = 10          # a scan reads every job source: more often than this only loads the API
MAX_WATCH_INTERVAL = 86_400


def watch_settings(doc: Mapping[str, Any], path: Path | None = None) -> tuple[float | None, bool | None]:
    """``(watch_interval, watch_bell)`` of a config document (None when absent); ConfigError when bad."""
    interval = doc.get("watch_interval")
    if interval is not None:
        if isinstance(interval, bool) or not isinstance(interval, int | float) or not math.isfinite(interval):
            raise ConfigError(f"watch_interval must be a number of seconds (got {_toml_type(interval)}). "
                              "Fix: write it without quotes, e.g. watch_interval = 300.", path=path,
                              key="watch_interval")
        if not MIN_WATCH_INTERVAL <= interval <= MAX_WATCH_INTERVAL:
            raise ConfigError(f"watch_interval must be between {MIN_WATCH_INTERVAL} and {MAX_WATCH_INTERVAL} "
                              f"seconds (got {interval:g}). Fix: e.g. watch_interval = 300 (five minutes).",
                              path=path, key="watch_interval")
        interval = float(interval)
    bell = doc.get("watch_bell")
    if bell is not None and not isinstance(bell, bool):
        raise ConfigError(f"watch_bell must be true or false (got {_toml_type(bell)}). "
                          "Fix: watch_bell = true (without quotes).", path=path, key="watch_bell")
    return interval, bell
