"""The explorer: resource tree, parameters, a lazily paged table, and the request inspector.

A thin composition: the state and its transitions live in ``model.ExplorerModel``, the I/O in the
workers of ``loader`` (they only post messages), the rows in a ``ResultsPane``. The handlers here
route each message to the model and redraw from it. Each opened view has a token, so messages
from a superseded load are ignored; loads run in the exclusive "table" worker group, so opening
another endpoint cancels the previous one.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from tui import clock
from tui.catalog import Endpoint
from tui.catalog.navigation import item_edges
from tui.textsafe import safe_text
from tui.ui.explorer.loader import (ExchangeRecorded, LoadStopped, PageFailed, PageLoaded, PageLoader, Replayed,
                                   Replayer, RetryWaiting, TreeItemsLoaded, TreeItemsLoader, open_pager)
from tui.ui.explorer.model import ExplorerModel, View
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.params_form import ParamsForm
from tui.ui.widgets.resource_tree import ResourceTree, item_label
from tui.ui.widgets.results_pane import ResultsPane
from tui.ui.widgets.tenant_session import SessionReady, TenantSession

NARROW = 110

#: `:` targets that are screens rather than endpoints, and the screen's action each runs
JUMP_ACTIONS = {":failed": "action_failed_jobs", ":perms": "action_permissions", ":history": "action_history",
                ":tenants": "action_tenants"}


class ExplorerScreen(Screen):
    DEFAULT_CSS = """
    ExplorerScreen #main { height: 1fr; }
    ExplorerScreen #work { width: 1fr; }
    ExplorerScreen #params-slot { height: auto; }
    ExplorerScreen.-short ParamsForm { max-height: 3; }
    ExplorerScreen #endpoint-info { height: 1; padding: 0 1; background: $boost; }
    ExplorerScreen.-narrow.-inspecting #table { display: none; }
    ExplorerScreen.-narrow.-inspecting #params-slot { display: none; }
    ExplorerScreen.-narrow #tree { width: 28; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back / cancel"),
        Binding("colon", "jump", "Jump"),
        Binding("L", "load_all", "Load all"),
        Binding("r", "retry", "Retry / reload"),
        Binding("ctrl+r", "run", "Run with params"),
        Binding("i", "toggle_inspector", "Inspector"),
        Binding("ctrl+b", "toggle_tree", "Tree"),
        Binding("H", "history", "History"),
        Binding("F", "failed_jobs", "Failed jobs"),
        Binding("P", "permissions", "Permissions"),
    ]

    def __init__(self, tenant_name: str) -> None:
        super().__init__()
        self.tenant_name = tenant_name
        self.session = None
        self.model = ExplorerModel()
        self._pending: tuple | None = None      # an endpoint asked for before the session was open
        self._wait_timer: Any = None            # counts a retry's wait down on the status line

    @property
    def view(self) -> View | None:
        return self.model.view

    @property
    def history(self) -> list[Any]:
        return self.model.history

    @property
    def granted(self) -> set[str] | None:
        return self.model.granted

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="main"):
            yield ResourceTree(self.app.catalog, id="tree")
            with Vertical(id="work"):
                yield Static(Text("Pick an endpoint in the tree (Enter), or press : to jump.", style="dim"),
                             id="endpoint-info")
                yield Vertical(id="params-slot")
                yield ResultsPane(table=PagedTable(id="table"), detail=ExchangeInspector(id="inspector"),
                                  id="results")
        yield Footer()
        yield TenantSession(self.tenant_name, self.app.session_for)

    @property
    def pane(self) -> ResultsPane:
        return self.query_one(ResultsPane)

    @property
    def inspector(self) -> ExchangeInspector:
        return self.query_one(ExchangeInspector)

    def on_mount(self) -> None:
        header = self.query_one(AppHeader)
        header.tenant = self.tenant_name
        header.demo = any(e.name == self.tenant_name and e.demo for e in self.app.directory.entries())
        self.query_one("#tree").focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    # -- session and exchanges ---------------------------------------------------------------------
    def on_session_ready(self, message: SessionReady) -> None:
        if message.error is not None:
            self.set_status(Text(f"Cannot open {self.tenant_name}: {message.error}", style="bold red"))
            return
        self.session = message.session
        self.query_one(AppHeader).accent = getattr(self.session.tenant, "accent", None)
        self.model.history[:] = list(self.session.history)
        self.session.on_exchange.append(lambda ex: self.post_message(ExchangeRecorded(ex)))
        if self._pending:
            endpoint, context, params = self._pending
            self._pending = None
            self.open_endpoint(endpoint, context, params)

    def on_exchange_recorded(self, message: ExchangeRecorded) -> None:
        if self.model.record(message.exchange):
            self.query_one(ResourceTree).mark_scopes(self.model.granted)

    def _refresh_scopes(self) -> None:
        granted = self.session.granted_scopes() if self.session is not None else None
        if granted and self.model.learn_scopes(granted):
            self.query_one(ResourceTree).mark_scopes(self.model.granted)

    # -- the tree ------------------------------------------------------------------------------------
    @on(ResourceTree.EndpointChosen)
    def _tree_endpoint(self, message: ResourceTree.EndpointChosen) -> None:
        self.open_endpoint(message.endpoint, message.context, {})

    @on(ResourceTree.ScreenChosen)
    def _tree_screen(self, message: ResourceTree.ScreenChosen) -> None:
        self.action_failed_jobs() if message.screen == "failed" else self.action_permissions()

    @on(ResourceTree.ItemChosen)
    def _tree_item(self, message: ResourceTree.ItemChosen) -> None:
        self.show_inspector(True)
        self.inspector.show_item(message.item, item_label(message.item, message.endpoint))

    @on(ResourceTree.Highlighted)
    def _tree_highlight(self, message: ResourceTree.Highlighted) -> None:
        ref = message.ref
        if ref.endpoint is not None and ref.kind == "endpoint" and (self.view is None or not self.view.loaded):
            self.show_endpoint_info(ref.endpoint)

    @on(ResourceTree.LoadItems)
    def _tree_load_items(self, message: ResourceTree.LoadItems) -> None:
        ref = message.node.data
        if self.session is None:
            self.query_one(ResourceTree).add_items(message.node, [], more_node=message.more,
                                                   error="not connected yet: collapse and expand again")
            return
        pager = message.more.data.cursor if message.more is not None else None
        loader = TreeItemsLoader(self.post_message, self.session, message.node, ref.endpoint, ref.context,
                                 more=message.more, pager=pager)
        self.run_worker(loader.run(), group="tree")

    def on_tree_items_loaded(self, message: TreeItemsLoaded) -> None:
        tree = self.query_one(ResourceTree)
        if message.more is None:
            tree.clear_loading(message.node)
        tree.add_items(message.node, message.items, more_cursor=message.pager, more_node=message.more,
                       error=message.error)

    def show_endpoint_info(self, e: Endpoint) -> None:
        t = Text()
        t.append(f"{e.method} ", style="bold")
        t.append(safe_text(e.path))
        t.append("  scope ", style="dim")
        t.append(" or ".join(e.scopes), style="cyan")
        if not e.read_only:
            t.append("  write operation: listed, never sent", style="bold red")
        self.query_one("#endpoint-info", Static).update(t)

    # -- opening an endpoint ---------------------------------------------------------------------
    def open_endpoint(self, endpoint: Endpoint, context: dict[str, str], params: dict[str, Any]) -> None:
        if not endpoint.read_only:
            self.notify(Text(f"{endpoint.method} {endpoint.path} changes data; avegraph is read-only "
                             "and never sends it."), severity="warning")
            return
        if self.session is None:
            self._pending = (endpoint, context, params)
            self.set_status(Text("connecting…", style="dim"))
            return
        self.workers.cancel_group(self, "table")
        self.model.open(endpoint, context, params)
        self.show_endpoint_info(endpoint)
        self.query_one(AppHeader).crumbs = (endpoint.service, endpoint.title, *(v for v in context.values()))
        table = self.pane.table
        table.clear()
        table.preferred = list(endpoint.columns())
        table.row_style_fn = endpoint.status.severity if endpoint.status else None
        slot = self.query_one("#params-slot")
        slot.remove_children()
        missing_path = [p for p in endpoint.path_params if p not in context]
        form = None
        if endpoint.user_params() or missing_path:
            form = ParamsForm(endpoint, params, missing_path=missing_path)
            slot.mount(form)
        if self.size.width < NARROW:
            self.query_one(ResourceTree).display = False
        if form is None:
            self.start_loading()
        # else: the form holds defaults (a 7-day window) and asks for required values first; it posts
        # Ready once mounted and loading starts from there.

    @on(ParamsForm.Ready)
    def _form_ready(self, message: ParamsForm.Ready) -> None:
        v = self.view
        if v is None or message.form.endpoint is not v.endpoint or v.pager is not None:
            return
        if message.errors:
            self.set_status(Text("Fill in the required parameters, then press Enter (Ctrl+R).", style="yellow"))
            message.form.focus_first_error(message.errors)
            return
        self._params_submitted(ParamsForm.Submitted(message.form, message.values))

    @on(ParamsForm.Submitted)
    def _params_submitted(self, message: ParamsForm.Submitted) -> None:
        params = self.model.submit(message.values)
        if params is not None:
            self.reload(params)

    def reload(self, params: dict[str, Any] | None = None) -> None:
        if self.view is None:
            return
        self.workers.cancel_group(self, "table")
        self.model.reopen(params)
        self.pane.clear()
        self.start_loading()

    # -- loading pages -------------------------------------------------------------------------------
    def start_loading(self, pages: int | None = 1) -> None:
        if not self.model.can_load():
            return
        v = self.view
        if v.pager is None:
            try:
                v.pager = open_pager(self.session, v.endpoint, v.context, v.params, v.token, self.post_message)
            except Exception as exc:   # a path or parameter the request cannot be built from
                self.model.pager_failed(exc)
                self.render_status()
                return
        self.model.start()
        if pages is None:
            self.pane.show_progress(v.total, v.loaded)
        self.render_status()
        self.run_worker(PageLoader(self.post_message, v.token, v.pager, pages).run(), exclusive=True, group="table")

    def on_page_loaded(self, message: PageLoaded) -> None:
        self._refresh_scopes()
        rows = self.model.apply_page(message.token, message.page, message.done)
        if rows is None:
            return
        v = self.view
        self.pane.append_rows(rows)
        if message.page.exchange is not None and self.inspector.item is None:
            self.inspector.show_exchange(message.page.exchange)
        if self.pane.progress_shown:
            self.pane.show_progress(v.total, v.loaded)
        self.render_status()

    def on_page_failed(self, message: PageFailed) -> None:
        self._refresh_scopes()
        v = self.model.apply_failure(message.token, message.error)
        if v is None:
            return
        self.pane.hide_progress()
        if getattr(message.error, "exchange", None) is not None:
            self.inspector.show_exchange(v.last_exchange)
        self.render_status()

    def on_load_stopped(self, message: LoadStopped) -> None:
        if self.model.apply_stopped(message.token, message.cancelled, message.done) is not None:
            self.pane.hide_progress()
            self.render_status()

    def on_retry_waiting(self, message: RetryWaiting) -> None:
        if self.model.apply_waiting(message.token, message.seconds, message.why, clock.perf_counter()) is None:
            return
        if self._wait_timer is None:
            self._wait_timer = self.set_interval(1.0, self._count_down_wait)
        self.render_status()

    def _count_down_wait(self) -> None:
        v = self.view
        if v is None or v.waiting is None or not v.loading:
            if self._wait_timer is not None:
                self._wait_timer.stop()
                self._wait_timer = None
            return
        self.render_status()

    def set_status(self, text: Text) -> None:
        self.pane.set_status(text)

    def render_status(self) -> None:
        table = self.pane.table
        text = self.model.status_text(table.filter_text, table.visible_count)
        if text is not None:
            self.set_status(text)

    # -- table -----------------------------------------------------------------------------------
    @on(ResultsPane.NearEnd)
    def _near_end(self, message: ResultsPane.NearEnd) -> None:
        if self.model.wants_next_page():
            self.start_loading(1)

    @on(ResultsPane.FilterChanged)
    def _filter_changed(self, message: ResultsPane.FilterChanged) -> None:
        self.render_status()

    @on(ResultsPane.RowSelected)
    def _row_selected(self, message: ResultsPane.RowSelected) -> None:
        v = self.view
        if v is None:
            return
        item = v.items[message.row_index] if message.row_index < len(v.items) else message.row
        self.show_inspector(True)
        self.inspector.show_item(item, item_label(item, v.endpoint))
        targets = item_edges(self.app.catalog, v.endpoint, item, v.context)
        children = [c for c in v.endpoint.children if isinstance(item, dict) and isinstance(item.get(c.field), list)]
        if targets or children:
            from tui.ui.screens.item_actions import ItemActions
            self.app.push_screen(ItemActions(v.endpoint, item, v.context, targets), self._drill)

    def _drill(self, choice) -> None:
        if choice:
            endpoint, context = choice
            self.open_endpoint(endpoint, context, {})

    # -- actions ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        v = self.view
        if v is not None and v.loading:
            self.workers.cancel_group(self, "table")
            return
        if self.pane.detail_shown:
            self.show_inspector(False)
            return
        tree = self.query_one(ResourceTree)
        if not tree.display:
            tree.display = True
            tree.focus()
            return
        self.app.pop_screen()

    def action_load_all(self) -> None:
        v = self.view
        if v is None or v.done:
            return
        if v.loading:
            self.workers.cancel_group(self, "table")
            self.model.cancel_loading()
        self.start_loading(None)

    def action_retry(self) -> None:
        what = self.model.retry()
        if what == "continue":
            self.start_loading(1)        # continues from the cursor of the failed page
        elif what == "reload":
            self.reload()

    def action_run(self) -> None:
        form = self.query(ParamsForm)
        if form:
            form.first().submit()
        else:
            self.reload()

    def show_inspector(self, show: bool) -> None:
        self.pane.show_detail(show)
        self.set_class(show, "-inspecting")
        if show:
            self.inspector.focus_body()

    def action_toggle_inspector(self) -> None:
        inspector = self.inspector
        if not inspector.display and self.view is not None and self.view.last_exchange is not None \
                and inspector.exchange is None:
            inspector.show_exchange(self.view.last_exchange)
        self.show_inspector(not inspector.display)

    def action_toggle_tree(self) -> None:
        tree = self.query_one(ResourceTree)
        tree.display = not tree.display
        (tree if tree.display else self.pane.table).focus()

    # -- ways out: `:` jump, history and re-run, failed jobs, permissions ---------------------------
    def action_jump(self) -> None:
        from tui.ui.screens.jump import JumpScreen
        self.app.push_screen(JumpScreen(self.app.catalog), self._jumped)

    def _jumped(self, target: str | None) -> None:
        if not target:
            return
        if target in JUMP_ACTIONS:
            getattr(self, JUMP_ACTIONS[target])()
            return
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
            self.inspector.show_exchange(exchange)
        elif action == "rerun" and self.session is not None:
            self.run_worker(Replayer(self.post_message, self.session, exchange).run(), exclusive=True, group="rerun")

    def on_replayed(self, message: Replayed) -> None:
        if message.exchange is None:
            self.notify(Text(f"Re-run failed: {message.error}"), severity="error")
            return
        self.show_inspector(True)
        self.inspector.show_exchange(message.exchange)

    def action_tenants(self) -> None:
        self.app.action_tenants()

    def action_failed_jobs(self) -> None:
        self.app.open_failed_jobs(self.tenant_name)

    def action_permissions(self) -> None:
        focus = self.view.endpoint.id if self.view is not None else None
        self.app.open_permissions(self.tenant_name, focus_endpoint=focus)
