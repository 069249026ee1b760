"""The simulator over real HTTP: one ThreadingHTTPServer on 127.0.0.1 for identity and API.

``SimulatorServer(seed=1).start()`` binds a free port (``port=0``) and serves, from a daemon
thread, ``/.well-known/openid-configuration``, ``/connect/token`` and every catalogued read-only
endpoint, HTTP/1.1 keep-alive with Nagle's algorithm disabled (otherwise every keep-alive client
waits ~40 ms per response). Construction is cheap: data is generated per collection on first use.

Tests observe it through ``sim.requests`` (one ``RequestRecord`` per request) and
``sim.max_concurrent`` (peak simultaneous API requests), and steer it with the fault knobs
(``sim.faults.latency = 0.5``; rates of 429 and 500/503, a trickled body, a dropped connection)
and ``sim.force(path_prefix, status=503, times=1, retry_after="2")``. One request is handled in
handler.py, faults are injected in faults.py, the API itself answers in api.py.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import uuid
from datetime import datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from tui.simulator.api import Api
from tui.simulator.data import Dataset
from tui.simulator.demo import DEMO_SPECS, DemoTenant, build_tenants, demo_dir, modern_scopes, partner_scopes
from tui.simulator.demo import RESTRICTED_SCOPES
from tui.simulator.faults import Faults, Forced, ForcedReplies
from tui.simulator.handler import Handler, RequestRecord
from tui.simulator.identity import Client, IdentityService

__all__ = ["Faults", "RequestRecord", "SimulatorServer"]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    block_on_close = False


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6



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
        self.forced = ForcedReplies()
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
        httpd = cls((self.host, self._port), Handler)
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

    def token_urls(self, base_url: str) -> list[str]:
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
        self.forced.add(Forced(path_prefix.lower(), status, times, None if retry_after is None else str(retry_after),
                               body, headers or {}, drop, delay))

    def clear_forced(self) -> None:
        self.forced.clear()

    def reset_stats(self) -> None:
        with self._lock:
            self.requests.clear()
            self.max_concurrent = self._inflight

    def api_requests(self) -> list[RequestRecord]:
        return [r for r in list(self.requests) if r.kind == "api"]

    # -- what the handler (handler.py) reports ------------------------------------------------------
    def request_started(self) -> None:
        """An API request began (counted for ``max_concurrent``)."""
        with self._lock:
            self._inflight += 1
            if self._inflight > self.max_concurrent:
                self.max_concurrent = self._inflight

    def request_finished(self) -> None:
        with self._lock:
            self._inflight -= 1

    @property
    def in_flight(self) -> int:
        return self._inflight

    def record(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests.append(rec)

    def connection_opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)

    def connection_closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)

    def __repr__(self) -> str:
        return f"SimulatorServer({self.base_url}, seed={self.seed}, scale={self.scale}, running={self.running})"
