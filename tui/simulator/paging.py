"""Paging, in every style the catalogue describes: which slice of the selected items a request gets
and the continuation (nextLink, skipToken, continuationToken, page numbers…) its envelope carries.

The continuation tokens are opaque and signed (``envelopes.TokenCodec``), scoped to the endpoint
and path, so a token from another request or a made-up one is refused with 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from tui.catalog import Endpoint
from tui.simulator.data import BadRequest, Collection, Query
from tui.simulator.envelopes import TokenCodec
from tui.simulator.reply import ApiError

__all__ = ["AUDIT_PAGE_SIZE", "Paging"]

AUDIT_PAGE_SIZE = 100


class Paging:
    def __init__(self, tokens: TokenCodec):
        self.tokens = tokens

    def page(self, e: Endpoint, coll: Collection, idx: list[int], q: Query, body: Query, base_url: str,
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

