"""Where the explorer's keys lead away from the table and back: ``:`` (an endpoint, or a screen:
failed jobs, permissions, history, tenants), the history modal (inspect an exchange, or send it
again), and Enter on a row (the endpoints the item leads to).

``Routes`` pushes the modal and acts on its answer through the explorer's public verbs only
(``open_endpoint``, ``show_inspector``, the ``inspector`` and ``resources`` widgets, the
``session``), so the explorer keeps every piece of state and this module holds none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.catalog.navigation import item_edges
from tui.ui.explorer.loader import Replayer
from tui.ui.widgets.resource_tree import item_label

if TYPE_CHECKING:
    from tui.ui.explorer.screen import ExplorerScreen

__all__ = ["JUMP_ACTIONS", "Routes"]

#: `:` targets that are screens rather than endpoints, and the explorer's action each runs
JUMP_ACTIONS = {":failed": "action_failed_jobs", ":perms": "action_permissions", ":history": "action_history",
                ":tenants": "action_tenants"}


class Routes:
    def __init__(self, explorer: ExplorerScreen) -> None:
        self.explorer = explorer

    # -- `:` ----------------------------------------------------------------------------------------
    def jump(self) -> None:
        from tui.ui.screens.jump import JumpScreen
        self.explorer.app.push_screen(JumpScreen(self.explorer.app.catalog), self._jumped)

    def _jumped(self, target: str | None) -> None:
        x = self.explorer
        if not target:
            return
        if target in JUMP_ACTIONS:
            getattr(x, JUMP_ACTIONS[target])()
            return
        endpoint = x.app.catalog.get(target)
        x.resources.select_endpoint(endpoint.id)
        x.open_endpoint(endpoint, {}, {})

    # -- the session's history: inspect or re-run -----------------------------------------------------
    def history(self) -> None:
        from tui.ui.screens.history import HistoryScreen
        self.explorer.app.push_screen(HistoryScreen(self.explorer.history), self._history_chosen)

    def _history_chosen(self, choice: tuple[str, Any] | None) -> None:
        x = self.explorer
        if not choice:
            return
        action, exchange = choice
        if action == "show":
            x.show_inspector(True)
            x.inspector.show_exchange(exchange)
        elif action == "rerun" and x.session is not None:
            x.show_inspector(True)
            x.inspector.show_replay(Replayer(x.inspector.post_message, x.session, exchange).run())

    # -- Enter on a row: its JSON, and where it leads ----------------------------------------------------
    def row(self, item: Any) -> None:
        x = self.explorer
        v = x.view
        x.show_inspector(True)
        x.inspector.show_item(item, item_label(item, v.endpoint))
        targets = item_edges(x.app.catalog, v.endpoint, item, v.context)
        children = [c for c in v.endpoint.children if isinstance(item, dict) and isinstance(item.get(c.field), list)]
        if targets or children:
            from tui.ui.screens.item_actions import ItemActions
            x.app.push_screen(ItemActions(v.endpoint, item, v.context, targets), self._drill)

    def _drill(self, choice) -> None:
        if choice:
            endpoint, context = choice
            self.explorer.open_endpoint(endpoint, context, {})
