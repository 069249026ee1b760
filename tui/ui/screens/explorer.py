"""The explorer: resource tree, parameters, a lazily paged table, and the request inspector.

Workers do the I/O and post messages; the handlers here and in ``explorer_loading`` (the page
worker and its messages) own the state (rows, status line, history). Each opened view gets a token so that messages from a superseded load are ignored;
loads run in the exclusive "table" group, so opening another endpoint cancels the previous one.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static

from tui.catalog import Endpoint
from tui.catalog.navigation import item_edges
from tui.textsafe import safe_text
from tui.ui.screens.explorer_loading import PageLoading
from tui.ui.screens.explorer_nav import ExplorerNavigation
from tui.ui.screens.explorer_state import ExchangeRecorded, View, status_text
from tui.ui.screens.tenant_session import SessionReady, TenantSessionMixin
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.header import AppHeader
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable
from tui.ui.widgets.params_form import ParamsForm
from tui.ui.widgets.resource_tree import ResourceTree, item_label

NARROW = 110


class ExplorerScreen(TenantSessionMixin, PageLoading, ExplorerNavigation, Screen):
    DEFAULT_CSS = """
    ExplorerScreen #main { height: 1fr; }
    ExplorerScreen #work { width: 1fr; }
    ExplorerScreen #params-slot { height: auto; }
    ExplorerScreen.-short ParamsForm { max-height: 3; }
    ExplorerScreen #endpoint-info { height: 1; padding: 0 1; background: $boost; }
    ExplorerScreen #filter { height: 1; border: none; padding: 0 1; background: $boost; }
    ExplorerScreen #table { height: 1fr; }
    ExplorerScreen #status-bar { height: auto; max-height: 4; background: $panel; }
    ExplorerScreen #status { width: 1fr; height: auto; padding: 0 1; }
    ExplorerScreen #progress { width: 30; height: 1; }
    ExplorerScreen.-inspecting #table { height: 1fr; }
    ExplorerScreen.-inspecting #inspector { height: 2fr; }
    ExplorerScreen.-narrow.-inspecting #table { display: none; }
    ExplorerScreen.-narrow.-inspecting #params-slot { display: none; }
    ExplorerScreen.-narrow #tree { width: 28; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back / cancel"),
        Binding("colon", "jump", "Jump"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort column"),
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
        self.view: View | None = None
        self._tokens = 0
        self.history: list[Any] = []
        self.granted: set[str] | None = None
        self._pending: tuple | None = None
        self._wait_timer: Any = None            # counts a retry's wait down on the status line

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="main"):
            yield ResourceTree(self.app.catalog, id="tree")
            with Vertical(id="work"):
                yield Static(Text("Pick an endpoint in the tree (Enter), or press : to jump.", style="dim"),
                             id="endpoint-info")
                yield Vertical(id="params-slot")
                yield Input(placeholder="filter rows (! inverts) — Esc to close", id="filter")
                yield PagedTable(id="table")
                with Horizontal(id="status-bar"):
                    yield Static("", id="status")
                    yield ProgressBar(id="progress", show_eta=False)
                yield ExchangeInspector(id="inspector")
        yield Footer()

    def on_mount(self) -> None:
        header = self.query_one(AppHeader)
        header.tenant = self.tenant_name
        header.demo = any(e.name == self.tenant_name and e.demo for e in self.app.directory.entries())
        self.query_one("#filter").display = False
        self.query_one("#progress").display = False
        self.query_one("#inspector").display = False
        self.query_one("#tree").focus()
        self.connect()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    # -- session -------------------------------------------------------------------------------

    def on_session_ready(self, message: SessionReady) -> None:
        if message.error is not None:
            self.set_status(Text(f"Cannot open {self.tenant_name}: {message.error}", style="bold red"))
            return
        self.session = message.session
        header = self.query_one(AppHeader)
        header.accent = getattr(self.session.tenant, "accent", None)
        self.history = list(self.session.history)
        self.session.on_exchange.append(lambda ex: self.post_message(ExchangeRecorded(ex)))
        if self._pending:
            endpoint, context, params = self._pending
            self._pending = None
            self.open_endpoint(endpoint, context, params)

    def on_exchange_recorded(self, message: ExchangeRecorded) -> None:
        self.history.append(message.exchange)
        claims = getattr(message.exchange, "token_scopes", None)
        if claims:
            self._learn_scopes(claims)

    def _learn_scopes(self, scopes) -> None:
        granted = set(self.granted or ()) | {s.lower() for s in scopes}
        if granted != self.granted:
            self.granted = granted
            self.query_one(ResourceTree).mark_scopes(granted)

    # -- opening an endpoint ---------------------------------------------------------------------
    @on(ResourceTree.EndpointChosen)
    def _tree_endpoint(self, message: ResourceTree.EndpointChosen) -> None:
        self.open_endpoint(message.endpoint, message.context, {})

    @on(ResourceTree.ScreenChosen)
    def _tree_screen(self, message: ResourceTree.ScreenChosen) -> None:
        self.action_failed_jobs() if message.screen == "failed" else self.action_permissions()

    @on(ResourceTree.ItemChosen)
    def _tree_item(self, message: ResourceTree.ItemChosen) -> None:
        self.show_inspector(True)
        self.query_one(ExchangeInspector).show_item(message.item, item_label(message.item, message.endpoint))

    @on(ResourceTree.Highlighted)
    def _tree_highlight(self, message: ResourceTree.Highlighted) -> None:
        ref = message.ref
        if ref.endpoint is not None and ref.kind == "endpoint" and (self.view is None or not self.view.loaded):
            self.show_endpoint_info(ref.endpoint)

    def show_endpoint_info(self, e: Endpoint) -> None:
        t = Text()
        t.append(f"{e.method} ", style="bold")
        t.append(safe_text(e.path))
        t.append("  scope ", style="dim")
        t.append(" or ".join(e.scopes), style="cyan")
        if not e.read_only:
            t.append("  write operation: listed, never sent", style="bold red")
        self.query_one("#endpoint-info", Static).update(t)

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
        self._tokens += 1
        self.view = View(self._tokens, endpoint, dict(context), dict(params))
        self.show_endpoint_info(endpoint)
        self.query_one(AppHeader).crumbs = (endpoint.service, endpoint.title,
                                            *(v for v in context.values()))
        table = self.query_one(PagedTable)
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
        if self.view is None:
            return
        path_values = {k: v for k, v in message.values.items() if k in self.view.endpoint.path_params}
        params = {k: v for k, v in message.values.items() if k not in path_values}
        self.view.context.update({k: str(v) for k, v in path_values.items()})
        self.reload(params)

    def reload(self, params: dict[str, Any] | None = None) -> None:
        if self.view is None:
            return
        self.workers.cancel_group(self, "table")
        old = self.view
        self._tokens += 1
        self.view = View(self._tokens, old.endpoint, old.context, old.params if params is None else params)
        self.query_one(PagedTable).clear()
        self.start_loading()

    def set_status(self, text: Text) -> None:
        self.query_one("#status", Static).update(text)

    def render_status(self) -> None:
        if self.view is not None:
            table = self.query_one(PagedTable)
            self.set_status(status_text(self.view, table.filter_text, table.visible_count))

    # -- table -----------------------------------------------------------------------------------
    @on(PagedTable.NearEnd)
    def _near_end(self, message: PagedTable.NearEnd) -> None:
        v = self.view
        if v is not None and not v.done and not v.loading and v.error is None:
            self.start_loading(1)

    @on(PagedTable.RowSelected)
    def _row_selected(self, message: PagedTable.RowSelected) -> None:
        v = self.view
        if v is None:
            return
        item = v.items[message.row_index] if message.row_index < len(v.items) else message.row
        self.show_inspector(True)
        self.query_one(ExchangeInspector).show_item(item, item_label(item, v.endpoint))
        targets = item_edges(self.app.catalog, v.endpoint, item, v.context)
        children = [c for c in v.endpoint.children if isinstance(item, dict) and isinstance(item.get(c.field), list)]
        if targets or children:
            from tui.ui.screens.item_actions import ItemActions
            self.app.push_screen(ItemActions(v.endpoint, item, v.context, targets), self._drill)

    def _drill(self, choice) -> None:
        if choice:
            endpoint, context = choice
            self.open_endpoint(endpoint, context, {})

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(PagedTable).set_filter(event.value)
        self.render_status()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.query_one(PagedTable).focus()

    # -- actions ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        v = self.view
        filt = self.query_one("#filter", Input)
        if v is not None and v.loading:
            self.workers.cancel_group(self, "table")
            return
        if filt.display and filt.has_focus:
            filt.display = False
            self.query_one(PagedTable).focus()
            return
        inspector = self.query_one(ExchangeInspector)
        if inspector.display:
            self.show_inspector(False)
            return
        tree = self.query_one(ResourceTree)
        if not tree.display:
            tree.display = True
            tree.focus()
            return
        self.app.pop_screen()

    def action_filter(self) -> None:
        filt = self.query_one("#filter", Input)
        filt.display = True
        filt.focus()

    def action_sort(self) -> None:
        self.query_one(PagedTable).action_sort_column()

    def action_load_all(self) -> None:
        v = self.view
        if v is None or v.done:
            return
        if v.loading:
            self.workers.cancel_group(self, "table")
            v.loading = False
        self.start_loading(None)

    def action_retry(self) -> None:
        v = self.view
        if v is None:
            return
        if v.error is not None or (not v.done and not v.loading):
            v.error = None
            self.start_loading(1)        # continues from the cursor of the failed page
        elif v.done:
            self.reload()

    def action_run(self) -> None:
        form = self.query(ParamsForm)
        if form:
            form.first().submit()
        else:
            self.reload()

    def show_inspector(self, show: bool) -> None:
        inspector = self.query_one(ExchangeInspector)
        inspector.display = show
        self.set_class(show, "-inspecting")
        if show:
            inspector.focus_body()

    def action_toggle_inspector(self) -> None:
        inspector = self.query_one(ExchangeInspector)
        if not inspector.display and self.view is not None and self.view.last_exchange is not None \
                and inspector.exchange is None:
            inspector.show_exchange(self.view.last_exchange)
        self.show_inspector(not inspector.display)
        if not inspector.display:
            self.query_one(PagedTable).focus()

    def action_toggle_tree(self) -> None:
        tree = self.query_one(ResourceTree)
        tree.display = not tree.display
        (tree if tree.display else self.query_one(PagedTable)).focus()
