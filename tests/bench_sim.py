"""Benchmark helpers and scenario for the simulator (not collected by pytest).

``SimulatorProcess``: the simulator in a child process (``python -m tui.simulator``) on 127.0.0.1,
so a benchmark measures its client alone: an in-process simulator is a thread of the client's
own Python process, and their CPU work serialises on the GIL.

Scenario: one 100-item page from the simulator. Reference: one curl process fetching the same URL
repeatedly over one connection (the practical floor measured here), against one reused
httpx.Client (what the app does).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

import httpx

from tests.bench import Row, stats


class SimulatorProcess:
    """``python -m tui.simulator`` as a child process, with the in-process server's bench API.

        with SimulatorProcess(seed=1, latency=0.05) as sim:
            sim.base_url, sim.token_url, sim.tenant_dicts(), sim.tenant("demo-aos")
            sim.reset_stats(); ...; sim.max_concurrent

    Ready when the child says so (it prints its address once it listens: no blind sleep). Always
    stopped on the way out (``quit``, then SIGTERM, then SIGKILL), Ctrl+C included; if this
    process dies regardless, the child sees its stdin close and exits.
    """

    def __init__(self, seed: int = 1, latency: float = 0.0, scale: float = 1.0, data_dir: str | None = None,
                 ready_timeout: float = 60.0):
        self.args = [sys.executable, "-m", "tui.simulator", "--seed", str(seed), "--latency", str(latency),
                     "--scale", str(scale)] + (["--data-dir", str(data_dir)] if data_dir else [])
        self.seed, self.latency, self.ready_timeout = seed, latency, ready_timeout
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self._buf = b""
        self._stderr = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "SimulatorProcess":
        if self.proc is not None:
            return self
        self._stderr = tempfile.TemporaryFile()
        # A session of its own: Ctrl+C reaches only this process, whose ``stop()`` then ends the
        # child in order (a child killed by the same SIGINT would break the run half-way instead).
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, cwd=os.getcwd(), start_new_session=True)
        try:
            self.info = self._read_json(self.ready_timeout)
            if not self.info.get("ready"):
                raise RuntimeError(f"simulator process: unexpected first line {self.info!r}")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None:
                try:
                    proc.stdin.write(b"quit\n")
                    proc.stdin.flush()
                except OSError:
                    pass
            try:
                proc.stdin.close()
            except OSError:
                pass
            for step in (proc.terminate, proc.kill):
                try:
                    proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    step()
            proc.wait(timeout=5)
        finally:
            proc.stdout.close()
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def __enter__(self) -> "SimulatorProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the protocol ---------------------------------------------------------------------------------
    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-2000:]

    def _read_json(self, timeout: float) -> dict:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"simulator process: no answer within {timeout:g} s. {self._stderr_tail()}")
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError(f"simulator process exited ({self.proc.poll()}): {self._stderr_tail()}")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def _call(self, cmd: str) -> dict:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(cmd.encode() + b"\n")
        self.proc.stdin.flush()
        return self._read_json(10.0)

    # -- what the benchmarks use of SimulatorServer ---------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.info["base_url"]

    @property
    def token_url(self) -> str:
        return self.info["token_url"]

    def tenant_dicts(self) -> list[dict]:
        return [dict(d) for d in self.info["tenant_dicts"]]

    def tenant(self, name: str) -> SimpleNamespace:
        for t in self.info["tenants"]:
            if t["name"] == name:
                return SimpleNamespace(**t)
        raise KeyError(name)

    def stats(self) -> dict:
        return self._call("stats")

    def reset_stats(self) -> None:
        self._call("reset")

    @property
    def max_concurrent(self) -> int:
        return int(self.stats()["max_concurrent"])


def bench_simulator_page(runs: int) -> list[Row]:
    n = 20 * runs
    with SimulatorProcess(seed=1) as sim:
        demo = sim.tenant("demo-aos")
        tok = httpx.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": demo.client_id,
                                               "client_secret": demo.secret,
                                               "scope": "microsoft365backup.jobInfo.read.all"})
        token = tok.json()["access_token"]
        url = f"{sim.base_url}/backup/m365/cloudbackupjobs?pageSize=100&pageIndex=3"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(headers=headers) as client:
            client.get(url).raise_for_status()
            samples = []
            for _ in range(n):
                t = time.perf_counter()
                r = client.get(url)
                r.read()
                samples.append(time.perf_counter() - t)
        m, lo, hi = stats(samples)
        ref = None
        if shutil.which("curl"):
            cfg = "".join(f'url = "{url}"\noutput = "/dev/null"\n' for _ in range(n))
            t = time.perf_counter()
            subprocess.run(["curl", "-s", "-H", f"Authorization: Bearer {token}", "-K", "-"], input=cfg.encode(),
                           check=True)
            ref = (time.perf_counter() - t) / n
    return [Row("simulator: one 100-item page", "GET /backup/m365/cloudbackupjobs?pageSize=100, reused httpx.Client, "
                "simulator in its own process",
                "s", m, lo, hi, reference="one curl process, same URL, reused connection" if ref else None,
                ref_median=ref, ratio=(m / ref) if ref else None, target="report")]


def bench_simulator_start(runs: int) -> list[Row]:
    """In-process start-up of the simulator (construct + start + first token): what every test's
    ``make_sim`` and ``avegraph --demo`` pay before the first request."""
    from tui.simulator import SimulatorServer
    samples = []
    with httpx.Client() as client:
        for _ in range(max(3, runs)):
            t = time.perf_counter()
            server = SimulatorServer(seed=3).start()
            try:
                demo = next(t for t in server.tenants if t.name == "demo-aos")
                r = client.post(server.token_url, data={"grant_type": "client_credentials", "client_id": demo.client_id,
                                                        "client_secret": demo.secret, "scope": "audit.read.all"})
                r.raise_for_status()
                samples.append(time.perf_counter() - t)
            finally:
                server.stop()
    m, lo, hi = stats(samples)
    return [Row("simulator: in-process start + first token", "SimulatorServer(seed=3).start() + POST /connect/token",
                "s", m, lo, hi, target="report")]

