"""The resource tree: services, their endpoints, and collections expanded into their items.

The tree does no I/O itself: expanding a collection posts ``LoadItems``, and once the screen has
a session it ``connect``s the tree with a function that makes the loader of a node (a coroutine
that posts ``ItemsLoaded``); the tree runs it and adds what arrives. Expansions asked for before
the session is open wait for it ("loading…" until then). Navigation follows the catalogue's edges
(customer -> its jobs, tenants -> ...). Labels are Text objects built from ``safe_text``: item
names come from the server and must never be parsed as markup; endpoint labels drop the
"Retrieve" every title starts with, and ``<``/``>`` narrow or widen the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.catalog import Catalog, Endpoint
from tui.catalog.navigation import item_edges, parent_context
from tui.textsafe import cell_text, safe_text

LOADING = "loading…"
NAME_FIELDS = ("displayName", "name", "organization", "title", "siteUrl", "email", "userPrincipalName",
               "baselineName", "tenantName", "customer", "jobName", "flowName", "appName")


@dataclass
class NodeRef:
    kind: str                          # tool | saved-group | saved | service | endpoint | item | children | more | note
    endpoint: Endpoint | None = None
    context: dict[str, str] = field(default_factory=dict)   # path params known here
    item: Any = None
    loaded: bool = False               # an expandable collection whose first page arrived
    cursor: Any = None                 # for "more" nodes: what to pass back to continue


def item_label(item: Any, endpoint: Endpoint | None = None) -> str:
    if not isinstance(item, dict):
        return cell_text(item, 60)          # cell_text copes with ints str() refuses (> 4300 digits)
    for f in NAME_FIELDS:
        v = item.get(f)
        if isinstance(v, str) and v.strip():
            return safe_text(v, 60)
    key = endpoint.id_field if endpoint and endpoint.id_field else "id"
    v = item.get(key, item.get("id"))
    return cell_text(v, 60) if v is not None else "(item)"


def short_title(title: str) -> str:
    """An endpoint's title as the tree shows it: "Retrieve All Customers" reads "All Customers"
    (the catalogue has no short titles, and nearly every title starts with the same verb)."""
    head, _, rest = title.partition(" ")
    return rest if head == "Retrieve" and rest else title


#: what ``<``/``>`` change the tree's width by, and the narrowest it gets
WIDTH_STEP, MIN_WIDTH = 8, 16

ItemsLoader = Callable[[TreeNode, "TreeNode | None"], Awaitable[None]]


class ResourceTree(Tree[NodeRef]):
    DEFAULT_CSS = """
    /* no horizontal bar: it cost a line of a 24-line terminal for labels the info line shows in full;
       a one-column vertical bar keeps the labels' room */
    ResourceTree { width: 38; border-right: vkey $panel-lighten-1; scrollbar-size-horizontal: 0;
                   scrollbar-size-vertical: 1; }
    ResourceTree > .tree--guides { color: $panel-lighten-2; }
    """
    BINDINGS = [
        Binding("enter", "choose", "Open", show=False),
        Binding("space", "toggle_node", "Expand", show=False),
        Binding("greater_than_sign", "widen(1)", "Wider tree"),
        Binding("less_than_sign", "widen(-1)", "Narrower tree", show=False),
    ]

    class ItemsLoaded(Message):
        """A page of items for ``node`` (``more``: the "… load more" node it answers, if any)."""

        def __init__(self, node: Any, more: Any, items: list, pager: Any, error: str | None) -> None:
            super().__init__()
            self.node, self.more, self.items, self.pager, self.error = node, more, items, pager, error

    class EndpointChosen(Message):
        def __init__(self, endpoint: Endpoint, context: dict[str, str]) -> None:
            super().__init__()
            self.endpoint, self.context = endpoint, context

    class ItemChosen(Message):
        def __init__(self, endpoint: Endpoint, item: Any, context: dict[str, str]) -> None:
            super().__init__()
            self.endpoint, self.item, self.context = endpoint, item, context

    class LoadItems(Message):
        """The screen should fetch (more) items of ``node``'s collection and call add_items."""

        def __init__(self, node: TreeNode[NodeRef], more: TreeNode[NodeRef] | None = None) -> None:
            super().__init__()
            self.node, self.more = node, more

    class ScreenChosen(Message):
        """One of the tool screens at the top of the tree (failed jobs, permissions)."""

        def __init__(self, screen: str) -> None:
            super().__init__()
            self.screen = screen

    class SavedChosen(Message):
        """A saved request under "Saved" (``tui.config.SavedRequest``): the screen resolves and opens it."""

        def __init__(self, request: Any) -> None:
            super().__init__()
            self.request = request

    class Highlighted(Message):
        def __init__(self, ref: NodeRef) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, catalog: Catalog, **kwargs) -> None:
        super().__init__("API", data=NodeRef("root"), **kwargs)
        self.catalog = catalog
        self.show_root = False
        self.guide_depth = 2
        self.granted: set[str] | None = None
        self._loader: ItemsLoader | None = None
        self._waiting: list[ResourceTree.LoadItems] = []         # expansions asked for before ``connect``

    # -- loading a collection's items ------------------------------------------------------------
    def connect(self, loader: ItemsLoader | None, error: str | None = None) -> None:
        """``loader(node, more)``: the coroutine that loads a node's items and posts ``ItemsLoaded``;
        expansions that waited for it load now. None with ``error``: they end with that error."""
        self._loader = loader
        waiting, self._waiting = self._waiting, []
        for load in waiting:
            if loader is None:
                self.add_items(load.node, [], more_node=load.more, error=error or "not connected")
            else:
                self._load(load)

    def _load(self, load: "ResourceTree.LoadItems") -> None:
        if self._loader is None:
            self._waiting.append(load)
        else:
            self.run_worker(self._loader(load.node, load.more), group="tree-items")

    def on_resource_tree_load_items(self, message: "ResourceTree.LoadItems") -> None:
        message.stop()
        self._load(message)

    def on_resource_tree_items_loaded(self, message: "ResourceTree.ItemsLoaded") -> None:
        message.stop()
        self.clear_loading(message.node)
        self.add_items(message.node, message.items, more_cursor=message.pager, more_node=message.more,
                       error=message.error)

    def action_widen(self, direction: int) -> None:
        """``>`` widens the tree by a few columns, ``<`` narrows it (labels longer than it are cut)."""
        room = self.screen.size.width - 20
        width = self.outer_size.width + direction * WIDTH_STEP
        self.styles.width = max(MIN_WIDTH, min(width, room))

    TOOLS = (("failed", "Failed jobs"), ("perms", "Permissions"))   # the tree is 38 columns wide

    def on_mount(self) -> None:
        self.root.expand()
        for key, label in self.TOOLS:
            self.root.add_leaf(Text(label, style="bold"), data=NodeRef("tool", cursor=key))
        self._saved_node: TreeNode[NodeRef] | None = None
        for key, name, endpoints in self.catalog.services():
            roots = [e for e in endpoints if e.read_only and not e.path_params]
            if not roots:
                continue
            svc = self.root.add(Text(safe_text(name)), data=NodeRef("service"))
            for e in roots:
                self._add_endpoint(svc, e, {})

    def set_saved(self, requests: list[Any]) -> None:
        """Show (or refresh) the "Saved" branch below the tools: one leaf per saved request."""
        if self._saved_node is not None:
            self._saved_node.remove()
            self._saved_node = None
        if not requests:
            return
        before = next((n for n in self.root.children if n.data is not None and n.data.kind == "service"), None)
        group = self.root.add(Text(f"Saved ({len(requests)})", style="bold"), data=NodeRef("saved-group"),
                              before=before, expand=True)
        for req in requests:
            label = Text("@" + safe_text(req.name, 30), style="magenta")
            group.add_leaf(label, data=NodeRef("saved", item=req))
        self._saved_node = group

    # -- building ---------------------------------------------------------------------
    def _endpoint_label(self, e: Endpoint) -> Text:
        text = Text(safe_text(short_title(e.title), 60))
        if e.method != "GET":
            text.append(" POST", style="dim")
        if self.granted is not None and not self._callable(e):
            text.stylize("dim strike")
            text.append(" ✗", style="red")
        return text

    def _callable(self, e: Endpoint) -> bool:
        return self.granted is None or any(s.lower() in self.granted for s in e.scopes)

    def _expandable(self, e: Endpoint) -> bool:
        return e.is_collection and bool(e.edges or e.children)

    def _add_endpoint(self, parent: TreeNode[NodeRef], e: Endpoint, context: dict[str, str]) -> TreeNode:
        return parent.add(self._endpoint_label(e), data=NodeRef("endpoint", e, dict(context)),
                          allow_expand=self._expandable(e))

    def add_items(self, node: TreeNode[NodeRef], items: list[Any], *, more_cursor: Any = None,
                  more_node: TreeNode[NodeRef] | None = None, error: str | None = None) -> None:
        """Add one page of a collection's items under ``node`` (answer to LoadItems)."""
        if more_node is not None:
            more_node.remove()
        ref = node.data
        ref.loaded = True
        if error:
            node.add_leaf(Text(f"⚠ {safe_text(error, 80)}", style="red"), data=NodeRef("note"))
            return
        if not items and not node.children:
            node.add_leaf(Text("(empty)", style="dim"), data=NodeRef("note"))
        for item in items:
            has_children = bool(self._item_edges(ref.endpoint, item, ref.context)) or bool(ref.endpoint.children)
            node.add(Text(item_label(item, ref.endpoint)),
                     data=NodeRef("item", ref.endpoint, dict(ref.context), item),
                     allow_expand=has_children)
        if more_cursor is not None:
            node.add_leaf(Text("… load more", style="italic"), data=NodeRef("more", ref.endpoint,
                                                                           dict(ref.context), cursor=more_cursor))

    def _item_edges(self, e: Endpoint, item: Any, context: dict[str, str], child: str | None = None):
        return item_edges(self.catalog, e, item, context, child)

    def _populate_item(self, node: TreeNode[NodeRef]) -> None:
        ref = node.data
        e = ref.endpoint
        for target, ctx in self._item_edges(e, ref.item, ref.context):
            self._add_endpoint(node, target, ctx)
        for child in e.children:
            children = ref.item.get(child.field) if isinstance(ref.item, dict) else None
            if not isinstance(children, list):
                continue
            group = node.add(Text(f"{child.label} ({len(children)})"), data=NodeRef("children", e, dict(ref.context)))
            base_ctx = parent_context(e, ref.item, ref.context, child.field)
            for sub in children:
                label = Text(safe_text(str(sub.get(child.label_field) or sub.get(child.id_field)), 60)) \
                    if isinstance(sub, dict) else Text(safe_text(str(sub)))
                sub_node = group.add(label, data=NodeRef("item", e, dict(base_ctx), sub))
                for target, ctx in self._item_edges(e, sub, base_ctx, child=child.field):
                    self._add_endpoint(sub_node, target, ctx)
                sub_node.allow_expand = bool(sub_node.children)

    # -- events --------------------------------------------------------------------------
    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        node = event.node
        ref = node.data
        if ref is None:
            return
        if ref.kind == "endpoint" and (not ref.loaded or self._failed(node)):
            ref.loaded = True
            self.clear_loading(node)
            node.add_leaf(Text(LOADING, style="dim italic"), data=NodeRef("note"))
            self.post_message(self.LoadItems(node))
        elif ref.kind == "item" and not node.children:
            self._populate_item(node)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        if event.node.data is not None:
            self.post_message(self.Highlighted(event.node.data))

    @staticmethod
    def _failed(node: TreeNode[NodeRef]) -> bool:
        """Only notes under it, none of them "loading…": a load that failed (expanding again retries)."""
        notes = [c for c in node.children if c.data is not None and c.data.kind == "note"]
        return len(notes) == len(node.children) > 0 and not any(str(c.label) == LOADING for c in notes)

    def clear_loading(self, node: TreeNode[NodeRef]) -> None:
        for child in list(node.children):
            if child.data is not None and child.data.kind == "note":
                child.remove()

    def action_choose(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        ref = node.data
        if ref.kind == "endpoint":
            self.post_message(self.EndpointChosen(ref.endpoint, ref.context))
        elif ref.kind == "item":
            self.post_message(self.ItemChosen(ref.endpoint, ref.item, ref.context))
        elif ref.kind == "tool":
            self.post_message(self.ScreenChosen(ref.cursor))
        elif ref.kind == "saved":
            self.post_message(self.SavedChosen(ref.item))
        elif ref.kind == "more" and node.parent is not None:
            node.set_label(Text(LOADING, style="dim italic"))
            self.post_message(self.LoadItems(node.parent, more=node))
        else:
            node.toggle()

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:   # TreeNode.toggle would open a leaf too
            node.toggle()

    def mark_scopes(self, granted: set[str] | None) -> None:
        """Mark endpoints the current token cannot call (scopes compared case-insensitively)."""
        self.granted = {s.lower() for s in granted} if granted is not None else None

        def walk(node: TreeNode[NodeRef]) -> None:
            for child in node.children:
                if child.data is not None and child.data.kind == "endpoint":
                    child.set_label(self._endpoint_label(child.data.endpoint))
                walk(child)
        walk(self.root)

    def select_endpoint(self, endpoint_id: str) -> bool:
        """Move the cursor to a root endpoint's node (the `:` jump)."""
        for svc in self.root.children:
            for node in svc.children:
                if node.data is not None and node.data.endpoint is not None and node.data.endpoint.id == endpoint_id:
                    svc.expand()
                    self.call_after_refresh(self.move_cursor, node)
                    return True
        return False
