"""The request history that survives a restart: ``$XDG_STATE_HOME/avegraph/history.jsonl``.

One JSON object a line, for every tenant (each line names its tenant): when, method, endpoint id,
path and query parameters, status, duration and request-id. Never a header, a token, a secret or
a body: parameters whose name says they hold a credential (``apiKey``) are left out, and so is
the pager's position (a page number, or a cursor such as ``skipToken``), so a re-run starts at the top.

The file is 0600, appended a whole line at a time under a lock (two avegraph processes append
without tearing lines) and bounded: past ``MAX_ENTRIES`` + ``SLACK`` lines it is compacted to the
newest ``MAX_ENTRIES`` with an atomic rewrite. A line that cannot be read (a crash mid-write,
an edit by hand) is skipped and named; reading never fails on it.

UI-free: the app records through ``HistoryStore.record``; the history screen reads ``load``.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.api.redact import is_unsaved_name
from tui.crash import mask_known_secrets

__all__ = ["HistoryEntry", "HistoryStore", "entry_from_exchange", "default_history_path",
           "MAX_ENTRIES", "SLACK"]

MAX_ENTRIES = 1000
SLACK = 200                         # lines appended past the bound before a compaction
MAX_LINE = 16 * 1024                # a longer line is not ours: skipped when reading, never written
MAX_READ = 8 * 1024 * 1024          # only the file's tail is read (a runaway file cannot stall the UI)
FILE_NAME = "history.jsonl"
_VERSION = 1


def default_history_path() -> Path:
    from tui.paths import state_dir
    return state_dir() / FILE_NAME


@dataclass(frozen=True)
class HistoryEntry:
    """One request as remembered: enough to show it and to send it again, nothing secret."""

    tenant: str
    time: datetime
    method: str
    endpoint: str | None
    path: str                                     # as sent, without the query (for display)
    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    status: int | None = None                     # None: no response (network error, cancelled)
    duration_ms: float | None = None
    request_id: str | None = None
    more: bool = False                            # a later page of a list (the pager's position dropped)

    def to_json(self) -> str:
        record = {"v": _VERSION, "tenant": self.tenant,
                  "time": self.time.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                  "method": self.method, "endpoint": self.endpoint, "path": self.path,
                  "path_params": self.path_params, "params": self.params, "status": self.status,
                  "ms": self.duration_ms, "request_id": self.request_id}
        if self.more:
            record["more"] = True
        # Belt and braces: a value that happens to be a registered secret is masked too.
        return mask_known_secrets(json.dumps(record, ensure_ascii=False, separators=(",", ":")))

    @classmethod
    def from_json(cls, line: str) -> HistoryEntry:
        """Raises ValueError (with what is wrong) for a line that is not a history record."""
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg})") from None
        if not isinstance(d, dict):
            raise ValueError("not a JSON object")
        tenant, method, time_text = d.get("tenant"), d.get("method"), d.get("time")
        if not isinstance(tenant, str) or not isinstance(method, str) or not isinstance(time_text, str):
            raise ValueError("tenant, method or time is missing")
        try:
            when = datetime.fromisoformat(time_text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"time {time_text[:40]!r} is not an ISO date-time") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        status, ms = d.get("status"), d.get("ms")
        return cls(
            tenant=tenant, time=when, method=method,
            endpoint=d["endpoint"] if isinstance(d.get("endpoint"), str) else None,
            path=d["path"] if isinstance(d.get("path"), str) else "",
            path_params=_str_dict(d.get("path_params")), params=_param_dict(d.get("params")),
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            duration_ms=float(ms) if isinstance(ms, int | float) and not isinstance(ms, bool) else None,
            request_id=d["request_id"] if isinstance(d.get("request_id"), str) else None,
            more=d.get("more") is True)

    @property
    def request_text(self) -> str:
        """``jobState=3 startTime=…``: the parameters, path ones first."""
        parts = [f"{k}={v}" for k, v in self.path_params.items()]
        for k, v in self.params.items():
            parts.append(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}")
        return " ".join(parts)


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float) and not is_unsaved_name(str(k))}


def _param_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for k, v in value.items():
        if is_unsaved_name(str(k)):
            continue
        if isinstance(v, list):
            out[str(k)] = [str(x) for x in v if isinstance(x, str | int | float | bool)]
        elif isinstance(v, str | int | float | bool):
            out[str(k)] = v
    return out


# ------------------------------------------------------------------------------------------------
# From an exchange
# ------------------------------------------------------------------------------------------------

def entry_from_exchange(tenant: str, exchange: Any, catalog: Any, base_urls: tuple[str, ...] = ()) -> HistoryEntry | None:
    """The history record of one API exchange (None for token requests: they are not requests a
    person made). ``base_urls``: the tenant's API bases, stripped to find the catalogue path."""
    if getattr(exchange, "kind", "api") != "api":
        return None
    endpoint = catalog.find(exchange.endpoint_id) if getattr(exchange, "endpoint_id", None) else None
    parts = urlsplit(exchange.raw_url)
    path = unquote(parts.path)
    for base in base_urls:
        prefix = urlsplit(base).path.rstrip("/")
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix):]
            break
    position: set[str] = set()
    if endpoint is not None:
        pag = endpoint.pagination
        position = {n.lower() for n in (pag.page_param, pag.cursor_param, pag.offset_param) if n}
    params: dict[str, Any] = {}
    more = False
    pairs = parse_qsl(parts.query, keep_blank_values=False)
    body = exchange.request_body if isinstance(getattr(exchange, "request_body", None), dict) else {}
    pairs += [(k, v) for k, v in body.items() if isinstance(v, str | int | float | bool | list)]
    for name, value in pairs:
        if is_unsaved_name(name) or name.lower() in position:
            more = more or (name.lower() in position and _is_later_page(endpoint, name, value))
            continue
        if isinstance(value, list):
            params[name] = [str(v) for v in value if isinstance(v, str | int | float | bool)]
        elif name in params:
            old = params[name]
            params[name] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            params[name] = value
    return HistoryEntry(
        tenant=tenant, time=exchange.started_at, method=exchange.method,
        endpoint=endpoint.id if endpoint is not None else None, path=path,
        path_params=_path_params(endpoint, path) if endpoint is not None else {}, params=params,
        status=exchange.status,
        duration_ms=None if exchange.elapsed is None else round(exchange.elapsed * 1000, 1),
        request_id=exchange.request_id, more=more)


def _is_later_page(endpoint: Any, name: str, value: Any) -> bool:
    pag = endpoint.pagination
    if pag.page_param and name.lower() == pag.page_param.lower():
        return str(value) != str(pag.first_page)
    if pag.offset_param and name.lower() == pag.offset_param.lower():
        return str(value) not in ("0", "")
    return value not in (None, "")                 # a cursor: always a later page


def _path_params(endpoint: Any, path: str) -> dict[str, str]:
    import re
    template = endpoint.path.strip("/")
    rx = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$", re.I)
    m = rx.match(path.strip("/"))
    return {k: v for k, v in (m.groupdict() if m else {}).items() if not is_unsaved_name(k)}


# ------------------------------------------------------------------------------------------------
# The file
# ------------------------------------------------------------------------------------------------

class HistoryStore:
    """The history file: ``record`` / ``append`` a line, ``load`` the entries (oldest first)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, max_entries: int = MAX_ENTRIES,
                 slack: int = SLACK) -> None:
        self.path = Path(path) if path is not None else default_history_path()
        self.max_entries = max_entries
        self.slack = slack
        self._lines: int | None = None             # lines in the file as far as we know
        self._size: int | None = None              # its size after our last write
        self.last_problem: str | None = None       # why the last write failed (shown once by the UI)

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    def record(self, tenant: str, exchange: Any, catalog: Any, base_urls: tuple[str, ...] = ()) -> str | None:
        """Append the record of an exchange; the problem as text when it could not be written."""
        entry = entry_from_exchange(tenant, exchange, catalog, base_urls)
        return None if entry is None else self.append(entry)

    def append(self, entry: HistoryEntry) -> str | None:
        """Append one line; compact when the file has grown past the bound. Never raises OSError."""
        data = (entry.to_json() + "\n").encode("utf-8")
        if len(data) > MAX_LINE:
            return self._problem("the request is too long to remember (over 16 KB of parameters)")
        try:
            with self._locked():
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    _private(fd)
                    os.write(fd, data)
                    size = os.fstat(fd).st_size
                finally:
                    os.close(fd)
                if self._lines is None or self._size is None or size != self._size + len(data):
                    self._lines = self._count()    # first write, or another process wrote too
                else:
                    self._lines += 1
                self._size = size
                if self._lines > self.max_entries + self.slack:
                    self._compact()
        except OSError as exc:
            return self._problem(f"history not saved to {self.path}: {exc.strerror or exc}")
        self.last_problem = None
        return None

    def load(self, tenant: str | None = None, limit: int | None = None) -> tuple[list[HistoryEntry], list[str]]:
        """(entries oldest first, problems such as "line 12: not JSON, skipped"). A missing file is empty."""
        problems: list[str] = []
        entries: list[HistoryEntry] = []
        try:
            lines = self._read_lines()
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            return [], [f"cannot read {self.path}: {exc.strerror or exc}"]
        for number, raw in lines:
            if len(raw) > MAX_LINE:
                problems.append(f"{self.path.name} line {number}: longer than 16 KB, skipped")
                continue
            try:
                entry = HistoryEntry.from_json(raw.decode("utf-8"))
            except UnicodeDecodeError:
                problems.append(f"{self.path.name} line {number}: not UTF-8 text, skipped")
                continue
            except ValueError as exc:
                problems.append(f"{self.path.name} line {number}: {exc}, skipped")
                continue
            if tenant is None or entry.tenant == tenant:
                entries.append(entry)
        if limit is not None:
            entries = entries[-limit:]
        return entries, problems

    def clear(self, tenant: str | None = None) -> int:
        """Forget a tenant's entries (every entry without a tenant); how many were removed."""
        with self._locked():
            try:
                lines = self._read_lines()
            except FileNotFoundError:
                return 0
            keep, removed = [], 0
            for _, raw in lines:
                try:
                    mine = tenant is None or HistoryEntry.from_json(raw.decode("utf-8")).tenant == tenant
                except (ValueError, UnicodeDecodeError):
                    mine = False
                if mine:
                    removed += 1
                else:
                    keep.append(raw)
            self._rewrite(keep)
            return removed

    # -- internals ----------------------------------------------------------------------------------
    def _problem(self, text: str) -> str:
        self.last_problem = text
        return text

    @contextmanager
    def _locked(self) -> Iterator[None]:
        directory = self.path.parent
        if not directory.is_dir():
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read_lines(self) -> list[tuple[int, bytes]]:
        """(line number, bytes) of the file's last ``MAX_READ`` bytes, blank lines left out."""
        with self.path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            start = max(0, size - MAX_READ)
            fh.seek(start)
            data = fh.read()
        lines = data.split(b"\n")
        if start:
            lines = lines[1:]                      # the first one is cut
        # Numbered from 1 (from the first whole line read when only the tail was read).
        return [(i, line) for i, line in enumerate(lines, 1) if line.strip()]

    def _count(self) -> int:
        try:
            return len(self._read_lines())
        except FileNotFoundError:
            return 0

    def _compact(self) -> None:
        lines = [raw for _, raw in self._read_lines()]
        self._rewrite(lines[-self.max_entries:])

    def _rewrite(self, lines: list[bytes]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(b"".join(line + b"\n" for line in lines))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise
        self._lines = len(lines)
        self._size = self.path.stat().st_size


def _private(fd: int) -> None:
    """A history file created by an older version or by hand may be readable by others: make it 0600."""
    with suppress(OSError):
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
