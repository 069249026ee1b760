"""Typed view of the endpoint catalogue (``data/endpoints.json``).

The JSON is built from the public docs by ``tools/build_catalog.py``; this module only loads it.
Everything the client, the simulator and the UI know about an endpoint (where its items are,
how it pages, which status means failed, which item field feeds which other endpoint) comes
from here, so a new endpoint is data, not code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Iterable, Iterator

Json = Any


@dataclass(frozen=True, slots=True)
class EnumValue:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: str                      # "query" | "path" | "body"
    type: str                          # "string" | "integer" | "boolean" | "list" | "enum"
    required: bool = False
    default: str | None = None
    enum: tuple[EnumValue, ...] = ()
    constraint: str | None = None
    description: str = ""
    max: int | None = None             # numeric upper bound (page sizes)
    max_window_days: int | None = None  # e.g. /aos/audit: endTime - startTime <= 7 days
    time_role: str | None = None       # "start" | "end" for time-window parameters
    doc_type: str | None = None

    def label_of(self, value: str) -> str | None:
        """The documented label of an enum value ("3" -> "Failed"), None when it has none."""
        for e in self.enum:
            if e.value == str(value):
                return e.label
        return None


@dataclass(frozen=True, slots=True)
class Pagination:
    """How one endpoint pages. ``style`` is one of the STYLES below."""

    style: str = "none"
    page_param: str | None = None      # pageIndex / pageNumber / startPage
    size_param: str | None = None      # pageSize / top / itemsPerPage
    offset_param: str | None = None    # skip
    cursor_param: str | None = None    # skipToken / skiptoken / nextLink (body) / startIndex
    cursor_in: str = "query"           # where the cursor goes: "query" | "body"
    size_in: str = "query"
    first_page: int = 1
    size_default: int | None = None
    size_max: int | None = None
    next_paths: tuple[str, ...] = ()   # where the next-page link/token is, alternatives in order
    total_paths: tuple[str, ...] = ()  # where the total count is, alternatives in order
    relative_next_base: str | None = None  # prefix a relative nextLink lacks (D365 "/jobs?...")
    next_is_token_only: bool = False   # a token with no documented way to send it back (Google)

    STYLES = ("none", "next_link", "top_skip", "page_index", "skip_token", "top_next",
              "body_next", "start_page", "start_index")


@dataclass(frozen=True, slots=True)
class StatusMapping:
    """The response field that carries a job's state and which of its values mean failed."""

    field: str
    fields: tuple[str, ...]            # documented spellings of the field, tried in order
    labels: dict[str, str]
    failed: tuple[str, ...]
    attention: tuple[str, ...]         # finished with exception, partially finished, ...
    filter_param: str | None = None    # server-side filter, e.g. jobState
    filter_value: str | None = None

    def value_of(self, item: dict) -> Any:
        for f in self.fields:
            if isinstance(item, dict) and f in item:
                return item[f]
        return None

    def severity(self, item: dict) -> str | None:
        """'failed', 'attention' or None for an item, by code or by label (M365 returns labels)."""
        v = self.value_of(item)
        if v is None:
            return None
        key = str(v).lower() if isinstance(v, bool) else str(v)
        if key in self.failed:
            return "failed"
        if key in self.attention:
            return "attention"
        low = key.lower()
        if any(self.labels.get(c, "").lower() == low for c in self.failed):
            return "failed"
        if any(self.labels.get(c, "").lower() == low for c in self.attention):
            return "attention"
        return None

    def label(self, item: dict) -> str:
        v = self.value_of(item)
        if v is None:
            return ""
        return self.labels.get(str(v), str(v))


@dataclass(frozen=True, slots=True)
class Edge:
    """An item field of this endpoint's list fills path parameters of ``target``."""

    target: str
    bind: dict[str, str]               # target path param -> item field ("id", "tenants[].id")
    child: str | None = None           # the edge starts at a child list of the item ("tenants")


@dataclass(frozen=True, slots=True)
class ChildList:
    field: str
    id_field: str
    label_field: str
    param: str
    label: str


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    service: str
    service_key: str
    category: str
    title: str
    summary: str
    method: str
    path: str
    doc_path: str
    doc_file: str
    base: str                          # "regional" | "elements"
    scopes: tuple[str, ...]            # any one of them is enough
    read_only: bool
    kind: str | None
    params: tuple[Param, ...]
    pagination: Pagination
    items_path: tuple[str, ...] | None  # None: the body is one object; (): the body is an array
    top_level_keys: tuple[str, ...]
    item_fields: tuple[str, ...]
    item_fields_nested: dict[str, list[str]]
    id_field: str | None
    status: StatusMapping | None
    error_body: tuple[str, ...]
    sample: Json
    notes: tuple[str, ...]
    edges: tuple[Edge, ...]
    children: tuple[ChildList, ...] = ()
    job_source: bool = False           # a list of jobs whose failures the failed-jobs scan looks for
    status_fields: tuple[dict, ...] = field(default=(), repr=False)
    # A single-object endpoint whose envelope wraps the object: ("data",) for {statusCode, data, ...}.
    object_path: tuple[str, ...] | None = None

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))

    @property
    def is_collection(self) -> bool:
        return self.items_path is not None

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name.lower() == name.lower():
                return p
        return None

    def user_params(self) -> tuple[Param, ...]:
        """Parameters a person fills in: not path params, not the pager's own."""
        pag = self.pagination
        own = {pag.page_param, pag.size_param, pag.offset_param, pag.cursor_param}
        return tuple(p for p in self.params if p.location != "path" and p.name not in own)

    def columns(self, limit: int = 8) -> tuple[str, ...]:
        """Columns worth showing first: id, name-like, status, times, then the rest in doc order."""
        fields = list(self.item_fields)
        if not fields and isinstance(self.sample_items(), list) and self.sample_items():
            first = self.sample_items()[0]
            fields = list(first) if isinstance(first, dict) else []
        rank = []
        status = set(self.status.fields) if self.status else set()
        for i, f in enumerate(fields):
            low = f.lower()
            score = (0 if f == self.id_field or low in ("id", "jobid") else
                     1 if any(k in low for k in ("name", "title", "organization", "email")) else
                     2 if f in status or low in ("status", "state", "jobstatus") else
                     3 if any(k in low for k in ("time", "date")) else
                     4 if "count" in low or "number" in low else 5)
            rank.append((score, i, f))
        return tuple(f for _, _, f in sorted(rank)[:limit])

    def sample_items(self) -> Any:
        if self.sample is None or self.items_path is None:
            return None
        return dig(self.sample, self.items_path)

    def format_path(self, values: dict[str, Any]) -> str:
        def sub(m: re.Match) -> str:
            name = m.group(1)
            if name not in values or values[name] in (None, ""):
                raise KeyError(name)
            from urllib.parse import quote
            return quote(str(values[name]), safe="")
        return re.sub(r"{(\w+)}", sub, self.path)


def dig(value: Any, path: Iterable[str]) -> Any:
    """Follow a key path through nested dicts; None when any step is missing."""
    for key in path:
        if isinstance(value, dict):
            if key in value:
                value = value[key]
                continue
            # The docs disagree on casing (metaData / metadata, nextlink / nextLink).
            low = key.lower()
            match = next((k for k in value if isinstance(k, str) and k.lower() == low), None)
            if match is None:
                return None
            value = value[match]
        else:
            return None
    return value


def dig_first(value: Any, dotted_paths: Iterable[str]) -> Any:
    for p in dotted_paths:
        v = dig(value, p.split("."))
        if v not in (None, ""):
            return v
    return None


def _param(d: dict) -> Param:
    return Param(
        name=d["name"], location=d["in"], type=d["type"], required=d["required"],
        default=d.get("default"),
        enum=tuple(EnumValue(str(e["value"]), e["label"]) for e in d.get("enum") or ()),
        constraint=d.get("constraint"), description=d.get("description") or "",
        max=d.get("max"), max_window_days=d.get("max_window_days"), time_role=d.get("time_role"),
        doc_type=d.get("doc_type"))


def _endpoint(d: dict) -> Endpoint:
    pag = dict(d["pagination"])
    pag["next_paths"] = tuple(pag.get("next_paths") or ())
    pag["total_paths"] = tuple(pag.get("total_paths") or ())
    st = d.get("status")
    return Endpoint(
        id=d["id"], service=d["service"], service_key=d["service_key"], category=d["category"],
        title=d["title"], summary=d["summary"], method=d["method"], path=d["path"],
        doc_path=d["doc_path"], doc_file=d["doc_file"], base=d["base"], scopes=tuple(d["scopes"]),
        read_only=d["read_only"], kind=d.get("kind"),
        params=tuple(_param(p) for p in d["params"]),
        pagination=Pagination(**pag),
        items_path=None if d["items_path"] is None else tuple(d["items_path"]),
        top_level_keys=tuple(d["top_level_keys"]), item_fields=tuple(d["item_fields"]),
        item_fields_nested=d.get("item_fields_nested") or {}, id_field=d.get("id_field"),
        status=None if not st else StatusMapping(
            field=st["field"], fields=tuple(st["fields"]), labels=st["labels"],
            failed=tuple(st["failed"]), attention=tuple(st["attention"]),
            filter_param=st.get("filter_param"), filter_value=st.get("filter_value")),
        error_body=tuple(d.get("error_body") or ()), sample=d.get("sample"),
        notes=tuple(d.get("notes") or ()),
        edges=tuple(Edge(e["target"], dict(e["bind"]), e.get("child")) for e in d["edges"]),
        children=tuple(ChildList(**c) for c in d.get("children") or ()),
        job_source=bool(d.get("job_source")),
        status_fields=tuple(d.get("status_fields") or ()),
        object_path=tuple(d["object_path"]) if d.get("object_path") else None,
    )


SERVICE_ORDER = ("aos", "m365", "d365", "iaas", "google", "salesforce", "enpower", "insights",
                 "opus", "confide", "dmso", "elements", "elements-legacy")


class Catalog:
    def __init__(self, endpoints: Iterable[Endpoint]):
        self.endpoints: tuple[Endpoint, ...] = tuple(endpoints)
        self._by_id = {e.id: e for e in self.endpoints}
        self._compiled: list[tuple[re.Pattern[str], Endpoint]] | None = None

    @property
    def _templates(self) -> list[tuple[re.Pattern[str], Endpoint]]:
        """A regex per path template, compiled on the first path lookup (not at start-up)."""
        if self._compiled is None:
            self._compiled = [(re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(e.path)) + "$",
                                          re.I), e) for e in self.endpoints]
        return self._compiled

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self.endpoints)

    def __len__(self) -> int:
        return len(self.endpoints)

    def get(self, endpoint_id: str) -> Endpoint:
        return self._by_id[endpoint_id]

    def find(self, endpoint_id: str) -> Endpoint | None:
        return self._by_id.get(endpoint_id)

    def match_path(self, path: str, method: str | None = None) -> Endpoint | None:
        """The endpoint whose template matches a concrete path such as /backup/m365/cloudbackupjobs/J1."""
        path = "/" + path.split("?")[0].strip("/")
        hits = [e for rx, e in self._templates if rx.match(path)]
        if method:
            hits = [e for e in hits if e.method == method.upper()] or hits
        hits.sort(key=lambda e: (not e.read_only, e.path.count("{")))
        return hits[0] if hits else None

    def services(self) -> list[tuple[str, str, list[Endpoint]]]:
        """(service_key, service name, endpoints) in a stable, useful order."""
        groups: dict[str, list[Endpoint]] = {}
        names: dict[str, str] = {}
        for e in self.endpoints:
            groups.setdefault(e.service_key, []).append(e)
            names[e.service_key] = e.service
        keys = [k for k in SERVICE_ORDER if k in groups] + [k for k in groups if k not in SERVICE_ORDER]
        return [(k, names[k], groups[k]) for k in keys]

    def roots(self) -> list[Endpoint]:
        """Read-only endpoints that need no path parameter: where browsing starts."""
        return [e for e in self.endpoints if e.read_only and not e.path_params]

    def all_scopes(self) -> list[str]:
        seen: dict[str, str] = {}
        for e in self.endpoints:
            for s in e.scopes:
                seen.setdefault(s.lower(), s)
        return sorted(seen.values(), key=str.lower)

    def job_sources(self) -> list[Endpoint]:
        """Read-only collections whose items carry a failed status (the failed-jobs scan)."""
        return [e for e in self.endpoints if e.job_source]

    def search(self, text: str, limit: int = 20) -> list[Endpoint]:
        """Fuzzy match on id, title, path and service: ':jobs', ':customers', ':audit'."""
        q = text.strip().lower().lstrip(":")
        if not q:
            return [e for e in self.endpoints if e.read_only][:limit]
        scored = []
        for e in self.endpoints:
            hay = f"{e.id} {e.title} {e.path} {e.service} {e.category}".lower()
            if q in hay:
                score = (0 if e.id.split(".")[-1] == q else 1 if q in e.id else 2 if q in e.title.lower() else 3)
            elif _subsequence(q, hay):
                score = 5
            else:
                continue
            scored.append((score, not e.read_only, len(e.path), e.id, e))
        scored.sort(key=lambda t: t[:4])
        return [t[-1] for t in scored[:limit]]


def _subsequence(q: str, hay: str) -> bool:
    it = iter(hay)
    return all(c in it for c in q)


@cache
def load_catalog() -> Catalog:
    raw = resources.files("tui.catalog").joinpath("data/endpoints.json").read_text(encoding="utf-8")
    return Catalog(_endpoint(d) for d in json.loads(raw)["endpoints"])
