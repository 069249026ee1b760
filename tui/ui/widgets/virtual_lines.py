"""The scaffolding PagedTable and JsonView share: a focusable ScrollView on the line API that
renders only the lines on screen, with a line cursor, cached styles and strips, and the keys
that move the cursor (Up/Down/PgUp/PgDn/Home/End) and scroll (Left/Right).

A subclass says how many lines it has (``_line_total``), how many fixed header lines sit above
them (``HEADER_LINES``), draws one line (``content_strip``) and may draw the header
(``header_strip``). Textual's own widgets (DataTable, TextArea) measure every line; this renders
what is visible and caches the strips it drew until the styles or the content change.
"""

from __future__ import annotations

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["VirtualLines", "cursor_bindings"]


def cursor_bindings(unit: str, first: str, last: str) -> list[BindingType]:
    """The cursor keys, described in the widget's own words ("row", "line")."""
    return [
        Binding("up", "cursor_up", f"Previous {unit}", show=False),
        Binding("down", "cursor_down", f"Next {unit}", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", first, show=False),
        Binding("end", "last", last, show=False),
    ]


class VirtualLines(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualLines {
        background: $surface;
        color: $foreground;
        &:focus { background-tint: $foreground 5%; }
    }
    """
    ALLOW_SELECT = False
    HEADER_LINES = 0
    #: the component-class prefix of the subclass's styles ("paged-table", "json-view")
    COMPONENT_PREFIX = ""
    #: the subclass's component styles by name ("cursor"): its COMPONENT_CLASSES are made from them
    COMPONENT_NAMES: tuple[str, ...] = ()
    #: component styles that only colour the text (merged with ``partial=True``)
    PARTIAL_STYLES: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "COMPONENT_NAMES" in cls.__dict__:
            cls.COMPONENT_CLASSES = {f"{cls.COMPONENT_PREFIX}--{name}" for name in cls.COMPONENT_NAMES}

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None,
                 disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._cursor = 0
        self._strip_cache: LRUCache = LRUCache(512)
        self._styles: dict[str, Style] = {}

    # -- what a subclass provides ---------------------------------------------------------------
    def _line_total(self) -> int:
        raise NotImplementedError

    def content_strip(self, index: int) -> tuple[Strip, Style]:
        """Line ``index`` (cursor drawn where it is) and the style that fills the rest of the row."""
        raise NotImplementedError

    def header_strip(self, y: int) -> Strip:
        return Strip.blank(self.size.width, self._style("base"))

    def empty_strip(self, index: int) -> Strip:
        """A line past the end of the content (``index``: its position, 0 for the first)."""
        return Strip.blank(self.size.width, self._style("base"))

    def move_cursor_to(self, index: int) -> None:
        """Move the cursor line (subclasses clamp, scroll and tell whom it concerns)."""
        raise NotImplementedError

    # -- styles and caches ------------------------------------------------------------------------
    def clear_caches(self) -> None:
        self._styles.clear()
        self._strip_cache.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.clear_caches()

    def on_focus(self, event: events.Focus) -> None:
        self.clear_caches()
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self.clear_caches()
        self.refresh()

    def _style(self, name: str | None) -> Style:
        key = name or "base"
        style = self._styles.get(key)
        if style is None:
            base = self.rich_style
            if key == "base":
                style = base
            else:
                component = f"{self.COMPONENT_PREFIX}--{key}"
                style = base + self.get_component_rich_style(component, partial=key in self.PARTIAL_STYLES)
            self._styles[key] = style
        return style

    # -- geometry ------------------------------------------------------------------------------------
    def _viewport_height(self) -> int:
        return self.scrollable_content_region.height

    def _viewport_width(self) -> int:
        return self.scrollable_content_region.width

    def page_lines(self) -> int:
        """Content lines on one screen (the header lines do not scroll)."""
        return max(self._viewport_height() - self.HEADER_LINES, 1)

    def set_virtual_size(self, size: Size, quiet: bool = False) -> None:
        """Set ``virtual_size``.

        Assigning the reactive makes Textual lay out the whole screen again and repaint the widget,
        ~2-3x the cost of a plain repaint. With ``quiet`` (appends, and columns widening as rows
        arrive), when the size only grows and neither scrollbar appears by it, the value is set
        silently and only the scrollbars repaint: a failed-jobs scan at 80x24 laid the screen out
        a dozen times for its widening columns.
        """
        old = self.virtual_size
        if size == old:
            return
        if quiet and self.is_mounted and size.width >= old.width and size.height >= old.height:
            view = self.scrollable_content_region
            vertical, horizontal = self.show_vertical_scrollbar, self.show_horizontal_scrollbar
            if ((vertical and self.styles.scrollbar_size_vertical) or size.height <= view.height) and \
                    ((horizontal and self.styles.scrollbar_size_horizontal) or size.width <= view.width):
                self.set_reactive(ScrollView.virtual_size, size)
                if vertical:
                    self.vertical_scrollbar.window_virtual_size = size.height
                if horizontal:
                    self.horizontal_scrollbar.window_virtual_size = size.width
                return
        self.virtual_size = size

    def refresh_lines(self, *indices: int) -> None:
        """Repaint the given content lines if they are on screen."""
        scroll_y = self.scroll_offset.y
        height = self._viewport_height()
        width = self.size.width
        for index in indices:
            y = index - scroll_y + self.HEADER_LINES
            if self.HEADER_LINES <= y < height:
                self.refresh(Region(0, y, width, 1))

    def scroll_y_for(self, index: int) -> int:
        """The vertical scroll offset that brings content line ``index`` on screen."""
        scroll_y = self.scroll_offset.y
        height = self.page_lines()
        if index < scroll_y:
            return index
        if index >= scroll_y + height:
            return index - height + 1
        return scroll_y

    def line_at(self, event: events.MouseEvent) -> int | None:
        """The content line under the mouse (None on the header or outside)."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.HEADER_LINES:
            return None
        return self.scroll_offset.y + offset.y - self.HEADER_LINES

    # -- rendering -------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y < self.HEADER_LINES:
            strip, fill = self.header_strip(y), self._style("base")
        else:
            index = scroll_y + y - self.HEADER_LINES
            if index >= self._line_total():
                return self.empty_strip(index)
            strip, fill = self.content_strip(index)
        return strip.crop_extend(scroll_x, scroll_x + width, fill)

    # -- keys -------------------------------------------------------------------------------------------
    def action_cursor_up(self) -> None:
        self.move_cursor_to(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor_to(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor_to(self._cursor - self.page_lines())

    def action_page_down(self) -> None:
        self.move_cursor_to(self._cursor + self.page_lines())

    def action_first(self) -> None:
        self.move_cursor_to(0)

    def action_last(self) -> None:
        self.move_cursor_to(self._line_total() - 1)
