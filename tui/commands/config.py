"""`avegraph config example [--write [PATH]]`: the commented example configuration shipped in the
package (a pip user has no source tree to copy it from).

Printed on stdout; ``--write`` puts it at PATH, else at the config path avegraph reads
(``--config``, $AVEGRAPH_CONFIG, XDG), atomically with mode 0600, and never over an existing file.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from tui.commands.common import EXIT_OK, UsageError, eprint, report_error, write_output

__all__ = ["run", "example_text"]


def example_text() -> str:
    """The example config as shipped (``tui/config/config.example.toml``, package data)."""
    return files("tui.config").joinpath("config.example.toml").read_text(encoding="utf-8")


def run(args: Any) -> int:
    import shlex

    from tui.config import resolve_config_path
    try:
        if args.action != "example":  # argparse allows only "example"; kept for a clear message
            raise UsageError(f"unknown config action {args.action!r}", hint="avegraph config example")
        text = example_text()
        if args.write is None:
            write_output(text, None)
            return EXIT_OK
        path = resolve_config_path(args.write or getattr(args, "config", None))
        if path.exists():
            raise UsageError(f"{path} already exists: not overwritten",
                             hint="`avegraph config example` prints the example; merge what you need by hand")
        write_output(text, str(path))
    except (UsageError, OSError) as exc:
        return report_error(exc)
    eprint(f"avegraph: wrote the example config to {path} (mode 0600): replace its placeholder values, "
           f"then `avegraph doctor --config {shlex.quote(str(path))}` checks it")
    return EXIT_OK
