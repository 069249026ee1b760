"""Configuration errors: one exception type whose ``str()`` names file, tenant, key, problem and fix.

Every part of the config package raises these, and callers (the CLI, the tenant screen) show
``str(error)`` as is, so the message format lives in one place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


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
