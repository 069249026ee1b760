"""The explorer's ways out: `:` jump, history and re-run, failed jobs, permissions."""

from __future__ import annotations

from rich.text import Text
from textual import work

from tui.textsafe import safe_text
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.resource_tree import ResourceTree


class ExplorerNavigation:
    """Mixed into ExplorerScreen; uses its session, view, history and inspector."""

    def action_jump(self) -> None:
        from tui.ui.screens.jump import JumpScreen
        self.app.push_screen(JumpScreen(self.app.catalog), self._jumped)

    def _jumped(self, target: str | None) -> None:
        if not target:
            return
        if target == ":failed":
            self.action_failed_jobs()
        elif target == ":perms":
            self.action_permissions()
        elif target == ":history":
            self.action_history()
        elif target == ":tenants":
            self.app.action_tenants()
        else:
            endpoint = self.app.catalog.get(target)
            self.query_one(ResourceTree).select_endpoint(endpoint.id)
            self.open_endpoint(endpoint, {}, {})

    def action_history(self) -> None:
        from tui.ui.screens.history import HistoryScreen
        self.app.push_screen(HistoryScreen(self.history), self._history_chosen)

    def _history_chosen(self, choice) -> None:
        if not choice:
            return
        action, exchange = choice
        if action == "show":
            self.show_inspector(True)
            self.query_one(ExchangeInspector).show_exchange(exchange)
        elif action == "rerun" and self.session is not None:
            self.rerun(exchange)

    @work(exclusive=True, group="rerun")
    async def rerun(self, exchange) -> None:
        try:
            new = await self.session.replay(exchange)
        except Exception as exc:
            new = getattr(exc, "exchange", None)
            if new is None:
                self.notify(Text(f"Re-run failed: {safe_text(str(exc), 200)}"), severity="error")
                return
        self.show_inspector(True)
        self.query_one(ExchangeInspector).show_exchange(new)

    def action_failed_jobs(self) -> None:
        self.app.open_failed_jobs(self.tenant_name)

    def action_permissions(self) -> None:
        focus = self.view.endpoint.id if self.view is not None else None
        self.app.open_permissions(self.tenant_name, focus_endpoint=focus)
