"""Helpers of the hardening tests: a paged fault server, the real app on a fault tenant, a sleep the
test controls, terminal-byte checks, a recording loopback proxy and the secret sentinels.

Nothing here sleeps to wait for something: servers wait on ``threading.Event`` gates the test
releases, the app's retry waits on an ``asyncio.Event`` the test sets.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import select
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from tests.faults import FaultServer, make_tenant

__all__ = ["PagedFaultServer", "fault_app", "GateSleep", "press", "terminal_bytes", "unsafe_in_terminal_output",
           "assert_terminal_safe", "RecordingProxy", "fake_resolver", "jwt_like", "SECRET", "PASSPHRASE", "TOKEN",
           "make_tenant", "closed_port"]

# -- sentinels ----------------------------------------------------------------------------------------


def jwt_like(claims: dict[str, Any], signature: str) -> str:
    """An unsigned JWT-shaped token (header.payload.signature) whose claims decode."""
    def b64(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims)}.{signature}"


SECRET = "HARDEN-SECRET-3f9b1c7e2a5d"
PASSPHRASE = "HARDEN-PASSPHRASE-81c4e6d2b9"
TOKEN = jwt_like({"iss": "https://identity.example", "client_id": "fault-client", "aud": "avepoint.graph",
                  "scope": "microsoft365backup.jobInfo.read.all audit.read.all", "exp": 4102444800,
                  "iat": 1700000000, "jti": "harden-jti"}, "HARDEN-SIGNATURE-5e7a9c0b1d")


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- a paged collection with faults per page -----------------------------------------------------------

class PagedFaultServer(FaultServer):
    """FaultServer plus a paged collection (``pages``) whose pages can each fail, and a fixed port.

    ``route("/aos/jobs", "pages", total=150, size=50, key="jobs")`` answers page ``p`` (query ``p``,
    1 when absent) with ``size`` items and a nextLink to ``?p=p+1`` (None on the last page).
    ``fail(page, kind, **opts)`` queues a fault for that page: the next request for it gets
    ``kind`` (any FaultServer behaviour, or ``loop`` / ``foreign`` / ``status`` with the page's own
    items); ``sticky=True`` keeps it for every later request too. ``gate=threading.Event()`` holds
    the answer until the test sets it.
    """

    def __init__(self, *args: Any, port: int = 0, **kw: Any):
        super().__init__(*args, **kw)
        self._want_port = port
        self.faults: dict[int, list[tuple[str, dict]]] = {}

    def start(self) -> "PagedFaultServer":
        if not self._want_port:
            return super().start()  # type: ignore[return-value]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self._want_port))
        s.listen(64)
        s.settimeout(0.05)
        self._sock = s
        self.port = s.getsockname()[1]
        t = threading.Thread(target=self._accept_loop, name=f"faults-{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def fail(self, page: int, kind: str, **opts: Any) -> None:
        with self._lock:
            self.faults.setdefault(page, []).append((kind, opts))

    def clear(self, page: int | None = None) -> None:
        with self._lock:
            if page is None:
                self.faults.clear()
            else:
                self.faults.pop(page, None)

    def page_hits(self, prefix: str) -> list[int]:
        return [int(r.query.get("p") or 1) for r in self.hits(prefix)]

    def _wait(self, gate: threading.Event | None) -> bool:
        """Hold until the gate opens; False when the server stops first."""
        if gate is None:
            return True
        while not gate.wait(0.02):
            if self._stop.is_set():
                return False
        return True

    def _page_body(self, req, o: dict, page: int, next_url: str | None) -> dict:
        total, size = o.get("total", 150), o.get("size", 50)
        start = (page - 1) * size
        items = [{"id": f"job-{i:05d}", "state": "Failed" if i % 7 == 0 else "Finished",
                  "scanProfileName": o.get("name", f"profile {i % 5}")} for i in range(start, min(total, start + size))]
        return {o.get("key", "jobs"): items, "totalCount": total, "nextLink": next_url}

    def _do_pages(self, conn, req, o, hit):
        page = int(req.query.get("p") or 1)
        total, size = o.get("total", 150), o.get("size", 50)
        last = -(-total // size)
        base = o.get("next_base") or self.base_url
        own_next = f"{base}{req.path}?p={page + 1}" if page < last else None
        with self._lock:
            queue = self.faults.get(page) or []
            fault = queue.pop(0) if queue else None
            if fault is not None and fault[1].get("sticky"):
                queue.insert(0, fault)
        if fault is None:
            self._send(conn, 200, self._page_body(req, o, page, own_next))
            return
        kind, fo = fault
        if not self._wait(fo.get("gate")):
            return
        if kind == "loop":                       # the page again, with a nextLink to itself
            self._send(conn, 200, self._page_body(req, o, page, self._url(req)))
        elif kind == "foreign":                  # the page, with a nextLink to another host
            self._send(conn, 200, self._page_body(req, o, page, fo["other"].rstrip("/") + req.path + f"?p={page + 1}"))
        elif kind == "status":                   # 429 / 503, with or without Retry-After
            headers = {"Retry-After": str(fo["retry_after"])} if fo.get("retry_after") is not None else {}
            self._send(conn, fo.get("code", 503), {"message": f"simulated {fo.get('code', 503)}"}, headers)
        elif kind == "slow":                     # the page after the gate (latency the test controls)
            self._send(conn, 200, self._page_body(req, o, page, own_next))
        else:
            getattr(self, f"_do_{kind}")(conn, req, fo, hit)


# -- the real app on a fault tenant ----------------------------------------------------------------------

def fault_app(tenant: Any, config_path: Path, *, sleep: Any = None, backoff_base: float = 0.01):
    """The real AvegraphApp whose session for ``tenant`` takes a test-controlled sleep and short backoff
    (production: asyncio.sleep, 0.5 s base). Everything else is the app as shipped."""
    from tui.tenants import DemoRuntime, TenantDirectory
    from tui.ui.app import AvegraphApp

    class FaultApp(AvegraphApp):
        def session_for(self, name: str):
            if name != tenant.name:
                return super().session_for(name)
            session = self.sessions.get(name)
            if session is None:
                from tui.api.session import Session
                session = Session(tenant, self.catalog, sleep=sleep, backoff_base=backoff_base)
                self.sessions[name] = session
            return session

    return FaultApp(TenantDirectory(config_path, DemoRuntime()))



class GateSleep:
    """The session's sleep: records each wait and, while ``hold`` is set, blocks until ``release()``.

    Lets a test look at the app *during* a Retry-After wait or a backoff, without waiting for real.
    """

    def __init__(self, hold: bool = False) -> None:
        self.waits: list[float] = []
        self.hold = hold
        self._event: asyncio.Event | None = None

    def release(self) -> None:
        """Let the current wait (if any) finish; later waits pass at once until ``hold`` is set again."""
        self.hold = False
        event, self._event = self._event, None
        if event is not None:
            event.set()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.hold:
            if self._event is None:
                self._event = asyncio.Event()
            await self._event.wait()
        else:
            await asyncio.sleep(0)


# -- what a terminal would receive ---------------------------------------------------------------------------

_SGR = re.compile(r"\x1b\[[0-9;:]*m")
# Besides ESC sequences: BEL, other C0 controls (newline aside), DEL, C1, bidi controls and marks.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _console(width: int = 200):
    from rich.console import Console
    return Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=width,
                   legacy_windows=False, soft_wrap=False)


def terminal_bytes(*things: Any, width: int = 200) -> str:
    """The characters a terminal receives for Textual strips, lists of Segments or Rich renderables."""
    from rich.segment import Segment
    from textual.strip import Strip
    console = _console(width)
    parts: list[str] = []
    for thing in things:
        if isinstance(thing, Strip):
            parts.append(thing.render(console))
        elif isinstance(thing, (list, tuple)) and all(isinstance(s, Segment) for s in thing):
            parts.append(Strip(list(thing)).render(console))
        else:
            console.print(thing)
            parts.append(console.file.getvalue())  # type: ignore[attr-defined]
            console.file.seek(0)                    # type: ignore[attr-defined]
            console.file.truncate()                 # type: ignore[attr-defined]
        parts.append("\n")
    return "".join(parts)


def unsafe_in_terminal_output(out: str) -> list[str]:
    """What in ``out`` is not plain text or an SGR colour sequence (OSC, CSI moves, BEL, C1, bidi ...)."""
    rest = _SGR.sub("", out)
    problems = []
    if "\x1b" in rest:
        i = rest.index("\x1b")
        problems.append(f"ESC sequence {rest[i:i + 12]!r}")
    for m in _UNSAFE.finditer(rest):
        if m.group() != "\x1b":
            problems.append(f"control {m.group()!r} at {m.start()}")
            break
    return problems


def assert_terminal_safe(out: str, where: str = "") -> None:
    problems = unsafe_in_terminal_output(out)
    assert not problems, f"{where}: {problems}"


# -- a loopback HTTP proxy that records what went through ---------------------------------------------------------

@dataclass
class ProxyRecord:
    method: str
    target: str
    proxy_authorization: str | None
    headers: dict[str, str] = field(default_factory=dict)


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1: CONNECT tunnels (https) and absolute-URI requests (http).

    Every name is resolved to 127.0.0.1 (the tests' hosts are made up); ``records`` lists each request
    with its Proxy-Authorization header, so a test sees which requests used the proxy and with what.
    """

    def __init__(self) -> None:
        self.records: list[ProxyRecord] = []
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self.port = 0

    def start(self) -> "RecordingProxy":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(32)
        s.settimeout(0.05)
        self._sock, self.port = s, s.getsockname()[1]
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self) -> "RecordingProxy":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def url(self, user: str | None = None, password: str | None = None) -> str:
        cred = f"{user}:{password}@" if user else ""
        return f"http://{cred}127.0.0.1:{self.port}"

    def targets(self) -> list[str]:
        return [r.target for r in self.records]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()  # type: ignore[union-attr]
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn: socket.socket) -> None:
        upstream = None
        try:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            self.records.append(ProxyRecord(method, target, headers.get("proxy-authorization"), headers))
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            else:
                from urllib.parse import urlsplit
                p = urlsplit(target)
                upstream = socket.create_connection(("127.0.0.1", p.port or 80), timeout=10)
                path = p.path + (f"?{p.query}" if p.query else "")
                out = [f"{method} {path} {version}"] + [line for line in lines[1:]
                                                         if not line.lower().startswith("proxy-")]
                upstream.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + rest)
            self._pipe(conn, upstream)
        except OSError:
            pass
        finally:
            for s in (conn, upstream):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        socks = [a, b]
        while not self._stop.is_set():
            readable, _, _ = select.select(socks, [], [], 0.05)
            for s in readable:
                try:
                    data = s.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                (b if s is a else a).sendall(data)


def fake_resolver(names: Iterable[str]):
    """A ``socket.getaddrinfo`` that answers 127.0.0.1 for the given made-up host names."""
    real = socket.getaddrinfo
    wanted = {n.lower() for n in names}

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, (bytes, bytearray)):
            host = host.decode()
        if host and host.lower() in wanted:
            host = "127.0.0.1"
        return real(host, port, *args, **kwargs)
    return getaddrinfo


# -- keys, without waiting for the CPU to go idle ------------------------------------------------------------------

async def press(pilot, *keys: str) -> None:
    """Send keys the way the terminal driver does, then return at once.

    ``pilot.press`` waits after each key until this *process* looks idle (up to 2 s per key): with a
    fault server thread trickling bytes in the same process, or on a loaded machine, that wait is
    what gets measured. Callers instead wait (bounded) for the key's effect, which is the claim.
    """
    from textual import events
    app = pilot.app
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause(0)
