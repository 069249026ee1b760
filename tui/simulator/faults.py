"""Fault injection: the random faults (latency, 429, 500/503, dropped or trickled bodies) and the
replies a test forces on a path (``SimulatorServer.force``)."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from tui.simulator.api import Api
from tui.simulator.envelopes import error_body, family_of, new_trace_id
from tui.simulator.reply import Reply

__all__ = ["Faults", "Forced", "ForcedReplies", "forced_reply", "serve_with_faults"]


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
class Forced:
    """The next ``times`` requests under ``prefix`` get this reply (``SimulatorServer.force``)."""

    prefix: str
    status: int
    times: int
    retry_after: str | None
    body: Any
    headers: dict[str, str]
    drop: bool
    delay: float


class ForcedReplies:
    """The forced replies waiting for their requests, in the order they were forced."""

    def __init__(self) -> None:
        self._items: list[Forced] = []
        self._lock = threading.Lock()

    def add(self, forced: Forced) -> None:
        with self._lock:
            self._items.append(forced)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def take(self, path: str) -> Forced | None:
        low = path.lower()
        with self._lock:
            for f in self._items:
                if low.startswith(f.prefix) and f.times > 0:
                    f.times -= 1
                    if f.times <= 0:
                        self._items.remove(f)
                    return f
        return None


def forced_reply(forced: Forced, api: Api, path: str, request_id: str) -> Reply:
    headers = dict(forced.headers)
    if forced.retry_after is not None:
        headers["Retry-After"] = str(forced.retry_after)
    body = forced.body
    if body is None:
        e = api.catalog.match_path(path)
        body = error_body(family_of(e, path), forced.status, f"Simulated {forced.status} (forced by the test).",
                          request_id=request_id, trace_id=new_trace_id(request_id), now=api.clock())
    return Reply(forced.status, body, headers, None,
                 content_type="application/json; charset=utf-8" if not isinstance(body, (bytes, str))
                 else "text/plain; charset=utf-8")


def serve_with_faults(f: Faults, api: Api, method: str, path: str, request_id: str,
                      serve: Callable[[], Reply]) -> tuple[Reply, bool, float, str | None]:
    """The reply to an API request after the random faults: (reply, drop, trickle, fault name)."""
    d429, d5xx, ddrop, djit = f.draw()
    delay = f.latency + (f.jitter * djit if f.jitter else 0.0)
    if delay > 0:
        time.sleep(delay)
    if f.rate_429 and d429 < f.rate_429:
        e = api.match(method, path)
        body = error_body(family_of(e, path), 429, f"Too many requests. Retry after {f.retry_after} seconds.",
                          request_id=request_id, trace_id=new_trace_id(request_id), now=api.clock())
        return Reply(429, body, {"Retry-After": str(f.retry_after)}, e.id if e else None), False, 0.0, "429"
    if f.rate_5xx and d5xx < f.rate_5xx:
        e = api.match(method, path)
        status = 503 if d5xx < f.rate_5xx / 2 else 500
        msg = "The service is temporarily unavailable." if status == 503 else "An unexpected error occurred."
        body = error_body(family_of(e, path), status, msg, request_id=request_id, trace_id=new_trace_id(request_id),
                          now=api.clock())
        headers = {"Retry-After": str(f.retry_after)} if status == 503 else {}
        return Reply(status, body, headers, e.id if e else None), False, 0.0, "5xx"
    reply = serve()
    drop = bool(f.drop_rate and ddrop < f.drop_rate)
    return reply, drop, f.trickle, ("trickle" if f.trickle else None)
