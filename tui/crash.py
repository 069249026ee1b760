"""A crash handler that never prints local variables.

Rich's and Textual's tracebacks can show locals, and locals hold client secrets and tokens.
This handler prints the plain traceback (file, line, code) with known secrets masked, and asks
the user to report it.
"""

from __future__ import annotations

import sys
import traceback

_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is masked in any crash output."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def mask_known_secrets(text: str) -> str:
    for s in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(s, "••••" + s[-4:] if len(s) > 12 else "••••")
    return text


def format_crash(exc_type, exc, tb) -> str:
    lines = traceback.format_exception(exc_type, exc, tb)   # no locals, by construction
    return mask_known_secrets("".join(lines))


def _hook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    sys.stderr.write("avegraph crashed; please report this with the text below.\n")
    from tui.textsafe import terminal_text  # an exception may quote the server: no control byte reaches stderr
    sys.stderr.write(terminal_text(format_crash(exc_type, exc, tb)))


def install_crash_handler() -> None:
    sys.excepthook = _hook
