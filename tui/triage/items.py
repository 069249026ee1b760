"""Reading one job item of any job endpoint: its id, times, duration, counts and errors.

The endpoints name these fields differently (``startTime`` / ``actionTime`` / ``startDateTime``,
``failedCount`` / ``failedObjects``, ``jobErrors`` / ``errorMessage`` …); the lists below are
tried in order, so one reader serves every source.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tui.catalog.model import Endpoint
from tui.catalog.validate import parse_time
from tui.triage.jobs import JobError

_START_FIELDS = ("startTime", "actionTime", "startedTime", "startDateTime", "start")
_END_FIELDS = ("finishTime", "endTime", "finishedTime", "endDateTime", "end")
_COUNT_PAIRS = (("failedCount", "totalCount"), ("failedNumber", "totalNumber"), ("failedObjects", "totalObjects"),
                ("failedEntity", "totalEntity"), ("failedRecords", "totalRecords"), ("failedRecord", "totalRecord"))
_ERROR_KEYS = ("jobErrors", "errors", "errorMessage", "errorModel", "error", "failureReason", "failedReason",
               "comments", "message", "details")


def _to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def _time_of(item: dict, names: tuple[str, ...]) -> datetime | None:
    for n in names:
        v = item.get(n)
        if isinstance(v, str) and v and v.upper() != "N/A":
            dt = parse_time(v)
            if dt is not None:
                return dt
    return None


_DUR_HMS = re.compile(r"^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})(?:\.\d+)?$")
_DUR_UNITS = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])", re.I)


def _duration_of(item: dict, start: datetime | None, end: datetime | None) -> float | None:
    if start is not None and end is not None and end >= start:
        return (end - start).total_seconds()
    if end is None and start is not None:
        return None                       # still running (or never finished): no duration
    for key, hours in (("durationHours", True), ("duration", None), ("jobDuration", None)):
        v = item.get(key)
        if v in (None, "", "N/A"):
            continue
        if isinstance(v, (int, float)):
            return float(v) * 3600 if (hours or key == "duration") else float(v)
        s = str(v).strip()
        m = _DUR_HMS.match(s)
        if m:
            d, h, mi, se = (int(x) if x else 0 for x in m.groups())
            return d * 86400 + h * 3600 + mi * 60 + se
        units = _DUR_UNITS.findall(s)
        if units:
            mult = {"d": 86400, "h": 3600, "m": 60, "s": 1}
            return sum(float(n) * mult[u.lower()] for n, u in units)
        try:
            return float(s) * 3600         # M365 "duration": hours as a decimal string
        except ValueError:
            continue
    return None


def _counts_of(item: dict) -> tuple[int | None, int | None]:
    for container in (item, item.get("backupDetails") if isinstance(item.get("backupDetails"), dict) else None):
        if not isinstance(container, dict):
            continue
        for f, t in _COUNT_PAIRS:
            if f in container or t in container:
                return _to_int(container.get(f)), _to_int(container.get(t))
    return None, None


def extract_errors(item: Any) -> tuple[JobError, ...]:
    """A job's errors: M365 ``jobErrors[]`` (value, number, url), error lists and message fields."""
    if not isinstance(item, dict):
        return ()
    out: list[JobError] = []
    folded: dict[str, str] | None = None          # lower-cased key -> the item's first key of that spelling
    for key in _ERROR_KEYS:
        # dig(item, (key,)), without rescanning every key of the item for each missing name
        if key in item:
            v = item[key]
        else:
            if folded is None:
                folded = {}
                for k in item:
                    if isinstance(k, str):
                        folded.setdefault(k.lower(), k)
            match = folded.get(key.lower())
            if match is None:
                continue
            v = item[match]
        if v in (None, "", [], {}):
            continue
        if isinstance(v, list):
            for e in v:
                if isinstance(e, dict):
                    msg = next((e[k] for k in ("value", "message", "Message", "errorMessage", "description", "error")
                                if isinstance(e.get(k), str) and e.get(k)), None)
                    if msg is None:
                        continue
                    url = next((e[k] for k in ("url", "helpUrl", "helpLink", "link") if e.get(k)), None)
                    code = e.get("isErrorCode", e.get("code"))
                    out.append(JobError(str(msg), _to_int(e.get("number", e.get("count"))), url or None, code))
                elif isinstance(e, str) and e.strip():
                    out.append(JobError(e.strip()))
        elif isinstance(v, str) and v.strip():
            out.append(JobError(v.strip()))
        elif isinstance(v, dict):
            msg = v.get("message") or v.get("value") or v.get("error")
            if isinstance(msg, str) and msg:
                out.append(JobError(msg, _to_int(v.get("count")), v.get("url") or None, v.get("code")))
        if out:
            break
    return tuple(out)


def _job_id(e: Endpoint, item: dict) -> str:
    id_field = e.id_field or next((f for f in ("jobId", "id") if f in item), None)
    return str(item.get(id_field, "")) if id_field else ""
