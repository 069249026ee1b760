"""`:` jumps to a resource by name or alias with fuzzy matching (`:jobs`, `:customers`, `:audit`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.catalog import Catalog
from tui.textsafe import safe_text

SPECIAL = {":failed": "Failed jobs — every failed job of this tenant",
           ":perms": "Permissions — token, scope matrix, probe",
           ":history": "History — every request of this session",
           ":tenants": "Tenants — back to the tenant list"}


class JumpScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    JumpScreen { align: center top; }
    JumpScreen > Vertical { width: 90; max-width: 98%; height: auto; max-height: 70%; margin-top: 2;
                            border: round $accent; background: $surface; }
    /* :focus too: Input's own focus rule (a tall border) outranks a plain descendant rule and
       would leave a 1-line input no room for its text */
    JumpScreen Input, JumpScreen Input:focus { border: none; height: 1; padding: 0 1; }
    JumpScreen OptionList { height: auto; max-height: 18; border: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("down", "down", show=False),
                Binding("up", "up", show=False)]

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder=":jobs  :customers  :audit  :failed  :perms", id="jump-input", value=":")
            yield OptionList(id="jump-options")

    def on_mount(self) -> None:
        self.refresh_options(":")

    def refresh_options(self, text: str) -> None:
        q = text.strip().lstrip(":").lower()
        options = []
        for key, label in SPECIAL.items():
            if not q or key[1:].startswith(q):      # `:jobs` means the jobs list, not "Failed jobs"
                options.append(Option(Text.assemble((key, "bold"), "  ", (label, "dim")), id=key))
        for e in self.catalog.search(q, limit=30):
            if not e.read_only:
                continue
            t = Text.assemble((safe_text(e.title, 50), "bold"), "  ", (e.service, "cyan"), "  ", (e.path, "dim"))
            options.append(Option(t, id=e.id))
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options(options)
        if options:
            ol.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_options(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and ol.option_count:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)
        else:
            self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
