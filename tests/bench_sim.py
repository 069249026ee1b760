"""Benchmark scenario: one 100-item page from the simulator (not collected by pytest).

Reference: one curl process fetching the same URL repeatedly over one connection (the practical
floor measured here), against one reused httpx.Client (what the app does).
"""

from __future__ import annotations

import shutil
import subprocess
import time

import httpx

from tests.bench import Row, stats


def bench_simulator_page(runs: int) -> list[Row]:
    from tui.simulator import SimulatorServer
    n = 20 * runs
    with SimulatorServer(seed=1) as sim:
        demo = sim.tenant("demo-aos")
        tok = httpx.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": demo.client_id,
                                               "client_secret": demo.secret, "scope": "microsoft365backup.jobInfo.read.all"})
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
    return [Row("simulator: one 100-item page", "GET /backup/m365/cloudbackupjobs?pageSize=100, reused httpx.Client",
                "s", m, lo, hi, reference="one curl process, same URL, reused connection" if ref else None,
                ref_median=ref, ratio=(m / ref) if ref else None, target="report")]
