"""``python -m tui.simulator``: the simulator in a process of its own, driven over stdin/stdout.

For benchmarks (and anything else that must not share its Python process, hence its GIL, with
the simulator): the server's CPU then runs on another core instead of stealing the client's.
People want ``avegraph demo-server`` instead (banner, config writing, any port).

Binds 127.0.0.1 only, on a free port. Once it listens it prints one JSON line on stdout::

    {"ready": true, "pid": ..., "base_url": ..., "token_url": ..., "port": ...,
     "tenant_dicts": [...], "tenants": [...]}

then answers one JSON line per command line read on stdin:

    stats   {"max_concurrent": peak simultaneous API requests, "in_flight": ..., "requests": ...,
             "api_requests": ...}
    reset   {"ok": true}            (sim.reset_stats(): forget the requests and the peak)
    quit    {"ok": true}, then exits

End of stdin (the parent closed the pipe, or died), SIGTERM and SIGINT stop it as well.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m tui.simulator",
                                 description="the simulator on 127.0.0.1, controlled over stdin (benchmarks)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to each API response")
    ap.add_argument("--jitter", type=float, default=0.0)
    ap.add_argument("--data-dir", default=None, help="where the demo credential files live (default: the usual)")
    return ap


def _reply(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    def stop(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)

    from tui.simulator.server import SimulatorServer
    sim = SimulatorServer(seed=args.seed, scale=args.scale, host="127.0.0.1", port=0, latency=args.latency,
                          jitter=args.jitter, data_dir=args.data_dir)
    try:
        sim.start()
        _reply({"ready": True, "pid": os.getpid(), "base_url": sim.base_url, "token_url": sim.token_url,
                "port": sim.port, "tenant_dicts": sim.tenant_dicts(),
                "tenants": [dataclasses.asdict(t) for t in sim.tenants]})
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "stats":
                reqs = list(sim.requests)
                _reply({"max_concurrent": sim.max_concurrent, "in_flight": sim.in_flight,
                        "requests": len(reqs), "api_requests": sum(1 for r in reqs if r.kind == "api")})
            elif cmd == "reset":
                sim.reset_stats()
                _reply({"ok": True})
            elif cmd == "quit":
                _reply({"ok": True})
                break
            elif cmd:
                _reply({"error": f"unknown command {cmd!r}: stats, reset or quit"})
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
