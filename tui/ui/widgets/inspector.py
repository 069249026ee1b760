"""The request inspector: what went over the wire for one exchange, or one item's JSON.

Summary (status, method and URL, timing, size, request-id), headers (masked by the core's
redaction), and the body in a JsonView that highlights only the visible lines. Everything is
built from Text objects: header values and bodies come from the server.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher, Static, Tab, Tabs

from tui.textsafe import safe_text
from tui.ui.widgets.json_view import JsonView, pretty_text


def status_style(status: int | None) -> str:
    if status is None:
        return "bold white on red"
    if status < 300:
        return "bold black on green"
    if status < 400:
        return "bold black on cyan"
    if status < 500:
        return "bold black on yellow"
    return "bold white on red"


def human_size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable_json(text: str) -> str:
    """JSON text that UTF-8 can encode (the clipboard, a file): json.loads reads a lone surrogate
    ("\\ud800") into a str, json.dumps(ensure_ascii=False) writes it back raw; as its \\u escape it
    is the same JSON string."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def exchange_summary(ex) -> Text:
    t = Text()
    status = ex.status
    t.append(f" {status if status is not None else 'ERR'} ", style=status_style(status))
    if ex.reason:
        t.append(f" {safe_text(ex.reason, 40)}")
    t.append(f"  {ex.method} ", style="bold")
    t.append(safe_text(ex.display_url(), 400))
    t.append("\n")
    parts = []
    if ex.ttfb is not None:
        parts.append(f"first byte {ex.ttfb * 1000:.0f} ms")
    if ex.elapsed is not None:
        parts.append(f"total {ex.elapsed * 1000:.0f} ms")
    parts.append(human_size(ex.size))
    if ex.retries:
        parts.append(f"{ex.retries} retr{'y' if ex.retries == 1 else 'ies'}")
    t.append(" · ".join(parts), style="dim")
    if ex.request_id:
        t.append("\nrequest-id ", style="dim")
        t.append(safe_text(str(ex.request_id), 120))
    if ex.trace_id:
        t.append("  traceId ", style="dim")
        t.append(safe_text(str(ex.trace_id), 120))
    if ex.truncated:
        t.append("\nbody truncated at the size cap", style="yellow")
    if ex.error:
        t.append("\n")
        t.append(safe_text(str(ex.error), 500), style="bold red")
    return t


def headers_text(title: str, headers: list[tuple[str, str]]) -> Text:
    t = Text(title + "\n", style="bold underline")
    for k, v in headers:
        t.append(safe_text(k, 60), style="bold cyan")
        t.append(": ")
        t.append(safe_text(v, 2000))
        t.append("\n")
    return t


class ExchangeInspector(Vertical):
    """Shows an Exchange (a request and its response) or a single item."""

    DEFAULT_CSS = """
    ExchangeInspector { height: 1fr; border-top: hkey $panel-lighten-1; }
    ExchangeInspector #inspector-summary { height: auto; max-height: 5; padding: 0 1; }
    ExchangeInspector Tabs { height: 2; }
    ExchangeInspector #inspector-headers { padding: 0 1; height: auto; }
    ExchangeInspector ContentSwitcher { height: 1fr; }
    ExchangeInspector .headers-scroll { overflow-y: auto; height: 1fr; }
    """

    BINDINGS = [
        Binding("c", "copy_curl", "Copy as curl"),
        Binding("y", "copy_body", "Copy body"),
        Binding("w", "save_body", "Save body"),
        Binding("b", "show('body')", "Body", show=False),
        Binding("h", "show('headers')", "Headers", show=False),
    ]

    class Replayed(Message):
        """A request sent again (``show_replay``): its new exchange, or why there is none."""

        def __init__(self, exchange: Any, error: str | None) -> None:
            super().__init__()
            self.exchange, self.error = exchange, error

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.exchange = None
        self.item: Any = None

    def show_replay(self, replay: Awaitable[None]) -> None:
        """Run ``replay`` (it sends a recorded request again and posts ``Replayed`` here) and show its answer."""
        self.run_worker(replay, exclusive=True, group="rerun")

    def on_exchange_inspector_replayed(self, message: "ExchangeInspector.Replayed") -> None:
        message.stop()
        if message.exchange is None:
            self.app.notify(Text(f"Re-run failed: {message.error}"), severity="error")
        else:
            self.show_exchange(message.exchange)

    def compose(self) -> ComposeResult:
        yield Static(Text("No request yet. Open an endpoint from the tree.", style="dim"), id="inspector-summary")
        yield Tabs(Tab("Body", id="body"), Tab("Headers", id="headers"), id="inspector-tabs")
        with ContentSwitcher(initial="inspector-body"):
            yield JsonView(id="inspector-body")
            with VerticalScroll(id="inspector-headers-pane", classes="headers-scroll"):
                yield Static("", id="inspector-headers")

    def focus_body(self) -> None:
        """The inspector's keys (c, y, w, b, h) work while its body has focus."""
        self.query_one(JsonView).focus()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        pane = "inspector-body" if event.tab.id == "body" else "inspector-headers-pane"
        self.query_one(ContentSwitcher).current = pane
        if self.has_focus_within:
            self.query_one(f"#{pane}").focus()

    def action_show(self, which: str) -> None:
        self.query_one(Tabs).active = which

    def show_exchange(self, ex) -> None:
        self.exchange, self.item = ex, None
        self.query_one("#inspector-summary", Static).update(exchange_summary(ex))
        headers = headers_text("Response headers", ex.masked_response_headers())
        headers.append("\n")
        headers.append_text(headers_text("Request headers", ex.masked_request_headers()))
        self.query_one("#inspector-headers", Static).update(headers)
        view = self.query_one(JsonView)
        if ex.json is not None:
            view.load(value=ex.json)
        else:
            view.load(text=ex.text or "")

    def show_item(self, item: Any, title: str = "item") -> None:
        self.item = item
        self.query_one("#inspector-summary", Static).update(
            Text.assemble((" ITEM ", "bold black on cyan"), " ", safe_text(title, 200)))
        self.query_one(JsonView).load(value=item)
        self.action_show("body")

    # -- actions -------------------------------------------------------------------------
    def action_copy_curl(self) -> None:
        if self.exchange is None:
            self.app.notify("No request selected", severity="warning")
            return
        self.app.copy_to_clipboard(self.exchange.to_curl())
        self.app.notify(Text("Copied as curl (token as $AVEGRAPH_TOKEN)"))

    def _body_text(self) -> str:
        # pretty_text, not json.dumps: a value as deep as the parser accepts must copy and save too
        if self.item is not None:
            return _encodable_json(pretty_text(self.item))
        if self.exchange is None:
            return ""
        if self.exchange.json is not None:
            return _encodable_json(pretty_text(self.exchange.json))
        return self.exchange.text or ""

    def action_copy_body(self) -> None:
        self.app.copy_to_clipboard(self._body_text())
        self.app.notify(Text("Copied the body"))

    def action_save_body(self) -> None:
        from tui.ui.screens.prompt import PathPrompt

        def save(path: str | None) -> None:
            if not path:
                return
            from tui.files import write_text_atomic
            try:
                write_text_atomic(path, self._body_text())
            except OSError as exc:
                self.app.notify(Text(f"Could not save: {exc}"), severity="error")
                return
            self.app.notify(Text(f"Saved to {path}"))

        self.app.push_screen(PathPrompt("Save body to", "response.json"), save)
