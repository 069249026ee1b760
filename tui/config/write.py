"""Writing the config file safely: lock, read fresh, change one thing, write atomically.

Saves are read-modify-write of the *current* file under an exclusive lock, written atomically
(temp file created 0600 in the same directory, fsync, ``os.replace``), so two avegraph
processes never lose each other's tenants and a crash never leaves half a file. A file that
is not valid TOML is never overwritten (``_read_document(saving=True)`` refuses).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from tui.config.document import _read_document
from tui.config.errors import ConfigError

# tomli_w is imported where it is used: the tenant screen imports the config package at
# start-up, usually before anything is written.

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
