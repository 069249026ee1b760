"""Data formats shared by the CLI and the app: JSON, JSON lines, CSV. No terminal, no Textual.

These are data, so they stay faithful to what the server sent; what goes to a terminal is made
safe by ``tui.textsafe`` at the channel (``avegraph get --format table``, the app's widgets).
``jobs_export_text`` is the failed-jobs export the CLI and the app's ``e`` key both write.

The writers (``JsonlWriter``, ``JsonArrayWriter``, ``CsvWriter``) take a walk page by page and
write each page as it comes, so memory stays flat however many rows there are; what they have
written is always whole rows. CSV cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or CR; plain numbers excepted) get a leading ``'`` (OWASP CSV
injection) unless ``raw=True`` (``avegraph get --csv-raw``); the app's exports use the same rule.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["jobs_export_text", "to_csv", "to_json", "to_jsonl", "csv_cell", "JsonlWriter", "JsonArrayWriter",
           "CsvWriter", "EXTRA_COLUMN"]

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


# A spreadsheet runs a cell starting with one of these as a formula; a plain number is left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class _LineFeedRows:
    """Rows end in "\n", and a cell holding a CR is still quoted: the csv module quotes only the
    characters of its line terminator, so it writes "\r\n" rows and this turns their ends to "\n"."""

    def __init__(self, out: Any):
        self.out = out

    def write(self, row: str) -> Any:
        return self.out.write(row[:-2] + "\n" if row.endswith("\r\n") else row)


def _csv_writer(out: Any) -> Any:
    return csv.writer(_LineFeedRows(out), lineterminator="\r\n")


def csv_cell(value: Any, raw: bool = False) -> str:
    """One CSV cell: ``_cell`` text, with a leading ``'`` where a spreadsheet would see a formula."""
    text = _cell(value)
    if not raw and text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(items: list[Any], raw: bool = False) -> str:
    """Columns: the union of keys in first-seen order; nested values as compact JSON."""
    cols = _columns(items)
    buf = io.StringIO()
    w = _csv_writer(buf)
    w.writerow(cols)
    for it in items:
        row = it if isinstance(it, dict) else {"value": it}
        w.writerow([csv_cell(row.get(c), raw) for c in cols])
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------
# Streaming writers: one page at a time, whole rows only
# ------------------------------------------------------------------------------------------------

class JsonlWriter:
    """One JSON object per line."""

    def __init__(self, out: TextIO):
        self.out = out
        self.rows = 0

    def write(self, items: list[Any], last: bool = False) -> None:  # noqa: ARG002 - same call as CsvWriter
        if items:
            self.out.write(to_jsonl(items))
            self.rows += len(items)

    def close(self) -> None:
        """Nothing to finish: every line is whole."""


class JsonArrayWriter:
    """The same text as ``to_json(items)`` (an indented array), written item by item; ``close``
    ends the array. ``single``: a single-object endpoint prints its object, not an array of one."""

    def __init__(self, out: TextIO, single: bool = False):
        self.out = out
        self.single = single
        self.rows = 0
        self._held: list[Any] = []          # single-object endpoints: one page of one object

    def write(self, items: list[Any], last: bool = False) -> None:  # noqa: ARG002
        if self.single:
            self._held.extend(items)
            self.rows += len(items)
            return
        parts = []
        for it in items:
            text = _json_safe(json.dumps(it, indent=2, ensure_ascii=False, default=str))
            parts.append(("[\n" if self.rows == 0 else ",\n") + "  " + text.replace("\n", "\n  "))
            self.rows += 1
        if parts:
            self.out.write("".join(parts))

    def close(self) -> None:
        if self.single:
            held = self._held
            self.out.write(to_json(held[0] if len(held) == 1 else held))
        else:
            self.out.write("\n]\n" if self.rows else "[]\n")


EXTRA_COLUMN = "_extra"


class CsvWriter:
    """CSV with its header fixed when the first page comes: that page's keys, then the documented
    fields (``columns``) it lacked. When more pages follow, a last column ``_extra`` holds, as a
    JSON object, any field a later row has outside the header, so nothing is lost and nothing is
    reread. A walk of one page gets exactly ``to_csv``'s columns."""

    def __init__(self, out: TextIO, columns: Iterable[str] = (), raw: bool = False):
        self.out = out
        self.documented = [str(c) for c in columns]
        self.raw = raw
        self.rows = 0
        self.cols: list[str] | None = None
        self.extra = False
        self.extra_keys: dict[str, None] = {}   # fields that went to the _extra column
        self._buf = io.StringIO()
        self._csv = _csv_writer(self._buf)

    def write(self, items: list[Any], last: bool = False) -> None:
        if self.cols is None:
            self.cols = _columns(items)
            if not last:
                known = {c.lower() for c in self.cols}
                self.cols += [c for c in self.documented if c.lower() not in known]
                self.extra = EXTRA_COLUMN not in self.cols
            self._csv.writerow(self.cols + ([EXTRA_COLUMN] if self.extra else []))
        cols, raw = self.cols, self.raw
        header = set(cols)
        for it in items:
            row = it if isinstance(it, dict) else {"value": it}
            cells = [csv_cell(row.get(c), raw) for c in cols]
            if self.extra:
                more = {str(k): v for k, v in row.items() if str(k) not in header}
                if more:
                    self.extra_keys.update(dict.fromkeys(more))
                cells.append(csv_cell(more, raw) if more else "")
            self._csv.writerow(cells)
            self.rows += 1
        self.out.write(self._buf.getvalue())
        self._buf.seek(0)
        self._buf.truncate()

    def close(self) -> None:
        if self.cols is None:           # no page at all: an empty file, as to_csv([]) gives
            self.write([], last=True)


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
