"""Old import path of the explorer screen; it lives in ``tui.ui.explorer.screen``."""

from tui.ui.explorer.screen import ExplorerScreen

__all__ = ["ExplorerScreen"]
