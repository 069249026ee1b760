"""The key bar at the bottom of every screen: one widget that draws the screen's keys on one line.

Textual's ``Footer`` is a container of one ``FooterKey`` widget per binding, recomposed on every
"bindings updated" signal (a screen push, every focus change). Each key is a widget to style,
lay out and paint, and the first screen pays for parsing their CSS: measured on the tenant
screen, the footer was ~20 ms of a ~300 ms start-up, the largest single part that is ours.
This one is a single widget that renders the keys as one line of text and repaints only when
the keys it would show change. It looks like Textual's footer (the same theme variables), puts
the first-declared keys first (or in the screen's ``FOOTER_ORDER``) and drops the keys that do
not fit the width (most important first), keeps the command palette's key on the right, and a
click on a key presses it.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

__all__ = ["Footer", "footer_items"]


def footer_items(screen) -> list[tuple[str, str, str, bool]]:
    """(key, key as shown, description, enabled) for each binding the footer shows, in order.

    One entry per action (the first key bound to it), as Textual's footer does; the command
    palette's binding is not among them (it has its own place on the right). A screen with a
    ``FOOTER_ORDER`` (action names, most important first) has its keys in that order, after what
    the focused widget itself does (the actions it does not list keep their place in front).
    """
    app = screen.app
    seen: set[str] = set()
    items = []
    palette_key = app.COMMAND_PALETTE_BINDING
    for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
        if not binding.show or binding.action in seen or key == palette_key:
            continue
        seen.add(binding.action)
        items.append((binding.action, (binding.key, app.get_key_display(binding), binding.description, enabled)))
    order = getattr(screen, "FOOTER_ORDER", None)
    if order:
        rank = {action: i for i, action in enumerate(order)}
        items.sort(key=lambda item: rank.get(item[0], -1))
    return [item for _action, item in items]


class Footer(Widget, can_focus=False):
    """The screen's keys on one line; a drop-in for ``textual.widgets.Footer`` in this app."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer--key", "footer--description", "footer--disabled", "footer--palette"}
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .footer--description { color: $footer-description-foreground;
                                   background: $footer-description-background; }
        & > .footer--disabled { text-style: dim; }
        & > .footer--palette { color: $foreground 20%; }
    }
    """

    def __init__(self, *, show_command_palette: bool = True, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.show_command_palette = show_command_palette
        self._spans: list[tuple[int, int, str, bool]] = []   # (start, end, key, enabled) of each drawn key
        self._shown: tuple | None = None                       # the items and width the last render drew

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if self.is_attached and screen is self.screen and self._shown != self._signature():
            self.refresh()

    def _signature(self) -> tuple:
        return (tuple(footer_items(self.screen)), self._palette(), self.size.width)

    def _palette(self) -> tuple[str, str] | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if active is None:
            return None
        binding = active[1]
        return binding.key, f" {self.app.get_key_display(binding)} {binding.description} "

    def render(self) -> Text:
        signature = self._signature()
        items, palette, width = signature
        self._shown = signature
        key_style = self.get_component_rich_style("footer--key")
        desc_style = self.get_component_rich_style("footer--description")
        dim = self.get_component_rich_style("footer--disabled")
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str, bool]] = []
        right = Text(no_wrap=True, end="")
        if palette is not None:
            right.append("▏", style=self.get_component_rich_style("footer--palette"))
            right.append(palette[1], style=key_style)
        room = width - right.cell_len
        for key, shown, description, enabled in items:
            part = Text.assemble((f" {shown} ", key_style), (f"{description} " if description else "", desc_style))
            if not enabled:
                part.stylize(dim)
            if line.cell_len + part.cell_len > room:
                break                       # the rest does not fit: the first-declared keys stay
            spans.append((line.cell_len, line.cell_len + part.cell_len, key, enabled))
            line.append_text(part)
        if palette is not None:
            line.append(" " * max(room - line.cell_len, 0))
            spans.append((line.cell_len, line.cell_len + right.cell_len, palette[0], True))
            line.append_text(right)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
