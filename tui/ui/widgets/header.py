"""The app header: tenant (in its accent colour), breadcrumbs, DEMO and READ-ONLY badges.

Built from Text objects, never markup: tenant names and breadcrumb parts can come from the
server (a customer's organisation name) and must show literally.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.textsafe import safe_text

ACCENTS = {"red": "#d0312d", "green": "#2e8b57", "blue": "#3a6fd8", "yellow": "#c9a227",
           "magenta": "#b03cb0", "cyan": "#1f9fb0", "orange": "#e07b00", "purple": "#7a4cc2"}


def accent_colour(name: str | None) -> str | None:
    """A colour Rich can parse: a name from ACCENTS, ``#rrggbb``, or ``#rgb`` (as ``#rrggbb``); else None."""
    if not name:
        return None
    m = re.fullmatch(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})", name)
    return ACCENTS.get(name.lower(), None if m is None else "#" + "".join(c * (6 // len(m[1])) for c in m[1]))


class AppHeader(Widget):
    DEFAULT_CSS = """
    AppHeader { height: 1; dock: top; background: $panel; color: $foreground; }
    """

    tenant: reactive[str | None] = reactive(None)
    accent: reactive[str | None] = reactive(None)
    demo: reactive[bool] = reactive(False)
    crumbs: reactive[tuple[str, ...]] = reactive(())

    def show_tenant(self, name: str, directory: Any, *crumbs: str) -> None:
        """The tenant's badge (DEMO when the directory says it is a demo tenant) and the crumbs."""
        self.tenant, self.crumbs = name, crumbs
        try:
            self.demo = any(e.name == name and e.demo for e in directory.entries()) if directory is not None else False
        except Exception:  # noqa: BLE001 - listing tenants must never break a screen for a badge
            self.demo = False

    def render(self) -> Text:
        width = self.size.width
        left = Text(" avegraph ", style="bold")
        if self.tenant:
            colour = accent_colour(self.accent)
            style = f"bold on {colour}" if colour else "bold reverse"
            left.append(" ")
            left.append(f" {safe_text(self.tenant, 30)} ", style=style)
        for part in self.crumbs:
            left.append(" › ", style="dim")
            left.append(safe_text(part, 40))
        right = Text()
        if self.demo:
            right.append(" DEMO ", style="bold black on #c9a227")
            right.append(" ")
        right.append(" READ-ONLY ", style="bold white on #3a6fd8")
        room = width - right.cell_len - 1
        if left.cell_len > room:
            left.truncate(max(room, 0), overflow="ellipsis")
        pad = max(width - left.cell_len - right.cell_len, 0)
        return Text.assemble(left, " " * pad, right)
