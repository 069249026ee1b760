"""``SeenStore``: the failed jobs already seen, per tenant, so "what failed since I last looked" has an answer.

One JSON file per tenant under ``tui.paths.state_dir()/seen-jobs/``, mode 0600, written atomically
(``tui.files.write_text_atomic``). It holds no secret and no tenant data beyond what identifies a
job: its key (source, customer id, tenant id, job id), its status and end time, and when we saw it.

A job is *new* when its fingerprint (key + status + end time) is not in the store: the same job id
failing again later (a rerun, a new end time) is new again.

Bounded: the newest ``MAX_ENTRIES`` (5,000) fingerprints per tenant by the time they were seen; a
job older than that may show as new once more, which errs on the side of telling.

A write merges with what is on disk under an exclusive lock (``fcntl.flock`` on a lock file beside
it), so two processes (the TUI and a cron ``--new``) never lose each other's marks. A file that is
missing is created; one that cannot be read (corrupt JSON, wrong shape) is named in a warning, kept
beside as ``<name>.corrupt`` and rebuilt; never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tui import clock
from tui.files import write_text_atomic
from tui.paths import state_dir

__all__ = ["SeenStore", "fingerprint", "MAX_ENTRIES"]

MAX_ENTRIES = 5_000
_VERSION = 1


def _iso(dt: Any) -> str:
    from tui.triage.jobs import _iso as iso
    return iso(dt) if dt is not None else ""


def fingerprint(job: Any) -> str:
    """What makes a failure "the same one": its key, status and end time, as one string."""
    parts = [*(str(p or "") for p in job.key), str(job.status or ""), _iso(job.end)]
    return "\x1f".join(parts)


def _file_name(tenant: str) -> str:
    """A safe, stable file name for a tenant name (readable part + a short hash against collisions)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", tenant).strip("-.")[:40] or "tenant"
    digest = hashlib.sha256(tenant.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}.json"


class SeenStore:
    """The seen failures of one tenant. ``load()`` once, ``new_jobs()`` to filter, ``mark()`` to record."""

    def __init__(self, tenant: str, *, directory: Path | None = None,
                 warn: Callable[[str], Any] | None = None, max_entries: int = MAX_ENTRIES):
        self.tenant = tenant
        self.path = (directory or state_dir() / "seen-jobs") / _file_name(tenant)
        self.warn = warn
        self.max_entries = max_entries
        self.entries: dict[str, float] = {}      # fingerprint -> when it was seen (epoch seconds)
        self.warnings: list[str] = []
        self._corrupt = False

    # -- reading ------------------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.warn is not None:
            self.warn(message)

    def _read(self) -> dict[str, float]:
        """What is on disk; {} (and a warning, once) when it is missing-but-expected or unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._warn(f"cannot read the seen-jobs file {self.path}: {exc.strerror or exc}; starting afresh")
            return {}
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or not isinstance(doc.get("seen"), dict):
                raise ValueError("expected an object with a 'seen' object")
            out = {}
            for k, v in doc["seen"].items():
                if isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[k] = float(v)
            return out
        except ValueError as exc:
            if not self._corrupt:
                self._corrupt = True
                self._warn(f"the seen-jobs file {self.path} is corrupt ({exc}); it is kept as "
                           f"{self.path.name}.corrupt and rebuilt")
            return {}

    def load(self) -> "SeenStore":
        self.entries = self._read()
        return self

    # -- queries ------------------------------------------------------------------------------------
    def is_new(self, job: Any) -> bool:
        return fingerprint(job) not in self.entries

    def new_jobs(self, jobs: Iterable[Any]) -> list[Any]:
        return [j for j in jobs if self.is_new(j)]

    def __len__(self) -> int:
        return len(self.entries)

    # -- writing ------------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                import fcntl
                fcntl.flock(fd, fcntl.LOCK_EX)
            except (ImportError, OSError):  # no flock (Windows, some network file systems): best effort
                pass
            yield
        finally:
            os.close(fd)

    def mark(self, jobs: Iterable[Any], now: float | None = None) -> int:
        """Record ``jobs`` as seen, merged with what is on disk now; returns how many were new."""
        stamp = clock.utc_now().timestamp() if now is None else now
        fresh = {fingerprint(j): stamp for j in jobs}
        with self._locked():
            on_disk = self._read()
            if self._corrupt and self.path.exists():
                try:
                    os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
                except OSError:
                    pass
                self._corrupt = False
            merged = dict(on_disk)
            for k, v in self.entries.items():
                merged[k] = max(v, merged.get(k, v))
            added = 0
            for k, v in fresh.items():
                if k not in merged:
                    added += 1
                    merged[k] = v
            if len(merged) > self.max_entries:
                keep = sorted(merged.items(), key=lambda kv: kv[1], reverse=True)[: self.max_entries]
                merged = dict(keep)
            doc = {"version": _VERSION, "tenant": self.tenant, "seen": merged}
            write_text_atomic(self.path, json.dumps(doc, separators=(",", ":")) + "\n")
            self.entries = merged
        return added
