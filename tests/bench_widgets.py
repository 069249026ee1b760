"""Benchmarks for the line-API widgets (called by tests/bench.py; not collected by pytest).

Every function starts its own headless app at 80x24 and returns seconds (medians over a few
repeats unless stated).  Key handling is measured by calling the action and ``render_line``
directly: ``pilot.press`` adds >= 40 ms of its own waiting.

Two costs are measured for appends:

* ``direct``: ``append_rows(page)`` + ``render_line`` for every line on screen;
* ``to_screen``: ``append_rows(page)``, then the app processes the messages it caused, the
  widget gets its idle pass (DataTable measures new rows there), and the screen does its layout,
  compositing and writes the frame to the (headless) driver -- what a user would wait for.

``bench_table_append`` returns the larger of the two so the figure is never flattering.

Run directly for a report: ``python -m tests.bench_widgets [--quick]``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

PAGE = 100
SIZE = (80, 24)
_STATUSES = ("Finished", "Failed", "Running", "FinishedWithException", "Canceled")


def job_rows(start: int, n: int) -> list[dict[str, Any]]:
    """Rows shaped like the API's scan jobs (9 columns, one nested object)."""
    return [
        {
            "id": f"{i:08x}-3f1c-4b7a-9d2e-{i * 2654435761 % 16**12:012x}",
            "type": "Backup" if i % 3 else "Restore",
            "status": _STATUSES[i % 5],
            "startTime": f"2026-0{1 + i % 9}-1{i % 10}T0{i % 10}:1{i % 6}:00Z",
            "endTime": None if i % 5 == 2 else f"2026-0{1 + i % 9}-1{i % 10}T0{i % 10}:5{i % 6}:00Z",
            "scannedObjects": i * 37 % 100_000,
            "failedObjects": i % 7,
            "message": f"Job {i} processed [{i % 13} errors] on tenant contoso",
            "details": {"service": "Exchange", "policy": f"P{i % 40}"},
        }
        for i in range(start, start + n)
    ]


def _rss() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: peak RSS is the best we have
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run(coro_fn: Callable[[], Any]) -> Any:
    return asyncio.run(coro_fn())


def _widget_app(factory: Callable[[], Any]):
    from textual.app import App

    class BenchApp(App):
        def compose(self):
            yield factory()

        def on_mount(self) -> None:
            self.query_one("#w").focus()

    return BenchApp()


async def _to_screen(pilot, widget) -> None:
    """Process what the last change queued, run idle work, lay out and paint one frame."""
    from textual import events

    await pilot._wait_for_screen()
    widget.post_message(events.Idle())
    await pilot._wait_for_screen()
    pilot.app.screen._on_timer_update()


def _render_visible(widget) -> None:
    for y in range(widget.size.height):
        widget.render_line(y)


# ---------------------------------------------------------------------------------------------
# PagedTable
# ---------------------------------------------------------------------------------------------
async def _loaded_table(pilot, table, rows_loaded: int) -> None:
    chunk = 5_000
    for start in range(0, rows_loaded, chunk):
        table.append_rows(job_rows(start, min(chunk, rows_loaded - start)))
    await pilot.pause()


def bench_table_append_detail(rows_loaded: int, repeats: int = 7) -> dict[str, float]:
    """Median seconds per 100-row page appended at ``rows_loaded`` rows.

    ``direct`` and ``to_screen`` are wall-clock; ``to_screen_cpu`` is the process CPU time of
    the same work, which stays meaningful when other processes load the machine.
    """
    from tui.ui.widgets.paged_table import PagedTable

    async def main() -> dict[str, float]:
        app = _widget_app(lambda: PagedTable(id="w", row_style_fn=lambda r: "failed" if r.get("failedObjects") else None))
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(PagedTable)
            await _loaded_table(pilot, table, rows_loaded)
            direct, screen, screen_cpu = [], [], []
            start = rows_loaded
            pages = [job_rows(start + k * PAGE, PAGE) for k in range(2 * repeats)]
            for k in range(repeats):
                gc.collect()
                t0 = time.perf_counter()
                table.append_rows(pages[2 * k])
                _render_visible(table)
                direct.append(time.perf_counter() - t0)
                await _to_screen(pilot, table)
                gc.collect()
                t0, c0 = time.perf_counter(), time.process_time()
                table.append_rows(pages[2 * k + 1])
                await _to_screen(pilot, table)
                screen.append(time.perf_counter() - t0)
                screen_cpu.append(time.process_time() - c0)
            return {
                "direct": statistics.median(direct),
                "to_screen": statistics.median(screen),
                "to_screen_cpu": statistics.median(screen_cpu),
            }

    return _run(main)


def bench_table_append(rows_loaded: int) -> float:
    """Seconds to append one 100-row page with ``rows_loaded`` rows loaded, incl. repaint."""
    d = bench_table_append_detail(rows_loaded)
    return max(d["direct"], d["to_screen"])


def bench_table_cursor_detail(rows_loaded: int, repeats: int = 21) -> dict[str, float]:
    """Median seconds for one cursor-down that scrolls the table by a line.

    ``direct``: the action + ``render_line`` for every visible line; ``to_screen``: the action,
    then the app's own repaint of the widget and the frame written to the headless driver.
    """
    from tui.ui.widgets.paged_table import PagedTable

    async def main() -> dict[str, float]:
        app = _widget_app(lambda: PagedTable(id="w"))
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(PagedTable)
            await _loaded_table(pilot, table, rows_loaded)
            table.move_cursor(row=rows_loaded // 2)  # the cursor sits on the last screen line
            await pilot.pause()
            direct, screen, screen_cpu = [], [], []
            for _ in range(repeats):
                t0 = time.perf_counter()
                table.action_cursor_down()  # scrolls by one line: every line is repainted
                _render_visible(table)
                direct.append(time.perf_counter() - t0)
                await _to_screen(pilot, table)
                t0, c0 = time.perf_counter(), time.process_time()
                table.action_cursor_down()
                await _to_screen(pilot, table)
                screen.append(time.perf_counter() - t0)
                screen_cpu.append(time.process_time() - c0)
            return {
                "direct": statistics.median(direct),
                "to_screen": statistics.median(screen),
                "to_screen_cpu": statistics.median(screen_cpu),
            }

    return _run(main)


def bench_table_cursor(rows_loaded: int) -> float:
    """Seconds for one cursor-down (scrolling) handled + visible lines re-rendered (direct)."""
    return bench_table_cursor_detail(rows_loaded)["direct"]


def bench_table_filter_detail(rows_loaded: int, repeats: int = 5) -> dict[str, float]:
    """One filter keystroke over ``rows_loaded`` rows + the visible lines rendered (wall, cpu)."""
    from tui.ui.widgets.paged_table import PagedTable

    async def main() -> dict[str, float]:
        app = _widget_app(lambda: PagedTable(id="w"))
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(PagedTable)
            await _loaded_table(pilot, table, rows_loaded)
            wall, cpu = [], []
            for k in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                table.set_filter(("fail", "!fai", "contoso 1")[k % 3])
                _render_visible(table)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                await pilot._wait_for_screen()
            return {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}

    return _run(main)


def bench_table_filter(rows_loaded: int) -> float:
    """Seconds for one filter keystroke over ``rows_loaded`` rows."""
    return bench_table_filter_detail(rows_loaded)["wall"]


def _table_memory_inproc(rows_loaded: int) -> float:
    from tui.ui.widgets.paged_table import PagedTable

    async def main() -> float:
        app = _widget_app(lambda: PagedTable(id="w"))
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(PagedTable)
            await pilot.pause()
            gc.collect()
            before = _rss()
            await _loaded_table(pilot, table, rows_loaded)
            gc.collect()
            after = _rss()
            return (after - before) / 1e6 / (rows_loaded / 10_000)

    return _run(main)


def bench_table_memory(rows_loaded: int) -> float:
    """RSS growth in MB per 10,000 job rows (row dicts included) over the idle app.

    Measured in a fresh interpreter: memory freed by earlier benchmarks would hide the growth.
    """
    return _in_child("_table_memory_inproc", rows_loaded)


def _in_child(name: str, *args: Any) -> Any:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import tests.bench_widgets as bw; "
        f"print(json.dumps(bw.{name}(*json.loads(sys.argv[2]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, root, json.dumps(args)],
        capture_output=True, text=True, timeout=900, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_datatable_append(rows_loaded: int, repeats: int = 3) -> float:
    """Reference: Textual's DataTable, same page append measured to the screen (<= 10,000 rows)."""
    from textual.widgets import DataTable

    rows_loaded = min(rows_loaded, 10_000)
    keys = list(job_rows(0, 1)[0])

    def as_cells(rows: list[dict]) -> list[list[str]]:
        from tui.textsafe import cell_text

        return [[cell_text(r.get(k)) for k in keys] for r in rows]

    async def main() -> float:
        app = _widget_app(lambda: DataTable(id="w"))
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(DataTable)
            table.add_columns(*keys)
            for start in range(0, rows_loaded, 1_000):
                table.add_rows(as_cells(job_rows(start, min(1_000, rows_loaded - start))))
                await _to_screen(pilot, table)
            await pilot.pause()
            times = []
            for k in range(repeats):
                page = as_cells(job_rows(rows_loaded + k * PAGE, PAGE))
                gc.collect()
                t0 = time.perf_counter()
                table.add_rows(page)
                await _to_screen(pilot, table)
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

    return _run(main)


# ---------------------------------------------------------------------------------------------
# JsonView
# ---------------------------------------------------------------------------------------------
def json_body(nbytes: int) -> Any:
    """A parsed JSON value whose compact serialisation is about ``nbytes`` long."""
    one = len(json.dumps(job_rows(0, 1)[0], separators=(",", ":")))
    n = max(1, nbytes // (one + 1))
    return {"value": job_rows(0, n), "totalCount": n, "nextLink": None}


def _json_first_frame_inproc(nbytes: int) -> tuple[float, int, float]:
    from tui.ui.widgets.json_view import JsonView

    async def main() -> tuple[float, int, float]:
        app = _widget_app(lambda: JsonView(id="w"))
        async with app.run_test(size=SIZE) as pilot:
            view = app.query_one(JsonView)
            value = json_body(nbytes)
            view.load({"warm": [1, "up", True]})  # import Pygments' lexer outside the timing
            _render_visible(view)
            await pilot.pause()
            gc.collect()
            before = _rss()
            t0, c0 = time.perf_counter(), time.process_time()
            view.load(value)
            _render_visible(view)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            await _to_screen(pilot, view)
            view.finish_loading()  # the whole document split into lines: steady state
            gc.collect()
            return seconds, _rss() - before, cpu

    return _run(main)


def bench_json_first_frame(nbytes: int) -> tuple[float, int]:
    """(seconds, RSS growth in bytes) for ``JsonView.load(value)`` + the first screen rendered.

    The value is parsed beforehand (the app parses the body once for everything else too).
    RSS growth is taken once every line has been split (steady state), in a fresh interpreter
    so that memory freed by earlier benchmarks does not hide it.
    """
    seconds, rss, _cpu = _in_child("_json_first_frame_inproc", nbytes)
    return float(seconds), int(rss)


def bench_json_key(nbytes: int, repeats: int = 21) -> float:
    """Seconds for a page-down in a loaded body: action + every visible line highlighted."""
    from tui.ui.widgets.json_view import JsonView

    async def main() -> float:
        app = _widget_app(lambda: JsonView(id="w"))
        async with app.run_test(size=SIZE) as pilot:
            view = app.query_one(JsonView)
            view.load(json_body(nbytes))
            await pilot.pause()
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                view.action_page_down()
                _render_visible(view)
                times.append(time.perf_counter() - t0)
                await pilot._wait_for_screen()
            return statistics.median(times)

    return _run(main)


_TEXTAREA_CHILD = r"""
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[2])
from tests.bench_widgets import json_body, _widget_app, _to_screen, SIZE
from textual.widgets import TextArea
text = json.dumps(json_body(int(sys.argv[1])), indent=2)
async def main():
    def make():
        try:
            return TextArea(text, language="json", read_only=True, id="w")
        except Exception:
            return TextArea(text, read_only=True, id="w")
    t0 = time.perf_counter()
    app = _widget_app(make)
    async with app.run_test(size=SIZE) as pilot:
        await _to_screen(pilot, app.query_one(TextArea))
        print(time.perf_counter() - t0)
asyncio.run(main())
"""


def bench_textarea_first_frame(nbytes: int) -> float:
    """Reference: Textual's TextArea(language="json") on the same body, to the first frame.

    Runs in a subprocess (tree-sitter's JSON grammar has crashed the interpreter here); includes
    the app start-up (~0.5 s).  Without tree-sitter installed TextArea shows the text unhighlighted.
    Returns ``float("nan")`` if the child fails.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        out = subprocess.run(
            [sys.executable, "-c", _TEXTAREA_CHILD, str(nbytes), root],
            capture_output=True, text=True, timeout=600, check=True,
        )
        return float(out.stdout.strip().splitlines()[-1])
    except Exception:  # noqa: BLE001 - a reference figure only
        return float("nan")


# ---------------------------------------------------------------------------------------------
def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall figures stretch with load)")
    big = 20_000 if quick else 100_000
    dt_rows = 2_000 if quick else 10_000
    nbytes = 2_000_000 if quick else 10_000_000

    def ms(x: float) -> str:
        return f"{x * 1000:8.2f} ms"

    for n in (1_000, big):
        d = bench_table_append_detail(n)
        print(f"PagedTable append 100 rows at {n:>7,}: direct {ms(d['direct'])}  to screen {ms(d['to_screen'])}"
              f" (cpu {ms(d['to_screen_cpu'])})")
    for n in (1_000, big):
        d = bench_table_cursor_detail(n)
        print(f"PagedTable cursor-down (scrolling) at {n:>7,}: direct {ms(d['direct'])}  to screen {ms(d['to_screen'])}"
              f" (cpu {ms(d['to_screen_cpu'])})")
    d = bench_table_filter_detail(big)
    print(f"PagedTable filter keystroke at {big:,}: {ms(d['wall'])} (cpu {ms(d['cpu'])})")
    print(f"PagedTable memory: {bench_table_memory(big):.1f} MB per 10k job rows (rows included)")
    print(f"DataTable append 100 rows at {dt_rows:>7,}: {ms(bench_datatable_append(dt_rows))}")
    for size in (1_000_000, nbytes):
        secs, rss, cpu = _in_child("_json_first_frame_inproc", size)
        print(f"JsonView first frame {size / 1e6:4.0f} MB: {ms(secs)} (cpu {ms(cpu)})  RSS +{rss / 1e6:.0f} MB")
    print(f"JsonView page-down in {nbytes / 1e6:.0f} MB: {ms(bench_json_key(nbytes))}")
    if not quick:
        print(f"TextArea(json) first frame 1 MB (incl. app start): {bench_textarea_first_frame(1_000_000):.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
