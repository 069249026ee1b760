"""A compact form for an endpoint's parameters: required first, enums as pickers with their
labels, time windows with presets, documented limits checked before any request.

Once run it collapses to one line that says what was sent ("last 7 days · any state · Ctrl+R
edit"), so an 80x24 terminal keeps its rows for the table; ``expand()`` opens it for editing."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from tui.catalog import Endpoint, Param
from tui.catalog.defaults import DEFAULT_WINDOW
from tui.catalog.validate import PRESET_LABELS, preset_window, time_params, validate_params, window_limit_days
from tui.textsafe import safe_text


def _field_id(name: str) -> str:
    return "param-" + "".join(c if c.isalnum() else "_" for c in name)


def _picker(options: list[tuple[str, str]], *, value: Any, id: str, prompt: str) -> Select:
    """A compact picker as wide as its longest choice (a 1fr picker of "0 — All" wastes a row's width)."""
    select = Select(options, value=value, allow_blank=True, compact=True, id=id, prompt=prompt)
    longest = max([cell_len(label) for label, _ in options] + [cell_len(prompt)])
    select.styles.width = min(longest + 4, 60)         # the arrow and the padding around the label
    return select


class ParamsForm(VerticalScroll):
    DEFAULT_CSS = """
    ParamsForm { height: auto; max-height: 8; background: $boost; padding: 0 1; scrollbar-size-vertical: 1; }
    ParamsForm #params-summary { height: 1; display: none; color: $text-muted; }
    ParamsForm.-collapsed { height: 1; }
    ParamsForm.-collapsed > #params-summary { display: block; }
    ParamsForm.-collapsed > .param-row, ParamsForm.-collapsed > .param-error { display: none; }
    ParamsForm .param-row { height: 1; }
    ParamsForm .param-label { width: 22; color: $text-muted; }
    ParamsForm .param-label.-required { color: $text; text-style: bold; }
    ParamsForm Input { width: 1fr; max-width: 60; }
    ParamsForm Select { width: 1fr; }
    ParamsForm .param-error { color: $error; height: auto; padding-left: 22; }
    ParamsForm .param-error.-empty { display: none; }
    """

    class Submitted(Message):
        def __init__(self, form: "ParamsForm", values: dict[str, Any]) -> None:
            super().__init__()
            self.form, self.values = form, values

    class Ready(Message):
        """Posted once mounted: the initial values (defaults, presets) and what is still missing."""

        def __init__(self, form: "ParamsForm", values: dict[str, Any], errors: dict[str, str]) -> None:
            super().__init__()
            self.form, self.values, self.errors = form, values, errors

    def __init__(self, endpoint: Endpoint, values: dict[str, Any] | None = None,
                 missing_path: list[str] | None = None, *, window: str | None = None, hold: bool = False,
                 **kwargs) -> None:
        """``window``: the preset (24h, 7d, 30d) the given start and end came from, if any; ``hold``:
        open for editing and wait for Enter instead of running the values at once (history's ``e``)."""
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.hold = hold
        self.initial = dict(values or {})
        # Path parameters not known from the tree (an endpoint opened with `:`) come first. The docs name
        # some differently from the path template (jobType for {JobType}); the template's name is the key.
        templates = {n.lower(): n for n in endpoint.path_params}
        wanted = {n.lower() for n in (missing_path or ())}
        path = [p for p in endpoint.params if p.location == "path" and p.name.lower() in wanted]
        self.keys: dict[str, str] = {p.name: templates.get(p.name.lower(), p.name) for p in path}
        params = list(endpoint.user_params())
        self.params: list[Param] = path + sorted(params, key=lambda p: (not p.required, params.index(p)))
        start, end = time_params(endpoint)
        self.has_window = start is not None and end is not None
        # the picker shows the preset the window came from; given times without one show as "custom"
        self.window = window.lower() if window and window.lower() in PRESET_LABELS else None
        if self.has_window and not (self.initial.get(start.name) or self.initial.get(end.name)):
            self.window = DEFAULT_WINDOW
            self.initial.update(preset_window(endpoint, DEFAULT_WINDOW))  # `avegraph get` defaults to it too

    def compose(self) -> ComposeResult:
        yield Static("", id="params-summary")
        if self.has_window:
            limit = window_limit_days(self.endpoint)
            options = [(label + (f" (max {limit} d)" if limit and key == "30d" and limit < 30 else ""), key)
                       for key, label in PRESET_LABELS.items()]
            with Horizontal(classes="param-row"):
                yield Label("time window", classes="param-label")
                yield _picker(options, value=self.window or Select.NULL, id="param-window", prompt="custom")
        for p in self.params:
            with Horizontal(classes="param-row"):
                label = Text(safe_text(p.name, 20))
                if p.required:
                    label.append("*")
                yield Label(label, classes="param-label" + (" -required" if p.required else ""))
                value = self.initial.get(self.keys.get(p.name, p.name))
                if p.enum:
                    # an enum path parameter ({productType}) is a picker of its documented values too
                    options = [(f"{e.value} — {safe_text(e.label, 40)}", e.value) for e in p.enum]
                    known = value is not None and any(e.value == str(value) for e in p.enum)
                    yield _picker(options, value=str(value) if known else Select.NULL, id=_field_id(p.name),
                                  prompt="(choose one)" if p.location == "path" else "(any)")
                else:
                    placeholder = (p.constraint or p.default or p.doc_type or p.type or "")
                    yield Input("" if value is None else str(value), placeholder=safe_text(str(placeholder), 40),
                                compact=True, id=_field_id(p.name))
            yield Static("", classes="param-error -empty", id=_field_id(p.name) + "-error")

    def on_mount(self) -> None:
        clean, errors = self.validate()
        self.post_message(self.Ready(self, clean, errors))

    # -- collapsed to one line once run ---------------------------------------------------------
    @property
    def collapsed(self) -> bool:
        return self.has_class("-collapsed")

    def collapse(self) -> None:
        """One line that says what the last run sent; ``expand()`` (Ctrl+R) edits it again."""
        self.query_one("#params-summary", Static).update(self.summary())
        self.add_class("-collapsed")

    def expand(self) -> None:
        self.remove_class("-collapsed")
        self.focus_first()

    @property
    def preset(self) -> str | None:
        """The window's preset as picked now (24h, 7d, 30d), None for a custom window or none."""
        if not self.has_window:
            return None
        value = self.query_one("#param-window", Select).value
        return str(value) if value in PRESET_LABELS else None

    def focus_first(self) -> None:
        fields = self.query(".param-row Input, .param-row Select")
        if fields:
            fields.first().focus()

    def summary(self) -> Text:
        """"last 7 days · any state · Ctrl+R edit": the window, the values set, the status filter."""
        parts: list[str] = []
        values = self.values()
        skip: set[str] = set()
        if self.has_window:
            start, end = time_params(self.endpoint)
            skip = {start.name, end.name}
            preset = self.query_one("#param-window", Select).value
            parts.append(PRESET_LABELS.get(str(preset)) or
                         f"{values.get(start.name, '…')} → {values.get(end.name, '…')}")
        status = self.endpoint.status.filter_param if self.endpoint.status is not None else None
        for p in self.params:
            key = self.keys.get(p.name, p.name)
            if p.name in skip:
                continue
            value = values.get(key)
            if value is None:
                if p.name == status:
                    parts.append("any state")
                continue
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            label = safe_text(next((e.label for e in p.enum if e.value == shown), shown) if p.enum else shown, 30)
            parts.append(label if p.name == status else f"{safe_text(p.name, 20)} {label}")
        t = Text(" · ".join(parts or ["no filters"]))
        t.append(" · Ctrl+R edit", style="bold")
        return t

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.params:
            widget = self.query_one("#" + _field_id(p.name))
            if isinstance(widget, Select):
                v = widget.value
                if v is not Select.NULL and v is not None:
                    out[self.keys.get(p.name, p.name)] = v
            else:
                text = widget.value.strip()
                if text:
                    out[self.keys.get(p.name, p.name)] = ([s.strip() for s in text.split(",")] if p.type == "list"
                                                          else text)
        return out

    def validate(self) -> tuple[dict[str, Any], dict[str, str]]:
        values = self.values()
        clean, errors = validate_params(self.endpoint, values)
        for p in self.endpoint.params:       # path params come from the tree unless asked for here
            if p.location == "path" and p not in self.params:
                errors.pop(p.name, None)
        for p in self.params:
            if p.location == "path":
                key = self.keys.get(p.name, p.name)
                errors.pop(p.name, None)
                clean.pop(p.name, None)
                if values.get(key):
                    clean[key] = values[key]
                else:
                    allowed = f"; choose one of its {len(p.enum)} documented values" if p.enum else ""
                    errors[p.name] = f"{key} is required (a path parameter){allowed}"
        for p in self.params:
            err = self.query_one("#" + _field_id(p.name) + "-error", Static)
            msg = errors.get(p.name)
            err.update(Text(msg or ""))
            err.set_class(not msg, "-empty")
        return clean, errors

    def focus_first_error(self, errors: dict[str, str]) -> None:
        self.remove_class("-collapsed")
        for p in self.params:
            if p.name in errors:
                self.query_one("#" + _field_id(p.name)).focus()
                return

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "param-window" and event.value not in (Select.NULL, None):
            for name, value in preset_window(self.endpoint, str(event.value)).items():
                self.query_one("#" + _field_id(name), Input).value = value
            event.stop()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> bool:
        clean, errors = self.validate()
        if errors:
            self.focus_first_error(errors)
            return False
        self.post_message(self.Submitted(self, clean))
        return True


class ParamsSlot(Vertical):
    """Where the opened endpoint's form sits: it shows the form (or nothing), runs it once its
    defaults are valid, collapses it once run and opens it again to edit. It posts ``Run`` with
    the values to send and ``NeedsInput`` when a required value is missing (the field has focus)."""

    DEFAULT_CSS = "ParamsSlot { height: auto; }"

    class Run(Message):
        """Send ``values``: ``initial`` for the defaults a new form runs with, ``typed`` after Enter in it."""

        def __init__(self, form: ParamsForm, values: dict[str, Any], *, initial: bool, typed: bool) -> None:
            super().__init__()
            self.form, self.values, self.initial, self.typed = form, values, initial, typed

    class NeedsInput(Message):
        """The new form lacks a required value (its field has focus), or it opened to be edited first."""

        def __init__(self, text: str = "Fill in the required parameters, then press Enter (Ctrl+R).") -> None:
            super().__init__()
            self.text = text

    @property
    def form(self) -> ParamsForm | None:
        forms = self.query(ParamsForm)
        return forms.first() if forms else None

    def show_for(self, endpoint: Endpoint, values: dict[str, Any], missing_path: list[str], *,
                 window: str | None = None, hold: bool = False) -> bool:
        """The form of ``endpoint`` (False, and no form, when it takes no parameter); ``hold``: open to
        be edited, run on Enter only."""
        self.remove_children()
        if not (endpoint.user_params() or missing_path):
            return False
        self.mount(ParamsForm(endpoint, values, missing_path=missing_path, window=window, hold=hold))
        return True

    def on_params_form_ready(self, message: ParamsForm.Ready) -> None:
        message.stop()
        if message.form.hold and not message.errors:
            message.form.focus_first()
            self.post_message(self.NeedsInput("Edit the parameters, then press Enter to run (Esc: back)."))
            return
        if message.errors:
            message.form.focus_first_error(message.errors)
            self.post_message(self.NeedsInput())
            return
        message.form.collapse()
        self.post_message(self.Run(message.form, message.values, initial=True, typed=False))

    def on_params_form_submitted(self, message: ParamsForm.Submitted) -> None:
        message.stop()
        typed = message.form.has_focus_within
        message.form.collapse()
        self.post_message(self.Run(message.form, message.values, initial=False, typed=typed))

    def edit_or_run(self) -> bool:
        """Ctrl+R: a collapsed form opens for editing, an open one runs; False without a form."""
        form = self.form
        if form is None:
            return False
        form.expand() if form.collapsed else form.submit()
        return True

    def leave(self, ran: bool) -> bool:
        """Esc while in the form: it collapses again if it ran before; False when focus is elsewhere."""
        form = self.form
        if form is None or not form.has_focus_within:
            return False
        if ran:
            form.collapse()
        return True
