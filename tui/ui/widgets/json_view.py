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

from typing import Any, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.strip import Strip

from ...textsafe import safe_text
from .json_text import (CHUNK, ELLIPSIS, FIRST_CHUNK, MAX_LINE, LineStore, _dumps_without_recursion, _pretty,
                        json_lexer, pretty_json, pretty_text, token_class)
from .virtual_lines import VirtualLines, cursor_bindings

__all__ = ["JsonView", "LineStore", "MAX_LINE", "pretty_json", "pretty_text", "_dumps_without_recursion"]


class JsonView(VirtualLines):
    """Read-only, virtual JSON/text viewer: pretty-prints once, highlights what is on screen."""

    COMPONENT_PREFIX = "json-view"
    PARTIAL_STYLES = frozenset({"key", "string", "number", "literal", "punctuation", "truncated"})

    BINDINGS: list[BindingType] = [
        *cursor_bindings("line", "First line", "Last line"),
        Binding("left", "scroll_left_by", "Scroll left", show=False),
        Binding("right", "scroll_right_by", "Scroll right", show=False),
    ]

    COMPONENT_NAMES = ("key", "string", "number", "literal", "punctuation", "cursor", "truncated")

    DEFAULT_CSS = """
    JsonView {
        & > .json-view--key { color: $text-primary; }
        & > .json-view--string { color: $text-success; }
        & > .json-view--number { color: $text-warning; }
        & > .json-view--literal { color: $text-secondary; text-style: italic; }
        & > .json-view--punctuation { color: $foreground-darken-3; }
        & > .json-view--truncated { color: $foreground-darken-3; }
        & > .json-view--cursor { background: $boost; }
        &:focus > .json-view--cursor { background: $block-cursor-blurred-background; }
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

    # ------------------------------------------------------------------ rendering
    def _line_total(self) -> int:
        return self._total

    def content_strip(self, index: int) -> tuple[Strip, Style]:
        strip = self._line_strip(index)
        if index != self._cursor:
            return strip, self._style(None)
        cursor = self._style("cursor")
        bg = Style(bgcolor=cursor.bgcolor)
        strip = Strip([Segment(seg.text, (seg.style + bg) if seg.style else cursor) for seg in strip],
                      strip.cell_length)
        return strip, cursor

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
            for _pos, ttype, value in json_lexer().get_tokens_unprocessed(line):
                if value:
                    segments.append(Segment(safe_text(value), style_for(token_class(ttype))))
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
    def move_cursor(self, line: int) -> None:
        """Move the cursor line (clamped) and scroll it into view."""
        n = self._total
        new = max(0, min(line, n - 1)) if n else 0
        old = self._cursor
        if new == old:
            return
        self._cursor = new
        self.refresh_lines(old, new)
        scroll_y = self.scroll_y_for(new)
        if scroll_y != self.scroll_offset.y:
            self.scroll_to(y=scroll_y, animate=False)

    move_cursor_to = move_cursor

    def action_scroll_left_by(self) -> None:
        self.scroll_to(x=max(self.scroll_offset.x - 8, 0), animate=False)

    def action_scroll_right_by(self) -> None:
        self.scroll_to(x=self.scroll_offset.x + 8, animate=False)

    def on_click(self, event: events.Click) -> None:
        line = self.line_at(event)
        if line is not None:
            self.move_cursor(line)
