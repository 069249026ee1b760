"""Data formats shared by the CLI and the app: JSON, JSON lines, CSV. No terminal, no Textual.

These are data, so they stay faithful to what the server sent; what goes to a terminal is made
safe by ``tui.textsafe`` at the channel (``avegraph get --format table``, the app's widgets).
``jobs_export_text`` is the failed-jobs export the CLI and the app's ``e`` key both write.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["jobs_export_text", "to_csv", "to_json", "to_jsonl"]

# C1 controls, bidi overrides and other invisible characters: escaped in JSON output (json.dumps
# already escapes C0 controls) so that data printed to a terminal cannot drive it.
# lone surrogates too: a body json.loads accepted may hold one, and stdout cannot encode it;
# and the invisible tag characters (U+E0000-E007F), written as the surrogate pair JSON spells them.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb"
                          "\ud800-\udfff\U000e0000-\U000e007f]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _json_safe(text: str) -> str:
    return _JSON_UNSAFE.sub(_json_escape, text)


def to_json(value: Any) -> str:
    return _json_safe(json.dumps(value, indent=2, ensure_ascii=False, default=str)) + "\n"


def to_jsonl(items: Iterable[Any]) -> str:
    return "".join(_json_safe(json.dumps(it, ensure_ascii=False, separators=(",", ":"), default=str)) + "\n"
                   for it in items)


def _columns(rows: list[Any]) -> list[str]:
    cols: dict[str, None] = {}
    for r in rows:
        if isinstance(r, dict):
            for k in r:
                cols.setdefault(str(k), None)
        else:
            cols.setdefault("value", None)
    return list(cols)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def to_csv(items: list[Any]) -> str:
    """Columns: the union of keys in first-seen order; nested values as compact JSON."""
    cols = _columns(items)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for it in items:
        row = it if isinstance(it, dict) else {"value": it}
        w.writerow([_cell(row.get(c)) for c in cols])
    return buf.getvalue()




def jobs_export_text(jobs: list[Any], path: str) -> str | None:
    """The file's text for ``path``'s extension (.csv or .json); None for any other."""
    from tui.triage import FLAT_COLUMNS
    low = path.lower()
    if low.endswith(".json"):
        return to_json([j.to_dict() for j in jobs])
    if low.endswith(".csv"):
        if not jobs:                      # the header alone: a monitoring script still sees the columns
            return ",".join(FLAT_COLUMNS) + "\n"
        return to_csv([j.flat() for j in jobs])
    return None
