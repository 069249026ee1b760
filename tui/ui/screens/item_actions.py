"""Drill-down from a row: the endpoints this item leads to (a customer -> its jobs, tenants, ...)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.catalog import Endpoint
from tui.catalog.navigation import item_edges, parent_context
from tui.textsafe import safe_text
from tui.ui.widgets.resource_tree import item_label


class ItemActions(ModalScreen[tuple[Endpoint, dict[str, str]] | None]):
    DEFAULT_CSS = """
    ItemActions { align: center middle; }
    ItemActions > Vertical { width: 80; max-width: 100%; height: auto; max-height: 80%;
                             border: round $accent; background: $surface; padding: 0 1; }
    ItemActions OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, endpoint: Endpoint, item: Any, context: dict[str, str],
                 targets: list[tuple[Endpoint, dict[str, str]]]) -> None:
        super().__init__()
        self.endpoint, self.item, self.context = endpoint, item, context
        self.choices: list[tuple[Endpoint, dict[str, str]]] = list(targets)
        self.labels: list[Text] = [self._label(t, None) for t, _ in targets]
        # Child lists (a customer's tenants): one entry per child item and edge.
        for child in endpoint.children:
            subs = item.get(child.field) if isinstance(item, dict) else None
            if not isinstance(subs, list):
                continue
            base = parent_context(endpoint, item, context, child.field)
            for sub in subs:
                name = sub.get(child.label_field) if isinstance(sub, dict) else sub
                for target, ctx in item_edges(self.app_catalog(), endpoint, sub, base, child=child.field):
                    self.choices.append((target, ctx))
                    self.labels.append(self._label(target, f"{child.label[:-1] if child.label.endswith('s') else child.label} {name}"))

    @staticmethod
    def app_catalog():
        from tui.catalog import load_catalog
        return load_catalog()

    @staticmethod
    def _label(target: Endpoint, prefix: str | None) -> Text:
        t = Text()
        if prefix:
            t.append(safe_text(prefix, 40) + " › ", style="dim")
        t.append(safe_text(target.title, 60))
        t.append(f"  {target.path}", style="dim")
        return t

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble(("Open from ", "dim"), (item_label(self.item, self.endpoint), "bold")))
            yield OptionList(*[Option(label, id=str(i)) for i, label in enumerate(self.labels)])
            yield Label(Text("Enter opens · Esc closes (the item's JSON is in the inspector)", style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id)])

    def action_cancel(self) -> None:
        self.dismiss(None)
