"""Benchmark: the failed-jobs scan of the partner demo tenant (not collected by pytest).

    python -m tests.bench --only failed-jobs [--quick]

The simulator answers every API request after 50 ms (``latency=0.05``). The subject is the full
scan (customers, every customer's jobs, every customer tenant's baseline jobs: ~110 requests) at
concurrency 4; the reference is the same scan at concurrency 1, a serial walk of the same
requests. The target is the issue's: the concurrent scan takes less than 1/concurrency of the
serial walk plus one page (the customer list must arrive before anything can fan out).
For scale, the same requests are also replayed with a bare httpx client and a semaphore (no
paging, records or parsing): that is the floor this machine and the in-process simulator allow
(they share the GIL and its cores), reported in ``extra``.
Only 127.0.0.1 is contacted. The session (token, connection pool) is reused across runs, as the
TUI does, and a warm-up run builds the simulator's lazily generated data first.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from tests.bench import Row

LATENCY = 0.05
CONCURRENCY = 4


def _tenant(sim, name: str):
    from tui.config import tenant_from_fields
    fields = next(d for d in sim.tenant_dicts() if d["name"] == name)
    tenant, errors = tenant_from_fields({k: v for k, v in fields.items() if k != "demo"})
    if tenant is None:
        raise RuntimeError(f"demo tenant {name}: {errors}")
    return tenant


async def _measure(session, concurrency: int) -> dict:
    from tui.triage import FailedJobsScan
    first = len(session.history)
    t = time.perf_counter()
    result = await FailedJobsScan(session, window="7d", concurrency=concurrency).run()
    wall = time.perf_counter() - t
    exchanges = [ex for ex in list(session.history)[first:] if ex.kind == "api"]
    elapsed = [ex.elapsed for ex in exchanges if ex.elapsed is not None]
    return {"wall": wall, "requests": len(exchanges), "sum": sum(elapsed),
            "page": statistics.median(elapsed) if elapsed else 0.0, "jobs": len(result.jobs),
            "errors": sum(len(s.errors) for s in result.sources)}


async def _bare(requests: list[tuple[str, str, object]], token: str, concurrency: int) -> float:
    """The same requests with a bare httpx client and a semaphore: the floor this machine and the
    simulator allow (no paging logic, no records, no parsing beyond what httpx does)."""
    import httpx
    sem = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        async def one(method: str, url: str, body: object) -> None:
            async with sem:
                r = await client.request(method, url, json=body if method == "POST" else None)
                r.raise_for_status()
                r.json()
        await asyncio.gather(*(one(m, u, b) for m, u, b in requests[:concurrency]))      # warm connections
        t = time.perf_counter()
        await asyncio.gather(*(one(m, u, b) for m, u, b in requests))
        return time.perf_counter() - t


async def _ui_once(sim, config_path) -> tuple[float, int]:
    """Headless app at 80x24: push the failed-jobs screen, wait until the table holds every row."""
    from tests.ui_helpers import make_app
    from tui.ui.screens.failed_jobs import FailedJobsScreen
    app = make_app(sim, config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.session_for("demo-partner")                   # the tenant's session exists, as after opening it
        t = time.perf_counter()
        screen = FailedJobsScreen("demo-partner", window="7d", include_exceptions=False, concurrency=CONCURRENCY)
        app.push_screen(screen)
        while not (screen.result is not None and not screen.scanning and not screen._pending):
            await asyncio.sleep(0.005)
        wall = time.perf_counter() - t
        return wall, screen.query_one("#jobs").row_count


def bench_failed_jobs_scan(quick: bool) -> list[Row]:
    from tui.api.session import Session
    from tui.simulator import SimulatorServer

    runs = 3 if quick else 5
    sim = SimulatorServer(seed=1, latency=LATENCY).start()
    try:
        tenant = _tenant(sim, "demo-partner")

        async def main() -> tuple[list[dict], list[dict], int, list[float], list[float]]:
            async with Session(tenant) as session:
                first = len(session.history)
                await _measure(session, CONCURRENCY)            # warm-up: data, token, connections
                reqs = [(ex.method, ex.raw_url, ex.request_body) for ex in list(session.history)[first:]
                        if ex.kind == "api"]
                token = next(iter(session.tokens.tokens.values())).access_token
                conc, serial, bare_c, bare_s = [], [], [], []
                peak = 0
                for _ in range(runs):
                    sim.reset_stats()
                    conc.append(await _measure(session, CONCURRENCY))
                    peak = max(peak, sim.max_concurrent)
                    serial.append(await _measure(session, 1))
                    bare_c.append(await _bare(reqs, token, CONCURRENCY))
                    bare_s.append(await _bare(reqs, token, 1))
                return conc, serial, peak, bare_c, bare_s

        conc, serial, peak, bare_c, bare_s = asyncio.run(main())
        import tempfile
        from pathlib import Path
        ui, ui_rows = [], 0
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(2 if quick else 3):
                wall, ui_rows = asyncio.run(_ui_once(sim, Path(tmp) / "config.toml"))
                ui.append(wall)
    finally:
        sim.stop()
    walls = [r["wall"] for r in conc]
    ref = statistics.median(r["wall"] for r in serial)
    page = statistics.median(r["page"] for r in conc)
    m = statistics.median(walls)
    bound = ref / CONCURRENCY + page
    requests = conc[0]["requests"]
    um = statistics.median(ui)
    ui_row = Row(
        f"failed jobs screen (80x24): full table for demo-partner, {LATENCY * 1000:.0f} ms, concurrency {CONCURRENCY}",
        "AvegraphApp.run_test(size=(80, 24)); push FailedJobsScreen until every row is in the table "
        "(includes the screen's mount and its scan session)",
        "s", um, min(ui), max(ui), reference="the same scan at concurrency 1 (serial walk)", ref_median=ref,
        ratio=um / ref, target=f"< serial/{CONCURRENCY} + one page ({bound:.2f} s)", met=um < bound,
        extra={"rows in the table": ui_rows})
    return [Row(
        f"failed jobs: demo-partner scan, {LATENCY * 1000:.0f} ms latency, concurrency {CONCURRENCY}",
        f"FailedJobsScan(window=7d, concurrency={CONCURRENCY}) over SimulatorServer(seed=1, latency={LATENCY})",
        "s", m, min(walls), max(walls),
        reference="the same scan at concurrency 1 (serial walk)", ref_median=ref, ratio=m / ref,
        target=f"< serial/{CONCURRENCY} + one page ({bound:.2f} s)", met=m < bound,
        extra={"requests per scan": requests, "jobs found": conc[0]["jobs"], "source errors": conc[0]["errors"],
               "one page (median request, s)": round(page, 4),
               "serial sum of request times at concurrency 4 (s)": round(statistics.median(r["sum"] for r in conc), 3),
               "ideal (s)": round(page + (requests - 1) / CONCURRENCY * page, 3),
               "peak concurrent requests seen by the simulator": peak,
               "bare httpx, same requests, concurrency 4 (s)": round(statistics.median(bare_c), 3),
               "bare httpx, same requests, serial (s)": round(statistics.median(bare_s), 3),
               "bare httpx ratio": round(statistics.median(bare_c) / statistics.median(bare_s), 3),
               "bare httpx meets serial/4 + one page": statistics.median(bare_c) <
               statistics.median(bare_s) / CONCURRENCY + page}), ui_row]


if __name__ == "__main__":
    from tests.bench import print_table
    print_table(bench_failed_jobs_scan(quick=True))
