"""Request validation: the documented parameter rules, plus the limits catalogue section 7 lists."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tui.catalog import Endpoint
from tui.simulator.data import BadRequest, Query
from tui.simulator.generate import parse_time

__all__ = ["validate"]

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

