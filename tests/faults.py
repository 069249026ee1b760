"""A loopback fault-injection HTTP server for the API-core tests.

Raw sockets (not http.server) so that each fault is exactly the bytes a broken server or proxy
sends. One connection per request (``Connection: close``); TLS when given a server SSL context
(trustme). Routes map a path prefix to a behaviour (the longest matching prefix wins); anything unrouted answers 404.

    fs = FaultServer().start()
    fs.route("/aos/audit", "loop")                 # nextLink pointing at itself
    fs.route("/slow", "trickle", interval=0.05)    # one byte every 50 ms
    ... fs.requests (method, path, query, headers, body) ... fs.stop()

Behaviours: json (``body=``, ``status=``, ``headers=``, ``reason=``), trickle, blackhole (accepts, reads the
request, never answers), reset (head and part of the body, then RST), truncated (Content-Length
larger than what is sent, then FIN), garbage (an invalid status line), html502, badjson,
redirect (``location=``), loop (nextLink to the same URL), foreign (nextLink to ``other=``
base URL), status (``code=``, ``times=``, ``retry_after=``: the first ``times`` requests get
``code``, then ``body``), token (``/connect/token``: ``access_token=``, ``expires_in=``, ``error=``, or
``respond=f(request, hit) -> (status, body)``).
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["FaultServer", "Recorded"]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    target: str = ""


@dataclass
class _Route:
    prefix: str
    kind: str
    opts: dict[str, Any] = field(default_factory=dict)
    hits: int = 0


class FaultServer:
    def __init__(self, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None,
                 url_host: str | None = None):
        self.host = host
        self.ssl_context = ssl_context
        self.url_host = url_host or host
        self.requests: list[Recorded] = []
        self.routes: list[_Route] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self.port = 0
        self.route("/connect/token", "token")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FaultServer":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, 0))
        s.listen(64)
        s.settimeout(0.05)
        self._sock = s
        self.port = s.getsockname()[1]
        t = threading.Thread(target=self._accept_loop, name=f"faults-{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.url_host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.base_url + "/connect/token"

    def route(self, prefix: str, kind: str, **opts: Any) -> None:
        """Answer paths starting with ``prefix`` with behaviour ``kind`` (the longest prefix wins)."""
        with self._lock:
            self.routes = [r for r in self.routes if r.prefix != prefix]
            self.routes.insert(0, _Route(prefix, kind, opts))

    def hits(self, prefix: str) -> list[Recorded]:
        return [r for r in list(self.requests) if r.path.startswith(prefix)]

    # -- serving ---------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()  # type: ignore[union-attr]
            except socket.timeout:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.add(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.ssl_context is not None:
                conn.settimeout(5)
                try:
                    conn = self.ssl_context.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return
            conn.settimeout(10)
            req = self._read_request(conn)
            if req is None:
                return
            self.requests.append(req)
            route = self._match(req.path)
            if route is None:
                self._send(conn, 404, {"error": "not routed"})
                return
            with self._lock:
                route.hits += 1
                hit = route.hits
            getattr(self, f"_do_{route.kind}")(conn, req, route.opts, hit)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _match(self, path: str) -> _Route | None:
        with self._lock:
            hits = [r for r in self.routes if path.startswith(r.prefix)]
        return max(hits, key=lambda r: len(r.prefix)) if hits else None

    def _read_request(self, conn: socket.socket) -> Recorded | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length") or 0)
        while len(rest) < n:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        parts = urlsplit(target)
        return Recorded(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), headers, rest,
                        target)

    @staticmethod
    def _head(status: int, reason: str, headers: dict[str, str], length: int | None) -> bytes:
        lines = [f"HTTP/1.1 {status} {reason}"]
        h = {"Connection": "close", **headers}
        if length is not None:
            h["Content-Length"] = str(length)
        lines += [f"{k}: {v}" for k, v in h.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, conn: socket.socket, status: int, body: Any, headers: dict[str, str] | None = None,
              reason: str | None = None, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        reasons = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                   429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                   503: "Service Unavailable", 504: "Gateway Timeout"}
        h = {"Content-Type": content_type, "request-id": f"fault-{len(self.requests)}", **(headers or {})}
        conn.sendall(self._head(status, reason or reasons.get(status, "Status"), h, len(data)) + data)

    def _url(self, req: Recorded) -> str:
        return self.base_url + req.target

    # -- behaviours ---------------------------------------------------------------------------------
    def _do_json(self, conn, req, o, hit):
        body = o.get("body", {"data": [{"id": 1}, {"id": 2}]})
        if callable(body):
            body = body(req, hit)
        self._send(conn, o.get("status", 200), body, o.get("headers"), reason=o.get("reason"))

    def _do_token(self, conn, req, o, hit):
        if callable(o.get("respond")):
            status, body = o["respond"](req, hit)
            self._send(conn, status, body)
            return
        if o.get("error"):
            self._send(conn, o.get("status", 400), {"error": o["error"],
                                                    "error_description": o.get("description", "")})
            return
        self._send(conn, 200, {"access_token": o.get("access_token", "fault-token-0123456789abcdef"),
                               "token_type": "Bearer", "expires_in": o.get("expires_in", 3600)})

    def _do_trickle(self, conn, req, o, hit):
        body = json.dumps({"data": [{"id": i, "pad": "x" * 20} for i in range(50)]}).encode()
        conn.sendall(self._head(200, "OK", {"Content-Type": "application/json"}, len(body)))
        interval = o.get("interval", 0.05)
        for i in range(len(body)):
            if self._stop.wait(interval):
                return
            conn.sendall(body[i:i + 1])

    def _do_blackhole(self, conn, req, o, hit):
        self._stop.wait(o.get("hold", 60))

    def _do_reset(self, conn, req, o, hit):
        body = json.dumps({"data": [{"id": i} for i in range(500)]}).encode()
        conn.sendall(self._head(200, "OK", {"Content-Type": "application/json"}, len(body)) + body[:200])
        time.sleep(0.02)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close -> RST

    def _do_truncated(self, conn, req, o, hit):
        body = json.dumps({"data": [{"id": i} for i in range(100)]}).encode()
        conn.sendall(self._head(200, "OK", {"Content-Type": "application/json"}, len(body) + 500) + body)
        conn.shutdown(socket.SHUT_WR)

    def _do_garbage(self, conn, req, o, hit):
        conn.sendall(b"HTXP/9.9 banana split\r\nwhat: is this\r\n\r\n<<<>>>")

    def _do_html502(self, conn, req, o, hit):
        page = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                "</center><hr><center>nginx</center></body></html>")
        self._send(conn, 502, page, content_type="text/html")

    def _do_badjson(self, conn, req, o, hit):
        self._send(conn, o.get("status", 200), '{"data": [{"id": 1},, {"id": 2}]}')

    def _do_redirect(self, conn, req, o, hit):
        self._send(conn, o.get("status", 302), b"", {"Location": o["location"]})

    def _do_loop(self, conn, req, o, hit):
        self._send(conn, 200, {"data": [{"id": hit}], "nextLink": self._url(req)})

    def _do_foreign(self, conn, req, o, hit):
        self._send(conn, 200, {"data": [{"id": 1}, {"id": 2}], "nextLink": o["other"].rstrip("/") + req.path})

    def _do_status(self, conn, req, o, hit):
        if hit <= o.get("times", 1):
            headers = {}
            if o.get("retry_after") is not None:
                headers["Retry-After"] = str(o["retry_after"])
            self._send(conn, o.get("code", 503), {"message": f"simulated {o.get('code', 503)}"}, headers)
            return
        self._send(conn, 200, o.get("body", {"data": [{"id": 1}]}))


# -- tenants for tests -----------------------------------------------------------------------------

def make_tenant(base_url: str, *, token_url: str | None = None, client_id: str = "fault-client",
                secret: str = "fault-secret-value-0001", **over: Any):
    """A TenantConfig whose API, Elements and token URLs point at ``base_url`` (validated like a form)."""
    from tui.config import tenant_from_fields
    fields: dict[str, Any] = {"name": over.pop("name", "fault"), "client_id": client_id, "client_secret": secret,
                              "api_url": base_url, "elements_url": base_url,
                              "token_url": token_url or base_url.rstrip("/") + "/connect/token",
                              "timeout_connect": "2", "timeout_read": "5", "deadline": "5"}
    fields.update({k: (" ".join(v) if isinstance(v, (list, tuple)) else str(v)) for k, v in over.items()})
    tenant, errors = tenant_from_fields(fields)
    assert tenant is not None, errors
    return tenant


def demo_tenant(sim: Any, name: str = "demo-aos", **over: Any):
    """A demo tenant of a SimulatorServer as a TenantConfig, with ``over`` applied."""
    from tui.config import tenant_from_fields
    d = next(d for d in sim.tenant_dicts() if d["name"] == name)
    d = {k: v for k, v in d.items() if k != "demo"}
    d.update({k: (" ".join(v) if isinstance(v, (list, tuple)) else v) for k, v in over.items()})
    tenant, errors = tenant_from_fields(d)
    assert tenant is not None, errors
    return tenant


class Sleeps:
    """A stand-in for asyncio.sleep that records the waits and yields once (tests never really wait)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        import asyncio
        self.waits.append(seconds)
        await asyncio.sleep(0)
