"""The Permissions screen's Discovery tab: a token request per catalogue scope.

Which permissions can this app registration obtain? Mixed into ``PermissionsScreen``, which holds
the state (``discovering``, ``discovery_results``, …) and the ``@on`` handlers (Textual registers
those only on classes it builds, not on plain mixins). The worker asks the identity service and
posts messages; the handlers here own what they change.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.widgets import ProgressBar, Static

from tui import perms
from tui.ui.permissions.messages import DiscoveryFinished, DiscoveryProgress, DiscoveryRow
from tui.ui.permissions.render import discovery_summary_text
from tui.ui.widgets.paged_table import PagedTable


class DiscoveryTabMixin:
    """``d`` asks for every scope, Esc cancels; the table settles sorted by scope."""

    def action_discover(self) -> None:
        if self.session is None:
            if self.session_error is None and "discover" not in self._pending:
                self._pending.append("discover")
            self._show_tab("discovery")
            return
        if self.discovering:
            self.notify(Text("Discovery is running; Esc cancels it."), severity="warning")
            self._show_tab("discovery")
            return
        self._disc_run += 1
        self.discovering = True
        self.discovery_results = []
        self.discovery_note = None
        self._buffers["discovery"] = []
        table = self.query_one("#discovery-table", PagedTable)
        keep = table.filter_text
        table.clear()
        if keep:
            table.set_filter(keep)
        bar = self.query_one("#discovery-progress", ProgressBar)
        bar.display = True
        bar.update(total=len(self.app.catalog.all_scopes()), progress=0)
        self._show_tab("discovery")
        self.render_discovery_summary()
        self.run_discovery(self._disc_run)

    @work(exclusive=True, group="perm-discover")
    async def run_discovery(self, run: int) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(DiscoveryProgress(run, done, total))
        try:
            async for result in perms.iter_discover(self.session, self.app.catalog, concurrency=self.concurrency,
                                                    progress=progress):
                self.post_message(DiscoveryRow(run, result))
        except asyncio.CancelledError:
            self.post_message(DiscoveryFinished(run, cancelled=True))
            raise
        except perms.DiscoveryAborted as exc:
            self.post_message(DiscoveryFinished(run, error=exc.message))
            return
        except Exception as exc:  # anything unexpected: shown in place, never a crash
            self.post_message(DiscoveryFinished(run, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DiscoveryFinished(run))

    def on_discovery_progress(self, message: DiscoveryProgress) -> None:
        if message.run != self._disc_run:
            return
        self.query_one("#discovery-progress", ProgressBar).update(total=message.total, progress=message.done)

    def on_discovery_row(self, message: DiscoveryRow) -> None:
        if message.run != self._disc_run:
            return
        self.discovery_results.append(message.result)
        self._buffer("discovery", message.result.to_row())
        self.render_discovery_summary()

    def on_discovery_finished(self, message: DiscoveryFinished) -> None:
        if message.run != self._disc_run:
            return
        self.discovering = False
        self._flush_rows()
        table = self.query_one("#discovery-table", PagedTable)
        if table.sort_column is None:
            table.sort_by("scope")
        self.query_one("#discovery-progress").display = False
        if message.cancelled:
            self.discovery_note = "stopped (Esc); press d to ask again"
        elif message.error:
            self.discovery_note = message.error
        self.render_discovery_summary()

    def render_discovery_summary(self) -> None:
        t = discovery_summary_text(self.discovery_results, discovering=self.discovering,
                                   total=len(self.app.catalog.all_scopes()), note=self.discovery_note)
        self.query_one("#discovery-summary", Static).update(t, layout=False)
