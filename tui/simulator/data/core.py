"""The building blocks of the simulator's data: queries, collections, the generator registry.

Every product module (``m365``, ``aos``, ``saas``…) registers its generators here with the
decorators ``collection``, ``detail``, ``order``, ``filters`` and ``keyed``; ``Dataset``
(dataset.py) looks them up by endpoint id. The helpers below are what several products share:
weighted choices, newest-first time spreads, items varied from the documentation's sample.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from bisect import bisect_right
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from tui.catalog import Endpoint
from tui.simulator.generate import parse_time

if TYPE_CHECKING:
    from tui.simulator.data.dataset import Dataset

__all__ = ["BadRequest", "Collection", "NotFound", "Query"]


class NotFound(Exception):
    """An id in the path (or an id-like body field) that the data does not hold."""


class BadRequest(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Query:
    """Query parameters (and body fields) looked up case-insensitively, repeatable keys kept."""

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()):
        self._d: dict[str, list[Any]] = {}
        self.names: dict[str, str] = {}
        for k, v in pairs:
            self._d.setdefault(k.lower(), []).append(v)
            self.names.setdefault(k.lower(), k)

    @classmethod
    def of(cls, mapping: Mapping[str, Any] | None) -> "Query":
        pairs = []
        for k, v in (mapping or {}).items():
            if isinstance(v, (list, tuple)):
                pairs.extend((k, x) for x in v)
            else:
                pairs.append((k, v))
        return cls(pairs)

    def has(self, name: str) -> bool:
        vals = self._d.get(name.lower())
        return bool(vals) and any(v not in (None, "") for v in vals)

    def get(self, name: str, default: Any = None) -> Any:
        vals = self._d.get(name.lower())
        if not vals:
            return default
        for v in vals:
            if v not in (None, ""):
                return v
        return default

    def getlist(self, name: str, split: bool = True) -> list[str]:
        out: list[str] = []
        for v in self._d.get(name.lower(), []):
            if v is None or v == "":
                continue
            if isinstance(v, (list, tuple)):
                out.extend(str(x) for x in v)
            elif split and isinstance(v, str) and "," in v:
                out.extend(p.strip() for p in v.split(",") if p.strip())
            else:
                out.append(str(v) if not isinstance(v, bool) else str(v).lower())
        return out

    def items(self) -> list[tuple[str, Any]]:
        return [(self.names[k], v) for k, vals in self._d.items() for v in vals]

    def key(self, skip: Iterable[str] = ()) -> tuple:
        skip_l = {s.lower() for s in skip}
        return tuple(sorted((k, tuple(str(x) for x in v)) for k, v in self._d.items() if k not in skip_l))


class Collection:
    """A list of items plus filter columns; items may be built on first access.

    Built-on-demand items are deterministic, so at most ``LAZY_CACHE`` of them are kept (a
    ``--scale 20`` audit log would otherwise hold 400,000 dicts); the rest are rebuilt if asked
    for again.
    """

    __slots__ = ("n", "_items", "_lazy", "_make", "cols", "extra", "_lock")
    LAZY_CACHE = 50_000

    def __init__(self, items: list[dict] | None = None, *, n: int | None = None,
                 make: Callable[[int], dict] | None = None, cols: dict[str, list] | None = None,
                 extra: dict | None = None):
        self._items: list[dict] | None = None
        self._lazy: dict[int, dict] = {}
        if items is not None:
            self._items = items
            self.n = len(items)
        else:
            assert n is not None and make is not None
            self.n = n
        self._make = make
        self.cols = cols or {}
        self.extra = extra or {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.n

    def get(self, i: int) -> dict:
        if self._items is not None:
            return self._items[i]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        it = self._lazy.get(i)
        if it is None:
            it = self._make(i)          # deterministic: a race builds the same item twice at worst
            with self._lock:
                self._lazy[i] = it
                if len(self._lazy) > self.LAZY_CACHE:
                    for k in list(self._lazy)[: self.LAZY_CACHE // 10]:
                        del self._lazy[k]
        return it

    def all(self) -> list[dict]:
        return [self.get(i) for i in range(self.n)]

    def column(self, name: str) -> list:
        col = self.cols.get(name)
        if col is None:
            with self._lock:
                col = self.cols.get(name)
                if col is None:
                    path = name.split(".")
                    col = []
                    for i in range(self.n):
                        v: Any = self.get(i)
                        for p in path:
                            v = v.get(p) if isinstance(v, dict) else None
                        col.append(v)
                    self.cols[name] = col
        return col

    def index_of(self, field: str, value: Any) -> int | None:
        col = self.column(field)
        sv = str(value).lower()
        for i, v in enumerate(col):
            if v is not None and str(v).lower() == sv:
                return i
        return None


# ---------------------------------------------------------------------------------------------
# The registry: endpoint id -> generator. Each returns a Collection (collections) or a payload
# (details); the generators cache what they build on the Dataset.
# ---------------------------------------------------------------------------------------------

Predicate = Callable[[int], bool]
COLLECTIONS: dict[str, Callable[["Dataset", Endpoint, dict], Collection]] = {}
DETAILS: dict[str, Callable[["Dataset", Endpoint, dict, Query], Any]] = {}
ORDERS: dict[str, Callable[["Dataset", Collection, Query, list[int]], list[int]]] = {}
FILTERS: dict[str, Callable[["Dataset", Endpoint, Collection, Query, Query], list[Predicate]]] = {}
KEYED: dict[str, Callable[["Dataset", Endpoint, Query, Query], Collection]] = {}


def _register(table: dict, ids: tuple[str, ...]):
    def deco(fn):
        for i in ids:
            table[i] = fn
        return fn
    return deco


def collection(*ids: str):
    """``fn(ds, endpoint, path_params) -> Collection`` serves these collection endpoints."""
    return _register(COLLECTIONS, ids)


def detail(*ids: str):
    """``fn(ds, endpoint, path_params, query) -> payload`` serves these detail/singleton endpoints."""
    return _register(DETAILS, ids)


def order(*ids: str):
    """``fn(ds, coll, query, indices) -> indices``: the order a request asks for (default: server order)."""
    return _register(ORDERS, ids)


def filters(*ids: str):
    """``fn(ds, endpoint, coll, query, body) -> [predicate over an item index]``: the documented filters.

    An id ``"family.*"`` applies to every endpoint of that family without one of its own."""
    return _register(FILTERS, ids)


def keyed(*ids: str):
    """``fn(ds, endpoint, query, body) -> Collection`` for collections whose identity is in the request."""
    return _register(KEYED, ids)


def filters_for(endpoint_id: str):
    return FILTERS.get(endpoint_id) or FILTERS.get(endpoint_id.split(".", 1)[0] + ".*")


def keyed_collection(ds: "Dataset", e: Endpoint, q: Query, body: Query) -> Collection | None:
    """Collections whose identity comes from required query/body values rather than the path."""
    build = KEYED.get(e.id)
    return build(ds, e, q, body) if build else None


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------

_CUM: dict[int, tuple[tuple, list[float], float, tuple]] = {}


def _cum(table: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float], float]:
    hit = _CUM.get(id(table))
    if hit is None or hit[3] is not table:
        values = [v for v, _ in table]
        cum, acc = [], 0.0
        for _, w in table:
            acc += w
            cum.append(acc)
        hit = _CUM[id(table)] = (values, cum, acc, table)
    return hit[0], hit[1], hit[2]


def weighted(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    """One weighted choice from ((value, weight), ...)."""
    values, cum, total = _cum(table)
    return values[min(bisect_right(cum, rng.random() * total), len(values) - 1)]


def weighted_column(rng: random.Random, table: tuple[tuple[Any, float], ...], k: int) -> list[Any]:
    """k weighted choices (one column of a large collection)."""
    values, cum, total = _cum(table)
    last = len(values) - 1
    rnd = rng.random
    return [values[min(bisect_right(cum, rnd() * total), last)] for _ in range(k)]


def duration_hms(seconds: float) -> str:
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{d}.{h:02d}:{m:02d}:{s:02d}" if d else f"{h:02d}:{m:02d}:{s:02d}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def key_of(values: Iterable[str]) -> str:
    """A short stable key for a set of values (a cache key for a collection named by a list)."""
    return hashlib.blake2b("|".join(sorted(v.lower() for v in values)).encode(), digest_size=6).hexdigest()


def public(d: dict) -> dict:
    """The item without its hidden ``_`` fields."""
    return {k: v for k, v in d.items() if not k.startswith("_")}


def labels(ds: "Dataset", eid: str, param: str) -> dict[int, str]:
    return {int(v.value): v.label for v in ds.endpoint(eid).param(param).enum}


# Status plans: (code, weight); "recent" is the code of a job started within the last hour.
PLANS: dict[str, tuple[tuple[tuple[Any, float], ...], Any]] = {
    "m365": (((2, 92.5), (3, 3.0), (4, 3.0), (5, 1.5)), 1),
    "d365": (((3, 91.0), (4, 4.5), (7, 4.5)), 2),
    "iaas": (((2, 88.0), (16, 4.5), (8, 4.5), (64, 1.0), (4, 1.5), (32, 0.5)), 1),
    "google": (((2, 91.0), (3, 4.5), (7, 4.5)), 0),
    "salesforce": (((2, 88.0), (4, 4.5), (3, 4.5), (5, 1.0), (6, 1.0), (7, 1.0)), 1),
    "aos": (((2, 88.0), (3, 5.0), (4, 4.0), (5, 2.0), (10, 1.0)), 1),
    "dmso": (((200, 95.0), (500, 5.0)), 200),
    "elements": (((2, 66.0), (3, 7.0), (4, 6.0), (5, 2.0), (6, 1.0), (7, 3.0), (8, 2.0), (9, 1.0), (10, 2.0),
                  (11, 1.0), (12, 1.0), (13, 1.0), (14, 3.0), (0, 1.0)), 1),
    "process": (((2, 80.0), (3, 8.0), (5, 7.0), (4, 3.0)), 1),
}


def status_for(r: random.Random, plan_name: str, started: float, now: float) -> Any:
    plan, recent = PLANS[plan_name]
    if now - started < 3600:
        return recent
    return weighted(r, plan)


def spread_times(ds: "Dataset", r: random.Random, n: int, days: float = 90.0) -> list[float]:
    """n epoch seconds over the last ``days``, newest first."""
    now = ds.now.timestamp()
    span = days * 86400
    return sorted((now - r.random() * span for _ in range(n)), reverse=True)


def from_epoch(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def varied(ds: "Dataset", e: Endpoint, key: tuple, n: int, *, days: float = 90.0, noun: str = "Item",
           fix: Callable[[dict, int, random.Random], None] | None = None) -> Collection:
    """n items varied from the sample item, newest first (column ``t``: their time anchors)."""
    def build() -> Collection:
        v = ds.varier(e.id, *key, days=days, noun=noun)
        samples = e.sample_items() or [{}]
        samples = [s for s in samples if isinstance(s, dict)] or [{}]
        items = []
        anchors = spread_times(ds, v.rng, n, days)
        for i in range(n):
            item = v.vary(samples[0], anchor=from_epoch(anchors[i]))
            if fix:
                fix(item, i, v.rng)
            items.append(item)
        coll = Collection(items)
        coll.cols["t"] = anchors
        return coll
    return ds._cached(("coll", e.id, *key), build)


# ---------------------------------------------------------------------------------------------
# Filter helpers: predicates over an item index; only documented filters are applied.
# ---------------------------------------------------------------------------------------------

class Preds(list):
    """The predicates of one request; ``add`` skips a filter that was not asked for (None)."""

    def add(self, p: Predicate | None) -> None:
        if p is not None:
            self.append(p)


def time_bound(q: Query, name: str, role: str) -> float | None:
    v = q.get(name)
    if v is None:
        return None
    dt = parse_time(str(v))
    if dt is None:
        raise BadRequest(f"The value '{v}' is not a valid date-time for {name}.", name)
    if role == "end" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v).strip()):
        dt = dt + timedelta(days=1) - timedelta(microseconds=1)     # a date-only end includes that day
    return dt.timestamp()


def time_preds(e: Endpoint, coll: Collection, q: Query, default_days: float | None = None) -> Preds:
    preds = Preds()
    starts = [p.name for p in e.params if p.time_role == "start" and p.location == "query"]
    ends = [p.name for p in e.params if p.time_role == "end" and p.location == "query"]
    if not starts and not ends:
        return preds
    col = coll.column("t") if "t" in coll.cols else None
    if col is None:
        return preds
    lo = next((x for x in (time_bound(q, n, "start") for n in starts) if x is not None), None)
    hi = next((x for x in (time_bound(q, n, "end") for n in ends) if x is not None), None)
    if lo is None and hi is None and default_days:
        lo = datetime.now(timezone.utc).timestamp() - default_days * 86400
    if lo is not None:
        preds.append(lambda i, lo=lo: col[i] >= lo)
    if hi is not None:
        preds.append(lambda i, hi=hi: col[i] <= hi)
    return preds


def one_of(col: list, values: Iterable[Any], all_value: str | None = "0") -> Predicate | None:
    """The column's value is one of ``values`` (None: no filter, also when only ``all_value`` is asked)."""
    vals = {str(v).lower() for v in values}
    if not vals or (all_value is not None and vals == {all_value}):
        return None
    return lambda i: str(col[i]).lower() in vals


def filter_by_body_ids(table: Mapping[str, tuple[str, str]]) -> None:
    """Register for each endpoint of ``table`` (id -> (column, body field)) the filter "the column is
    one of the ids listed in that field of the POST body"."""
    def by_ids(ds: "Dataset", e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
        column, field = table[e.id]
        preds = Preds()
        preds.add(one_of(coll.column(column), body.getlist(field), None))
        return preds
    filters(*table)(by_ids)
