"""Property and example tests for tui.textsafe (UI-free)."""

from __future__ import annotations

import json
import re
import string
import sys

from hypothesis import given, settings, strategies as st

from tui.textsafe import cell_text, safe_multiline, safe_text

settings.register_profile("textsafe", max_examples=500, deadline=None, database=None)
textsafe_settings = settings.get_profile("textsafe")

FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
FORBIDDEN_ML = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Text biased towards the dangerous ranges, plus arbitrary code points.
dangerous = st.sampled_from(
    ["\x1b", "\x07", "\x9b", "\x9d", "\x85", "\u202e", "\u2066", "\u200f", "\u061c",
     "\n", "\r", "\t", "\x7f", "\x00", "\ud800", "\u2028", "[/nope]", "[@click=app.quit]"]
)
hostile_text = st.lists(st.one_of(st.text(max_size=24), dangerous), max_size=6).map("".join)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | dangerous
# Two levels are all cell_text looks into (deeper containers are summarised).
json_values = st.one_of(
    json_scalars,
    st.lists(json_scalars | st.lists(json_scalars, max_size=3), max_size=4),
    st.dictionaries(st.text(max_size=6) | dangerous,
                    json_scalars | st.dictionaries(st.text(max_size=4), json_scalars, max_size=3), max_size=4),
)


@textsafe_settings
@given(hostile_text, st.integers(min_value=0, max_value=50))
def test_no_control_chars_survive(s: str, max_len: int) -> None:
    # one generated input checks all three entry points (keeps the file fast)
    out = safe_text(s)
    assert isinstance(out, str)
    assert FORBIDDEN.search(out) is None
    assert "\n" not in out

    multi = safe_multiline(s)
    assert FORBIDDEN_ML.search(multi) is None
    assert multi.count("\n") == s.replace("\r\n", "\n").count("\n")

    cut = safe_text(s, max_len)
    assert len(cut) <= max_len
    assert FORBIDDEN.search(cut) is None
    if len(out) <= max_len:
        assert cut == out
    elif max_len > 0:
        assert cut.endswith("…")


@textsafe_settings
@given(st.text(alphabet=string.printable[:95]))  # printable ASCII without \t\n\r\x0b\x0c
def test_printable_ascii_unchanged(s: str) -> None:
    assert safe_text(s) == s
    assert safe_multiline(s) == s
    assert cell_text(s) == s[:200] or len(s) > 200


@textsafe_settings
@given(json_values)
def test_cell_text_never_raises(value) -> None:
    out = cell_text(value)
    assert isinstance(out, str)
    assert FORBIDDEN.search(out) is None
    assert "\n" not in out


def test_visible_escapes() -> None:
    assert safe_text("a\x1b]0;pwned\x07b") == "a␛]0;pwned␇b"
    assert safe_text("l1\nl2\tx") == "l1↵l2⇥x"
    assert safe_text("x\u202ey") == "x\\u202ey"
    assert safe_text("\x9b31m") == "\\x9b31m"
    assert safe_text("\ud800") == "\\ud800"
    assert safe_multiline("a\r\nb\rc") == "a\nb␍c"
    assert safe_text("abcdef", 4) == "abc…"
    assert safe_text("abcd", 4) == "abcd"


def test_markup_is_plain_text() -> None:
    for s in ("[/nope]", "job [id=5]", "[@click=app.quit]x[/]"):
        assert safe_text(s) == s
        assert cell_text(s) == s


def test_cell_text_values() -> None:
    assert cell_text(None) == ""
    assert cell_text(True) == "true"
    assert cell_text(False) == "false"
    assert cell_text(0) == "0"
    assert cell_text(1.5) == "1.5"
    assert cell_text(2**70) == str(2**70)
    assert cell_text([]) == "[]"
    assert cell_text({}) == "{}"
    assert cell_text([1, 2, 3]) == "[1, 2, 3]"
    assert cell_text(list(range(50))) == "[50 items]"
    assert cell_text([{"a": 1}]) == "[1 item]"
    assert cell_text({"a": 1, "b": {"c": 2}}) == "{a: 1, b: {…}}"
    wide = cell_text({f"key{i}": "v" * 30 for i in range(20)})
    assert wide.endswith("…}") and len(wide) <= 200
    assert cell_text("x\x1b") == "x␛"


def test_cell_text_huge_int_and_odd_objects() -> None:
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit:
        assert "digit" in cell_text(10 ** (limit + 10))
    class Evil:
        def __str__(self):
            raise RuntimeError("boom")
        __repr__ = __str__
    assert cell_text(Evil()) == "<Evil>"
    assert cell_text(json.loads('{"a": NaN}')["a"]) == "nan"
