"""A read-only viewer for response bodies of any size.

Rich ``Syntax`` lexes the whole document (~5 s per MB; a 10 MB body takes
minutes inside ``Static``).  ``JsonView`` pretty-prints once (orjson: ~12 ms
for 10 MB), keeps the text in ~1 MB chunks with an array of line starts
(``LineStore``: a ``str`` per line would cost ~50 bytes of object header per
line, more than the text of a pretty-printed line) and, on the line API,
highlights only the lines on screen with Pygments' JSON lexer, each line lexed
on its own (pretty-printed JSON has no token spanning lines).  Every piece of
text goes through :func:`tui.textsafe.safe_text`, so ESC/OSC, C1 and bidi
characters inside strings are shown as visible escapes.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from itertools import accumulate
from json.encoder import encode_basestring
from typing import Any, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...textsafe import cell_text, safe_text

__all__ = ["JsonView", "LineStore", "pretty_json", "pretty_text"]

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


def _json_lexer():
    global _LEXER
    if _LEXER is None:
        from pygments.lexers.data import JsonLexer

        _LEXER = JsonLexer()
    return _LEXER


def _token_class(ttype: Any) -> str | None:
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


class JsonView(ScrollView, can_focus=True):
    """Read-only, virtual JSON/text viewer: pretty-prints once, highlights what is on screen."""

    ALLOW_SELECT = False

    BINDINGS: list[BindingType] = [
        Binding("up", "cursor_up", "Previous line", show=False),
        Binding("down", "cursor_down", "Next line", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first_line", "First line", show=False),
        Binding("end", "last_line", "Last line", show=False),
        Binding("left", "scroll_left_by", "Scroll left", show=False),
        Binding("right", "scroll_right_by", "Scroll right", show=False),
    ]

    COMPONENT_CLASSES = {
        "json-view--key",
        "json-view--string",
        "json-view--number",
        "json-view--literal",
        "json-view--punctuation",
        "json-view--cursor",
        "json-view--truncated",
    }

    DEFAULT_CSS = """
    JsonView {
        background: $surface;
        color: $foreground;
        & > .json-view--key { color: $text-primary; }
        & > .json-view--string { color: $text-success; }
        & > .json-view--number { color: $text-warning; }
        & > .json-view--literal { color: $text-secondary; text-style: italic; }
        & > .json-view--punctuation { color: $foreground-darken-3; }
        & > .json-view--truncated { color: $foreground-darken-3; }
        & > .json-view--cursor { background: $boost; }
        &:focus {
            background-tint: $foreground 5%;
            & > .json-view--cursor { background: $block-cursor-blurred-background; }
        }
    }
    """

    def __init__(
        self,
        value: Any = None,
        text: str | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._lines = LineStore()
        self._source: bytes | str | None = None  # the document while not fully split
        self._split_pos = 0
        self._total = 0
        self._generation = 0
        self._highlight = False
        self._width = 0
        self._cursor = 0
        self._strip_cache: LRUCache[int, Strip] = LRUCache(512)
        self._styles: dict[str, Style] = {}
        if value is not None or text is not None:
            self.load(value, text)

    # ------------------------------------------------------------------ content
    def load(self, value: Any = None, text: str | None = None, *, syntax: str | None = None) -> None:
        """Show a parsed JSON value (pretty-printed once) or raw ``text``.

        ``syntax="json"`` highlights ``text`` as JSON (use it for text that is
        already pretty-printed JSON); otherwise raw text is shown plain.

        The document is split into lines lazily: the first frame needs only
        the line count (``count``) and the first lines; the rest is decoded and split
        in ~1 MB chunks between events (or at once when something needs it).
        """
        source: bytes | str
        if text is None:
            source = _pretty(value)
            self._highlight = True
        else:
            source = text.replace("\r\n", "\n") if "\r\n" in text else text
            self._highlight = syntax == "json"
        newline = b"\n" if isinstance(source, bytes) else "\n"
        total = source.count(newline) + 1  # type: ignore[arg-type]
        if total > 1 and source.endswith(newline):  # type: ignore[arg-type]
            total -= 1
        self._generation += 1
        self._source = source
        self._split_pos = 0
        self._total = total
        self._lines = LineStore()
        self._width = 1
        self._cursor = 0
        self._strip_cache.clear()
        self._split_chunk(FIRST_CHUNK)
        self.virtual_size = Size(self._width, total)
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False)
            if self._source is not None:
                self.call_later(self._split_in_background, self._generation)
        self.refresh()

    def _split_chunk(self, size: int | None = None) -> None:
        """Split the next ``size`` characters (to a line end) into ``_lines``."""
        if size is None:
            size = CHUNK
        source = self._source
        if source is None:
            return
        newline: Any = b"\n" if isinstance(source, bytes) else "\n"
        pos = self._split_pos
        end = pos + size
        nl = source.rfind(newline, pos, end) if end < len(source) else -1
        if nl == -1 and end < len(source):
            nl = source.find(newline, end)  # one very long line
        if nl == -1:
            piece = source[pos:]
            self._source = None
        else:
            piece = source[pos:nl]
            self._split_pos = nl + 1
        if isinstance(piece, bytes):  # a cut at b"\n" is always a UTF-8 boundary
            piece = piece.decode("utf-8", "replace")
        # at most _total lines: not the trailing "" after a final newline
        width = min(self._lines.append_chunk(piece, limit=self._total), MAX_LINE) + 1
        del piece
        if width > self._width:
            self._width = width
            if self.is_mounted:
                self.call_later(self._widen)

    def _split_in_background(self, generation: int) -> None:
        if generation != self._generation or self._source is None:
            return
        self._split_chunk()
        if self._source is not None:
            self.call_later(self._split_in_background, generation)

    def _ensure_lines(self, upto: int | None = None) -> None:
        """Make sure lines ``0..upto`` (all when None) have been split."""
        while self._source is not None and (upto is None or len(self._lines) <= upto):
            self._split_chunk()

    def finish_loading(self) -> None:
        """Split the rest of the document now (``find``/``lines`` do this themselves)."""
        self._ensure_lines()

    def clear(self) -> None:
        self.load(text="")

    @property
    def lines(self) -> Sequence[str]:
        """The (unescaped) lines; read-only."""
        self._ensure_lines()
        return self._lines

    @property
    def line_count(self) -> int:
        return self._total

    @property
    def text(self) -> str:
        """The whole document (as pretty-printed), e.g. for copying."""
        self._ensure_lines()
        return self._lines.text()

    @property
    def cursor_line(self) -> int:
        return self._cursor

    def find(
        self,
        text: str,
        start: int | None = None,
        *,
        backwards: bool = False,
        case_sensitive: bool = False,
    ) -> int | None:
        """Index of the next line containing ``text`` (wrapping), or ``None``.

        Starts after the cursor line (before it when ``backwards``); does not
        move the cursor (call :meth:`move_cursor` with the result).
        """
        self._ensure_lines()
        lines = self._lines
        n = len(lines)
        if not text or not n:
            return None
        if start is None:
            start = self._cursor + (-1 if backwards else 1)
        start %= n
        needle = text if case_sensitive else text.lower()
        if backwards:
            order = [range(start, -1, -1), range(n - 1, start, -1)]
        else:
            order = [range(start, n), range(0, start)]
        for rng in order:
            for i in rng:
                line = lines[i]
                if needle in (line if case_sensitive else line.lower()):
                    return i
        return None

    # ------------------------------------------------------------------ styles
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strip_cache.clear()

    def on_focus(self, event: events.Focus) -> None:
        self._styles.clear()
        self._strip_cache.clear()

    def on_blur(self, event: events.Blur) -> None:
        self._styles.clear()
        self._strip_cache.clear()

    def _style(self, name: str | None) -> Style:
        key = name or "base"
        style = self._styles.get(key)
        if style is None:
            base = self.rich_style
            if name is None:
                style = base
            elif name == "cursor":
                style = base + self.get_component_rich_style("json-view--cursor")
            else:
                style = base + self.get_component_rich_style(f"json-view--{name}", partial=True)
            self._styles[key] = style
        return style

    # ------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        index = scroll_y + y
        if index >= self._total:
            return Strip.blank(width, self._style(None))
        strip = self._line_strip(index)
        if index == self._cursor:
            cursor = self._style("cursor")
            bg = Style(bgcolor=cursor.bgcolor)
            strip = Strip(
                [Segment(seg.text, (seg.style + bg) if seg.style else cursor) for seg in strip],
                strip.cell_length,
            )
            fill = cursor
        else:
            fill = self._style(None)
        return strip.crop_extend(scroll_x, scroll_x + width, fill)

    def _line_strip(self, index: int) -> Strip:
        cached = self._strip_cache.get(index)
        if cached is not None:
            return cached
        if index >= len(self._lines):
            self._ensure_lines(index)
        line = self._lines[index]
        truncated = len(line) > MAX_LINE
        if truncated:
            line = line[:MAX_LINE]
        segments: list[Segment] = []
        if self._highlight:
            style_for = self._style
            for _pos, ttype, value in _json_lexer().get_tokens_unprocessed(line):
                if value:
                    segments.append(Segment(safe_text(value), style_for(_token_class(ttype))))
        else:
            if "\t" in line:
                line = line.expandtabs(4)
            segments.append(Segment(safe_text(line), self._style(None)))
        length = sum(
            len(seg.text) if seg.text.isascii() else cell_len(seg.text) for seg in segments
        )
        if length > MAX_LINE:
            strip = Strip(segments, length).crop(0, MAX_LINE)
            segments = list(strip)
            length = MAX_LINE
            truncated = True
        if truncated:
            segments.append(Segment(ELLIPSIS, self._style("truncated")))
            length += 1
        strip = Strip(segments, length)
        if length > self._width:
            # escapes or wide characters made this line wider than estimated
            self._width = length
            self.call_later(self._widen)
        self._strip_cache[index] = strip
        return strip

    def _widen(self) -> None:
        size = Size(self._width, self._total)
        if size != self.virtual_size:
            self.virtual_size = size

    # ------------------------------------------------------------------ cursor
    def _viewport_height(self) -> int:
        return max(self.scrollable_content_region.height, 1)

    def move_cursor(self, line: int) -> None:
        """Move the cursor line (clamped) and scroll it into view."""
        n = self._total
        new = max(0, min(line, n - 1)) if n else 0
        old = self._cursor
        if new == old:
            return
        self._cursor = new
        scroll_y = self.scroll_offset.y
        height = self._viewport_height()
        width = self.size.width
        for idx in (old, new):
            y = idx - scroll_y
            if 0 <= y < height:
                self.refresh(Region(0, y, width, 1))
        if new < scroll_y:
            self.scroll_to(y=new, animate=False)
        elif new >= scroll_y + height:
            self.scroll_to(y=new - height + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._viewport_height())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._viewport_height())

    def action_first_line(self) -> None:
        self.move_cursor(0)

    def action_last_line(self) -> None:
        self.move_cursor(self._total - 1)

    def action_scroll_left_by(self) -> None:
        self.scroll_to(x=max(self.scroll_offset.x - 8, 0), animate=False)

    def action_scroll_right_by(self) -> None:
        self.scroll_to(x=self.scroll_offset.x + 8, animate=False)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.move_cursor(self.scroll_offset.y + offset.y)
