"""The "delete this tenant?" question of the tenant screen (Button lives here, off the first screen)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.textsafe import safe_text
from tui.ui.screens.tenant_render import display_path

__all__ = ["ConfirmDelete"]


class ConfirmDelete(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDelete { align: center middle; }
    ConfirmDelete > Vertical { width: 64; max-width: 95%; height: auto; border: round $error;
                               background: $surface; padding: 0 1; }
    ConfirmDelete #confirm-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmDelete #confirm-buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape,n", "cancel", "Keep"),
        Binding("y", "confirm", "Delete"),
    ]

    def __init__(self, name: str, config_path: Path) -> None:
        super().__init__()
        self.tenant_name = name
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical():
            text = Text.assemble(("Delete tenant ", "bold"))
            text.append(safe_text(self.tenant_name, 64), style="bold")
            text.append("?", style="bold")
            text.append(f"\nIt is removed from {safe_text(display_path(self.config_path))}; "
                        "the other tenants and settings stay as they are.")
            text.append("\ny delete · n / Esc keep", style="dim")
            yield Static(text)
            with Horizontal(id="confirm-buttons"):
                yield Button("Keep", id="keep")
                yield Button("Delete", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # the safe choice is the default

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def action_cancel(self) -> None:
        self.dismiss(False)
