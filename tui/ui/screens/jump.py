"""`:` jumps to a resource by name or alias with fuzzy matching (`:jobs`, `:customers`, `:audit`).

With ``filters=True`` it also takes server-side filters, ``:jobs state=failed since=24h``
(``tui.catalog.query``: the first option is what will be sent, a problem is shown under the line),
and lists the saved requests (``@name``). It then dismisses with a ``Query`` for those, with the
endpoint id for a plain endpoint and with the ``:name`` of a special screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.catalog import Catalog
from tui.catalog.query import Query, parse_query, resolve_saved
from tui.textsafe import safe_text

SPECIAL = {":failed": "Failed jobs — every failed job of this tenant",
           ":perms": "Permissions — token, scope matrix, probe",
           ":history": "History — every request, past sessions included",
           ":exchanges": "Exchanges — this session's requests and responses",
           ":tenants": "Tenants — back to the tenant list"}


class JumpScreen(ModalScreen[str | Query | None]):
    DEFAULT_CSS = """
    JumpScreen { align: center top; }
    JumpScreen > Vertical { width: 90; max-width: 100%; height: auto; max-height: 70%; margin-top: 2;
                            border: round $accent; background: $surface; }
    /* :focus too: Input's own focus rule (a tall border) outranks a plain descendant rule and
       would leave a 1-line input no room for its text */
    JumpScreen Input, JumpScreen Input:focus { border: none; height: 1; padding: 0 1; }
    JumpScreen OptionList { height: auto; max-height: 18; border: none; }
    JumpScreen #jump-problem { color: $warning; height: auto; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("down", "down", show=False),
                Binding("up", "up", show=False)]

    def __init__(self, catalog: Catalog, *, filters: bool = False, saved: list | tuple = ()) -> None:
        super().__init__()
        self.catalog = catalog
        self.filters = filters
        self.saved = list(saved)
        self.query_result: Query | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            hint = ":jobs state=failed since=24h  :customers  @saved  :failed" if self.filters else \
                ":jobs  :customers  :audit  :failed  :perms"
            yield Input(placeholder=hint, id="jump-input", value=":")
            yield Label("", id="jump-problem")
            yield OptionList(id="jump-options")

    def on_mount(self) -> None:
        self.query_one("#jump-problem").display = False
        self.refresh_options(":")

    def _filter_options(self, text: str) -> list[Option]:
        """The parsed filter (what will be sent) and the saved requests matching the text."""
        options = []
        self.query_result = None
        problem = self.query_one("#jump-problem", Label)
        problem.update("")
        problem.display = False
        q = text.strip().lstrip(":").strip()
        if "=" in q:
            result = parse_query(self.catalog, q)
            self.query_result = result
            if result.errors:
                problem.update(Text(safe_text("; ".join(result.errors), 400)))
                problem.display = True
            if result.endpoint is not None and not result.errors:
                e = result.endpoint
                options.append(Option(Text.assemble(("▶ ", "bold green"), (safe_text(e.title, 40), "bold"), "  ",
                                                    (e.service, "cyan"), "  ", (safe_text(result.describe(), 120), "")),
                                      id="query"))
        low = q.lstrip("@").lower()
        for req in self.saved:
            if q.startswith("@") and not req.name.lower().startswith(low):
                continue
            if not q.startswith("@") and low and low not in req.name.lower():
                continue
            label = Text.assemble(("@" + safe_text(req.name, 40), "bold magenta"), "  ", (req.endpoint, "cyan"), "  ",
                                  (safe_text(req.params_text, 80), "dim"))
            options.append(Option(label, id="@" + req.name))
        return options

    def refresh_options(self, text: str) -> None:
        q = text.strip().lstrip(":").lower()
        options = self._filter_options(text) if self.filters else []
        if self.filters and ("=" in q or q.startswith("@")):
            self._fill(options)                  # a filter or @name: its own options stand alone
            return
        for key, label in SPECIAL.items():
            if not q or key[1:].startswith(q):      # `:jobs` means the jobs list, not "Failed jobs"
                options.append(Option(Text.assemble((key, "bold"), "  ", (label, "dim")), id=key))
        for e in self.catalog.search(q, limit=30):
            if not e.read_only:
                continue
            t = Text.assemble((safe_text(e.title, 50), "bold"), "  ", (e.service, "cyan"), "  ", (e.path, "dim"))
            options.append(Option(t, id=e.id))
        self._fill(options)

    def _fill(self, options: list[Option]) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options(options)
        if options:
            ol.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_options(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and ol.option_count:
            self._choose(ol.get_option_at_index(ol.highlighted).id)
        elif not (self.filters and self.query_result is not None and self.query_result.errors):
            self.dismiss(None)
        # else: the problem stays on screen to be fixed

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id == "query":
            self.dismiss(self.query_result)
        elif option_id and option_id.startswith("@"):
            req = next(r for r in self.saved if "@" + r.name == option_id)
            self.dismiss(resolve_saved(self.catalog, req))
        else:
            self.dismiss(option_id)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
