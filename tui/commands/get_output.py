"""Where `avegraph get` writes its rows, page by page: stdout or ``--output`` (a temp file renamed
into place), through the streaming writers of ``tui.export``; ``table`` (for a person at a
terminal) holds at most ``TABLE_BOUND`` rows at a time and says so when it prints in blocks.
"""

from __future__ import annotations

import sys
from typing import Any

from tui.commands.common import eprint, to_table
from tui.textsafe import guard_stream

__all__ = ["ReaderGone", "StdoutSink", "FileSink", "TableWriter", "make_writer", "TABLE_BOUND"]

TABLE_BOUND = 10_000     # rows a table holds before it prints a block (column widths are per block)


class ReaderGone(Exception):
    """stdout's reader left (``avegraph get ... | head``): the walk stops, quietly."""


class StdoutSink:
    """stdout; when it is a terminal each write is made terminal-safe first (``guard_stream``: CSV
    to a terminal; JSON escapes its unsafe characters itself), to a pipe the rows go as they are."""

    target = None

    def write(self, text: str) -> None:
        try:
            out = guard_stream(sys.stdout)
            out.write(text)
            out.flush()
        except BrokenPipeError:
            try:
                sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - silence the interpreter's flush at exit
            except OSError:
                pass
            raise ReaderGone from None

    def finish(self, keep: bool = True) -> None:  # noqa: ARG002 - same call as FileSink
        try:
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass


class FileSink:
    """``--output FILE``: streamed into a temp file beside FILE, renamed over it by ``finish``; what
    was written is whole rows, so an interrupted walk keeps a complete file of what arrived."""

    def __init__(self, path: str):
        from tui.files import StreamedFile
        self.target = path
        self.file = StreamedFile(path)

    def write(self, text: str) -> None:
        self.file.write(text)

    def finish(self, keep: bool = True) -> None:
        if keep:
            self.file.commit()
        else:
            self.file.discard()


class TableWriter:
    """A fixed-width text table; rows are held until the walk ends or ``bound`` rows are held, then
    printed as one block (saying once on stderr that the table comes in blocks)."""

    def __init__(self, out: Any, columns: Any = None, bound: int = TABLE_BOUND):
        self.out = out
        self.columns = columns
        self.bound = bound
        self.rows = 0
        self._held: list[Any] = []
        self._blocks = 0

    def write(self, items: list[Any], last: bool = False) -> None:  # noqa: ARG002 - same call as CsvWriter
        for it in items:
            self._held.append(it)
            self.rows += 1
            if len(self._held) >= self.bound:
                self._flush()

    def _flush(self) -> None:
        if self._blocks == 0 and len(self._held) >= self.bound:
            eprint(f"avegraph: note: the table is printed in blocks of {self.bound:,} rows (a table holds its rows "
                   "to size its columns); --format csv or jsonl streams row by row")
        self._blocks += 1
        held, self._held = self._held, []
        self.out.write(to_table(held, self.columns))

    def close(self) -> None:
        if self._held or self._blocks == 0:
            self._flush()


def make_writer(fmt: str, out: Any, endpoint: Any, *, csv_raw: bool = False) -> Any:
    """The writer for ``--format``: rows go to ``out`` (a sink with ``write(text)``) as they come."""
    from tui.export import CsvWriter, JsonArrayWriter, JsonlWriter
    if fmt == "jsonl":
        return JsonlWriter(out)
    if fmt == "json":
        return JsonArrayWriter(out, single=endpoint.items_path is None)
    if fmt == "csv":
        return CsvWriter(out, endpoint.item_fields, raw=csv_raw)
    if fmt == "table":
        return TableWriter(out, endpoint.columns(limit=8))
    from tui.commands.common import UsageError
    raise UsageError(f"unknown format {fmt!r}")
