"""JsonView: pretty-print once, highlight only the visible lines."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tests.ui_helpers import settle
from tui.ui.widgets import json_view as json_view_module
from tui.ui.widgets.json_view import MAX_LINE, JsonView, pretty_json


class ViewApp(App):
    def compose(self) -> ComposeResult:
        yield JsonView(id="j")

    def on_mount(self) -> None:
        self.query_one(JsonView).focus()


def view_of(app: App) -> JsonView:
    return app.query_one(JsonView)


def screen_lines(view: JsonView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


async def test_loads_a_dict_and_highlights():
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        view.load({"name": "x", "n": 12, "ok": True, "none": None, "list": [1.5, "s"]})
        await settle(pilot)
        rendered = screen_lines(view)
        assert rendered[0].rstrip() == "{"
        assert rendered[1].rstrip() == '  "name": "x",'
        assert rendered[-1].strip() == ""
        assert view.line_count == 10

        def style_of(y: int, text: str):
            return next(seg.style for seg in view.render_line(y) if seg.text == text)

        key = style_of(1, '"name"')
        string = style_of(1, '"x"')
        number = style_of(2, "12")
        literal = style_of(3, "true")
        assert len({key.color, string.color, number.color, literal.color}) == 4
        assert key.color == view.get_component_rich_style("json-view--key", partial=True).color
        # the cursor line carries the cursor background
        cursor_bg = view.get_component_rich_style("json-view--cursor").bgcolor
        assert all(seg.style.bgcolor == cursor_bg for seg in view.render_line(0))
        await pilot.press("down", "down")
        assert view.cursor_line == 2
        assert list(view.render_line(2))[0].style.bgcolor == cursor_bg


async def test_escapes_control_bidi_and_c1_and_markup_is_literal():
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        view.load({"t": "a\x1b]0;pwned\x07b \u202eevil \x9b31m [/nope] [@click=app.quit]x[/]"})
        await settle(pilot)
        text = "\n".join(screen_lines(view))
        assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text and "\x07" not in text
        assert "\\u202e" in text and "\\x9b" in text and "\\u001b" in text
        assert "[/nope] [@click=app.quit]x[/]" in text
        for y in range(3):
            for seg in view.render_line(y):
                assert not (seg.style and seg.style.meta)
        await pilot.press("enter", "down")
        assert app.is_running


async def test_raw_html_text_shown_as_text():
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        view.load(text="<html>\r\n<body>\x1b[31m[b]red[/b]</body>\r\n\tx</html>\n")
        await settle(pilot)
        rendered = [line.rstrip() for line in screen_lines(view)[:4]]
        assert rendered == ["<html>", "<body>␛[31m[b]red[/b]</body>", "    x</html>", ""]
        assert view.line_count == 3
        # plain text: a single style on the line, no highlighting
        assert len({seg.style for seg in view.render_line(1)}) == 1


async def test_one_megabyte_body_loads_and_long_lines_truncate():
    # how fast: the benchmark's inspector row (python -m tests.bench), not a wall-clock assert here
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        body = {"value": [{"id": i, "name": f"item {i}", "tags": ["a", "b"], "size": i * 3}
                          for i in range(12_000)], "long": "z" * 5_000}
        view.load(body)
        for y in range(view.size.height):
            view.render_line(y)
        assert len(view.text) > 1_000_000
        long_index = view.find('"long"')
        assert long_index is not None
        view.move_cursor(long_index)
        await settle(pilot)
        strip = view._line_strip(long_index)
        assert strip.cell_length == MAX_LINE + 1 and strip.text.endswith("…")
        assert view.virtual_size.width == MAX_LINE + 1
        await pilot.press("end")
        assert view.cursor_line == view.line_count - 1
        await pilot.press("home", "pagedown")
        assert view.cursor_line == view.scrollable_content_region.height


async def test_find_wraps_and_is_case_insensitive():
    app = ViewApp()
    async with app.run_test(size=(80, 24)):
        view = view_of(app)
        view.load({"a": "Alpha", "b": "beta", "c": "alphabet"})
        assert view.find("ALPHA") == 1
        assert view.find("alpha", start=2) == 3
        assert view.find("alpha", start=4) == 1  # wraps
        assert view.find("alpha", backwards=True) == 3
        assert view.find("Alpha", case_sensitive=True, start=2) == 1
        assert view.find("nothing") is None
        view.move_cursor(view.find("beta"))
        assert view.cursor_line == 2


def test_pretty_json_fallbacks():
    assert pretty_json({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
    assert '"big": 18446744073709551616' in pretty_json({"big": 2**64})  # orjson refuses > 64 bit
    assert '"1": "x"' in pretty_json({1: "x"})  # non-str keys
    assert pretty_json(None) == "null"
    assert "digit" in pretty_json({"huge": 10**5000})


def test_pretty_text_of_a_value_deeper_than_the_recursion_limit():
    """json.loads accepts ~1,000 levels, orjson.dumps 255, json.dumps (recursive) fewer than the
    recursion limit: the explicit-stack printer writes the same layout at any depth."""
    from tui.ui.widgets.json_view import _dumps_without_recursion, pretty_text
    value = json.loads("[" * 900 + "]" * 900)
    deep: Any = "bottom"
    for i in range(3000):
        deep = [deep] if i % 2 else {f"k{i}": deep}
    text = pretty_text(value)
    assert json.loads(text) == value and pretty_json(value) == text
    text = pretty_text(deep)
    assert pretty_json(deep) == text
    assert text.count("\n") == 2 * 3000 and '"bottom"' in text and text.endswith("\n]")
    sample = {"a": [1, 2.5, None, True, {}, [], {"b": "x\u202e\"\n"}], "c": float("nan"), "d": -float("inf")}
    assert _dumps_without_recursion(sample) == json.dumps(sample, indent=2, ensure_ascii=False)
    assert '"1": "x"' in _dumps_without_recursion({1: "x"})
    assert "digit" in _dumps_without_recursion([10**5000])
    loop: list = []
    loop.append(loop)
    assert "circular" in _dumps_without_recursion(loop)     # never an endless walk


async def test_lazy_line_splitting_matches_split(monkeypatch):
    monkeypatch.setattr(json_view_module, "FIRST_CHUNK", 50)
    monkeypatch.setattr(json_view_module, "CHUNK", 100)
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        for text in ["", "one", "a\n", "a\n\nb\n\n", "x" * 500 + "\nshort\n" + "y" * 300,
                     "\n".join(f"line {i} " + "z" * (i % 37) for i in range(400))]:
            view.load(text=text)
            expected = text.split("\n")
            if len(expected) > 1 and expected[-1] == "":
                expected.pop()
            assert view.line_count == len(expected)
            view.move_cursor(len(expected) - 1)  # renders the last lines before the split is done
            for y in range(view.size.height):
                view.render_line(y)
            assert list(view.lines) == expected
        # the rest of a document is split between events, without any caller asking
        value = {"k": list(range(200)), "ü": ["日本語 ✓ \u202e"] * 30}
        view.load(value)
        assert view._source is not None
        await settle(pilot)
        assert view._source is None
        assert list(view._lines) == pretty_json(value).split("\n")
        assert view.line_count == len(view._lines) == 236
        view.move_cursor(view.line_count - 3)
        await settle(pilot)
        text = "\n".join(view.render_line(y).text for y in range(view.size.height))
        assert "日本語 ✓ \\u202e" in text


def test_body_text_with_a_lone_surrogate_can_be_copied_and_saved():
    """json.loads (the HTTP layer's fallback) keeps "\\ud800" as a lone surrogate: the inspector's
    copy/save text must still encode as UTF-8, and mean the same JSON."""
    from tui.ui.widgets.inspector import _encodable_json
    from tui.ui.widgets.json_view import pretty_text
    value = {"name": "a\ud800b", "ok": "漢字"}
    text = _encodable_json(pretty_text(value))
    text.encode("utf-8")
    assert json.loads(text) == value and "漢字" in text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab\n日\u202e", max_size=40), max_size=8), st.integers(0, 50))
def test_line_store_reads_back_the_lines_of_its_chunks(parts, limit):
    """LineStore keeps chunks plus line starts: indexing, slicing, iterating and text() agree
    with str.split on the chunks joined at line ends, the limit included."""
    from tui.ui.widgets.json_view import LineStore
    store = LineStore()
    expected: list[str] = []
    for part in parts:
        store.append_chunk(part, limit=limit)
        expected = (expected + part.split("\n"))[:limit]
    assert len(store) == len(expected)
    assert list(store) == expected == [store[i] for i in range(len(store))]
    assert store[1:3] == expected[1:3]
    if expected:
        assert store[-1] == expected[-1]
    assert store.text() == "\n".join(expected)
