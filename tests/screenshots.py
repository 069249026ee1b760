"""Make the README's pictures from the demo: `python -m tests.screenshots [--out screenshots] [--png]`.

Drives the real app against the embedded simulator (seed 1) with pilot scripts and saves an SVG
per screen; `--png` also converts the main ones, with headless Chromium when it is installed (it
lays the text out as a terminal does; rsvg-convert, the fallback, drops the blanks that start a
run of text, so a line that begins with spaces is drawn shifted left). Run it
whenever a screen changes. The world is frozen as in the snapshot tests (data and clocks at
``FROZEN``, a fixed port shown), so a screen that did not change gives the same picture.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.ui_helpers import FROZEN, FrozenApp, open_explorer, settle, wait_until

MAIN = ("01-tenants", "03-table", "04-inspector", "06-failed-jobs", "07-permissions-403", "10-saved",
        "11-new-failures")


async def _shoot(app, out: Path, name: str) -> Path:
    path = out / f"{name}.svg"
    app.save_screenshot(filename=path.name, path=str(out))
    return path


async def tour(sim, out: Path, size=(160, 48), suffix: str = "") -> list[Path]:
    shots: list[Path] = []
    cfg = Path.home() / ".config" / "avegraph" / "config.toml"
    app = FrozenApp(sim, cfg)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        shots.append(await _shoot(app, out, "01-tenants" + suffix))

        screen = await open_explorer(pilot, "demo-aos")
        from tui.ui.widgets.resource_tree import ResourceTree
        tree = screen.query_one(ResourceTree)
        for node in tree.root.children:
            if "Microsoft 365" in str(node.label) or "Online Services" in str(node.label):
                node.expand()
        await pilot.pause()
        shots.append(await _shoot(app, out, "02-browse" + suffix))

        screen.open_endpoint(app.catalog.get("m365.cloudbackupjobs"), {}, {})
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages >= 1)
        await settle(pilot)
        from tui.ui.widgets.paged_table import PagedTable
        screen.query_one(PagedTable).focus()
        await pilot.pause()
        shots.append(await _shoot(app, out, "03-table" + suffix))

        await pilot.press("i")
        await settle(pilot)
        shots.append(await _shoot(app, out, "04-inspector" + suffix))
        await pilot.press("escape")
        await settle(pilot)

        # S: the open request saved under its suggested name; the tree's Saved branch shows it
        await pilot.press("S")
        await settle(pilot)
        shots.append(await _shoot(app, out, "09-save-request" + suffix))
        await pilot.press("enter")
        await settle(pilot)
        tree.display = True
        tree.move_cursor(next(n for n in tree.root.children if str(n.label).startswith("Saved")))
        tree.focus()
        await settle(pilot)
        shots.append(await _shoot(app, out, "10-saved" + suffix))
        app.clear_notifications()

        await pilot.press("H")
        await settle(pilot)
        shots.append(await _shoot(app, out, "05-history" + suffix))
        await pilot.press("escape")
        await settle(pilot)

        try:
            app.open_failed_jobs("demo-aos")
            await pilot.pause()
            from tui.ui.failed_jobs.screen import FailedJobsScreen
            await wait_until(pilot, lambda: isinstance(app.screen, FailedJobsScreen), rounds=200)
            await settle(pilot)
            shots.append(await _shoot(app, out, "06-failed-jobs" + suffix))
            await pilot.press("escape")
            await settle(pilot)
            # the next look, after a VM job failed: the new failure marked, watching (W)
            from tests.test_failed_jobs_watch import fail_a_running_vm_job
            fail_a_running_vm_job(sim)
            app.open_failed_jobs("demo-aos")
            await wait_until(pilot, lambda: isinstance(app.screen, FailedJobsScreen), rounds=200)
            await wait_until(pilot, lambda: not app.screen.model.scanning, rounds=2000)
            await settle(pilot)
            await pilot.press("W")
            await settle(pilot)
            shots.append(await _shoot(app, out, "11-new-failures" + suffix))
            await pilot.press("W", "escape")
            await settle(pilot)
        except (ImportError, AssertionError):
            pass

        await pilot.press("question_mark")
        await pilot.pause()
        shots.append(await _shoot(app, out, "08-help" + suffix))
        await pilot.press("escape")
        await pilot.pause()

    app = FrozenApp(sim, cfg)
    async with app.run_test(size=size) as pilot:
        screen = await open_explorer(pilot, "demo-restricted")
        screen.open_endpoint(app.catalog.get("enpower.environments"), {}, {})
        await wait_until(pilot, lambda: screen.view is not None and screen.view.error is not None)
        await settle(pilot)
        shots.append(await _shoot(app, out, "07-explorer-403" + suffix))
        try:
            await pilot.press("P")
            await settle(pilot)
            shots.append(await _shoot(app, out, "07-permissions-403" + suffix))
        except AssertionError:
            pass
    return shots


def _png_converter():
    """SVG -> PNG: headless Chromium at the picture's own size, else rsvg-convert, else None."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is not None:
        import re

        def with_chromium(svg: Path, png: Path) -> None:
            width, height = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8")).groups()
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--window-size={round(float(width))},{round(float(height))}",
                            f"--screenshot={png.resolve()}", svg.resolve().as_uri()],
                           check=True, capture_output=True, timeout=120)
        return with_chromium
    rsvg = shutil.which("rsvg-convert")
    if rsvg is not None:
        return lambda svg, png: subprocess.run([rsvg, str(svg), "-o", str(png)], check=True)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.screenshots")
    ap.add_argument("--out", default="screenshots")
    ap.add_argument("--png", action="store_true",
                    help="also PNGs of the main screens (needs chromium or rsvg-convert)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import os
    # a fresh home, shown as ~ on screen: the pictures hold no path of this machine
    os.environ["HOME"] = tempfile.mkdtemp()
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "AVEGRAPH_CONFIG"):
        os.environ.pop(name, None)
    from tui import clock
    from tui.simulator import SimulatorServer
    clock.freeze(FROZEN)
    try:
        with SimulatorServer(seed=1, now=FROZEN, clock=lambda: FROZEN) as sim:
            shots = asyncio.run(tour(sim, out))
        with SimulatorServer(seed=1, now=FROZEN, clock=lambda: FROZEN) as sim:
            shots += asyncio.run(tour(sim, out, size=(80, 24), suffix="-80x24"))
    finally:
        clock.thaw()
    for p in shots:
        print(p)
    if args.png:
        convert = _png_converter()
        if convert is None:
            print("neither chromium nor rsvg-convert found: apt-get install chromium (or librsvg2-bin)")
            return 1
        for p in shots:
            if p.stem in MAIN:
                convert(p, p.with_suffix(".png"))
                print(p.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
