"""A clickable label that looks like a compact button: for actions that already have a key.

Textual's ``Button`` brings a large stylesheet (every variant, every state) that the first screen
parses before its first frame; the tenant screen's notice needs two clickable labels whose keys
(``a``, Enter on the demo row) are the keyboard's way in, so they need not take focus either.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

__all__ = ["ActionLink"]


class ActionLink(Static, can_focus=False):
    DEFAULT_CSS = """
    ActionLink { width: auto; height: 1; padding: 0 1; background: $panel; color: $text; }
    ActionLink.-primary { background: $primary; color: $text; text-style: bold; }
    ActionLink:hover { background: $primary-lighten-1; }
    """

    class Pressed(Message):
        """The link was clicked."""

        def __init__(self, link: ActionLink) -> None:
            super().__init__()
            self.link = link

        @property
        def control(self) -> ActionLink:
            return self.link

    def __init__(self, label: str, *, id: str | None = None, primary: bool = False) -> None:
        super().__init__(Text(label), id=id, classes="-primary" if primary else None)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Pressed(self))
