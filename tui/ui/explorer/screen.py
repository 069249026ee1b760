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

from tui import clock
from tui.catalog import Endpoint
from tui.textsafe import safe_text
from tui.ui.explorer.loader import (ExchangeRecorded, LoadStopped, PageFailed, PageLoaded, PageLoader, RetryWaiting,
                                   TreeItemsLoader, open_pager)
from tui.ui.explorer.model import ExplorerModel, View, table_message
from tui.ui.explorer.routes import Routes
from tui.ui.widgets.endpoint_info import EndpointInfo
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.params_form import ParamsSlot
from tui.ui.widgets.resource_tree import ResourceTree, item_label
from tui.ui.widgets.results_pane import ResultsPane
from tui.ui.widgets.tenant_session import SessionReady, TenantSession

NARROW = 110

class ExplorerScreen(Screen):
    DEFAULT_CSS = """
    ExplorerScreen #main { height: 1fr; }
    ExplorerScreen #work { width: 1fr; }
    ExplorerScreen #params-slot { height: auto; }
    ExplorerScreen.-short ParamsForm { max-height: 3; }
    ExplorerScreen.-narrow.-inspecting #table { display: none; }
    ExplorerScreen.-narrow.-inspecting #params-slot { display: none; }
    ExplorerScreen.-narrow #tree { width: 40; }
    """
    BINDINGS = [
        Binding("colon", "jump", "Jump"),
        Binding("i", "toggle_inspector", "Inspector"),
        Binding("P", "permissions", "Permissions"),
        Binding("escape", "back", "Back / cancel"),
        Binding("ctrl+r", "run", "Edit / run params"),
        Binding("r", "retry", "Retry / reload"),
        Binding("L", "load_all", "Load all"),
        Binding("ctrl+b", "toggle_tree", "Tree"),
        Binding("H", "history", "History"),
        Binding("S", "save", "Save request"),
        Binding("F", "failed_jobs", "Failed jobs"),
    ]
    #: the footer's order (what the focused widget does comes first): at 80 columns the first ones fit
    FOOTER_ORDER = ("jump", "filter", "toggle_inspector", "permissions", "help", "widen(1)", "back", "run", "retry",
                    "sort", "load_all", "toggle_tree", "history", "save", "failed_jobs", "tenants", "quit")

    def __init__(self, tenant_name: str) -> None:
        super().__init__()
        self.tenant_name = tenant_name
        self.session = None
        self.model = ExplorerModel()
        self.routes = Routes(self)
        self._pending: tuple | None = None      # an endpoint asked for before the session was open
        self._follow = False                    # focus goes to the table when the opened view answers
        self._wait_timer: Any = None

    @property
    def view(self) -> View | None:
        return self.model.view

    @property
    def history(self) -> list[Any]:
        return self.model.history

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.resources = ResourceTree(self.app.catalog, id="tree")
        self.info = EndpointInfo(id="endpoint-info")
        self.params_slot = ParamsSlot(id="params-slot")
        self.inspector = ExchangeInspector(id="inspector")
        self.pane = ResultsPane(table=PagedTable(id="table", empty_text=""), detail=self.inspector, id="results")
        yield AppHeader()
        with Horizontal(id="main"):
            yield self.resources
            with Vertical(id="work"):
                yield self.info
                yield self.params_slot
                yield self.pane
        yield Footer()
        yield TenantSession(self.tenant_name, self.app.session_for)

    @property
    def narrow(self) -> bool:
        return self.size.width < NARROW

    def on_mount(self) -> None:
        self.query_one(AppHeader).show_tenant(self.tenant_name, self.app.directory)
        self.resources.set_saved(self.app.saved_requests(self.tenant_name))
        self.resources.focus()

    def on_resize(self) -> None:
        self.set_class(self.narrow, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    # -- session and exchanges ---------------------------------------------------------------------
    def on_session_ready(self, message: SessionReady) -> None:
        if message.error is not None:
            self.set_status(Text(f"Cannot open {self.tenant_name}: {message.error}", style="bold red"))
            self.resources.connect(None, error=f"cannot connect: {safe_text(str(message.error), 120)}")
            return
        self.session = message.session
        self.query_one(AppHeader).accent = getattr(self.session.tenant, "accent", None)
        self.model.history[:] = list(self.session.history)
        self.session.on_exchange.append(lambda ex: self.post_message(ExchangeRecorded(ex)))
        self.resources.connect(self._tree_items_loader)
        if self._pending:
            (endpoint, context, params), options = self._pending
            self._pending = None
            self.open_endpoint(endpoint, context, params, **options)

    def on_exchange_recorded(self, message: ExchangeRecorded) -> None:
        if self.model.record(message.exchange):
            self.resources.mark_scopes(self.model.granted)

    def _refresh_scopes(self) -> None:
        granted = self.session.granted_scopes() if self.session is not None else None
        if granted and self.model.learn_scopes(granted):
            self.resources.mark_scopes(self.model.granted)

    # -- the tree ------------------------------------------------------------------------------------
    @on(ResourceTree.EndpointChosen)
    def _tree_endpoint(self, message: ResourceTree.EndpointChosen) -> None:
        self.open_endpoint(message.endpoint, message.context, {})

    @on(ResourceTree.ScreenChosen)
    def _tree_screen(self, message: ResourceTree.ScreenChosen) -> None:
        self.action_failed_jobs() if message.screen == "failed" else self.action_permissions()

    @on(ResourceTree.SavedChosen)
    def _tree_saved(self, message: ResourceTree.SavedChosen) -> None:
        self.open_saved(message.request)

    def open_saved(self, request: Any) -> None:
        """A saved request (tree, palette): resolved against the catalogue and opened."""
        self.routes.open_saved(request)

    @on(ResourceTree.ItemChosen)
    def _tree_item(self, message: ResourceTree.ItemChosen) -> None:
        self.show_inspector(True)
        self.inspector.show_item(message.item, item_label(message.item, message.endpoint))

    @on(ResourceTree.Highlighted)
    def _tree_highlight(self, message: ResourceTree.Highlighted) -> None:
        ref, v = message.ref, self.view
        if ref.endpoint is not None and ref.kind == "endpoint" and (v is None or not v.loaded and
                                                                    v.endpoint is not ref.endpoint):
            self.info.show(ref.endpoint, title=True)

    def _tree_items_loader(self, node, more):
        """The loader of a tree node's items (``ResourceTree.connect``): posts to the tree."""
        ref = node.data
        pager = more.data.cursor if more is not None else None
        return TreeItemsLoader(self.resources.post_message, self.session, node, ref.endpoint, ref.context,
                               more=more, pager=pager).run()

    # -- opening an endpoint ---------------------------------------------------------------------
    def open_endpoint(self, endpoint: Endpoint, context: dict[str, str], params: dict[str, Any], *,
                      window: str | None = None, edit: bool = False) -> None:
        """Open ``endpoint`` with ``params``; ``window``: the preset its times came from (the form shows
        it); ``edit``: the form opens to be edited and runs on Enter (history's ``e``)."""
        if not endpoint.read_only:
            self.notify(Text(f"{endpoint.method} {endpoint.path} changes data; avegraph is read-only "
                             "and never sends it."), severity="warning")
            return
        if self.session is None:
            self._pending = (endpoint, context, params), {"window": window, "edit": edit}
            self.set_status(Text("connecting…", style="dim"))
            return
        self.workers.cancel_group(self, "table")
        self.model.open(endpoint, context, params)
        self.info.show(endpoint)
        self.query_one(AppHeader).crumbs = (endpoint.service, endpoint.title, *(v for v in context.values()))
        table = self.pane.table
        table.clear()
        table.preferred = list(endpoint.columns())
        table.row_style_fn = endpoint.status.severity if endpoint.status else None
        self.inspector.item = None              # the next page's exchange replaces the last item shown
        if self.narrow and self.pane.detail_shown:
            self.show_inspector(False)          # at 80 columns it would hide the new table
        missing_path = [p for p in endpoint.path_params if p not in context]
        has_form = self.params_slot.show_for(endpoint, params, missing_path, window=window, hold=edit)
        self._follow = not edit
        if self.narrow:
            self.resources.display = False
            self.pane.focus_table()             # the tree is gone: the table is where the work goes on
        if not has_form:
            self.start_loading()
        # else: the form holds defaults (a 7-day window) and asks for required values first; it runs
        # (ParamsSlot.Run) once mounted and valid.
        self.render_status()

    @on(ParamsSlot.NeedsInput)
    def _needs_input(self, message: ParamsSlot.NeedsInput) -> None:
        self._follow = False
        self.set_status(Text(message.text, style="yellow"))

    @on(ParamsSlot.Run)
    def _run_params(self, message: ParamsSlot.Run) -> None:
        v = self.view
        if v is None or message.form.endpoint is not v.endpoint or (message.initial and v.pager is not None):
            return
        params = self.model.submit(message.values)
        if message.typed:                       # Enter in the form: it runs, the table takes over
            self.pane.focus_table()
        self._follow = True
        self.reload(params)

    def reload(self, params: dict[str, Any] | None = None) -> None:
        if self.view is None:
            return
        self.workers.cancel_group(self, "table")
        self.model.reopen(params)
        self.pane.clear()
        self.start_loading()

    def _answered(self) -> None:
        """The opened view answered (rows, none, or an error): the table takes focus, unless the user
        went to type somewhere meanwhile (the filter, the form)."""
        if self._follow:
            self._follow = False
            if not (self.pane.filter_focused or self.params_slot.has_focus_within):
                self.pane.focus_table()

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
        self._answered()

    def on_page_failed(self, message: PageFailed) -> None:
        self._refresh_scopes()
        v = self.model.apply_failure(message.token, message.error)
        if v is None:
            return
        self.pane.hide_progress()
        if getattr(message.error, "exchange", None) is not None:
            self.inspector.show_exchange(v.last_exchange)
        self.render_status()
        self._answered()

    def on_load_stopped(self, message: LoadStopped) -> None:
        if self.model.apply_stopped(message.token, message.cancelled, message.done) is not None:
            self.pane.hide_progress()
            self.render_status()

    def on_retry_waiting(self, message: RetryWaiting) -> None:
        if self.model.apply_waiting(message.token, message.seconds, message.why, clock.perf_counter()) is None:
            return
        if self._wait_timer is None:            # counts the wait down on the status line
            self._wait_timer = self.set_interval(1.0, self._count_down_wait)
        self.render_status()

    def _count_down_wait(self) -> None:
        v = self.view
        self.render_status()
        if v is None or v.waiting is None or not v.loading:
            self._wait_timer.stop()
            self._wait_timer = None

    def set_status(self, text: Text) -> None:
        self.pane.set_status(text)

    def render_status(self) -> None:
        table = self.pane.table
        text = self.model.status_text(table.filter_text, table.visible_count)
        if text is not None:
            self.set_status(text)
        table.empty_text = table_message(self.view)

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
        if v is not None:
            self.routes.row(v.items[message.row_index] if message.row_index < len(v.items) else message.row)

    # -- actions ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.params_slot.leave(ran=self.view is not None and self.view.pager is not None):
            self.pane.focus_table()             # out of the form, back to the rows
            return
        v = self.view
        if v is not None and v.loading:
            self.workers.cancel_group(self, "table")
            return
        if self.pane.detail_shown:
            self.show_inspector(False)
            return
        tree = self.resources
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
        """Ctrl+R: opens the collapsed form for editing; in the open form, runs it; no form: reloads."""
        if not self.params_slot.edit_or_run():
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
        tree = self.resources
        tree.display = not tree.display
        (tree if tree.display else self.pane.table).focus()

    # -- ways out (routes.py): `:` jump, history and re-run, the tenant's other screens --------------
    def action_jump(self) -> None:
        self.routes.jump()

    def action_history(self) -> None:
        self.routes.past_requests()

    def action_exchanges(self) -> None:
        self.routes.history()

    def action_save(self) -> None:
        self.routes.save()

    def action_tenants(self) -> None:
        self.app.action_tenants()

    def action_failed_jobs(self) -> None:
        self.app.open_failed_jobs(self.tenant_name)

    def action_permissions(self) -> None:
        focus = self.view.endpoint.id if self.view is not None else None
        self.app.open_permissions(self.tenant_name, focus_endpoint=focus)
