"""The Failed jobs screen's source list: one line per source, its first errors under it.

Each source's line (``source_line``) shows its state, progress, jobs found and first error; up to
five of its errors follow, which Enter opens in the detail pane (the screen's handler). Redrawn a
few times a second while scanning, so only what changed is redrawn.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.triage import SourceState
from tui.ui.failed_jobs.render import error_line, source_line

ERRORS_LISTED = 5


class SourceList(OptionList):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # What the options were built from: per source, its error count and where it sorts.
        self._source_shape: dict[str, tuple] = {}
        self._source_lines: dict[str, str] = {}     # source id -> its line as shown
        self._sources: dict[str, SourceState] | None = None     # what the last show_sources showed

    def clear_sources(self) -> None:
        self._source_shape, self._source_lines, self._sources = {}, {}, None
        self.clear_options()

    def on_resize(self) -> None:
        """The lines are cut to the width: cut them again. The scan starts before the screen's first
        layout, so its first lines may have been cut to the screen's width, not the list's."""
        if self._sources is not None:
            self.forget_shape()
            self.show_sources(self._sources)

    def forget_shape(self) -> None:
        """The next ``show_sources`` rebuilds every option (the lines are cut to the width)."""
        self._source_shape = {}

    def show_sources(self, sources: dict[str, SourceState]) -> None:
        """Rebuild the options when a source gained errors or moves; else replace the changed lines."""
        self._sources = sources
        shape = {sid: (len(s.errors), s.state == "skipped", s.state == "done" and not s.found)
                 for sid, s in sources.items()}
        if shape != self._source_shape:
            self._source_shape = shape
            self._rebuild(sources)
            return
        for sid, s in sources.items():
            line = self._fit(source_line(s))
            if self._source_lines.get(sid) != line.plain:
                self._source_lines[sid] = line.plain
                self.replace_option_prompt(f"src:{sid}", line)

    def _fit(self, line: Text) -> Text:
        """One terminal line per source: cut to the list's width (an option would wrap otherwise)."""
        width = self.scrollable_content_region.width or self.screen.size.width
        if width > 4 and line.cell_len > width - 1:
            line.truncate(width - 1, overflow="ellipsis")
        return line

    def _rebuild(self, sources: dict[str, SourceState]) -> None:
        """Sources with something to show first, then those done with nothing found, then the skipped."""
        highlighted = self.highlighted
        order = sorted(sources.values(), key=lambda s: (s.state == "skipped", s.state == "done" and not s.found,
                                                         list(sources).index(s.id)))
        options: list[Option] = []
        self._source_lines = {}
        for s in order:
            line = self._fit(source_line(s))
            self._source_lines[s.id] = line.plain
            options.append(Option(line, id=f"src:{s.id}"))
            for i in range(min(len(s.errors), ERRORS_LISTED)):
                options.append(Option(self._fit(error_line(s, i)), id=f"err:{s.id}:{i}"))
            if len(s.errors) > ERRORS_LISTED:
                options.append(Option(Text(f"    … {len(s.errors) - ERRORS_LISTED} more", style="dim"),
                                      id=f"more:{s.id}", disabled=True))
        self.set_options(options)
        if highlighted is not None and options:
            self.highlighted = min(highlighted, len(options) - 1)
