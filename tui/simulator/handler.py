"""One HTTP request to the simulator: read it, route it (identity, forced reply, API with faults),
record it and write the reply (whole, trickled or dropped half-way)."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tui.simulator.envelopes import error_body, family_of, new_trace_id
from tui.simulator.faults import forced_reply, serve_with_faults
from tui.simulator.reply import Reply

if TYPE_CHECKING:
    from tui.simulator.server import SimulatorServer

try:
    import orjson

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover - orjson is a dependency; keep working without it
    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

__all__ = ["Handler", "RequestRecord"]

IDENTITY_PATHS = ("/connect/token", "/.well-known/openid-configuration")
TRICKLE_CHUNKS = 8


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


class Handler(BaseHTTPRequestHandler):
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
        self.sim.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.sim.connection_closed(self.connection)

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
            sim.request_started()
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
            forced = sim.forced.take(path)
            if forced is not None:
                rec.fault = "forced"
                if forced.delay:
                    time.sleep(forced.delay)
                reply = forced_reply(forced, sim.api, path, request_id)
                drop, trickle = forced.drop, 0.0
            elif identity:
                reply = self._identity(method, path, pairs, raw_body, base_url)
                drop, trickle = False, 0.0
            else:
                try:
                    reply, drop, trickle, rec.fault = serve_with_faults(
                        sim.faults, sim.api, method, path, request_id,
                        lambda: sim.api.handle(method, path, pairs, self.headers, raw_body, base_url, request_id))
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
            sim.record(rec)
            recorded = True
            self._send(reply, request_id, method, drop=drop, trickle=trickle)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        finally:
            rec.end = time.time()
            if not identity:
                sim.request_finished()
            if not recorded:
                sim.record(rec)

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
        auds = sim.token_urls(base_url)
        status, body, headers = sim.identity.token_response(form, self.headers.get("Authorization"),
                                                            self.headers.get("Content-Type"), auds)
        return Reply(status, body, headers)

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

