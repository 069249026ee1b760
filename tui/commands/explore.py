"""`avegraph` with no command: open the explorer (placeholder until the app lands)."""

from __future__ import annotations

import sys


def run(args) -> int:
    print("The explorer is not built yet; the demo comes with the simulator.", file=sys.stderr)
    return 0
