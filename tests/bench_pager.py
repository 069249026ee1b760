"""Benchmark (not collected by pytest): the Pager against a bare httpx loop over the same URLs.

    python -m tests.bench_pager [--pages 1000] [--size 100] [--runs 3]

Both walk ``pages`` pages of ``size`` M365 jobs from the embedded simulator (its scale chosen so
that the collection holds exactly pages x size jobs). The reference is the least a client can do:
one reused ``httpx.AsyncClient``, the bearer header, ``GET`` each URL the Pager used and parse the
JSON. The Pager adds the token cache, Exchange records, the deadline, the retry policy, host checks
and item extraction. Target: pager / bare < 1.5. Returns medians in seconds (and min / max).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from typing import Any

M365_JOBS_AT_SCALE_1 = 5000


async def _pager_walk(tenant: Any, size: int) -> tuple[float, list[str], int]:
    from tui.api.session import Session
    async with Session(tenant, history_size=10) as s:
        await s.token(s.bundles[0])                     # the token is not what is measured
        pager = s.pager("m365.cloudbackupjobs", page_size=size)
        urls: list[str] = []
        n = 0
        t0 = time.perf_counter()
        async for page in pager.pages():
            n += len(page.items)
            urls.append(page.exchange.raw_url)
        took = time.perf_counter() - t0
        return took, urls, n


async def _bare_walk(urls: list[str], token: str) -> tuple[float, int]:
    import httpx
    n = 0
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                                 timeout=30, trust_env=False) as client:
        await client.get(urls[0])                       # connection set up outside the measurement
        t0 = time.perf_counter()
        for u in urls:
            r = await client.get(u)
            r.raise_for_status()
            n += len(r.json()["data"])
        return time.perf_counter() - t0, n


def bench_pager(pages: int = 1000, size: int = 100, runs: int = 3) -> dict[str, Any]:
    from tests.faults import demo_tenant
    from tui.simulator import SimulatorServer
    scale = pages * size / M365_JOBS_AT_SCALE_1
    with tempfile.TemporaryDirectory() as data_dir, SimulatorServer(seed=1, scale=scale, data_dir=data_dir) as sim:
        tenant = demo_tenant(sim)
        token = sim.issue_token("demo-aos")
        # Warm-up: the simulator builds its data lazily; both sides then read the same pages.
        _, urls, n = asyncio.run(_pager_walk(tenant, size))
        assert n == pages * size and len(urls) == pages, (n, len(urls))
        asyncio.run(_bare_walk(urls, token))
        pager_t, bare_t = [], []
        for _ in range(runs):
            t, _, n1 = asyncio.run(_pager_walk(tenant, size))
            b, n2 = asyncio.run(_bare_walk(urls, token))
            assert n1 == n2 == pages * size
            pager_t.append(t)
            bare_t.append(b)
    pm, bm = statistics.median(pager_t), statistics.median(bare_t)
    return {"pages": pages, "size": size, "runs": runs,
            "pager_s": pm, "pager_min": min(pager_t), "pager_max": max(pager_t),
            "bare_s": bm, "bare_min": min(bare_t), "bare_max": max(bare_t),
            "ratio": pm / bm, "pager_pages_per_s": pages / pm, "bare_pages_per_s": pages / bm}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    res = bench_pager(a.pages, a.size, a.runs)
    print(json.dumps(res, indent=2))
    print(f"pager {res['pager_s']:.2f} s vs bare httpx {res['bare_s']:.2f} s: ratio {res['ratio']:.2f} "
          f"(target < 1.5: {'met' if res['ratio'] < 1.5 else 'MISSED'})")


if __name__ == "__main__":
    main()
