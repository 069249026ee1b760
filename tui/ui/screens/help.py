"""`?`: every key, grouped by screen, generated from the bindings: the keys of the screen it was
opened on first, then the keys that work everywhere, then the other screens'."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.ui.keys import screen_key_groups


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, origin: Screen | None = None) -> None:
        super().__init__()
        self.origin = type(origin).__name__ if origin is not None else None

    def compose(self) -> ComposeResult:
        here, everywhere, others = screen_key_groups(self.origin)
        with VerticalScroll():
            yield Static(Text("avegraph keys — read-only by design; Esc closes", style="bold"))
            if here:
                yield Static(Text("On this screen", style="bold reverse"))
                yield Static(self._table(here))
            yield Static(self._table(everywhere))
            yield Static(Text("On the other screens", style="bold reverse"))
            yield Static(self._table(others))

    @staticmethod
    def _table(groups) -> Table:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column("key", style="bold cyan", width=14, no_wrap=True)
        table.add_column("action", ratio=1)
        for title, rows in groups:
            table.add_row(Text(title, style="bold underline"), Text(""))
            for key, desc in rows:
                table.add_row(Text(key), Text(desc))
            table.add_row("", "")
        return table

    def action_close(self) -> None:
        self.dismiss(None)
