"""The API side of the simulator: routing, auth, validation, filtering, paging, envelopes.

Transport-free: ``Api.handle`` takes the parts of an HTTP request and returns a ``Reply``; the
HTTP server (server.py) adds faults and writes it. Every catalogued read-only endpoint is served
from the catalogue's description of it (method, path, parameters, pagination style, envelope),
so the simulator and the client read the same facts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import quote, unquote, urlencode

from tui.catalog import Catalog, Endpoint, load_catalog
from tui.simulator.data import BadRequest, Collection, Dataset, NotFound, Query, keyed_collection
from tui.simulator.envelopes import (TokenCodec, error_body, family_of, fill, new_trace_id, timestamp)
from tui.simulator.generate import parse_time
from tui.simulator.identity import IdentityService

__all__ = ["Api", "Reply"]

AUDIT_PAGE_SIZE = 100


@dataclass
class Reply:
    status: int
    body: Any = None                          # JSON-able, or bytes (sent as is)
    headers: dict[str, str] = field(default_factory=dict)
    endpoint_id: str | None = None
    content_type: str = "application/json; charset=utf-8"


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.headers, self.code = status, message, field, headers or {}, code


class Api:
    def __init__(self, dataset: Dataset, identity: IdentityService, catalog: Catalog | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.dataset = dataset
        self.clock = clock or _wall_clock            # the server's "now" for envelope timestamps
        self.identity = identity
        self.catalog = catalog or load_catalog()
        self.tokens = TokenCodec()
        self._templates: dict[str, re.Pattern] = {}     # compiled on first use: start-up stays cheap
        self._matches: dict[tuple[str, str], Endpoint | None] = {}

    # -- entry -------------------------------------------------------------------------------------
    def match(self, method: str, path: str) -> Endpoint | None:
        key = (method, path)
        hit = self._matches.get(key, False)
        if hit is False:
            hit = self.catalog.match_path(path, method)
            if len(self._matches) > 4096:
                self._matches.clear()
            self._matches[key] = hit
        return hit

    def handle(self, method: str, path: str, query_pairs: list[tuple[str, str]], headers: Any, body: bytes,
               base_url: str, request_id: str) -> Reply:
        trace_id = new_trace_id(request_id)
        now = self.clock()
        e = self.match(method, path)
        fam = family_of(e, path)
        try:
            if e is None:
                raise ApiError(404, f"No resource matches {method} {path}.", code="NotFound")
            claims, why = self.identity.validate(headers.get("Authorization"))
            if claims is None:
                raise ApiError(401, why, headers={
                    "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{why}"'})
            if e.method != method or not e.read_only:
                allowed = sorted({x.method for x in self.catalog if x.read_only and x.path == e.path})
                what = "a write operation" if not e.read_only else f"served with {e.method}"
                raise ApiError(405, f"{method} {path} is not allowed: {what}. The simulator never performs writes."
                               + (f" Allowed: {', '.join(allowed)}." if allowed else ""),
                               headers={"Allow": ", ".join(allowed)})
            granted = self.identity.token_scopes(claims)
            if not granted.intersection(s.lower() for s in e.scopes):
                need = " or ".join(e.scopes)
                raise ApiError(403, f"The access token does not grant the permission this API requires: {need}.",
                               code="Forbidden", headers={
                                   "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(e.scopes)}"'})
            return self._serve(e, method, path, Query(query_pairs), headers, body, base_url, request_id, trace_id)
        except ApiError as exc:
            body_obj = error_body(fam, exc.status, exc.message, request_id=request_id, trace_id=trace_id,
                                  code=exc.code, field=exc.field, now=now)
            return Reply(exc.status, body_obj, exc.headers, e.id if e else None)
        except BadRequest as exc:
            return Reply(400, error_body(fam, 400, exc.message, request_id=request_id, trace_id=trace_id,
                                         field=exc.field, now=now), {}, e.id if e else None)
        except NotFound as exc:
            return Reply(404, error_body(fam, 404, str(exc), request_id=request_id, trace_id=trace_id, now=now),
                         {}, e.id if e else None)

    # -- serving -------------------------------------------------------------------------------------
    def _serve(self, e: Endpoint, method: str, path: str, q: Query, headers: Any, raw_body: bytes,
               base_url: str, request_id: str, trace_id: str) -> Reply:
        pp = self._path_params(e, path)
        body = self._body(e, raw_body, headers)
        bq = Query.of(body)
        validate(e, q, bq, pp)
        ctx = {"requestId": request_id, "timestamp": timestamp(self.clock()), "traceId": trace_id, "statusCode": 200,
               "errorMessage": ""}
        if e.kind == "async-export":
            return Reply(200, self._export(e, pp), {}, e.id)
        if e.kind == "download":
            return self._download(e, pp)
        if e.items_path is None:
            payload = self.dataset.detail(e.id, pp, q)
            obj_path = ("data",) if (e.service_key in ("m365", "salesforce", "confide")
                                     and isinstance(e.sample, dict) and "data" in e.sample) else ()
            if not obj_path:
                return Reply(200, payload, {}, e.id)
            return Reply(200, fill(e.sample, obj_path, payload, ctx), {}, e.id)
        coll = keyed_collection(self.dataset, e, q, bq) or self.dataset.collection(e.id, pp)
        idx = self.dataset.select_indices(e.id, coll, q, bq, pp)
        items, extra = self._page(e, coll, idx, q, bq, base_url, path)
        ctx.update(extra)
        ctx.update(coll.extra)
        return Reply(200, fill(e.sample if isinstance(e.sample, dict) else {}, e.items_path, items, ctx), {}, e.id)

    def _path_params(self, e: Endpoint, path: str) -> dict[str, str]:
        rx = self._templates.get(e.id)
        if rx is None:
            rx = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(e.path)) + "$", re.I)
            self._templates[e.id] = rx
        m = rx.match(path)
        if not m:
            return {}
        return {k: unquote(v) for k, v in m.groupdict().items()}

    @staticmethod
    def _body(e: Endpoint, raw: bytes, headers: Any) -> dict:
        if e.method != "POST":
            return {}
        if not raw or not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(value, dict):
            raise BadRequest("The request body must be a JSON object.")
        return value

    # -- Insights exports -----------------------------------------------------------------------------
    def _export(self, e: Endpoint, pp: dict) -> dict:
        if "google" not in e.path:
            if "email" in pp:
                if self.dataset.collection("insights.users-summary").index_of("email", pp["email"]) is None:
                    raise NotFound(f"User {pp['email']} was not found.")
            if "groupId" in pp:
                if self.dataset.collection("insights.groups-summary").index_of("groupId", pp["groupId"]) is None:
                    raise NotFound(f"Group {pp['groupId']} was not found.")
        job = self.dataset.new_export_job(e.id)
        return {"jobId": str(job), "status": 200, "message": ""}

    def _download(self, e: Endpoint, pp: dict) -> Reply:
        job = self.dataset.export_job(pp["jobId"])
        if job["status"] == 3:
            raise ApiError(400, f"Export job {job['id']} failed; there is no file to download.")
        if job["status"] != 2:
            raise ApiError(400, f"Export job {job['id']} is not finished yet; poll its exportstatus first.")
        rows = ["Name,Location,Permission,Principal,Modified"]
        r = self.dataset.rng("export-file", job["id"])
        for k in range(r.randint(5, 40)):
            rows.append(f"Document {k + 1}.docx,https://contoso.sharepoint.com/sites/finance/Shared Documents/"
                        f"Document {k + 1}.docx,{r.choice(('Read', 'Edit', 'Full Control'))},"
                        f"user{r.randint(1, 99)}@contoso.onmicrosoft.com,2026-01-{r.randint(10, 28)}T10:00:00Z")
        data = ("\r\n".join(rows) + "\r\n").encode("utf-8")
        return Reply(200, data, {"Content-Disposition": f'attachment; filename="export_{job["id"]}.csv"'}, e.id,
                     content_type="text/csv; charset=utf-8")

    # -- paging ----------------------------------------------------------------------------------------
    def _page(self, e: Endpoint, coll: Collection, idx: list[int], q: Query, body: Query, base_url: str,
              path: str) -> tuple[list[dict], dict]:
        pag = e.pagination
        style = pag.style
        total = len(idx)
        scope = f"{e.id}|{path.lower()}"
        get = coll.get

        if style == "none":
            extra = {}
            if isinstance(e.sample, dict) and "totalCount" in e.sample:
                extra = {"totalCount": total, "nextLink": ""}
            return [get(i) for i in idx], extra

        if style == "next_link":                        # aos.audit: nextLink URL carrying a skipToken
            offset = self._cursor(q.get("skipToken"), scope, "skipToken")
            page = idx[offset:offset + AUDIT_PAGE_SIZE]
            nxt = None
            if offset + AUDIT_PAGE_SIZE < total:
                nxt = self._url(base_url, path, q, {"skipToken": self.tokens.encode(scope, offset + AUDIT_PAGE_SIZE)})
            return [get(i) for i in page], {"nextLink": nxt}

        if style == "top_skip":                         # aos.jobs
            top = int(q.get("top", pag.size_default or 100))
            skip = int(q.get("skip", 0))
            page = idx[skip:skip + top]
            nxt = self._url(base_url, path, q, {"top": top, "skip": skip + top}) if skip + top < total else None
            return [get(i) for i in page], {"totalCount": total, "nextLink": nxt}

        if style == "top_next":                         # EnPower: top + absolute nextLink with a token
            top = int(q.get("top", pag.size_default or 100))
            offset = self._cursor(q.get("continuationToken"), scope, "continuationToken")
            page = idx[offset:offset + top]
            nxt = ""
            if offset + top < total:
                nxt = self._url(base_url, path, q, {"top": top,
                                                    "continuationToken": self.tokens.encode(scope, offset + top)})
            return [get(i) for i in page], {"totalCount": total, "nextLink": nxt}

        if style == "skip_token":                       # IaaS: pageNumber/pageSize or an opaque skiptoken
            size = int(q.get(pag.size_param, pag.size_default or 10))
            token = q.get(pag.cursor_param)
            if token:
                offset = self._cursor(token, scope, pag.cursor_param)
            else:
                offset = int(q.get(pag.page_param, pag.first_page)) * size
            page = idx[offset:offset + size]
            nxt = self.tokens.encode(scope, offset + size) if offset + size < total else None
            return [get(i) for i in page], {"totalCount": total, "nextLink": nxt, "nextlink": nxt}

        if style == "page_index":
            size_src = q if pag.size_in == "query" else body
            size = int(size_src.get(pag.size_param) or body.get(pag.size_param) or _default_size(e))
            first = pag.first_page
            page_no = int(q.get(pag.page_param) if q.has(pag.page_param) else body.get(pag.page_param, first))
            offset = (page_no - first) * size
            page = [get(i) for i in idx[offset:offset + size]]
            more = offset + size < total
            return page, self._page_index_ctx(e, q, base_url, path, page_no, size, total, more, scope, offset)

        if style == "body_next":                        # Insights POST: token in the JSON body
            size = int(body.get("pageSize") or pag.size_default or 100)
            offset = self._cursor(body.get("nextLink"), scope, "nextLink")
            page = idx[offset:offset + size]
            nxt = self.tokens.cosmos(scope, offset + size, offset // max(1, size) + 2) if offset + size < total else None
            return [get(i) for i in page], {"nextLink": nxt}

        if style == "start_page":                       # Insights GET summaries
            size = int(q.get("pageSize"))
            start = int(q.get("startPage"))
            offset = (start - 1) * size
            page = idx[offset:offset + size]
            nxt = self.tokens.encode(scope, offset + size) if offset + size < total else None
            return [get(i) for i in page], {"nextLink": nxt}

        if style == "start_index":                      # Opus connector
            size = int(q.get(pag.size_param))
            start = q.get(pag.cursor_param)
            offset = 0
            if start not in (None, "", "null"):
                if not str(start).isdigit():
                    raise BadRequest(f"The startIndex {start!r} is not valid; pass the startIndex of the last response.",
                                     "startIndex")
                offset = int(start)
            page = idx[offset:offset + size] if size else []
            nxt = str(offset + size) if size and offset + size < total else None
            return [get(i) for i in page], {"startIndex": nxt}

        raise ApiError(500, f"pagination style {style} is not simulated")

    def _page_index_ctx(self, e: Endpoint, q: Query, base_url: str, path: str, page_no: int, size: int, total: int,
                        more: bool, scope: str, offset: int) -> dict:
        svc = e.service_key
        pag = e.pagination
        if svc.startswith("elements"):
            meta = {"pageIndex": page_no, "pageSize": size, "totalCount": total}
            return {"metadata": meta, "metaData": meta}
        if svc == "m365":
            nxt = self._url(base_url, path, q, {pag.page_param: page_no + 1, pag.size_param: size}) if more else ""
            return {"metadata": {"totalCount": total, "nextLink": nxt}}
        if svc == "salesforce":
            nxt = self._url(base_url, path, q, {pag.page_param: page_no + 1, pag.size_param: size}) if more else ""
            return {"totalCount": total, "nextLink": nxt}
        if svc == "d365":
            # Relative, and without the /dynamicsbackup prefix, exactly like the docs' sample.
            nxt = "/jobs?" + _query(q, {pag.page_param: page_no + 1, pag.size_param: size}, first=True) if more else None
            return {"totalCount": total, "nextLink": nxt, "pageIndex": page_no, "pageSize": size}
        if svc == "dmso":
            extra = {}
            if not q.has("orderBy"):
                extra["orderBy"] = 0
            if not q.has("isASC"):
                extra["isASC"] = "false"
            nxt = "audits?" + _query(q, {pag.page_param: page_no + 1, pag.size_param: size, **extra}) if more else None
            return {"nextLink": nxt}
        if svc == "google":
            # An opaque token (the docs call it a URL; no parameter to send it back is documented).
            return {"nextLink": quote(self.tokens.encode(scope, offset + size), safe="") if more else None}
        nxt = self._url(base_url, path, q, {pag.page_param: page_no + 1, pag.size_param: size}) if more else None
        return {"nextLink": nxt}

    def _cursor(self, token: Any, scope: str, name: str) -> int:
        if token in (None, "", "null"):
            return 0
        offset = self.tokens.decode(scope, str(token))
        if offset is None:
            raise BadRequest(f"The {name} is not valid for this request; pass back the value the previous page "
                             "returned.", name)
        return offset

    @staticmethod
    def _url(base_url: str, path: str, q: Query, replace: dict[str, Any]) -> str:
        return f"{base_url}{path}?{_query(q, replace)}"


def _query(q: Query, replace: dict[str, Any], first: bool = False) -> str:
    """The request's query with ``replace`` set (names compared case-insensitively)."""
    low = {k.lower() for k in replace}
    kept = [(k, v) for k, v in q.items() if k.lower() not in low]
    new = [(k, str(v)) for k, v in replace.items()]
    pairs = new + kept if first else kept + new
    return urlencode(pairs, quote_via=quote, safe="")


def _default_size(e: Endpoint) -> int:
    if e.id == "elements.security-users":
        return 100
    return e.pagination.size_default or 50


# ---------------------------------------------------------------------------------------------------
# Validation: the documented parameter rules, plus the limits catalogue section 7 lists.
# ---------------------------------------------------------------------------------------------------

LIMITS: dict[str, dict[str, tuple[int, int]]] = {
    "aos.jobs": {"top": (1, 1000), "skip": (0, 10**9)},
    "dmso.audits": {"pageSize": (1, 200), "pageIndex": (1, 10**9)},
    "insights.users-summary": {"pageSize": (1, 100), "startPage": (1, 10**9)},
    "insights.groups-summary": {"pageSize": (1, 100), "startPage": (1, 10**9)},
    "opus.connector-records": {"itemsPerPage": (0, 100)},
}
LIST_MAX = {"siteUrls": 100, "driveIds": 100}


def _check_int(name: str, raw: Any, lo: int | None, hi: int | None) -> int:
    try:
        v = int(str(raw).strip())
    except ValueError:
        raise BadRequest(f"The value '{raw}' is not valid for {name}; an integer is expected.", name) from None
    if lo is not None and v < lo:
        raise BadRequest(f"{name} must be at least {lo} (got {v}).", name)
    if hi is not None and v > hi:
        raise BadRequest(f"{name} must be at most {hi} (got {v}).", name)
    return v


def validate(e: Endpoint, q: Query, body: Query, pp: dict[str, str]) -> None:
    """Raise BadRequest for what the docs say the service refuses."""
    pag = e.pagination
    limits = dict(LIMITS.get(e.id, {}))
    if e.service_key == "enpower" and pag.size_param == "top":
        limits.setdefault("top", (1, 1000))
    if pag.style == "page_index":
        hi = pag.size_max
        if e.service_key == "elements":
            hi = 100
        limits.setdefault(pag.size_param, (1, hi or 10**6))
        limits.setdefault(pag.page_param, (pag.first_page, 10**9))
    if pag.style == "skip_token":
        limits.setdefault(pag.size_param, (1, 10**6))
        limits.setdefault(pag.page_param, (0, 10**9))
    if pag.style == "body_next":
        limits.setdefault("pageSize", (1, 100))
    times: dict[str, tuple[Any, Any]] = {}
    for p in e.params:
        src = body if p.location == "body" else q if p.location == "query" else None
        if p.location == "path":
            value = pp.get(p.name) or next((v for k, v in pp.items() if k.lower() == p.name.lower()), None)
            if p.enum and value is not None and value not in {x.value for x in p.enum}:
                raise BadRequest(f"'{value}' is not a valid {p.name}. Valid values: "
                                 f"{', '.join(x.value for x in p.enum)}.", p.name)
            if p.type == "integer" and value is not None and not re.fullmatch(r"-?\d+", value):
                raise BadRequest(f"The value '{value}' is not valid for {p.name}; an integer is expected.", p.name)
            continue
        values = src.getlist(p.name, split=p.type in ("list", "enum"))
        present = bool(values)
        if p.required and not present:
            raise BadRequest(f"The {p.name} field is required.", p.name)
        if not present:
            continue
        if p.location == "body" and p.name.lower().endswith("ids"):
            continue        # id lists (typed "integer" on some pages although they hold GUIDs): no type check
        if p.type == "list" and p.name in LIST_MAX and len(values) > LIST_MAX[p.name]:
            raise BadRequest(f"{p.name} accepts at most {LIST_MAX[p.name]} values (got {len(values)}).", p.name)
        if p.enum:
            valid = {x.value.lower() for x in p.enum}
            for v in values:
                if str(v).lower() not in valid:
                    raise BadRequest(f"'{v}' is not a valid value for {p.name}. Valid values: "
                                     f"{', '.join(x.value for x in p.enum)}.", p.name)
        elif p.type == "integer" or (p.name in limits):
            lo, hi = limits.get(p.name, (None, p.max))
            if p.max is not None:
                hi = min(hi, p.max) if hi is not None else p.max
            _check_int(p.name, values[0], lo, hi)
        elif p.type == "boolean":
            if str(values[0]).lower() not in ("true", "false"):
                raise BadRequest(f"The value '{values[0]}' is not valid for {p.name}; true or false is expected.", p.name)
        if p.time_role:
            dt = parse_time(str(values[0]))
            if dt is None:
                raise BadRequest(f"The value '{values[0]}' is not a valid date-time for {p.name} (ISO 8601 expected).",
                                 p.name)
            times[p.time_role] = (p, dt)
    # Paging parameters the catalogue does not list as params (e.g. pageSize in a POST body).
    for name, (lo, hi) in limits.items():
        if name and not e.param(name):
            for src in (q, body):
                if src.has(name):
                    _check_int(name, src.get(name), lo, hi)
    if e.service_key == "elements" and pag.style == "page_index":
        for src in (q, body):
            for name, (lo, hi) in ((pag.size_param, (1, 100)), (pag.page_param, (1, 10**9))):
                if src.has(name):
                    _check_int(name, src.get(name), lo, hi)
    if "start" in times and "end" in times:
        (ps, start), (pe, end) = times["start"], times["end"]
        if end < start:
            raise BadRequest(f"{ps.name} must be earlier than {pe.name}.", pe.name)
        days = pe.max_window_days or ps.max_window_days
        if days and end - start > timedelta(days=days):
            raise BadRequest(f"The time range between {ps.name[0].upper() + ps.name[1:]} and "
                             f"{pe.name[0].upper() + pe.name[1:]} must be no more than {days} days.", pe.name)
    if e.id == "opus.connector-records":
        if not re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                            str(q.get("id", ""))):
            raise BadRequest("id must be the connection's GUID.", "id")
        if parse_time(str(q.get("disposalDueDate"))) is None:
            raise BadRequest("disposalDueDate must be a date (yyyy-MM-dd).", "disposalDueDate")
