"""The API side of the simulator: routing, token and scope checks, then serving from the data.

Transport-free: ``Api.handle`` takes the parts of an HTTP request and returns a ``Reply``; the
HTTP handler (handler.py) adds faults (faults.py) and writes it. Validation is in
validation.py, paging in paging.py, envelopes in envelopes.py. Every catalogued read-only
endpoint is served from the catalogue's description of it (method, path, parameters,
pagination style, envelope), so the simulator and the client read the same facts.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import unquote

from tui.catalog import Catalog, Endpoint, load_catalog
from tui.simulator.data import BadRequest, Dataset, NotFound, Query, keyed_collection
from tui.simulator.envelopes import TokenCodec, error_body, family_of, fill, new_trace_id, timestamp
from tui.simulator.identity import IdentityService
from tui.simulator.paging import Paging
from tui.simulator.reply import ApiError, Reply
from tui.simulator.validation import validate

__all__ = ["Api", "Reply"]


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class Api:
    def __init__(self, dataset: Dataset, identity: IdentityService, catalog: Catalog | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.dataset = dataset
        self.clock = clock or _wall_clock            # the server's "now" for envelope timestamps
        self.identity = identity
        self.catalog = catalog or load_catalog()
        self.tokens = TokenCodec()
        self.paging = Paging(self.tokens)
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
        items, extra = self.paging.page(e, coll, idx, q, bq, base_url, path)
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
