"""The rows of a ``PagedTable``, apart from the widget: storage, and the order the user sees.

* ``RowStore``: append-only rows with incrementally tracked columns, cell texts and widths.
* ``RowOrder``: which rows pass the filter and in what sort order, kept up to date on append
  (O(page) unsorted, O(page · log n) comparisons sorted).

Both are plain Python (no Textual): the widget turns positions into lines on screen.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Iterable, Sequence

from rich.cells import cell_len, set_cell_size

from ...textsafe import cell_text, safe_text

__all__ = ["COLUMN_OVERHEAD", "ELLIPSIS", "RowOrder", "RowStore", "SEPARATOR", "fit_cell", "sort_key"]

ELLIPSIS = "…"
SEPARATOR = "│"
#: cells per column besides the text: one space each side plus the separator
COLUMN_OVERHEAD = 3


def fit_cell(text: str, width: int) -> str:
    """Pad or truncate ``text`` to exactly ``width`` terminal cells (``…`` when cut)."""
    if width <= 0:
        return ""
    if text.isascii():
        n = len(text)
        if n == width:
            return text
        if n < width:
            return text + " " * (width - n)
        return text[: width - 1] + ELLIPSIS
    n = cell_len(text)
    if n <= width:
        return text + " " * (width - n)
    return set_cell_size(text, width - 1) + ELLIPSIS


def _as_mapping(row: Any) -> dict:
    return row if isinstance(row, dict) else {"value": row}


class RowStore:
    """Append-only storage of rows with incrementally tracked columns.

    * ``rows``: the original objects (usually dicts), in load order.
    * ``cells``: per row, a tuple of cell strings indexed by *column id*
      (discovery order); rows loaded before a column appeared have shorter
      tuples, and a missing cell is ``""``.
    * ``hay``: per row, the lowercase cell texts joined by tabs (filter haystack);
    * ``keys``: column id → key; ``order``: the display order (column ids),
      ``preferred`` keys first in their given order, then discovery order.
    * ``widths``: per column id, max cell width in cells (header included),
      capped at ``max_width`` or at the column's own cap in ``caps`` (key → width).
    """

    def __init__(
        self,
        preferred: Sequence[str] = (),
        max_width: int = 40,
        cell_max_len: int = 200,
        caps: dict[str, int] | None = None,
    ) -> None:
        self.max_width = max_width
        self.cell_max_len = cell_max_len
        self.caps: dict[str, int] = dict(caps or {})
        self._caps: list[int] = []          # per column id: its cap
        self.rows: list[Any] = []
        self.cells: list[tuple[str, ...]] = []
        self.hay: list[str] = []
        self.keys: list[str] = []
        self.ids: dict[str, int] = {}
        self.widths: list[int] = []
        self.order: list[int] = []
        self._preferred_rank: dict[str, int] = {}
        self._last_keys: tuple = ()
        self._last_ids: list[int] = []
        self.set_preferred(preferred)

    def __len__(self) -> int:
        return len(self.rows)

    def set_preferred(self, preferred: Sequence[str]) -> None:
        self._preferred_rank = {key: i for i, key in enumerate(preferred)}
        self._reorder()

    def _reorder(self) -> None:
        rank = self._preferred_rank
        big = len(rank)
        self.order = sorted(
            range(len(self.keys)),
            key=lambda cid: (rank.get(self.keys[cid], big), cid),
        )

    def _add_column(self, key: str) -> int:
        cid = len(self.keys)
        self.keys.append(key)
        self.ids[key] = cid
        cap = self.caps.get(key, self.max_width)
        self._caps.append(cap)
        self.widths.append(min(cell_len(safe_text(key)), cap))
        if key in self._preferred_rank:
            self._reorder()
        else:
            self.order.append(cid)
        return cid

    def append(self, rows: Iterable[Any]) -> bool:
        """Append rows; return True when columns or column widths changed."""
        ids = self.ids
        widths = self.widths
        caps = self._caps
        max_len = self.cell_max_len
        changed = False
        out_rows = self.rows
        out_cells = self.cells
        out_hay = self.hay
        for row in rows:
            mapping = _as_mapping(row)
            keys = tuple(mapping)
            if keys == self._last_keys:
                row_ids = self._last_ids
            else:
                row_ids = []
                for key in keys:
                    skey = key if type(key) is str else str(key)
                    cid = ids.get(skey)
                    if cid is None:
                        cid = self._add_column(skey)
                        changed = True
                    row_ids.append(cid)
                self._last_keys = keys
                self._last_ids = row_ids
            cells = [""] * (max(row_ids) + 1 if row_ids else 0)
            for cid, value in zip(row_ids, mapping.values()):
                text = cell_text(value, max_len)
                cells[cid] = text
                n = len(text)
                if n > widths[cid] or not text.isascii():
                    w = min(cell_len(text), caps[cid])
                    if w > widths[cid]:
                        widths[cid] = w
                        changed = True
            out_rows.append(row)
            out_cells.append(tuple(cells))
            out_hay.append("\t".join(cells).lower())
        return changed

    def set_caps(self, caps: dict[str, int]) -> bool:
        """Cap these columns' widths (the others at ``max_width``); True when a width changed.
        Measures every cell of a column whose cap changed: O(rows) once, not on every append."""
        caps = dict(caps)
        if caps == self.caps:
            return False
        self.caps = caps
        changed = False
        for cid, key in enumerate(self.keys):
            cap = caps.get(key, self.max_width)
            if cap == self._caps[cid]:
                continue
            self._caps[cid] = cap
            width = cell_len(safe_text(key))
            for cells in self.cells:
                if cid < len(cells) and width < cap:
                    text = cells[cid]
                    n = len(text) if text.isascii() else cell_len(text)
                    if n > width:
                        width = n
            width = min(width, cap)
            if width != self.widths[cid]:
                self.widths[cid] = width
                changed = True
        return changed

    def key_at(self, column: int) -> str | None:
        """The key of the column shown at ``column`` (None out of range)."""
        return self.keys[self.order[column]] if 0 <= column < len(self.order) else None

    def cell(self, row_id: int, cid: int) -> str:
        cells = self.cells[row_id]
        return cells[cid] if cid < len(cells) else ""

    def value(self, row_id: int, key: str) -> Any:
        row = self.rows[row_id]
        return row.get(key) if isinstance(row, dict) else (row if key == "value" else None)

    def as_tsv(self, row_ids: Iterable[int]) -> str:
        """Header + the rows ``row_ids`` as tab-separated cell texts (tabs/newlines are escaped)."""
        order = self.order
        lines = ["\t".join(safe_text(self.keys[cid]) for cid in order)]
        for r in row_ids:
            cells = self.cells[r]
            n = len(cells)
            lines.append("\t".join(cells[cid] if cid < n else "" for cid in order))
        return "\n".join(lines) + "\n"

    def clear(self) -> None:
        preferred = list(self._preferred_rank)
        self.__init__(preferred, self.max_width, self.cell_max_len, self.caps)  # type: ignore[misc]


def sort_key(value: Any) -> tuple | None:
    """Numbers numerically (group 0), everything else as text (group 1), None → None."""
    if value is None:
        return None
    t = type(value)
    if t is int:
        return (0, value)
    if t is float:
        return (0, value) if value == value else (0, float("inf"))
    if t is str:
        return (1, value.casefold())
    if t is bool:
        return (1, "true" if value else "false")
    return (1, cell_text(value).casefold())


class RowOrder:
    """The visible rows of a ``RowStore``: filtered (``set_filter``) and sorted (``sort_by``).

    ``index`` is None while every row shows in load order (no filter, no sort); otherwise the
    load-order ids of the visible rows, in display order. ``sorted_ids`` is every id in sort order.
    """

    def __init__(self, store: RowStore, pinned: Callable[[Any], bool] | None = None) -> None:
        self.store = store
        # row -> True for rows that sort before all others, whatever the column and direction
        # (the failed-jobs screen's new failures); None: a plain sort.
        self.pinned = pinned
        self.reset()

    def reset(self) -> None:
        self.index: list[int] | None = None
        self.filter_text = ""
        self.needle = ""
        self.invert = False
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.sort_keys: list[tuple | None] = []
        self.sorted_ids: list[int] | None = None

    def __len__(self) -> int:
        return len(self.store) if self.index is None else len(self.index)

    def row_id_at(self, position: int) -> int:
        return position if self.index is None else self.index[position]

    def ids(self) -> Iterable[int]:
        return self.index if self.index is not None else range(len(self.store))

    def matches(self, row_id: int) -> bool:
        return (self.needle in self.store.hay[row_id]) != self.invert

    def set_filter(self, text: str) -> None:
        """Rows containing ``text`` in any cell (case-insensitive); a leading ``!`` inverts."""
        text = text or ""
        invert = text.startswith("!")
        self.filter_text = text
        self.needle = (text[1:] if invert else text).lower()
        self.invert = invert and bool(self.needle)
        self.rebuild()

    def sort_by(self, column: str | None, reverse: bool = False) -> None:
        """Numbers numerically before text, text case-insensitively, missing values last."""
        if column is None:
            self.sort_column, self.sort_keys, self.sorted_ids = None, [], None
        else:
            self.sort_column, self.sort_reverse = column, reverse
            keys = [self._key(r, column) for r in range(len(self.store))]
            present = [r for r in range(len(keys)) if keys[r] is not None]
            missing = [r for r in range(len(keys)) if keys[r] is None]
            present.sort(key=keys.__getitem__, reverse=reverse)
            self.sort_keys, self.sorted_ids = keys, present + missing
        self.rebuild()

    def next_sort(self, key: str) -> tuple[str | None, bool]:
        """What sorting by ``key`` again means: ascending, then descending, then load order."""
        if self.sort_column != key:
            return key, False
        return (key, True) if not self.sort_reverse else (None, False)

    def _key(self, row_id: int, column: str) -> tuple | None:
        """The sort key of a row; with ``pinned``, (group, has a value, key): pinned rows first and
        rows without a value last within each group, in either direction (never None)."""
        k = sort_key(self.store.value(row_id, column))
        if self.pinned is None:
            return k
        first = bool(self.pinned(self.store.rows[row_id]))
        if self.sort_reverse:
            return (int(first), int(k is not None), k or ())
        return (int(not first), int(k is None), k or ())

    def rebuild(self) -> None:
        needle = self.needle
        if needle:
            hay = self.store.hay
            ids = self.sorted_ids if self.sorted_ids is not None else range(len(hay))
            if self.invert:
                self.index = [r for r in ids if needle not in hay[r]]
            else:
                self.index = [r for r in ids if needle in hay[r]]
        elif self.sorted_ids is not None:
            self.index = list(self.sorted_ids)
        else:
            self.index = None

    def position_of(self, row_id: int | None, fallback: int) -> int:
        """Where ``row_id`` shows now (``fallback``, clamped, when filtered out)."""
        count = len(self)
        pos = 0
        if row_id is not None and count:
            if self.index is None:
                pos = row_id
            elif self.sorted_ids is None:       # unsorted index is ascending: binary search
                i = bisect_right(self.index, row_id) - 1
                pos = i if i >= 0 and self.index[i] == row_id else min(fallback, count - 1)
            else:
                try:
                    pos = self.index.index(row_id)
                except ValueError:
                    pos = min(fallback, count - 1)
        return max(0, min(pos, count - 1))

    def appended(self, new_ids: range, cursor: int) -> tuple[int, int]:
        """Account for rows just appended to the store: (first position that changed, how many
        rows sorted in at or above ``cursor``)."""
        first_changed, shift = new_ids.start, 0
        if self.sort_column is not None:
            key = self.sort_column
            self.sort_keys.extend(self._key(r, key) for r in new_ids)
            assert self.sorted_ids is not None
            for r in new_ids:
                self._insert_sorted(self.sorted_ids, r)
        if self.index is not None:
            matching = [r for r in new_ids if self.matches(r)] if self.needle else list(new_ids)
            first_changed = len(self.index)
            if self.sort_column is None:
                self.index.extend(matching)
            else:
                # The cursor stays on its row as rows sort in above it (at the top it stays at the
                # top: a live list, newest first, reads from its head).
                track = bool(self.index) and cursor > 0
                for r in matching:
                    pos = self._insert_sorted(self.index, r)
                    first_changed = min(first_changed, pos)
                    if track and pos <= cursor + shift:
                        shift += 1
        return first_changed, shift

    def _insert_sorted(self, lst: list[int], row_id: int) -> int:
        """Insert ``row_id`` into a list ordered like ``sorted_ids``; return its position."""
        keys = self.sort_keys
        k = keys[row_id]
        lo, hi = 0, len(lst)             # nulls form the tail of the list in both directions
        while lo < hi:
            mid = (lo + hi) // 2
            if keys[lst[mid]] is None:
                hi = mid
            else:
                lo = mid + 1
        boundary = lo
        if k is None:
            lst.append(row_id)
            return len(lst) - 1
        if not self.sort_reverse:
            pos = bisect_right(lst, k, 0, boundary, key=keys.__getitem__)  # type: ignore[arg-type]
        else:
            lo, hi = 0, boundary
            while lo < hi:  # first position whose key is strictly smaller
                mid = (lo + hi) // 2
                if keys[lst[mid]] < k:  # type: ignore[operator]
                    hi = mid
                else:
                    lo = mid + 1
            pos = lo
        lst.insert(pos, row_id)
        return pos
