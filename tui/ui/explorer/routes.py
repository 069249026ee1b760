"""Where the explorer's keys lead away from the table and back: ``:`` (an endpoint, server-side
filters such as ``:jobs state=failed since=24h``, a saved ``@name``, or a screen: failed jobs,
permissions, history, tenants), the persistent history (``H``: Enter runs again, ``e`` edits in
the form), this session's exchanges (``:exchanges``: inspect one, or send it again), saving the
open request (``S``), and Enter on a row (the endpoints the item leads to).

``Routes`` pushes the modal and acts on its answer through the explorer's public verbs only
(``open_endpoint``, ``show_inspector``, the ``inspector``, ``params_slot`` and ``resources``
widgets, the ``session``), so the explorer keeps every piece of state and this module holds none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from tui.catalog.navigation import item_edges
from tui.catalog.query import Query, request_to_save, resolve_saved, suggest_name
from tui.ui.explorer.loader import Replayer
from tui.ui.widgets.resource_tree import item_label

if TYPE_CHECKING:
    from tui.ui.explorer.screen import ExplorerScreen

__all__ = ["JUMP_ACTIONS", "Routes"]

#: `:` targets that are screens rather than endpoints, and the explorer's action each runs
JUMP_ACTIONS = {":failed": "action_failed_jobs", ":perms": "action_permissions", ":history": "action_history",
                ":exchanges": "action_exchanges", ":tenants": "action_tenants"}


class Routes:
    def __init__(self, explorer: ExplorerScreen) -> None:
        self.explorer = explorer

    # -- `:` ----------------------------------------------------------------------------------------
    def jump(self) -> None:
        from tui.ui.screens.jump import JumpScreen
        x = self.explorer
        x.app.push_screen(JumpScreen(x.app.catalog, filters=True, saved=x.app.saved_requests(x.tenant_name)),
                          self._jumped)

    def _jumped(self, target: str | Query | None) -> None:
        x = self.explorer
        if not target:
            return
        if isinstance(target, Query):        # filters typed at `:`, or a saved @name
            self.open_query(target)
            return
        if target in JUMP_ACTIONS:
            getattr(x, JUMP_ACTIONS[target])()
            return
        endpoint = x.app.catalog.get(target)
        x.resources.select_endpoint(endpoint.id)
        x.open_endpoint(endpoint, {}, {})

    def open_query(self, query: Query) -> None:
        """Open what a ``:`` line or a saved request resolved to; its problems are said instead."""
        x = self.explorer
        if query.endpoint is None or query.errors:
            x.notify(Text("; ".join(query.errors) or f"{query.text}: nothing to open"), severity="error")
            return
        x.resources.select_endpoint(query.endpoint.id)
        x.open_endpoint(query.endpoint, query.path_params, query.params, window=query.window)

    # -- saved requests: open one, save the open one ------------------------------------------------
    def open_saved(self, request: Any) -> None:
        self.open_query(resolve_saved(self.explorer.app.catalog, request))

    def save(self) -> None:
        """``S``: the open endpoint and its parameters, under a name, in the config file's [[saved]]."""
        from tui.ui.screens.prompt import PathPrompt
        x = self.explorer
        v = x.view
        if v is None:
            x.notify(Text("Open an endpoint first: S saves it with its parameters."), severity="warning")
            return
        form = x.params_slot.form
        window = form.preset if form is not None else None
        endpoint, context, params = v.endpoint, dict(v.context), dict(v.params)

        def chosen(name: str | None) -> None:
            if not name:
                return
            request = request_to_save(name, endpoint, context, params, x.tenant_name, window=window)
            problem = x.app.save_request(request)
            if problem:
                x.notify(Text(f"Not saved: {problem}"), severity="error")
                return
            x.resources.set_saved(x.app.saved_requests(x.tenant_name))
            x.notify(Text(f"Saved as @{request.name} ({request.params_text or 'no parameters'}); "
                          f"`avegraph get @{request.name}` runs it from a shell."))

        x.app.push_screen(PathPrompt("Save this request as (letters, digits, - _ .)", suggest_name(endpoint, params)),
                          chosen)

    # -- the persistent history (every session): run again, or edit first -----------------------------
    def past_requests(self) -> None:
        from tui.ui.screens.history import RequestHistoryScreen
        x = self.explorer
        x.app.push_screen(RequestHistoryScreen(x.tenant_name, *x.app.past_requests(x.tenant_name)), self._past_chosen)

    def _past_chosen(self, choice: tuple[str, Any] | None) -> None:
        if not choice:
            return
        action, entry = choice
        x = self.explorer
        endpoint = x.app.catalog.find(entry.endpoint) if entry.endpoint else None
        if endpoint is None:
            x.notify(Text(f"{entry.path} is not a catalogue endpoint; it cannot be opened again."), severity="warning")
            return
        x.resources.select_endpoint(endpoint.id)
        x.open_endpoint(endpoint, dict(entry.path_params), dict(entry.params), edit=action == "edit")

    # -- this session's exchanges: inspect or send again ---------------------------------------------
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
