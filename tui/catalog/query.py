"""Server-side filters typed at ``:``: ``jobs state=failed since=24h`` -> an endpoint and its parameters.

The words without ``=`` name the endpoint (the catalogue's fuzzy search), each ``name=value`` a
parameter. Names and enum labels match case-insensitively and fuzzily (``state`` is ``jobState``,
``failed`` is its value ``3``); ``since=24h`` (or ``since=2026-11-01``) fills the endpoint's
documented time window. When several endpoints match the words, the one whose parameters take
every ``name=value`` wins, so ``:jobs state=failed`` opens the Microsoft 365 backup jobs (the jobs
list that has a job state). A name that matches nothing is reported with the valid ones.

UI-free: the ``:`` prompt, saved requests (``avegraph get @name``) and the tests share it.
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tui.catalog.model import Catalog, Endpoint, Param
from tui.catalog.validate import PRESETS, format_time, parse_since, parse_time, time_params, window_limit_days
from tui.clock import utc_now

__all__ = ["Query", "parse_query", "resolve_params", "resolve_saved", "canonical_params", "request_to_save",
           "suggest_name", "SINCE"]

SINCE = "since"            # the pseudo-parameter for a time window ending now
_CANDIDATES = 40           # endpoints of the fuzzy search tried against the parameters


@dataclass
class Query:
    """What a ``:`` line means. ``endpoint`` is None when no endpoint matches the words."""

    text: str
    endpoint: Endpoint | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)     # param -> enum label of its value, for display
    errors: list[str] = field(default_factory=list)
    has_filters: bool = False                                # any name=value was typed
    window: str | None = None                                # since=… as typed (24h, 7d): the form's preset

    @property
    def ok(self) -> bool:
        return self.endpoint is not None and not self.errors

    @property
    def missing_path(self) -> list[str]:
        return [] if self.endpoint is None else [p for p in self.endpoint.path_params if p not in self.path_params]

    def describe(self) -> str:
        """``jobState=3 (Failed) startTime=…``: the parameters as they will be sent."""
        parts = []
        for name, value in {**self.path_params, **self.params}.items():
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            label = self.labels.get(name)
            parts.append(f"{name}={shown}" + (f" ({label})" if label and label != shown else ""))
        return " ".join(parts)


def split_words(text: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(endpoint words, (name, value) pairs, problems). Quotes group a value: ``search="a b"``."""
    problems: list[str] = []
    body = text.strip().lstrip(":").strip()
    try:
        words = shlex.split(body)
    except ValueError:                     # an unclosed quote while typing: read it as closed
        problems.append("a quote is not closed")
        words = []
        for closing in ('"', "'"):
            try:
                words = shlex.split(body + closing)
                break
            except ValueError:
                continue
    names: list[str] = []
    pairs: list[tuple[str, str]] = []
    for word in words:
        if "=" in word:
            key, value = word.split("=", 1)
            if not key.strip():
                problems.append(f"{word!r}: the name before = is empty")
                continue
            pairs.append((key.strip(), value.strip()))
        else:
            names.append(word)
    return names, pairs, problems


def parse_query(catalog: Catalog, text: str) -> Query:
    """The endpoint and parameters of a ``:`` line (see the module docstring)."""
    names, pairs, problems = split_words(text)
    query = Query(text=text, has_filters=bool(pairs))
    words = " ".join(names)
    exact = catalog.find(words)
    if exact is not None and exact.read_only:
        candidates = [exact]
    else:
        candidates = [e for e in catalog.search(words, limit=_CANDIDATES) if e.read_only]
    if not candidates:
        query.errors = problems + [f"no endpoint matches {words!r}; `avegraph endpoints --search TEXT` lists them"]
        return query
    best: tuple[Any, ...] | None = None
    for rank, endpoint in enumerate(candidates):
        path_params, params, labels, errors, cost = _resolve(endpoint, pairs)
        key = (cost[0], cost[1], rank)
        if best is None or key < best[0]:
            best = (key, endpoint, path_params, params, labels, errors)
        if not pairs or (not errors and cost == (0, 0)):
            break                          # the search's first choice, or a perfect fit
    assert best is not None
    _, query.endpoint, query.path_params, query.params, query.labels, errors = best
    query.errors = problems + errors
    query.window = _since_text(pairs)
    return query


def resolve_params(endpoint: Endpoint, pairs: list[tuple[str, str]] | dict[str, Any],
                   now: Any = None) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """(path params, query/body params, problems) for ``name=value`` pairs against one endpoint."""
    items = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    path_params, params, _labels, errors, _cost = _resolve(endpoint, items, now)
    return path_params, params, errors


def canonical_params(endpoint: Endpoint, pairs: list[tuple[str, str]] | dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What a saved request keeps: the catalogue's names and values (``state=failed`` -> ``jobState=3``),
    but a window stays relative (``since=24h``, ``startTime=7d``) so it means "up to now" when it runs."""
    items = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    path_params, params, _labels, errors, _cost = _resolve(endpoint, items, relative=True)
    return {**path_params, **params}, errors


def resolve_saved(catalog: Catalog, saved: Any, now: Any = None) -> Query:
    """A saved request (endpoint id + parameters, ``tui.config.SavedRequest``) as the request to send:
    the one function behind ``avegraph get @name`` and the explorer's Saved branch."""
    query = Query(text=f"@{saved.name}", has_filters=bool(saved.params))
    endpoint = catalog.find(saved.endpoint)
    if endpoint is None:
        near = ", ".join(e.id for e in catalog.search(saved.endpoint.split(".")[-1], limit=3))
        query.errors.append(f"saved request {saved.name!r} names the unknown endpoint {saved.endpoint!r}"
                            + (f"; close: {near}" if near else ""))
        return query
    if not endpoint.read_only:
        query.errors.append(f"saved request {saved.name!r}: {endpoint.method} {endpoint.path} is a write operation "
                            "and is never sent")
        return query
    query.endpoint = endpoint
    path_params, params, labels, errors, _cost = _resolve(endpoint, list(saved.params.items()), now)
    query.path_params, query.params, query.labels = path_params, params, labels
    query.errors = [f"saved request {saved.name!r}: {e}" for e in errors]
    query.window = _since_text(saved.params.items())
    return query


def _since_text(pairs: Any) -> str | None:
    """The ``since=`` value of a request, as typed (it names the window a form shows)."""
    return next((str(v).strip().lower() for k, v in pairs if str(k).lower() == SINCE and not isinstance(v, list)), None)


# ------------------------------------------------------------------------------------------------
# Matching one endpoint's parameters
# ------------------------------------------------------------------------------------------------

def _resolve(endpoint: Endpoint, pairs: list[tuple[str, Any]], now: Any = None, relative: bool = False):
    path_params: dict[str, str] = {}
    params: dict[str, Any] = {}
    labels: dict[str, str] = {}
    errors: list[str] = []
    unknown, looseness = 0, 0              # names that match nothing; how loosely the others matched
    for key, value in pairs:
        if key.lower() == SINCE and endpoint.param(SINCE) is None:
            window: dict[str, Any] = {}
            problem = _since(endpoint, str(value), window, now)
            if problem:
                errors.append(problem)
            else:
                params.update({SINCE: str(value).strip()} if relative else window)
            continue
        param, score, problem = match_param(endpoint, key)
        if param is None:
            errors.append(problem or f"unknown parameter {key!r}")
            unknown += 1
            continue
        looseness += score
        resolved, label, problem = match_value(param, value, now)
        if relative and param.time_role and not problem and parse_time(str(value)) is None:
            resolved = str(value).strip()              # a duration back from now stays one
        if problem:
            errors.append(problem)
            continue
        if param.location == "path":
            path_params[param.name] = str(resolved)
        else:
            params[param.name] = resolved
        if label:
            labels[param.name] = label
    return path_params, params, labels, errors, (unknown, looseness)


def _choices(endpoint: Endpoint) -> list[Param]:
    pag = endpoint.pagination
    position = {n.lower() for n in (pag.page_param, pag.cursor_param, pag.offset_param) if n}
    return [p for p in endpoint.params if p.name.lower() not in position and "[" not in p.name]


def valid_names(endpoint: Endpoint) -> list[str]:
    names = [p.name for p in _choices(endpoint)]
    if any(time_params(endpoint)):
        names.append(SINCE)
    return names


def match_param(endpoint: Endpoint, key: str) -> tuple[Param | None, int, str | None]:
    """(parameter, how loose the match was: 0 exact .. 5 close spelling, problem)."""
    choices = _choices(endpoint)
    low = _squash(key)
    tiers: list[list[Param]] = [[] for _ in range(6)]
    for p in choices:
        name = _squash(p.name)
        if name == low:
            tier = 0
        elif name.endswith(low):
            tier = 1                       # state -> jobState, type -> objectType
        elif name.startswith(low):
            tier = 2
        elif low in name:
            tier = 3
        elif _subsequence(low, name):
            tier = 4
        else:
            continue
        tiers[tier].append(p)
    for tier, found in enumerate(tiers):
        if len(found) == 1:
            return found[0], tier, None
        if len(found) > 1:
            return None, tier, (f"{key!r} could be {', '.join(p.name for p in found)} "
                                f"({endpoint.id}); type more of the name")
    close = difflib.get_close_matches(low, [_squash(p.name) for p in choices], n=1, cutoff=0.75)
    if close:
        return next(p for p in choices if _squash(p.name) == close[0]), 5, None
    valid = valid_names(endpoint)
    return None, 0, (f"unknown parameter {key!r} for {endpoint.id}; "
                     f"valid: {', '.join(valid) if valid else '(it takes none)'}")


def match_value(param: Param, value: Any, now: Any = None) -> tuple[Any, str | None, str | None]:
    """(value to send, its enum label, problem). Enum values by value or (fuzzy) label; a time
    parameter takes a date, a date-time or a duration back from now (``startTime=24h``)."""
    if isinstance(value, list):
        out, labels = [], []
        for v in value:
            one, label, problem = match_value(param, v, now)
            if problem:
                return None, None, problem
            out.append(one)
            labels.append(label or str(one))
        return out, ", ".join(labels), None
    text = str(value).strip()
    if param.time_role and text:
        return _time_value(param, text, now)
    if not param.enum:
        if param.type == "list" and "," in text:
            return [s.strip() for s in text.split(",") if s.strip()], None, None
        return text, None, None
    for e in param.enum:
        if e.value == text:
            return e.value, e.label, None
    low = _squash(text)
    for test in (lambda lab: lab == low, lambda lab: lab.startswith(low), lambda lab: low in lab):
        found = [e for e in param.enum if low and test(_squash(e.label))]
        if len(found) == 1:
            return found[0].value, found[0].label, None
        if len(found) > 1:
            exact = [e for e in found if _squash(e.label) == low]
            if len(exact) == 1:
                return exact[0].value, exact[0].label, None
            return None, None, (f"{param.name}={text!r} could be "
                                f"{', '.join(f'{e.value} ({e.label})' for e in found)}; type more of it")
    allowed = ", ".join(f"{e.value} ({e.label})" for e in param.enum)
    return None, None, f"{text!r} is not a value of {param.name}; allowed: {allowed}"


def _time_value(param: Param, text: str, now: Any) -> tuple[Any, str | None, str | None]:
    if parse_time(text) is not None:
        return text, None, None
    try:
        span = parse_since(text)
    except ValueError:
        return None, None, (f"{param.name}={text!r}: give a date such as 2026-11-01, a date-time such as "
                            "2026-11-01T08:00:00Z, or a duration back from now such as 24h")
    return format_time((now or utc_now()) - span, param), None, None


def _since(endpoint: Endpoint, value: str, params: dict[str, Any], now: Any) -> str | None:
    start, end = time_params(endpoint)
    if start is None:
        return f"{endpoint.id} has no time window, so {SINCE}= does not apply; valid: {', '.join(valid_names(endpoint))}"
    now = now or utc_now()
    at = parse_time(value)
    if at is None:
        try:
            span = PRESETS.get(value.lower()) or parse_since(value)
        except ValueError:
            return f"{SINCE}={value!r}: give a duration such as 24h, 7d or 30d, or a date such as 2026-11-01"
        at = now - span
    limit = window_limit_days(endpoint)
    if limit is not None and now - at > timedelta(days=limit):
        return f"{SINCE}={value}: {endpoint.id} allows a window of at most {limit} days (documented limit)"
    params[start.name] = format_time(at, start)
    if end is not None:
        params[end.name] = format_time(now, end)
    return None


def _squash(text: str) -> str:
    """``Finished with Exception`` / ``finished-with-exception`` -> ``finishedwithexception``."""
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def _subsequence(q: str, hay: str) -> bool:
    it = iter(hay)
    return bool(q) and all(c in it for c in q)


def request_to_save(name: str, endpoint: Endpoint, path_params: dict[str, Any], params: dict[str, Any],
                    tenant: str, window: str | None = None) -> Any:
    """The SavedRequest for what the explorer shows: the pager's position and anything named like a
    credential left out; ``window`` (a preset such as "7d") replaces the absolute start and end with
    ``since``. A request with path parameters (a customer's id) names ids of this tenant, so it is
    saved for this tenant; one without them is usable with any tenant."""
    from tui.api.redact import is_unsaved_name
    from tui.config.saved import SavedRequest
    pag = endpoint.pagination
    position = {n.lower() for n in (pag.page_param, pag.cursor_param, pag.offset_param) if n}
    start, end = time_params(endpoint)
    window_names = {p.name for p in (start, end) if p is not None} if window else set()
    kept: dict[str, Any] = {k: str(v) for k, v in path_params.items() if v not in (None, "")}
    for key, value in params.items():
        if value in (None, "", []) or key.lower() in position or is_unsaved_name(key) or key in window_names:
            continue
        kept[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    if window:
        kept[SINCE] = window
    return SavedRequest(name=name, endpoint=endpoint.id, params=kept, tenant=tenant if path_params else None)


def suggest_name(endpoint: Endpoint, params: dict[str, Any]) -> str:
    """A first name for the save prompt: ``cloudbackupjobs-failed`` (the endpoint and its enum labels)."""
    parts = [endpoint.id.split(".")[-1]]
    for key, value in params.items():
        p = endpoint.param(key)
        label = p.label_of(str(value)) if p is not None and not isinstance(value, list) else None
        if label:
            parts.append(label)
    return re.sub(r"[^0-9A-Za-z._-]+", "-", "-".join(parts).lower()).strip("-")[:64] or "request"
