"""The line above the explorer's table: the endpoint's method, path and scope (and its whole title
while the tree's cursor is on it, since the tree's label may be cut)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.catalog import Endpoint
from tui.textsafe import safe_text

__all__ = ["EndpointInfo"]

PLACEHOLDER = "Pick an endpoint in the tree (Enter), or press : to jump."


class EndpointInfo(Static):
    DEFAULT_CSS = "EndpointInfo { height: 1; padding: 0 1; background: $boost; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(PLACEHOLDER, style="dim"), id=id)

    def show(self, e: Endpoint, title: bool = False) -> None:
        t = Text()
        if title:
            t.append(safe_text(e.title, 120) + "  ", style="bold")
        t.append(f"{e.method} ", style="bold")
        t.append(safe_text(e.path))
        t.append("  scope ", style="dim")
        t.append(" or ".join(e.scopes), style="cyan")
        if not e.read_only:
            t.append("  write operation: listed, never sent", style="bold red")
        self.update(t)
