"""A compact form for an endpoint's parameters: required first, enums as pickers with their
labels, time windows with presets, documented limits checked before any request."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from tui.catalog import Endpoint, Param
from tui.catalog.defaults import DEFAULT_WINDOW
from tui.catalog.validate import PRESET_LABELS, preset_window, time_params, validate_params, window_limit_days
from tui.textsafe import safe_text


def _field_id(name: str) -> str:
    return "param-" + "".join(c if c.isalnum() else "_" for c in name)


class ParamsForm(VerticalScroll):
    DEFAULT_CSS = """
    ParamsForm { height: auto; max-height: 8; background: $boost; padding: 0 1; }
    ParamsForm .param-row { height: 1; }
    ParamsForm .param-label { width: 22; color: $text-muted; }
    ParamsForm .param-label.-required { color: $text; text-style: bold; }
    ParamsForm Input, ParamsForm Select { width: 1fr; max-width: 60; }
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
                 missing_path: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
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
        if self.has_window and not (self.initial.get(start.name) or self.initial.get(end.name)):
            self.initial.update(preset_window(endpoint, DEFAULT_WINDOW))  # `avegraph get` defaults to it too

    def compose(self) -> ComposeResult:
        if self.has_window:
            limit = window_limit_days(self.endpoint)
            options = [(label + (f" (max {limit} d)" if limit and key == "30d" and limit < 30 else ""), key)
                       for key, label in PRESET_LABELS.items()]
            with Horizontal(classes="param-row"):
                yield Label("time window", classes="param-label")
                yield Select(options, value=DEFAULT_WINDOW, allow_blank=True, compact=True, id="param-window",
                             prompt="custom")
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
                    yield Select(options, value=str(value) if value is not None and any(
                        e.value == str(value) for e in p.enum) else Select.NULL,
                        allow_blank=True, compact=True, id=_field_id(p.name),
                        prompt="(choose one)" if p.location == "path" else "(any)")
                else:
                    placeholder = (p.constraint or p.default or p.doc_type or p.type or "")
                    yield Input("" if value is None else str(value), placeholder=safe_text(str(placeholder), 40),
                                compact=True, id=_field_id(p.name))
            yield Static("", classes="param-error -empty", id=_field_id(p.name) + "-error")

    def on_mount(self) -> None:
        clean, errors = self.validate()
        self.post_message(self.Ready(self, clean, errors))

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
