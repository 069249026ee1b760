"""`avegraph` with no command: the explorer, starting at the tenant screen."""

from __future__ import annotations

import sys


def run(args) -> int:
    from tui.config import resolve_config_path
    from tui.ui.app import run_app

    path = resolve_config_path(args.config)
    # --demo alone starts at the tenant screen, where the demo tenants are listed first.
    open_tenant = args.tenant
    if not sys.stdout.isatty():
        print("avegraph needs a terminal; for scripts use `avegraph get`, `failed-jobs` or `perms`.",
              file=sys.stderr)
        return 2
    return run_app(path, open_tenant=open_tenant, demo=args.demo, seed=args.seed)
