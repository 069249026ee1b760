"""Make server-supplied strings safe to show in a terminal.

Everything the API returns is untrusted: a display name, a job message or a
response body may contain terminal escape sequences (``ESC ] 0 ; title BEL``),
C1 controls (which some terminals treat like ESC sequences), bidi overrides
that reorder what the user sees, lone surrogates that cannot be encoded, or
plain newlines and tabs that would break a one-line table cell.

The functions here replace all of those with *visible* escapes and always
return a plain ``str``.  They never interpret markup: the widgets build
``rich.text.Text``/``Segment`` objects from these strings directly, so text
such as ``[/nope]`` or ``[@click=app.quit]`` is shown literally.

This module is UI-free (it must not import textual) and cheap: the common case
(short printable text) costs one regex search.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["safe_text", "safe_multiline", "terminal_text", "cell_text", "guard_stream", "TerminalStream",
           "UNSAFE_CHARS"]

ELLIPSIS = "…"

# Characters that must never reach the terminal as themselves.
#   \x00-\x1f  C0 controls (including ESC, BEL, CR, LF, TAB)
#   \x7f-\x9f  DEL and the C1 controls (CSI = \x9b, OSC = \x9d, NEL = \x85 ...)
#   \u061c     Arabic letter mark (bidi)
#   \u200b-\u200f  zero-width space/non-joiner/joiner, LRM, RLM
#   \u2028\u2029   line / paragraph separators
#   \u202a-\u202e  bidi embeddings and overrides
#   \u2060-\u2069  word joiner, invisible operators, bidi isolates
#   \ufeff     zero-width no-break space (BOM)
#   \ufff9-\ufffb  interlinear annotation controls
#   \ud800-\udfff  lone surrogates (cannot be encoded for the terminal)
#   \U000e0000-\U000e007f  tag characters (invisible "ASCII smuggling")
UNSAFE_CHARS = (
    "\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f"
)
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_search = _UNSAFE.search
_sub = _UNSAFE.sub

# Multi-line variant: the same set without "\n" (\x0a).
_UNSAFE_ML = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        if code == 0x0A:
            return "↵"
        if code == 0x09:
            return "⇥"
        # Unicode "control pictures": ␀ ␁ ... ␛ (ESC) ... ␟ — one cell each.
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


# Pre-computed replacements for the whole (small) unsafe set; the tag block and
# surrogates are looked up lazily through _escape_char.
_REPLACEMENTS: dict[str, str] = {}
for _code in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, *range(0x200B, 0x2010),
              *range(0x2028, 0x202F), *range(0x2060, 0x206A), 0xFEFF, *range(0xFFF9, 0xFFFC)]:
    _REPLACEMENTS[chr(_code)] = _escape_char(chr(_code))
del _code


def _replace(match: re.Match[str]) -> str:
    ch = match.group()
    rep = _REPLACEMENTS.get(ch)
    return rep if rep is not None else _escape_char(ch)


def _truncate(text: str, max_len: int) -> str:
    if max_len <= 0:
        return ""
    if len(text) <= max_len:
        return text
    return text[: max_len - 1] + ELLIPSIS


def safe_text(s: str, max_len: int | None = None) -> str:
    """Return ``s`` with every control/bidi/invisible character made visible.

    For one-line contexts (table cells, headers, titles): newline becomes
    ``↵``, tab ``⇥``, other C0 controls their control picture (ESC is ``␛``,
    BEL ``␇``), DEL ``␡``, C1 controls and bidi/zero-width characters a
    ``\\xNN``/``\\uNNNN`` text escape.

    ``max_len`` truncates the result to at most that many characters, the
    last of which is ``…`` when something was cut.  (Characters, not terminal
    cells: the widgets crop by cells themselves.)  The input is sliced before
    it is escaped, so a 10 MB string with a small ``max_len`` costs little.
    """
    if type(s) is not str:
        s = _to_str(s)
    if max_len is None:
        return s if _search(s) is None else _sub(_replace, s)
    if len(s) <= max_len and _search(s) is None:
        return s
    if len(s) > max_len:
        s = s[: max_len + 1]
    if _search(s) is not None:
        s = _sub(_replace, s)
    return _truncate(s, max_len)


def safe_multiline(s: str, max_len: int | None = None, tabsize: int = 4) -> str:
    """Like :func:`safe_text` but keeps line breaks.

    ``\\r\\n`` becomes ``\\n``; a lone ``\\r`` (which would move the terminal cursor) is shown as
    ``␍``.  Tabs are expanded to spaces (``tabsize``) so columns line up.
    """
    if type(s) is not str:
        s = _to_str(s)
    if max_len is not None and len(s) > max_len:
        s = s[: max_len + 1]
    if "\r" in s:
        s = s.replace("\r\n", "\n")
    if "\t" in s:
        s = s.expandtabs(tabsize)
    if _UNSAFE_ML.search(s) is not None:
        s = _UNSAFE_ML.sub(_replace, s)
    if max_len is not None:
        s = _truncate(s, max_len)
    return s


# The stream variant: the same set without "\n" and "\t" (both harmless in a stream of lines).
_UNSAFE_STREAM = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)


def terminal_text(s: str) -> str:
    """Text for a terminal-bound stream of lines (the CLI's stdout and stderr): keeps ``\n`` and ``\t``.

    ``\r\n`` becomes ``\n``; everything else :func:`safe_text` escapes (ESC, BEL, a lone CR that
    would overwrite the line, C1 controls, bidi overrides and isolates, lone surrogates) is made
    visible the same way. Idempotent, so a second pass over already safe text changes nothing.
    """
    if type(s) is not str:
        s = _to_str(s)
    if _UNSAFE_STREAM.search(s) is None:
        return s
    if "\r\n" in s:
        s = s.replace("\r\n", "\n")
    return _UNSAFE_STREAM.sub(_replace, s)


class TerminalStream:
    """A text stream that passes every write through :func:`terminal_text` to the stream it wraps.

    The CLI's terminal channel: whatever a command writes (a table, a CSV streamed row by row, a
    log line, ``print``) reaches the terminal without a control byte. Everything else (``fileno``,
    ``encoding``, ``isatty`` ...) is the wrapped stream's.
    """

    def __init__(self, stream: Any):
        self.wrapped = stream

    def write(self, text: str) -> int:
        self.wrapped.write(terminal_text(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def guard_stream(stream: Any) -> Any:
    """``stream`` wrapped in a :class:`TerminalStream` when it is a terminal, else ``stream`` itself.

    Files and pipes get the faithful bytes (a CSV redirected to a file is data); a stream that is
    already guarded is returned as it is.
    """
    if stream is None or isinstance(stream, TerminalStream):
        return stream
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        tty = False
    return TerminalStream(stream) if tty else stream


def _to_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a hostile __str__ must not break the UI
        try:
            return repr(value)
        except Exception:  # noqa: BLE001
            return f"<{type(value).__name__}>"


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:
        # Python refuses str() on ints with more than ~4300 digits.
        digits = int(value.bit_length() * math.log10(2)) + 1
        sign = "-" if value < 0 else ""
        return f"{sign}‹{digits}-digit integer›"


def _scalar_text(value: Any, max_len: int) -> str | None:
    """Text for a JSON scalar, or None when ``value`` is a container."""
    t = type(value)
    if t is str:
        return safe_text(value, max_len)
    if value is None:
        return ""
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return _truncate(_int_text(value), max_len)
    if t is float:
        return _truncate(repr(value), max_len)
    if isinstance(value, (dict, list, tuple)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _truncate(_int_text(int(value)), max_len)
    return safe_text(_to_str(value), max_len)


def _inline(value: Any, max_len: int) -> str:
    """A value inside a compact container rendering (one level deep only)."""
    t = type(value)
    if t is str:
        return '"' + safe_text(value, max(max_len, 1)) + '"'
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, (list, tuple)):
        return f"[{len(value)}]" if value else "[]"
    text = _scalar_text(value, max_len)
    return "null" if value is None else (text or "")


def _dict_text(value: dict, max_len: int) -> str:
    if not value:
        return "{}"
    parts: list[str] = []
    used = 1
    budget = max(max_len, 8) - 2
    for key, item in value.items():
        if type(key) is not str:
            key = _to_str(key)
        if len(key) > 40 or _search(key) is not None:
            key = safe_text(key, 40)
        if type(item) is str and len(item) <= 40 and _search(item) is None:
            piece = f'{key}: "{item}"'
        else:
            piece = f"{key}: {_inline(item, 40)}"
        used += len(piece) + 2
        if used > budget and parts:
            parts.append("…")
            break
        parts.append(piece)
    return _truncate("{" + ", ".join(parts) + "}", max_len)


def _list_text(value: list | tuple, max_len: int) -> str:
    n = len(value)
    if n == 0:
        return "[]"
    summary = f"[{n} item{'s' if n != 1 else ''}]"
    if n > 8:
        return summary
    parts: list[str] = []
    used = 2
    for item in value:
        if isinstance(item, (dict, list, tuple)):
            return summary
        piece = _inline(item, 30)
        used += len(piece) + 2
        if used > min(max_len, 60):
            return summary
        parts.append(piece)
    return "[" + ", ".join(parts) + "]"


def cell_text(value: Any, max_len: int = 200) -> str:
    """Compact one-line text for any JSON value, for a table cell.

    ``None`` → ``""``, booleans → ``true``/``false``, numbers as they are
    (ints too large for ``str()`` get a summary), strings through
    :func:`safe_text`, a dict → ``{a: 1, b: "x", …}``, a list → ``[1, 2]`` when
    short and flat, otherwise ``[3 items]``.  Never raises.
    """
    t = type(value)
    if t is str:  # fast paths first: this runs for every cell of every row
        if len(value) <= max_len and _search(value) is None:
            return value
        return safe_text(value, max_len)
    if value is None:
        return ""
    if t is int:
        text = _int_text(value)
        return text if len(text) <= max_len else _truncate(text, max_len)
    try:
        text = _scalar_text(value, max_len)
        if text is not None:
            return text
        if isinstance(value, dict):
            return _dict_text(value, max_len)
        return _list_text(value, max_len)
    except Exception:  # noqa: BLE001 - never let a cell break the table
        return f"<{type(value).__name__}>"
