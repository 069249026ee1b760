"""Shared helpers of the headless commands (``get``, ``endpoints``, ``token``; also used by others):
tenant selection (``--tenant``, ``default_tenant``, ``--demo``), output formats, exit codes, and
error reporting on stderr. No Textual import anywhere on these paths: they run in cron and pipes.

The two channels to the terminal are here, and each passes server text through the one sanitiser
(``tui.textsafe``) once: ``eprint`` for stderr (always: diagnostics are for people, also when
logged to a file), ``write_output`` for stdout (reports and tables always; data formats only when
stdout is a terminal, so a CSV or JSON redirected to a file or pipe stays byte-faithful).
``guard_stdout`` extends the stdout rule to every other writer (``print``, streaming exporters)
while a headless command runs.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, TextIO

from tui.api.errors import ApiError
from tui.api.redact import mask_text
from tui.export import _cell, _columns, to_csv, to_json, to_jsonl
from tui.textsafe import guard_stream, safe_text, terminal_text

__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_AUTH", "EXIT_HTTP_4XX", "EXIT_HTTP_5XX", "UsageError", "open_tenant",
           "exit_code_for", "report_error", "format_items", "write_output", "to_csv", "to_table", "to_json",
           "to_jsonl", "eprint", "guard_stdout", "install_debug_log", "DEMO_DEFAULT"]

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_HTTP_4XX, EXIT_HTTP_5XX = 0, 2, 3, 4, 5
DEMO_DEFAULT = "demo-aos"


class UsageError(Exception):
    """A command line that cannot be run as given (exit 2)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def eprint(*parts: Any, file: TextIO | None = None) -> None:
    """A diagnostic line on stderr: every known secret and bearer token masked, then every control
    and bidi character made visible (the server's text is quoted here: error bodies, headers,
    reason phrases, ``message``, ``error_description``)."""
    stream = file or sys.stderr
    stream.write(terminal_text(mask_text(" ".join(str(p) for p in parts))) + "\n")
    stream.flush()


class _DebugLogHandler(logging.Handler):
    """``-vv``: the core's debug log on stderr, through ``eprint`` like every other diagnostic."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            eprint(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


def install_debug_log() -> None:
    """Send the ``avegraph`` loggers' debug records to stderr (masked and sanitised)."""
    handler = _DebugLogHandler()
    handler.setFormatter(logging.Formatter("avegraph: debug: %(message)s"))
    lg = logging.getLogger("avegraph")
    lg.addHandler(handler)
    lg.setLevel(logging.DEBUG)


@contextmanager
def guard_stdout() -> Iterator[None]:
    """While a headless command runs, a terminal stdout only ever receives sanitised text.

    Not for the explorer: Textual writes its own escape sequences. stderr is not wrapped:
    ``eprint`` sanitises it, and progress lines there redraw with a deliberate carriage return.
    """
    original = sys.stdout
    guarded = guard_stream(original)
    sys.stdout = guarded
    try:
        yield
    finally:
        if sys.stdout is guarded:  # write_output may have swapped in /dev/null after a broken pipe
            sys.stdout = original


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
    """A plain fixed-width text table, every cell made terminal-safe (one line each)."""
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


def format_items(items: list[Any], fmt: str, *, single: bool = False, columns: Iterable[str] | None = None) -> str:
    """Render items as json (an array, or the object for a single-object endpoint), jsonl, csv or table.

    The data formats come back faithful; ``write_output`` sanitises them when stdout is a terminal.
    """
    if fmt == "json":
        return to_json(items[0] if single and len(items) == 1 else items)
    if fmt == "jsonl":
        return to_jsonl(items)
    if fmt == "csv":
        return to_csv(items)
    if fmt == "table":
        return to_table(items, columns)
    raise UsageError(f"unknown format {fmt!r}")


def write_output(text: str, path: str | None, *, report: bool = False) -> None:
    """To ``path`` atomically (temp file + rename, mode 0600), faithful; else to stdout.

    On stdout, a ``report`` (a table, the doctor's or the token's text: written for people) is
    always made terminal-safe; data (json, jsonl, csv) only when stdout is a terminal.
    """
    if path and path != "-":
        from tui.files import write_text_atomic
        write_text_atomic(path, text)
        return
    if report:
        text = terminal_text(text)
    try:
        out = guard_stream(sys.stdout)
        out.write(text)
        out.flush()
    except BrokenPipeError:  # `avegraph get ... | head`: the reader left; that is fine
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        except OSError:
            pass
