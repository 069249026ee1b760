"""Line-API widgets that render only what is on screen.

Imported lazily so that ``import tui.ui.widgets`` costs nothing until a widget
is used (Pygments is only loaded when a JSON body is first highlighted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["PagedTable", "RowStore", "JsonView"]

if TYPE_CHECKING:
    from .json_view import JsonView
    from .paged_table import PagedTable, RowStore


def __getattr__(name: str) -> Any:
    if name in ("PagedTable", "RowStore"):
        from . import paged_table

        return getattr(paged_table, name)
    if name == "JsonView":
        from .json_view import JsonView

        return JsonView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
