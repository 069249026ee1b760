"""Where an item leads: the catalogue's edges resolved against one item of a list."""

from __future__ import annotations

from typing import Any

from tui.catalog.model import Catalog, Endpoint, dig


def field_value(item: Any, fld: str) -> Any:
    """An item's field by dotted path; ``$value`` is the item itself (lists of scalars)."""
    if fld == "$value":
        return item
    return dig(item, fld.split(".")) if isinstance(item, dict) else None


def item_edges(catalog: Catalog, endpoint: Endpoint, item: Any, context: dict[str, str],
               child: str | None = None, read_only: bool = True) -> list[tuple[Endpoint, dict[str, str]]]:
    """(target endpoint, path params) for every edge whose path params are all known.

    ``context`` holds the path params already known (a customer's id when listing its tenants);
    ``child`` selects edges that start at a child list of the item (``tenants``).
    """
    out = []
    for edge in endpoint.edges:
        if edge.child != child:
            continue
        target = catalog.find(edge.target)
        if target is None or (read_only and not target.read_only):
            continue
        ctx = dict(context)
        ok = True
        for param, fld in edge.bind.items():
            if child and fld.startswith(child + "[]."):
                fld = fld.split("[].", 1)[1]
            elif child:
                if param in ctx:       # fixed by the parent item (parent_context)
                    continue
                ok = False
                break
            elif "[]." in fld:
                ok = False
                break
            value = field_value(item, fld)
            if value in (None, "", [], {}):
                ok = False
                break
            ctx[param] = str(value)
        if ok:
            out.extend(_fill_enum_params(target, ctx))
    return out


# An open enum path parameter with at most this many documented values becomes one edge per value
# ({type}: Microsoft 365, Salesforce, Google, Dynamics 365); with more ({productType}: 22) the one edge
# leaves it open and the explorer's parameter form offers the values as a picker.
ENUM_EDGE_LIMIT = 6


def enum_path_params(target: Endpoint) -> dict[str, Any]:
    """Path parameters of ``target`` with documented values, by their name in the path template."""
    out = {}
    for name in target.path_params:
        p = target.param(name)
        if p is not None and p.enum:
            out[name] = p
    return out


def _fill_enum_params(target: Endpoint, ctx: dict[str, str]) -> list[tuple[Endpoint, dict[str, str]]]:
    """The edges to ``target`` once its open path parameters are filled: one per documented value of a
    small enum (the title names the value), the edge itself when only a larger enum stays open, none
    when a free-text parameter has no value."""
    enums = enum_path_params(target)
    open_ = [n for n in target.path_params if n not in ctx]
    if any(n not in enums for n in open_):
        return []
    small = [n for n in open_ if len(enums[n].enum) <= ENUM_EDGE_LIMIT]
    if not small:
        return [(target, ctx)]
    from dataclasses import replace
    out = [(target, ctx)]
    for name in small:
        out = [(replace(t, title=f"{t.title}: {v.label}"), {**c, name: v.value})
               for t, c in out for v in enums[name].enum]
    return out


def parent_context(endpoint: Endpoint, item: Any, context: dict[str, str], child: str) -> dict[str, str]:
    """Path params an item fixes for its child list (a customer's id for its tenants' edges)."""
    ctx = dict(context)
    for edge in endpoint.edges:
        if edge.child != child:
            continue
        for param, fld in edge.bind.items():
            if "[]." not in fld:
                v = field_value(item, fld)
                if v not in (None, ""):
                    ctx[param] = str(v)
    return ctx
