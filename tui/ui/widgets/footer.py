"""Textual's Footer, without the rebuilds that show nothing new.

Textual's ``Footer`` recomposes (a new ``FooterKey`` per binding, each styled twice) on every
"bindings updated" signal: a screen push, every focus change, every idle binding refresh. Opening
the tenant screen that was five builds, four of them of keys already shown (~150 ms of CPU on the
2-core dev machine). This one coalesces the requests that arrive before the rebuild runs, skips
the rebuild when the keys it would show are the ones it shows, and gives each bound key its
compact state before mounting (so it is styled once). What it shows is Textual's.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as _TextualFooter
from textual.widgets._footer import FooterKey

__all__ = ["Footer"]


class Footer(_TextualFooter):
    """Drop-in ``textual.widgets.Footer`` (CSS, queries and behaviour unchanged)."""

    _rebuild_pending = False
    _shown: tuple | None = None  # the bindings the current keys were built from

    def _key_signature(self) -> tuple:
        """Everything ``Footer.compose`` reads: the shown bindings in order, and the palette key."""
        active = self.screen.active_bindings
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return (self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE,
                palette[1:] if palette is not None else None,
                tuple((binding, enabled, tooltip) for (_, binding, enabled, tooltip) in active.values()
                      if binding.show))

    def compose(self) -> ComposeResult:
        if not self._bindings_ready and self.screen.focused is not None:
            # Textual waits for the first bindings signal (one more build, layout and paint). With
            # the focus settled (a footer mounted after the screen's auto-focus) the keys are known.
            self.set_reactive(_TextualFooter._bindings_ready, True)
        self._shown = self._key_signature() if self._bindings_ready else None
        compact = self.compact
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "compact" in (getattr(widget, "_reactive_connect", None) or {}):
                # Bound to the footer's ``compact``: the binding would set it after mounting,
                # restyling the key twice (keys that are not bound keep their own default).
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached or self._shown == self._key_signature():
            return
        await self.recompose()
