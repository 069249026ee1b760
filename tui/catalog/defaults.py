"""The defaults the explorer and the headless CLI share, so that a person sees the same rows in both:
the page size, and the time window a job list opens with (the last 7 days).

UI-free: the explorer's parameter form and page loader, and ``avegraph get``, read them from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.catalog.model import Endpoint
from tui.catalog.validate import PRESET_LABELS, format_time, parse_window, preset_window, time_params, window_limit_days
from tui.clock import utc_now

__all__ = ["DEFAULT_WINDOW", "page_size", "has_window", "window_values"]

DEFAULT_WINDOW = "7d"


def page_size(endpoint: Endpoint) -> int | None:
    """Pages of 100 where the endpoint allows it: fewer round trips than the documented defaults (10)."""
    pag = endpoint.pagination
    if not pag.size_param:
        return None
    return min(100, pag.size_max or 100)


def has_window(endpoint: Endpoint) -> bool:
    """True when the endpoint takes a start and an end time (a job or audit list)."""
    start, end = time_params(endpoint)
    return start is not None and end is not None


def window_values(endpoint: Endpoint, since: str = DEFAULT_WINDOW,
                  now: datetime | None = None) -> tuple[dict[str, str], str | None]:
    """(start/end parameter values, a note or None) for ``since``: a duration such as 24h, 7d, 30d,
    90m (up to now), or an ISO date or date-time (from it to now). ValueError with a sentence otherwise.

    A duration longer than the endpoint's documented window is shortened to it, as the explorer's
    presets are; the note says so. An ISO date is taken as given (validation names the limit).
    """
    now = (now or utc_now()).astimezone(timezone.utc).replace(microsecond=0)
    text = (since or "").strip()
    when, _, span = parse_window(text, now)
    if span is None:                          # an ISO date: as given
        start, end = time_params(endpoint)
        return {start.name: format_time(when, start), end.name: format_time(now, end)}, None
    limit = window_limit_days(endpoint)
    note = None
    if limit is not None and span > timedelta(days=limit):
        note = f"{PRESET_LABELS.get(text.lower(), text)} shortened to the documented maximum of {limit} days"
    return preset_window(endpoint, text.lower(), now), note
