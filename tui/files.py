"""Writing files the user asked for (exports, saved bodies): atomic, never half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path: str | os.PathLike[str], text: str, mode: int = 0o600) -> Path:
    """Write to a temp file beside ``path`` then rename; the old file survives any failure.

    Mode 0600 by default: exported bodies can hold tenant data.
    """
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


class StreamedFile:
    """A file written in steps (a streamed export): into a temp file beside ``path`` (mode 0600),
    renamed over ``path`` by ``commit()``, so the old file survives until then and the new one
    appears whole. ``discard()`` drops the temp file. A path that exists and is not a regular
    file (``/dev/stdout``, a FIFO) is written in place: nothing can be renamed over it."""

    def __init__(self, path: str | os.PathLike[str], mode: int = 0o600):
        import stat
        self.target = Path(path).expanduser()
        self.mode = mode
        self._tmp: str | None = None
        try:
            special = not stat.S_ISREG(self.target.stat().st_mode)
        except FileNotFoundError:
            special = False
        if special:
            self.fh = open(self.target, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by commit
            return
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", dir=self.target.parent)
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def write(self, text: str) -> int:
        return self.fh.write(text)

    def flush(self) -> None:
        self.fh.flush()

    def commit(self) -> Path:
        try:
            self.fh.flush()
            if self._tmp is not None:
                os.fsync(self.fh.fileno())
        finally:
            self.fh.close()
        if self._tmp is not None:
            os.chmod(self._tmp, self.mode)
            os.replace(self._tmp, self.target)
            self._tmp = None
        return self.target

    def discard(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
            self._tmp = None
