"""Parameter validation before any request: required values, enum values, numbers, documented limits.

One place for the rules, shared by the explorer's parameter form and the headless CLI, so that a
request the docs forbid (an audit window over 7 days, a page size over 100) is refused with the
allowed values instead of being sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tui.catalog.model import Endpoint, Param
from tui.clock import utc_now

PRESETS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
PRESET_LABELS = {"24h": "last 24 h", "7d": "last 7 days", "30d": "last 30 days"}


def parse_time(text: str) -> datetime | None:
    """ISO 8601 date or date-time (Z or offset); naive values are UTC."""
    t = text.strip()
    if not t:
        return None
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def format_time(dt: datetime, param: Param | None = None) -> str:
    """The format a parameter documents; ISO 8601 UTC with Z otherwise."""
    fmt = (param.constraint or "") if param else ""
    dt = dt.astimezone(timezone.utc)
    if "yyyy-MM-ddTHH:mm:ss" in fmt:
        return dt.strftime("%Y-%m-%dT%H:%M:%S")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def time_params(endpoint: Endpoint) -> tuple[Param | None, Param | None]:
    start = next((p for p in endpoint.params if p.time_role == "start" and p.location != "path"), None)
    end = next((p for p in endpoint.params if p.time_role == "end" and p.location != "path"), None)
    return start, end


def window_limit_days(endpoint: Endpoint) -> int | None:
    return next((p.max_window_days for p in endpoint.params if p.max_window_days), None)


def preset_window(endpoint: Endpoint, preset: str, now: datetime | None = None) -> dict[str, str]:
    """Start/end values for a preset such as '7d', clipped to the endpoint's documented window."""
    now = now or utc_now()
    span = PRESETS.get(preset) or parse_since(preset)
    limit = window_limit_days(endpoint)
    if limit is not None and span > timedelta(days=limit):
        span = timedelta(days=limit)
    start, end = time_params(endpoint)
    out = {}
    if start is not None:
        out[start.name] = format_time(now - span, start)
    if end is not None:
        out[end.name] = format_time(now, end)
    return out


def parse_since(text: str) -> timedelta:
    """'24h', '7d', '30d', '90m' -> timedelta; ValueError otherwise."""
    t = text.strip().lower()
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    if len(t) >= 2 and t[-1] in units and t[:-1].isdigit():
        return timedelta(seconds=int(t[:-1]) * units[t[-1]])
    raise ValueError(f"{text!r} is not a duration such as 24h, 7d or 30d")


def parse_window(text: str, now: datetime) -> tuple[datetime, datetime, timedelta | None]:
    """(start, end, span) for '24h', '7d', '30d', '90m', '2w' (up to ``now``; span the duration) or
    an ISO date / date-time (from it to ``now``; span None). ValueError with a sentence otherwise."""
    t = (text or "").strip()
    if not t:
        raise ValueError("the window is empty: give 24h, 7d, 30d or an ISO date such as 2026-01-31")
    try:
        span = PRESETS.get(t.lower()) or parse_since(t)
    except ValueError:
        dt = parse_time(t)
        if dt is None:
            raise ValueError(f"{t!r} is neither a duration (24h, 7d, 30d) nor an ISO date such as 2026-01-31")
        if dt >= now:
            raise ValueError(f"{t!r} is in the future: the window must start before now")
        return dt.astimezone(timezone.utc), now, None
    if span.total_seconds() <= 0:
        raise ValueError(f"{t!r} is an empty window")
    return now - span, now, span


def _allowed(p: Param) -> str:
    return ", ".join(f"{e.value} ({e.label})" for e in p.enum)


def check_value(p: Param, value: Any) -> str | None:
    """An error message for one value, or None."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        s = str(v).strip()
        if p.enum and s not in {e.value for e in p.enum}:
            by_label = [e.value for e in p.enum if e.label.lower() == s.lower()]
            if not by_label:
                return f"{s!r} is not allowed for {p.name}; allowed: {_allowed(p)}"
        if p.type == "integer":
            try:
                n = int(s)
            except ValueError:
                return f"{p.name} must be a whole number, not {s!r}"
            if p.max is not None and n > p.max:
                return f"{p.name} must be at most {p.max} (documented limit)"
            if n < 0:
                return f"{p.name} must not be negative"
        if p.type == "boolean" and s.lower() not in ("true", "false"):
            return f"{p.name} must be true or false"
        if p.time_role and parse_time(s) is None:
            return f"{p.name} must be an ISO 8601 date or date-time such as 2026-01-31T00:00:00Z"
    return None


def normalise(p: Param, value: Any) -> Any:
    """An enum given by its label becomes its value (`-p jobState=Failed` -> 3)."""
    if p.enum and not isinstance(value, list):
        s = str(value).strip()
        if s not in {e.value for e in p.enum}:
            for e in p.enum:
                if e.label.lower() == s.lower():
                    return e.value
    return value


def validate_params(endpoint: Endpoint, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(cleaned values, errors by parameter name). Empty strings count as not given."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    given = {k: v for k, v in values.items() if v not in (None, "", [])}
    by_name = {p.name.lower(): p for p in endpoint.params}
    for name, value in given.items():
        p = by_name.get(name.lower())
        if p is None:
            clean[name] = value        # undocumented parameters pass through (the docs lag the API)
            continue
        err = check_value(p, value)
        if err:
            errors[p.name] = err
        else:
            clean[p.name] = normalise(p, value)
    for p in endpoint.params:
        if p.required and p.name not in clean and p.name not in errors:
            hint = f"; allowed: {_allowed(p)}" if p.enum else ""
            errors[p.name] = f"{p.name} is required ({p.description[:80]}){hint}"
    start, end = time_params(endpoint)
    limit = window_limit_days(endpoint)
    if start and end and start.name in clean and end.name in clean:
        a, b = parse_time(str(clean[start.name])), parse_time(str(clean[end.name]))
        if a and b:
            if b < a:
                errors[end.name] = f"{end.name} is before {start.name}"
            elif limit is not None and b - a > timedelta(days=limit):
                errors[end.name] = (f"the window from {start.name} to {end.name} must be no more than "
                                    f"{limit} days (documented limit)")
    return clean, errors
