"""The simulator over real HTTP: one ThreadingHTTPServer on 127.0.0.1 for identity and API.

``SimulatorServer(seed=1).start()`` binds a free port (``port=0``) and serves, from a daemon
thread, ``/.well-known/openid-configuration``, ``/connect/token`` and every catalogued read-only
endpoint, HTTP/1.1 keep-alive with Nagle's algorithm disabled (otherwise every keep-alive client
waits ~40 ms per response). Construction is cheap: data is generated per collection on first use.

Tests observe it through ``sim.requests`` (one ``RequestRecord`` per request) and
``sim.max_concurrent`` (peak simultaneous API requests), and steer it with the fault knobs
(``sim.faults.latency = 0.5``; rates of 429 and 500/503, a trickled body, a dropped connection)
and ``sim.force(path_prefix, status=503, times=1, retry_after="2")``.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from tui.simulator.api import Api, Reply
from tui.simulator.data import Dataset
from tui.simulator.demo import DEMO_SPECS, DemoTenant, build_tenants, demo_dir, modern_scopes, partner_scopes
from tui.simulator.demo import RESTRICTED_SCOPES
from tui.simulator.envelopes import error_body, family_of, new_trace_id
from tui.simulator.identity import Client, IdentityService

try:
    import orjson

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover - orjson is a dependency; keep working without it
    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

__all__ = ["Faults", "RequestRecord", "SimulatorServer"]

IDENTITY_PATHS = ("/connect/token", "/.well-known/openid-configuration")
TRICKLE_CHUNKS = 8


class Faults:
    """Fault knobs; change them at any time (``sim.faults.rate_429 = 0.2``).

    latency, jitter: seconds added to every API response (jitter: uniform 0..jitter extra).
    rate_429, rate_5xx: share of API requests answered 429 (with Retry-After) or 500/503.
    trickle: seconds between the body's chunks (the body is sent in 8 chunks).
    drop_rate: share of API responses whose connection is closed half-way through the body.
    retry_after: the Retry-After value sent with 429 and 503.
    """

    def __init__(self, latency: float = 0.0, jitter: float = 0.0, rate_429: float = 0.0, rate_5xx: float = 0.0,
                 trickle: float = 0.0, drop_rate: float = 0.0, retry_after: str = "1", seed: int = 1):
        self.latency = latency
        self.jitter = jitter
        self.rate_429 = rate_429
        self.rate_5xx = rate_5xx
        self.trickle = trickle
        self.drop_rate = drop_rate
        self.retry_after = retry_after
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> tuple[float, float, float, float]:
        with self._lock:
            return self._rng.random(), self._rng.random(), self._rng.random(), self._rng.random()

    def __repr__(self) -> str:
        return (f"Faults(latency={self.latency}, jitter={self.jitter}, rate_429={self.rate_429}, "
                f"rate_5xx={self.rate_5xx}, trickle={self.trickle}, drop_rate={self.drop_rate})")


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    start: float
    end: float
    had_auth: bool
    request_id: str = ""
    endpoint_id: str | None = None
    kind: str = "api"                 # "api" | "identity"
    fault: str | None = None          # "429", "5xx", "drop", "trickle", "forced"
    query_pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class _Forced:
    prefix: str
    status: int
    times: int
    retry_after: str | None
    body: Any
    headers: dict[str, str]
    drop: bool
    delay: float


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    block_on_close = False


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "avegraph-simulator/1.0"
    sys_version = ""
    timeout = 120                      # idle keep-alive connections are closed after two minutes

    sim: "SimulatorServer"

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.sim = self.server.sim     # type: ignore[attr-defined]
        self.sim._conn_open(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.sim._conn_closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.sim.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    # -- one request -------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        sim = self.sim
        t0 = time.time()
        split = urlsplit(self.path)
        path = split.path or "/"
        pairs = parse_qsl(split.query, keep_blank_values=True)
        try:
            raw_body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        request_id = sim.next_request_id(method, self.path)
        identity = path.lower().rstrip("/") in IDENTITY_PATHS
        host = self.headers.get("Host") or f"{sim.host_for_url}:{sim.port}"
        base_url = f"http://{host}"
        if not identity:
            sim._enter()
        body_rec: Any = None
        if raw_body:
            try:
                body_rec = json.loads(raw_body)
            except (ValueError, UnicodeDecodeError):
                body_rec = raw_body.decode("utf-8", "replace")
        rec = RequestRecord(method=method, path=path, query={k: v for k, v in pairs}, body=body_rec, status=0,
                            start=t0, end=t0, had_auth=bool(self.headers.get("Authorization")),
                            request_id=request_id, kind="identity" if identity else "api", query_pairs=pairs)
        recorded = False
        try:
            forced = sim._take_forced(path)
            if forced is not None:
                rec.fault = "forced"
                if forced.delay:
                    time.sleep(forced.delay)
                reply = self._forced_reply(forced, path, request_id)
                drop, trickle = forced.drop, 0.0
            elif identity:
                reply = self._identity(method, path, pairs, raw_body, base_url)
                drop, trickle = False, 0.0
            else:
                try:
                    reply, drop, trickle, rec.fault = self._api(method, path, pairs, raw_body, base_url, request_id)
                except Exception as exc:             # a simulator bug: answer 500, never drop the connection
                    import traceback
                    traceback.print_exc()
                    body = error_body(family_of(None, path), 500, f"Simulator error: {type(exc).__name__}: {exc}",
                                      request_id=request_id, trace_id=new_trace_id(request_id), now=self.sim.api.clock())
                    reply, drop, trickle, rec.fault = Reply(500, body), False, 0.0, "error"
            rec.status, rec.endpoint_id = reply.status, reply.endpoint_id
            if drop:
                rec.fault = "drop"
            # Recorded before the body goes out: a client that has its response finds its record
            # (``end`` is set now and again once the body is written).
            rec.end = time.time()
            sim._record(rec)
            recorded = True
            self._send(reply, request_id, method, drop=drop, trickle=trickle)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        finally:
            rec.end = time.time()
            if not identity:
                sim._leave()
            if not recorded:
                sim._record(rec)

    def _forced_reply(self, forced: _Forced, path: str, request_id: str) -> Reply:
        headers = dict(forced.headers)
        if forced.retry_after is not None:
            headers["Retry-After"] = str(forced.retry_after)
        body = forced.body
        if body is None:
            e = self.sim.api.catalog.match_path(path)
            body = error_body(family_of(e, path), forced.status, f"Simulated {forced.status} (forced by the test).",
                              request_id=request_id, trace_id=new_trace_id(request_id), now=self.sim.api.clock())
        return Reply(forced.status, body, headers, None,
                     content_type="application/json; charset=utf-8" if not isinstance(body, (bytes, str))
                     else "text/plain; charset=utf-8")

    def _identity(self, method: str, path: str, pairs: list, raw_body: bytes, base_url: str) -> Reply:
        sim = self.sim
        if path.lower().rstrip("/") == "/.well-known/openid-configuration":
            if method not in ("GET", "HEAD"):
                return Reply(405, {"error": "invalid_request", "error_description": "Use GET."}, {"Allow": "GET"})
            return Reply(200, sim.identity.openid_configuration(base_url))
        if method != "POST":
            return Reply(405, {"error": "invalid_request", "error_description": "The token endpoint accepts POST only."},
                         {"Allow": "POST"})
        try:
            form = parse_qsl(raw_body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            form = []
        auds = sim._token_urls(base_url)
        status, body, headers = sim.identity.token_response(form, self.headers.get("Authorization"),
                                                            self.headers.get("Content-Type"), auds)
        return Reply(status, body, headers)

    def _api(self, method: str, path: str, pairs: list, raw_body: bytes, base_url: str,
             request_id: str) -> tuple[Reply, bool, float, str | None]:
        sim = self.sim
        f = sim.faults
        d429, d5xx, ddrop, djit = f.draw()
        delay = f.latency + (f.jitter * djit if f.jitter else 0.0)
        if delay > 0:
            time.sleep(delay)
        if f.rate_429 and d429 < f.rate_429:
            e = sim.api.match(method, path)
            body = error_body(family_of(e, path), 429, f"Too many requests. Retry after {f.retry_after} seconds.",
                              request_id=request_id, trace_id=new_trace_id(request_id), now=self.sim.api.clock())
            return Reply(429, body, {"Retry-After": str(f.retry_after)}, e.id if e else None), False, 0.0, "429"
        if f.rate_5xx and d5xx < f.rate_5xx:
            e = sim.api.match(method, path)
            status = 503 if d5xx < f.rate_5xx / 2 else 500
            msg = "The service is temporarily unavailable." if status == 503 else "An unexpected error occurred."
            body = error_body(family_of(e, path), status, msg, request_id=request_id, trace_id=new_trace_id(request_id), now=self.sim.api.clock())
            headers = {"Retry-After": str(f.retry_after)} if status == 503 else {}
            return Reply(status, body, headers, e.id if e else None), False, 0.0, "5xx"
        reply = sim.api.handle(method, path, pairs, self.headers, raw_body, base_url, request_id)
        drop = bool(f.drop_rate and ddrop < f.drop_rate)
        return reply, drop, f.trickle, ("trickle" if f.trickle else None)

    def _send(self, reply: Reply, request_id: str, method: str, drop: bool = False, trickle: float = 0.0) -> None:
        body = reply.body
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = _dumps(body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", request_id)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if drop:
            self.send_header("Connection", "close")
        self.end_headers()
        if method == "HEAD":
            return
        if drop:
            self.wfile.write(data[: max(1, len(data) // 2)])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if trickle > 0 and len(data) > 1:
            step = max(1, -(-len(data) // TRICKLE_CHUNKS))
            for k in range(0, len(data), step):
                if k:
                    time.sleep(trickle)
                self.wfile.write(data[k:k + step])
                self.wfile.flush()
            return
        self.wfile.write(data)


class SimulatorServer:
    """The AvePoint Graph / Elements API and identity simulator on one loopback port."""

    def __init__(self, seed: int = 1, scale: float = 1.0, host: str = "127.0.0.1", port: int = 0,
                 latency: float = 0.0, jitter: float = 0.0, rate_429: float = 0.0, rate_5xx: float = 0.0,
                 trickle: float = 0.0, drop_rate: float = 0.0, token_lifetime: float = 3600,
                 retry_after: str = "1", data_dir: str | Path | None = None, verbose: bool = False,
                 now: datetime | None = None, clock: Callable[[], datetime] | None = None):
        self.seed = seed
        self.scale = scale
        self.host = host
        self._port = port
        self.verbose = verbose
        self.data_dir = Path(data_dir) if data_dir else demo_dir()    # fixed now: the demo files' home
        self.dataset = Dataset(seed=seed, scale=scale, now=now)
        self.identity = IdentityService(token_lifetime=token_lifetime)
        # ``clock``: the "now" written into response envelopes; tests that snapshot a screen pass
        # one that stands still (with ``now``, the data's anchor), everything else the wall clock.
        self.api = Api(self.dataset, self.identity, self.dataset.catalog, clock=clock)
        self._request_counts: dict[tuple[str, str], int] = {}
        self.faults = Faults(latency, jitter, rate_429, rate_5xx, trickle, drop_rate, retry_after, seed=seed)
        self.requests: list[RequestRecord] = []
        self.max_concurrent = 0
        self._inflight = 0
        self._lock = threading.Lock()
        self._forced: list[_Forced] = []
        self._conns: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tenants: tuple[DemoTenant, ...] | None = None
        self._register_demo_clients()

    def next_request_id(self, method: str, target: str) -> str:
        """A request id that is a function of the seed, the request and how often it was seen.

        Unique per server like a random one, but the same requests get the same ids run after run,
        whatever order concurrent requests arrive in, so snapshots and bug reports reproduce."""
        key = (method, target)
        with self._lock:
            n = self._request_counts[key] = self._request_counts.get(key, 0) + 1
        digest = hashlib.sha256(f"{self.seed}|{method}|{target}|{n}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "SimulatorServer":
        if self._httpd is not None:
            return self
        cls = _HTTPServer6 if ":" in self.host else _HTTPServer
        httpd = cls((self.host, self._port), _Handler)
        httpd.sim = self                                   # type: ignore[attr-defined]
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self.identity.issuer = self.base_url
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"avegraph-simulator-{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Start (if needed) and block until stop() or KeyboardInterrupt."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> "SimulatorServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # -- addresses ------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def host_for_url(self) -> str:
        h = self.host
        if h in ("0.0.0.0", ""):
            return "127.0.0.1"
        if h == "::":
            return "[::1]"
        return f"[{h}]" if ":" in h else h

    @property
    def base_url(self) -> str:
        return f"http://{self.host_for_url}:{self._port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connect/token"

    def _token_urls(self, base_url: str) -> list[str]:
        urls = [f"{base_url}/connect/token", self.token_url]
        for alias in ("127.0.0.1", "localhost"):
            urls.append(f"http://{alias}:{self._port}/connect/token")
        out: list[str] = []
        for u in urls:
            for v in (u, u + "/"):
                if v not in out:
                    out.append(v)
        return out

    @property
    def token_lifetime(self) -> float:
        return self.identity.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, value: float) -> None:
        self.identity.token_lifetime = value

    # -- demo tenants -------------------------------------------------------------------------------
    def _register_demo_clients(self) -> None:
        directory = self.data_dir
        scopes = {"aos": modern_scopes(), "partner": partner_scopes(), "restricted": RESTRICTED_SCOPES}
        for s in DEMO_SPECS:
            self.identity.register(Client(
                client_id=s.client_id, scopes=scopes[s.kind], secret=s.secret,
                certificate_path=str(directory / f"{s.name}.pem") if s.auth == "certificate" else None,
                tenant_id=s.tenant_id, tenant_name=s.tenant_name))

    @property
    def tenants(self) -> tuple[DemoTenant, ...]:
        """The demo tenants; their secret files and certificate are created on first access."""
        if self._tenants is None:
            self._tenants = build_tenants(self.data_dir)
        return self._tenants

    def tenant(self, name: str) -> DemoTenant:
        for t in self.tenants:
            if t.name == name:
                return t
        raise KeyError(name)

    def tenant_dicts(self) -> list[dict]:
        """One config-file-shaped dict per demo tenant, pointing at this server."""
        out = []
        for t in self.tenants:
            d: dict[str, Any] = {"name": t.name, "environment": "commercial", "data_center": t.data_center,
                                 "client_id": t.client_id, "auth": t.auth}
            if t.auth == "certificate":
                d["certificate_path"] = t.certificate_path
            else:
                d["client_secret_file"] = t.secret_file
            d.update({"api_url": self.base_url, "elements_url": self.base_url, "token_url": self.token_url,
                      "accent": t.accent, "demo": True})
            out.append(d)
        return out

    def register_client(self, client_id: str, scopes: tuple[str, ...] | list[str], secret: str | None = None,
                        certificate_pem: bytes | None = None, certificate_path: str | None = None,
                        tenant_name: str = "test tenant") -> Client:
        """An extra app registration (tests)."""
        return self.identity.register(Client(client_id=client_id, scopes=tuple(scopes), secret=secret,
                                             certificate_pem=certificate_pem, certificate_path=certificate_path,
                                             tenant_id=str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),
                                             tenant_name=tenant_name))

    def issue_token(self, tenant: str = "demo-aos", scopes: list[str] | tuple[str, ...] | None = None) -> str:
        """An access token for a demo tenant without an HTTP round trip (tests of the API side)."""
        spec = next(s for s in DEMO_SPECS if s.name == tenant)
        client = self.identity.clients[spec.client_id.lower()]
        granted = self.identity._scopes(client, " ".join(scopes) if scopes else None)
        return self.identity._issue(client, granted, "test")["access_token"]

    # -- faults and observation ---------------------------------------------------------------------
    def force(self, path_prefix: str, status: int = 503, times: int = 1, retry_after: str | int | None = None,
              body: Any = None, headers: dict[str, str] | None = None, drop: bool = False, delay: float = 0.0) -> None:
        """Answer the next ``times`` requests whose path starts with ``path_prefix`` with ``status``."""
        with self._lock:
            self._forced.append(_Forced(path_prefix.lower(), status, times,
                                        None if retry_after is None else str(retry_after), body, headers or {},
                                        drop, delay))

    def clear_forced(self) -> None:
        with self._lock:
            self._forced.clear()

    def _take_forced(self, path: str) -> _Forced | None:
        low = path.lower()
        with self._lock:
            for f in self._forced:
                if low.startswith(f.prefix) and f.times > 0:
                    f.times -= 1
                    if f.times <= 0:
                        self._forced.remove(f)
                    return f
        return None

    def reset_stats(self) -> None:
        with self._lock:
            self.requests.clear()
            self.max_concurrent = self._inflight

    def api_requests(self) -> list[RequestRecord]:
        return [r for r in list(self.requests) if r.kind == "api"]

    def _enter(self) -> None:
        with self._lock:
            self._inflight += 1
            if self._inflight > self.max_concurrent:
                self.max_concurrent = self._inflight

    def _leave(self) -> None:
        with self._lock:
            self._inflight -= 1

    @property
    def in_flight(self) -> int:
        return self._inflight

    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests.append(rec)

    def _conn_open(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)

    def _conn_closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)

    def __repr__(self) -> str:
        return f"SimulatorServer({self.base_url}, seed={self.seed}, scale={self.scale}, running={self.running})"
