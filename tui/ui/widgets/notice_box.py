"""A bordered notice with a row of clickable actions, drawn by one widget.

The tenant screen's notice ("no config file yet", "the config file has an error") used to be a
container, a text, a row and two link widgets: five widgets for the first screen to style, lay
out and paint before the user sees anything (start-up is judged against an empty Textual app).
Here the actions are spans of the same text carrying an ``@click`` action, which Textual runs on
a click and underlines on hover; their keys (shown in the labels) are the keyboard's way in.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

__all__ = ["NoticeBox", "NoticeAction"]

NoticeAction = tuple[str, str, bool]  # (label, action as Textual runs it, e.g. "screen.add", primary)


class NoticeBox(Static):
    """Hidden until ``show`` gets a text; ``-error`` when it reports a problem."""

    COMPONENT_CLASSES = {"notice--action", "notice--primary"}
    DEFAULT_CSS = """
    NoticeBox { height: auto; margin: 0 1; padding: 0 1; display: none; border: round $warning; }
    NoticeBox.-visible { display: block; }
    NoticeBox.-error { border: round $error; }
    NoticeBox > .notice--action { background: $panel; color: $text; }
    NoticeBox > .notice--primary { background: $primary; color: $text; text-style: bold; }
    """

    def __init__(self, text: Text | None = None, *, error: bool = False, actions: tuple[NoticeAction, ...] = (),
                 id: str | None = None) -> None:
        # The classes are given at construction: set after mounting they would restyle the screen.
        super().__init__(id=id, classes=" ".join(c for c, on in (("-visible", text is not None),
                                                                  ("-error", error)) if on))
        self.text: Text | None = text
        self.actions: tuple[NoticeAction, ...] = actions

    def show(self, text: Text | None, *, error: bool = False, actions: tuple[NoticeAction, ...] = ()) -> None:
        """Show ``text`` (None hides the box) with the actions on a line of their own below it."""
        self.set_class(text is not None, "-visible")
        self.set_class(error, "-error")
        if (text, actions) == (self.text, self.actions):
            return
        self.text, self.actions = text, actions
        self.update(self._content() if self.is_mounted else "")

    def on_mount(self) -> None:
        if self.text is not None:
            self.update(self._content())

    def notify_style_update(self) -> None:
        """The actions carry their colours in the text: a new theme draws them again."""
        super().notify_style_update()
        if self.is_mounted and self.actions:          # once the component classes are styled too
            self.call_later(self._restyle)

    def _restyle(self) -> None:
        content = self._content()
        if content != self.content:                   # (hover and focus changes leave them alone)
            self.update(content, layout=False)

    def _content(self) -> Text:
        content = self.text.copy() if self.text is not None else Text()
        if self.actions:
            content.append("\n\n")
            for i, (label, action, primary) in enumerate(self.actions):
                if i:
                    content.append("  ")
                look = self.get_component_rich_style("notice--primary" if primary else "notice--action")
                content.append(f" {label} ", style=look + Style(meta={"@click": action}))
        return content

    @property
    def action_labels(self) -> list[str]:
        return [label for label, _action, _primary in self.actions]
