"""The permissions debugger's core: what the token holds, what each endpoint needs, what the service says.

UI-free (no Textual): the Permissions screen, ``avegraph perms`` and ``avegraph token`` share it.

* **Token summaries** (:func:`token_infos`): the decoded header and claims of each scope bundle's
  token, with a clear state when a token cannot be had (identity service down, bad credential),
  has expired, or is not a JWT. The raw token stays in ``TokenClaims.raw``; nothing here prints it.
  The one token check: ``avegraph token``, ``avegraph perms``, the Permissions screen and (with
  :func:`check_connection`) the tenant screen's connection test all read tokens through it.
* **Scope matrix** (:func:`scope_matrix`): every catalogued endpoint, its required scope(s) (any one
  suffices) and whether the current tokens hold one: ``granted`` / ``missing`` / ``unknown``. Scope
  names compare case-insensitively, so the documented casing variants (``Dynamics.ReadWrite.All``
  on the endpoint page, ``dynamics.readwrite.all`` in the register-app table) are one scope.
* **Probe** (:func:`iter_probe`): each read-only endpoint without path parameters, called the
  cheapest way (page size 1, a 24-hour window for required times, an enum's first value other than
  "all"), a few at a time; results stream in with the real status, the server's message, the
  request-id and the Exchange. Endpoints that need an id, or that would start an export job, are
  listed as skipped, never sent.
* **Discovery** (:func:`iter_discover`): one token request per catalogue scope (each documented
  spelling tried in turn), a few at a time, with a progress callback: which scopes the app
  registration can obtain, and the identity service's words for each one it refuses.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Iterable

from tui.catalog import Catalog, Endpoint
from tui.catalog.validate import preset_window, time_params, validate_params
from tui.hints import registration_place

__all__ = [
    "SCOPE_VARIANTS", "scope_key", "spellings", "granted_from_claims", "MatrixRow", "scope_matrix",
    "matrix_counts", "TokenInfo", "token_infos", "ConnectionCheck", "check_connection", "ProbePlan", "ProbeResult", "probe_plan", "safe_params",
    "probe_one", "iter_probe", "prepare_probe", "ProbeAborted", "DiscoveryResult", "DiscoveryAborted", "iter_discover",
    "OUTCOME_LABELS", "format_countdown", "error_text",
]

# ------------------------------------------------------------------------------------------------
# Scope names
# ------------------------------------------------------------------------------------------------

#: Spellings the documentation uses for one scope (catalogue section 3.2, "Casing mismatches"): the
#: endpoint page's first, then the register-app table's. Compared case-insensitively they are one
#: scope; a case-sensitive identity service may still know only one, so discovery tries each.
SCOPE_VARIANTS: dict[str, tuple[str, ...]] = {
    "dynamics.readwrite.all": ("Dynamics.ReadWrite.All", "dynamics.readwrite.all"),
    "platformbackup.readwrite.all": ("PlatformBackup.ReadWrite.All", "platformbackup.readwrite.all"),
}


def scope_key(scope: str) -> str:
    """The comparison key of a scope name: trimmed and lower-cased."""
    return str(scope).strip().lower()


def spellings(scope: str) -> tuple[str, ...]:
    """The scope as given, then its other documented spellings (no exact duplicates)."""
    out = [scope]
    for v in SCOPE_VARIANTS.get(scope_key(scope), ()):
        if v not in out:
            out.append(v)
    return tuple(out)


def granted_from_claims(claims: Iterable[Any] | None) -> dict[str, str] | None:
    """{scope key: the token's spelling} over the given TokenClaims; None when no token says which
    scopes it holds (no token yet, or only opaque tokens without a ``scope`` in the response)."""
    if claims is None:
        return None
    out: dict[str, str] = {}
    known = False
    for c in claims:
        if c is None:
            continue
        scopes = tuple(getattr(c, "scopes", ()) or ())
        if scopes:
            known = True
        for s in scopes:
            out.setdefault(scope_key(s), s)
    return out if known else None


# ------------------------------------------------------------------------------------------------
# API families: an app registration is made either in AOS (the Modern API) or in Elements
# ------------------------------------------------------------------------------------------------

FAMILY_NAMES = {"modern": "AvePoint Graph Modern API (AOS app registration)",
                "elements": "Elements API (Elements app registration)"}


def endpoint_family(endpoint: Endpoint) -> str:
    return "elements" if endpoint.service_key in ("elements", "elements-legacy") else "modern"


def scope_family(scope: str) -> str:
    return "elements" if scope_key(scope).startswith(("elements.", "partner.")) else "modern"


def families_of(granted: dict[str, str] | Iterable[str] | None) -> set[str] | None:
    """Which app registration(s) the token's scopes come from; None when the scopes are unknown."""
    if not granted:
        return None
    return {scope_family(s) for s in (granted.values() if isinstance(granted, dict) else granted)}


# ------------------------------------------------------------------------------------------------
# The scope matrix
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MatrixRow:
    endpoint: Endpoint
    state: str                     # "granted" | "missing" | "unknown"
    held_as: str | None = None     # the token's spelling of the scope that grants it

    @property
    def note(self) -> str:
        e = self.endpoint
        parts = []
        if self.held_as and self.held_as not in e.scopes:
            parts.append(f"held as {self.held_as}")
        if not e.read_only:
            parts.append("write: listed, never sent")
        if self.state == "missing":
            parts.append("add in " + registration_place(e).split(":")[0])
        return "; ".join(parts)

    def to_row(self) -> dict[str, Any]:
        """A PagedTable row (plain strings; the table shows them literally)."""
        e = self.endpoint
        return {"service": e.service, "endpoint": e.id, "method": e.method, "path": e.path,
                "scope": " or ".join(e.scopes), "token": self.state, "note": self.note}

    def to_dict(self) -> dict[str, Any]:
        e = self.endpoint
        return {"service": e.service_key, "endpoint": e.id, "method": e.method, "path": e.path,
                "title": e.title, "scopes": list(e.scopes), "state": self.state, "held_as": self.held_as,
                "read_only": e.read_only, "add_in": registration_place(e)}


def holds(endpoint: Endpoint, granted: dict[str, str] | None) -> tuple[str, str | None]:
    """(state, the token's spelling) for one endpoint."""
    if granted is None:
        return "unknown", None
    for s in endpoint.scopes:
        hit = granted.get(scope_key(s))
        if hit is not None:
            return "granted", hit
    return "missing", None


def scope_matrix(catalog: Catalog, granted: dict[str, str] | Iterable[str] | None) -> list[MatrixRow]:
    """Every catalogued endpoint grouped by service (the catalogue's service order), with its state."""
    if granted is not None and not isinstance(granted, dict):
        granted = {scope_key(s): s for s in granted}
    rows = []
    for _key, _name, endpoints in catalog.services():
        for e in endpoints:
            state, held = holds(e, granted)
            rows.append(MatrixRow(e, state, held))
    return rows


def matrix_counts(rows: Iterable[MatrixRow]) -> dict[str, int]:
    out = {"granted": 0, "missing": 0, "unknown": 0}
    for r in rows:
        out[r.state] = out.get(r.state, 0) + 1
    return out


# ------------------------------------------------------------------------------------------------
# Tokens
# ------------------------------------------------------------------------------------------------

def format_countdown(seconds: float | None) -> str:
    """'59 min 12 s', '12 s', 'expired 3 min ago', 'unknown'."""
    if seconds is None:
        return "unknown"
    s = int(seconds)
    if s <= 0:
        ago = -s
        if ago < 60:
            return f"expired {ago} s ago"
        if ago < 3600:
            return f"expired {ago // 60} min ago"
        return f"expired {ago // 3600} h {ago % 3600 // 60} min ago"
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


@dataclass(eq=False)
class TokenInfo:
    """One scope bundle's token, or why there is none."""

    bundle: str
    requested: tuple[str, ...]          # the bundle's scopes (empty: none sent, every granted scope)
    token_url: str
    claims: Any = None                  # TokenClaims, or None when no token could be had
    error: BaseException | None = None

    @property
    def decodable(self) -> bool:
        return self.claims is not None and bool(self.claims.payload)

    def state(self, now: float | None = None) -> str:
        """'valid' | 'expired' | 'undecodable' | 'error'."""
        if self.claims is None:
            return "error"
        left = self.claims.expires_in(now)
        if left is not None and left <= 0:
            return "expired"
        if not self.decodable:
            return "undecodable"
        return "valid"

    def describe_state(self, now: float | None = None) -> str:
        st = self.state(now)
        if st == "error":
            return f"no token: {error_text(self.error)}"
        if st == "expired":
            return "expired: requests will get a new token (press r to refresh now)"
        if st == "undecodable":
            how = ("scopes from the token response" if self.claims.scopes else "its scopes are unknown")
            return f"not a JWT (opaque or malformed): cannot be decoded; {how}"
        return "valid"

    @property
    def raw(self) -> str:
        """The access token itself: for an explicit reveal only."""
        return self.claims.raw if self.claims is not None else ""

    def to_dict(self, now: float | None = None) -> dict[str, Any]:
        """Everything but the raw token."""
        d: dict[str, Any] = {"bundle": self.bundle, "requested_scopes": list(self.requested),
                             "token_url": self.token_url, "state": self.state(now)}
        if self.claims is not None:
            c = self.claims.to_dict()
            left = self.claims.expires_in(now)
            c["expires_in"] = None if left is None else int(left)
            d.update({k: v for k, v in c.items() if k != "bundle"})
        if self.error is not None:
            d["error"] = error_text(self.error)
            code = getattr(self.error, "error", None)
            if code:
                d["error_code"] = code
        return d


def error_text(err: BaseException | None) -> str:
    """One line for an error: its message and hint (never a secret: the core masks them)."""
    if err is None:
        return ""
    describe = getattr(err, "describe", None)
    text = describe() if callable(describe) else str(err)
    return " ".join(str(text).split()) or type(err).__name__


async def token_infos(session: Any, *, acquire: bool = True, force: bool = False) -> list[TokenInfo]:
    """The token of every scope bundle, in the session's bundle order; a failed bundle becomes a
    TokenInfo with its error, never an exception (only cancellation propagates).

    ``acquire``: get a token where none is cached (False: describe what is cached, no request).
    ``force``: ask the identity service for a new token even where a valid one is cached (a
    connection test, a refresh); a bundle whose new token is refused then reports that error and
    no claims, whatever older token is still cached."""
    token_url = getattr(session.tokens, "token_url", "") or getattr(session.tenant, "token_url", "")
    out = []
    for b in session.bundles:
        err: BaseException | None = None
        if acquire or force:
            try:
                await session.token(b, force=force)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # AuthError, NetworkError, CredentialError, ConfigError: all shown
                err = exc
        tok = session.tokens.tokens.get(b.name)
        claims = tok.claims if tok is not None and not (force and err is not None) else None
        out.append(TokenInfo(b.name, tuple(b.scopes), token_url, claims, err if claims is None else None))
    return out


@dataclass(frozen=True)
class ConnectionCheck:
    """A connection test's outcome over every bundle (``check_connection``): plain data a tenant
    screen turns into text, from a worker that posts it in a message."""

    infos: tuple[TokenInfo, ...]
    wanted: tuple[str, ...] = ()        # the scopes the tenant's settings ask for (empty: every scope)

    @property
    def ok(self) -> bool:
        return bool(self.infos) and all(i.claims is not None for i in self.infos)

    @property
    def error(self) -> BaseException | None:
        """The first bundle's error (what to show when the test failed)."""
        return next((i.error for i in self.infos if i.error is not None), None)

    @property
    def first(self) -> Any:
        """The first bundle's TokenClaims (client id, expiry), None when it has no token."""
        return next((i.claims for i in self.infos if i.claims is not None), None)

    @property
    def granted(self) -> list[str]:
        """Every scope the tokens hold, first spelling kept, in bundle order."""
        out: list[str] = []
        seen: set[str] = set()
        for i in self.infos:
            for s in (i.claims.scopes if i.claims is not None else ()):
                if scope_key(s) not in seen:
                    seen.add(scope_key(s))
                    out.append(s)
        return out

    @property
    def missing(self) -> list[str]:
        """The wanted scopes no token holds."""
        held = {scope_key(s) for s in self.granted}
        return [s for s in self.wanted if scope_key(s) not in held]


async def check_connection(session: Any) -> ConnectionCheck:
    """A new token for every bundle of the session's tenant (``token_infos(force=True)``)."""
    infos = await token_infos(session, force=True)
    return ConnectionCheck(tuple(infos), tuple(getattr(session.tenant, "scopes", None) or ()))


def granted_of(infos: Iterable[TokenInfo]) -> dict[str, str] | None:
    return granted_from_claims([i.claims for i in infos if i.claims is not None] or None)


# ------------------------------------------------------------------------------------------------
# Probe
# ------------------------------------------------------------------------------------------------

OUTCOME_LABELS = {
    "ok": "2xx",                # the token passed
    "unauthorized": "401",      # the token itself was refused
    "forbidden": "403",         # the token lacks the permission
    "bad_request": "400",       # passed the permission check, refused the request
    "other": "other",
    "error": "no response",     # network, token or client-side failure
    "skipped": "not sent",
}

_SKIP_KINDS = {"async-export": "would start an export job", "download": "downloads an export file"}
PROBE_WINDOW = "24h"


@dataclass(frozen=True)
class ProbePlan:
    endpoint: Endpoint
    params: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None            # why it is not sent
    unfilled: tuple[str, ...] = ()     # required parameters without a safe default (sent without them)

    @property
    def note(self) -> str:
        if self.skip:
            return self.skip
        if self.unfilled:
            return "sent without " + ", ".join(self.unfilled) + " (no safe default)"
        return ""


@dataclass(eq=False)
class ProbeResult:
    endpoint: Endpoint
    outcome: str                       # a key of OUTCOME_LABELS
    status: int | None = None
    message: str = ""
    request_id: str | None = None
    exchange: Any = None
    elapsed: float | None = None
    note: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    failure: str | None = None         # "network" | "token" | "client" when there was no HTTP answer

    @property
    def label(self) -> str:
        if self.status is not None and self.outcome in ("ok", "other"):
            return str(self.status)
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    def disagreement(self, state: str | None) -> str | None:
        """Where the service contradicts the catalogue's scope data, given the matrix state of the
        endpoint: a sentence, else None. This is the check Graph Explorer's permissions tab lacked."""
        if state == "granted" and self.outcome == "forbidden":
            return "the token holds the documented scope, yet the service says 403"
        if state == "missing" and self.outcome in ("ok", "bad_request"):
            return "the service accepted a token without the documented scope"
        return None

    def to_row(self, state: str | None = None) -> dict[str, Any]:
        e = self.endpoint
        row = {"outcome": self.label, "endpoint": e.id, "service": e.service, "scope": " or ".join(e.scopes)}
        if state is not None:
            row["token"] = state
            row["catalogue"] = "disagrees" if self.disagreement(state) else ""
        row.update({"message": self.message or self.note, "request-id": self.request_id or "",
                    "ms": "" if self.elapsed is None else f"{self.elapsed * 1000:.0f}"})
        return row

    def to_dict(self, state: str | None = None) -> dict[str, Any]:
        e = self.endpoint
        return {"endpoint": e.id, "service": e.service_key, "method": e.method, "path": e.path,
                "scopes": list(e.scopes), "token": state, "disagrees_with_catalogue": self.disagreement(state),
                "outcome": self.outcome, "status": self.status, "message": self.message,
                "request_id": self.request_id, "elapsed_ms": None if self.elapsed is None else
                round(self.elapsed * 1000, 1), "note": self.note, "params": dict(self.params)}


def _first_enum_value(p: Any) -> str | None:
    for ev in p.enum:
        if ev.label.strip().lower() != "all" and ev.value.strip().lower() != "all":
            return ev.value
    return p.enum[0].value if p.enum else None


def safe_params(endpoint: Endpoint, now: datetime | None = None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The cheapest parameters for one request: (values, required names left unfilled)."""
    pag = endpoint.pagination
    values: dict[str, Any] = {}
    if pag.size_param:
        p = endpoint.param(pag.size_param)
        values[p.name if p else pag.size_param] = 1
    if pag.page_param:
        p = endpoint.param(pag.page_param)
        if p is not None and p.required:
            values[p.name if p else pag.page_param] = pag.first_page
    start, end = time_params(endpoint)
    if (start is not None and start.required) or (end is not None and end.required):
        values.update(preset_window(endpoint, PROBE_WINDOW, now))
    unfilled = []
    for p in endpoint.params:
        if not p.required or p.location == "path" or p.name in values:
            continue
        if p.enum:
            v = _first_enum_value(p)
            if v is not None:
                values[p.name] = v
                continue
        if p.default not in (None, ""):
            values[p.name] = p.default
            continue
        unfilled.append(p.name)
    # Anything the rules above produced that the docs forbid is dropped rather than sent.
    _clean, errors = validate_params(endpoint, values)
    for name in errors:
        if name in values and name not in unfilled:
            values.pop(name, None)
    return values, tuple(unfilled)


def probe_plan(catalog: Catalog, endpoints: Iterable[Endpoint] | None = None,
               now: datetime | None = None, families: set[str] | None = None) -> list[ProbePlan]:
    """One plan per read-only endpoint, grouped by service: sendable ones (no path parameter, not an
    export starter) first, then the skipped ones with the reason. ``families`` (from the token's
    scopes, see :func:`families_of`) limits the requests to the API the app is registered for: an
    AOS app registration never holds Elements scopes, so probing the Elements API with it only
    says so 50 times."""
    if endpoints is None:
        endpoints = [e for _k, _n, eps in catalog.services() for e in eps]
    sendable, skipped = [], []
    for e in endpoints:
        if not e.read_only:
            continue
        fam = endpoint_family(e)
        if families and fam not in families:
            skipped.append(ProbePlan(e, skip="Elements API: needs an Elements app registration (this token is "
                                             "from an AOS one)" if fam == "elements" else
                                     "Modern API: needs an AOS app registration (this token is from an Elements one)"))
            continue
        if e.path_params:
            skipped.append(ProbePlan(e, skip="needs an id (" + ", ".join(e.path_params) + ")"))
            continue
        if e.kind in _SKIP_KINDS:
            skipped.append(ProbePlan(e, skip=_SKIP_KINDS[e.kind]))
            continue
        params, unfilled = safe_params(e, now)
        sendable.append(ProbePlan(e, params, unfilled=unfilled))
    return sendable + skipped


async def probe_one(session: Any, plan: ProbePlan) -> ProbeResult:
    """Send one planned request; every outcome (including failures) becomes a ProbeResult."""
    from tui.api.errors import ApiError, AuthError, HttpError, NetworkError
    e = plan.endpoint
    if plan.skip:
        return ProbeResult(e, "skipped", note=plan.skip)
    t0 = time.perf_counter()
    try:
        ex = await session.request(e, {}, dict(plan.params))
    except HttpError as err:
        ex = err.exchange
        status = err.status
        outcome = ("unauthorized" if status == 401 else "forbidden" if status == 403 else
                   "bad_request" if status == 400 else "other")
        message = err.server_message or str(err)
        return ProbeResult(e, outcome, status, " ".join(message.split()), getattr(ex, "request_id", None), ex,
                           _elapsed(ex, t0), plan.note, dict(plan.params))
    except AuthError as err:
        return ProbeResult(e, "error", None, "token request failed: " + (err.error_description or err.error),
                           None, err.exchange, time.perf_counter() - t0, plan.note, dict(plan.params), "token")
    except NetworkError as err:
        return ProbeResult(e, "error", None, err.message, None, err.exchange, time.perf_counter() - t0,
                           plan.note, dict(plan.params), "network")
    except ApiError as err:
        return ProbeResult(e, "error", None, err.message, None, err.exchange, time.perf_counter() - t0,
                           plan.note, dict(plan.params), "client")
    status = ex.status
    outcome = "ok" if status is not None and 200 <= status < 300 else "other"
    return ProbeResult(e, outcome, status, "" if outcome == "ok" else (ex.error or ""), ex.request_id, ex,
                       _elapsed(ex, t0), plan.note, dict(plan.params))


def _elapsed(ex: Any, t0: float) -> float:
    v = getattr(ex, "elapsed", None)
    return v if v is not None else time.perf_counter() - t0


class ProbeAborted(Exception):
    """The probe cannot run at all (no token for any bundle)."""


async def prepare_probe(session: Any, catalog: Catalog, now: datetime | None = None,
                        all_families: bool = False) -> tuple[list[ProbePlan], list[TokenInfo]]:
    """The tokens first (ProbeAborted when there is none), then the plan for the API the app is
    registered for (every API with ``all_families``)."""
    infos = await token_infos(session)
    if infos and all(i.claims is None for i in infos):
        raise ProbeAborted("no token: " + error_text(infos[0].error))
    fams = None if all_families else families_of(granted_of(infos))
    return probe_plan(catalog, now=now, families=fams), infos


async def iter_probe(session: Any, plans: list[ProbePlan], concurrency: int = 4,
                     preflight: bool = True) -> AsyncIterator[ProbeResult]:
    """Probe results as they complete, at most ``concurrency`` requests at a time, then the skipped
    endpoints. Before any request, each bundle's token is fetched once; when none can be had the
    probe raises ProbeAborted instead of failing every row the same way. After three network
    failures with no HTTP answer at all, the rest are reported as not sent."""
    if preflight:
        infos = await token_infos(session)
        if infos and all(i.claims is None for i in infos):
            raise ProbeAborted("no token: " + error_text(infos[0].error))
    sendable = [p for p in plans if not p.skip]
    skipped = [p for p in plans if p.skip]
    sem = asyncio.Semaphore(max(1, concurrency))
    state = {"answered": 0, "network": 0}
    broken = asyncio.Event()

    async def one(plan: ProbePlan) -> ProbeResult:
        async with sem:
            if broken.is_set():
                return ProbeResult(plan.endpoint, "error", message="not sent: the API host did not answer",
                                   note=plan.note, params=dict(plan.params), failure="network")
            r = await probe_one(session, plan)
        if r.status is not None:
            state["answered"] += 1
        elif r.failure == "network":
            state["network"] += 1
            if state["network"] >= 3 and not state["answered"]:
                broken.set()
        return r

    tasks = [asyncio.ensure_future(one(p)) for p in sendable]
    try:
        for fut in asyncio.as_completed(tasks):
            yield await fut
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for p in skipped:
        yield ProbeResult(p.endpoint, "skipped", note=p.skip or "")


# ------------------------------------------------------------------------------------------------
# Discovery
# ------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class DiscoveryResult:
    scope: str                         # the catalogue's spelling
    state: str                         # "granted" | "refused" | "not asked"
    spelling: str | None = None        # the spelling the identity service granted
    description: str = ""              # the identity service's error_description (refused)
    error: str | None = None           # its error code (invalid_scope)
    tried: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()    # catalogue endpoints that need this scope

    def to_row(self) -> dict[str, Any]:
        note = self.description
        if self.state == "granted" and self.spelling and self.spelling != self.scope:
            note = f"granted as {self.spelling}"
        return {"scope": self.scope, "result": self.state, "endpoints": str(len(self.endpoints)),
                "identity service says": note}

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "state": self.state, "spelling": self.spelling,
                "description": self.description, "error": self.error, "tried": list(self.tried),
                "endpoints": list(self.endpoints)}


class DiscoveryAborted(Exception):
    """The identity service could not answer the question (down, or the client itself refused)."""

    def __init__(self, message: str, error: BaseException | None = None):
        super().__init__(message)
        self.message = message
        self.error = error


def catalogue_scopes(catalog: Catalog) -> list[tuple[str, tuple[str, ...]]]:
    """(scope, ids of the endpoints that need it) for every catalogue scope, by name."""
    need: dict[str, list[str]] = {}
    for e in catalog:
        for s in e.scopes:
            need.setdefault(scope_key(s), []).append(e.id)
    return [(s, tuple(need.get(scope_key(s), ()))) for s in catalog.all_scopes()]


async def discover_one(session: Any, scope: str, endpoints: tuple[str, ...] = ()) -> DiscoveryResult:
    """Ask for a token with just this scope (each documented spelling in turn). Raises
    DiscoveryAborted when the answer says nothing about the scope (network, 5xx, invalid_client)."""
    from tui.api.errors import AuthError
    tried: list[str] = []
    last: AuthError | None = None
    for spelling in spellings(scope):
        tried.append(spelling)
        try:
            claims = await session.acquire([spelling])
        except asyncio.CancelledError:
            raise
        except AuthError as err:
            if err.error != "invalid_scope":
                raise DiscoveryAborted(f"the identity service refused the client itself: {error_text(err)}",
                                       err) from None
            last = err
            continue
        except Exception as err:  # network, 5xx, unreadable credential: no answer about the scope
            raise DiscoveryAborted(f"the identity service could not be asked: {error_text(err)}", err) from None
        held = tuple(getattr(claims, "scopes", ()) or ())
        if held and not any(scope_key(h) == scope_key(spelling) for h in held):
            last = None
            return DiscoveryResult(scope, "refused", None,
                                   f"a token was issued without it (it holds {' '.join(held)})", "not_in_token",
                                   tuple(tried), endpoints)
        return DiscoveryResult(scope, "granted", spelling, "", None, tuple(tried), endpoints)
    desc = (last.error_description if last is not None else "") or "refused"
    return DiscoveryResult(scope, "refused", None, " ".join(desc.split()),
                           last.error if last is not None else None, tuple(tried), endpoints)


async def iter_discover(session: Any, catalog: Catalog, scopes: Iterable[str] | None = None, concurrency: int = 4,
                        progress: Callable[[int, int], Any] | None = None) -> AsyncIterator[DiscoveryResult]:
    """One result per scope as the identity service answers, at most ``concurrency`` token requests
    at a time; ``progress(done, total)`` after each. Raises DiscoveryAborted (after cancelling the
    rest) when the identity service is down or refuses the client itself."""
    table = catalogue_scopes(catalog)
    if scopes is not None:
        wanted = {scope_key(s) for s in scopes}
        known = {scope_key(s) for s, _ in table}
        table = [t for t in table if scope_key(t[0]) in wanted] + \
                [(s, ()) for s in scopes if scope_key(s) not in known]
    total = len(table)
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(scope: str, eps: tuple[str, ...]) -> DiscoveryResult:
        async with sem:
            return await discover_one(session, scope, eps)

    tasks = [asyncio.ensure_future(one(s, eps)) for s, eps in table]
    done = 0
    if progress is not None:
        progress(0, total)
    try:
        for fut in asyncio.as_completed(tasks):
            r = await fut
            done += 1
            if progress is not None:
                progress(done, total)
            yield r
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
