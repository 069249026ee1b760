"""JsonView's text, apart from the widget: pretty-printing (orjson when present, never recursing
on deep documents), ``LineStore`` (chunks plus an array of line starts instead of a str per line)
and the Pygments JSON lexer mapped to the view's component classes. No Textual here.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from itertools import accumulate
from json.encoder import encode_basestring
from typing import Any, Sequence

from ...textsafe import cell_text

__all__ = ["CHUNK", "ELLIPSIS", "FIRST_CHUNK", "LineStore", "MAX_LINE", "json_lexer", "pretty_json", "pretty_text",
           "token_class"]

#: Longest line shown, in characters; longer lines end with "…".
MAX_LINE = 2000

ELLIPSIS = "…"
#: Characters split into lines for the first frame, then per background step.
FIRST_CHUNK = 64 * 1024
CHUNK = 1024 * 1024


_END = object()


def _scalar_json(value: Any) -> str:
    """One non-container value as ``json.dumps`` writes it; what it cannot write becomes a string."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        try:
            return int.__repr__(value)
        except ValueError:  # more digits than str() allows (sys.int_max_str_digits)
            return encode_basestring(cell_text(value))
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    return encode_basestring(cell_text(value))


def _dumps_without_recursion(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``'s layout, built with an explicit stack.

    The parser accepts ~1,000 nesting levels (json.loads) or more; json.dumps and any recursive copy
    stop at the interpreter's recursion limit, so a value as deep as the parser accepted would not
    print. Whatever json.dumps refuses (ints too long for str(), non-str keys, other types) is shown
    as text, as ``default=cell_text`` does.
    """
    parts: list[str] = []
    # Each frame: [entries iterator, is a dict, no entry written yet, id of the container].
    stack: list[list[Any]] = []
    open_ids: set[int] = set()
    pending: Any = value
    while True:
        if pending is not _END:
            v, pending = pending, _END
            if isinstance(v, (dict, list, tuple)) and v and id(v) not in open_ids:
                is_dict = isinstance(v, dict)
                parts.append("{" if is_dict else "[")
                stack.append([iter(v.items()) if is_dict else iter(v), is_dict, True, id(v)])
                open_ids.add(id(v))
            elif isinstance(v, dict):
                parts.append("{}" if not v else encode_basestring("<circular>"))
            elif isinstance(v, (list, tuple)):
                parts.append("[]" if not v else encode_basestring("<circular>"))
            else:
                parts.append(_scalar_json(v))
        while stack:
            frame = stack[-1]
            entry = next(frame[0], _END)
            if entry is _END:
                stack.pop()
                open_ids.discard(frame[3])
                parts.append("\n" + "  " * len(stack) + ("}" if frame[1] else "]"))
                continue
            parts.append(("\n" if frame[2] else ",\n") + "  " * len(stack))
            frame[2] = False
            if frame[1]:
                key, pending = entry
                parts.append((encode_basestring(key) if isinstance(key, str) else encode_basestring(cell_text(key)))
                             + ": ")
            else:
                pending = entry
            break
        else:
            if pending is _END:
                return "".join(parts)


class LineStore(Sequence[str]):
    """Lines of a document, stored as the chunks they came in plus where each line starts.

    A chunk is text cut at a line end; line ``i`` is ``chunk[start[i]:end]``. Memory is the
    text itself plus 8 bytes a line (a list of ``str`` adds ~50 bytes of header a line: for a
    pretty-printed 2 MB body, 10.6 MB in all against about half that here).
    """

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._first = array("Q")   # index of each chunk's first line
        self._starts = array("Q")  # each line's offset in its chunk
        self._widest = 0

    def __len__(self) -> int:
        return len(self._starts)

    def append_chunk(self, piece: str, limit: int | None = None) -> int:
        """Add the lines of ``piece`` (keeping at most ``limit`` lines in all); their widest length."""
        lengths = [len(line) for line in piece.split("\n")]
        if limit is not None:
            del lengths[max(0, limit - len(self._starts)):]
        if not lengths:
            return 0
        self._first.append(len(self._starts))
        self._chunks.append(piece)
        self._starts.extend(accumulate((n + 1 for n in lengths[:-1]), initial=0))
        return max(lengths)

    def _line(self, i: int) -> str:
        chunk = self._chunks[bisect_right(self._first, i) - 1]
        start = self._starts[i]
        end = chunk.find("\n", start)
        return chunk[start:] if end == -1 else chunk[start:end]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._line(i) for i in range(*index.indices(len(self)))]
        n = len(self._starts)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("line index out of range")
        return self._line(index)

    def __iter__(self):
        for c, chunk in enumerate(self._chunks):
            first = self._first[c]
            stop = self._first[c + 1] if c + 1 < len(self._first) else len(self._starts)
            yield from chunk.split("\n")[: stop - first]

    def text(self) -> str:
        return "\n".join(self)


def pretty_text(value: Any) -> str:
    """``value`` as ``json.dumps(indent=2, ensure_ascii=False)`` writes it, whatever it holds.

    json.dumps first (C speed); a value it refuses, too deep for its recursion or holding what it
    cannot serialise, goes through the explicit-stack printer instead.
    """
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=cell_text)
    except (RecursionError, ValueError, TypeError):  # too deep; ints too long for str(); odd keys
        return _dumps_without_recursion(value)


def _pretty(value: Any) -> bytes | str:
    """orjson's UTF-8 bytes when it can (decoded lazily, chunk by chunk), else a str."""
    try:
        import orjson

        return orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except Exception:  # noqa: BLE001 - ints > 64 bit, non-str keys, over 255 levels, other types
        pass
    return pretty_text(value)


def pretty_json(value: Any) -> str:
    """Pretty-print ``value`` with 2-space indentation (orjson, else json, else without recursion)."""
    out = _pretty(value)
    return out.decode("utf-8") if isinstance(out, bytes) else out


_LEXER = None
_TOKEN_CLASS: dict[Any, str | None] = {}


def json_lexer():
    global _LEXER
    if _LEXER is None:
        from pygments.lexers.data import JsonLexer

        _LEXER = JsonLexer()
    return _LEXER


def token_class(ttype: Any) -> str | None:
    """Map a Pygments token type to a component-class suffix."""
    try:
        return _TOKEN_CLASS[ttype]
    except KeyError:
        pass
    from pygments.token import Error, Keyword, Name, Number, Punctuation, String

    if ttype in Name.Tag:
        name = "key"
    elif ttype in String:
        name = "string"
    elif ttype in Number:
        name = "number"
    elif ttype in Keyword:
        name = "literal"
    elif ttype in Punctuation:
        name = "punctuation"
    elif ttype in Error:
        name = "string"
    else:
        name = None
    _TOKEN_CLASS[ttype] = name
    return name
