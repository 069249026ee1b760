"""Shared helpers of the headless commands (``get``, ``endpoints``, ``token``; also used by others):
tenant selection (``--tenant``, ``default_tenant``, ``--demo``), output formats, exit codes, and
error reporting on stderr. No Textual import anywhere on these paths: they run in cron and pipes.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, TextIO

from tui.api.errors import ApiError
from tui.api.redact import mask_text
from tui.export import _cell, _columns, to_csv, to_json, to_jsonl

__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_AUTH", "EXIT_HTTP_4XX", "EXIT_HTTP_5XX", "UsageError", "open_tenant",
           "exit_code_for", "report_error", "format_items", "write_output", "to_csv", "to_table", "to_json",
           "to_jsonl", "eprint", "DEMO_DEFAULT"]

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_HTTP_4XX, EXIT_HTTP_5XX = 0, 2, 3, 4, 5
DEMO_DEFAULT = "demo-aos"


class UsageError(Exception):
    """A command line that cannot be run as given (exit 2)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def eprint(*parts: Any, file: TextIO | None = None) -> None:
    """A diagnostic line on stderr, with every known secret and bearer token masked."""
    stream = file or sys.stderr
    stream.write(mask_text(" ".join(str(p) for p in parts)) + "\n")
    stream.flush()


# ------------------------------------------------------------------------------------------------
# Tenants
# ------------------------------------------------------------------------------------------------

@contextmanager
def open_tenant(args: Any) -> Iterator[Any]:
    """The TenantConfig the command line asks for; stops the demo simulator on exit.

    ``--demo``: the in-process simulator's demo tenants (``--tenant`` picks one, default demo-aos).
    Otherwise the config file (``--config``, $AVEGRAPH_CONFIG, XDG) and ``--tenant`` or its
    ``default_tenant`` (or its only tenant). Raises ConfigError / UsageError (exit 2).
    """
    from tui.config import ConfigError, ConfigMissing, load_config, resolve_config_path
    name = getattr(args, "tenant", None)
    demo = bool(getattr(args, "demo", False))
    runtime = None
    try:
        if not demo:
            path = resolve_config_path(getattr(args, "config", None))
            try:
                config = load_config(path)
            except ConfigMissing:
                from tui.tenants import DEMO_TENANTS
                if name in {d.name for d in DEMO_TENANTS}:
                    demo = True
                else:
                    raise
            else:
                from tui.tenants import DEMO_TENANTS
                if name is not None and name not in config.tenant_names and \
                        name in {d.name for d in DEMO_TENANTS}:
                    demo = True
                else:
                    for w in config.warnings:
                        eprint(f"avegraph: warning: {w}")
                    yield config.tenant(name)
                    return
        from tui.tenants import DemoRuntime
        seed = getattr(args, "seed", None)
        runtime = DemoRuntime(seed=1 if seed is None else seed)
        tenants = runtime.tenant_configs()
        name = name or DEMO_DEFAULT
        if name not in tenants:
            raise ConfigError(f"no demo tenant named {name!r}. Demo tenants: {', '.join(tenants)}.")
        yield tenants[name]
    finally:
        if runtime is not None:
            runtime.stop()


# ------------------------------------------------------------------------------------------------
# Errors and exit codes
# ------------------------------------------------------------------------------------------------

def exit_code_for(exc: BaseException) -> int:
    from tui.config import ConfigError
    if isinstance(exc, (ConfigError, UsageError)):
        return EXIT_USAGE
    if isinstance(exc, ApiError):
        return int(exc.exit_code)
    if isinstance(exc, (OSError,)):
        return EXIT_USAGE
    return EXIT_HTTP_5XX


def report_error(exc: BaseException, prog: str = "avegraph") -> int:
    """Print the error (and its hint) on stderr; return the exit code."""
    code = exit_code_for(exc)
    label = {EXIT_USAGE: "error", EXIT_AUTH: "authentication failed", EXIT_HTTP_4XX: "request refused",
             EXIT_HTTP_5XX: "request failed"}.get(code, "error")
    msg = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, ApiError):
        msg = f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}"
    eprint(f"{prog}: {label}: {msg}")
    hint = getattr(exc, "hint", None)
    if hint:
        eprint(f"  hint: {hint}")
    ex = getattr(exc, "exchange", None)
    if ex is not None and (ex.request_id or ex.trace_id):
        ids = []
        if ex.request_id:
            ids.append(f"request-id {ex.request_id}")
        if ex.trace_id:
            ids.append(f"traceId {ex.trace_id}")
        eprint("  " + ", ".join(ids))
    return code


# ------------------------------------------------------------------------------------------------
# Output formats
# ------------------------------------------------------------------------------------------------

def to_table(items: list[Any], columns: Iterable[str] | None = None, max_width: int = 40) -> str:
    """A plain fixed-width text table, every cell made terminal-safe."""
    from tui.textsafe import safe_text
    all_cols = _columns(items)
    cols = [c for c in (columns or ()) if c in all_cols] or all_cols[:8]
    if not items:
        return "(no items)\n"
    rows = []
    for it in items:
        row = it if isinstance(it, dict) else {"value": it}
        rows.append([safe_text(_cell(row.get(c)), max_width) for c in cols])
    heads = [safe_text(c, max_width) for c in cols]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(heads)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    hidden = len(all_cols) - len(cols)
    if hidden > 0:
        lines.append(f"({hidden} more column{'s' if hidden != 1 else ''}: use --format json or csv)")
    return "\n".join(lines) + "\n"


def format_items(items: list[Any], fmt: str, *, single: bool = False, columns: Iterable[str] | None = None,
                 to_terminal: bool = False) -> str:
    """Render items as json (an array, or the object for a single-object endpoint), jsonl, csv or table."""
    if fmt == "json":
        return to_json(items[0] if single and len(items) == 1 else items)
    if fmt == "jsonl":
        return to_jsonl(items)
    if fmt == "csv":
        text = to_csv(items)
        if to_terminal:
            from tui.textsafe import safe_multiline
            text = safe_multiline(text)
        return text
    if fmt == "table":
        return to_table(items, columns)
    raise UsageError(f"unknown format {fmt!r}")


def write_output(text: str, path: str | None) -> None:
    """To ``path`` atomically (temp file + rename, mode 0600), else to stdout."""
    if path and path != "-":
        from tui.files import write_text_atomic
        write_text_atomic(path, text)
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `avegraph get ... | head`: the reader left; that is fine
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        except OSError:
            pass
