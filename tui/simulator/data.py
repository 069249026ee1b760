"""The simulator's data: deterministic from a seed, generated lazily, one collection at a time.

``Dataset.items(endpoint_id, path_params)`` is the full, unfiltered collection in server order
(newest first for jobs and audit records); ``Dataset.select(...)`` is what a request with the
given filters returns (before paging), so tests can compare the server with the data.

Nothing is generated at construction (start-up must stay cheap). Large collections (Microsoft
365 jobs, audit records, DMSO audits) keep only their filter columns in memory and build an
item the first time it is served, so ``--scale 20`` stays quick; small collections are built
whole by varying the documentation's sample item (``generate.Varier``).
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
import re
import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping

from tui.catalog import Endpoint, load_catalog
from tui.simulator.generate import (COMPANIES, COUNTRIES, DOMAINS, FIRST, LAST, Varier, guid,
                                    iso, parse_time)

__all__ = ["BadRequest", "Collection", "Dataset", "NotFound", "Query"]


class NotFound(Exception):
    """An id in the path (or an id-like body field) that the data does not hold."""


class BadRequest(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Query:
    """Query parameters (and body fields) looked up case-insensitively, repeatable keys kept."""

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()):
        self._d: dict[str, list[Any]] = {}
        self.names: dict[str, str] = {}
        for k, v in pairs:
            self._d.setdefault(k.lower(), []).append(v)
            self.names.setdefault(k.lower(), k)

    @classmethod
    def of(cls, mapping: Mapping[str, Any] | None) -> "Query":
        pairs = []
        for k, v in (mapping or {}).items():
            if isinstance(v, (list, tuple)):
                pairs.extend((k, x) for x in v)
            else:
                pairs.append((k, v))
        return cls(pairs)

    def has(self, name: str) -> bool:
        vals = self._d.get(name.lower())
        return bool(vals) and any(v not in (None, "") for v in vals)

    def get(self, name: str, default: Any = None) -> Any:
        vals = self._d.get(name.lower())
        if not vals:
            return default
        for v in vals:
            if v not in (None, ""):
                return v
        return default

    def getlist(self, name: str, split: bool = True) -> list[str]:
        out: list[str] = []
        for v in self._d.get(name.lower(), []):
            if v is None or v == "":
                continue
            if isinstance(v, (list, tuple)):
                out.extend(str(x) for x in v)
            elif split and isinstance(v, str) and "," in v:
                out.extend(p.strip() for p in v.split(",") if p.strip())
            else:
                out.append(str(v) if not isinstance(v, bool) else str(v).lower())
        return out

    def items(self) -> list[tuple[str, Any]]:
        return [(self.names[k], v) for k, vals in self._d.items() for v in vals]

    def key(self, skip: Iterable[str] = ()) -> tuple:
        skip_l = {s.lower() for s in skip}
        return tuple(sorted((k, tuple(str(x) for x in v)) for k, v in self._d.items() if k not in skip_l))


class Collection:
    """A list of items plus filter columns; items may be built on first access.

    Built-on-demand items are deterministic, so at most ``LAZY_CACHE`` of them are kept (a
    ``--scale 20`` audit log would otherwise hold 400,000 dicts); the rest are rebuilt if asked
    for again.
    """

    __slots__ = ("n", "_items", "_lazy", "_make", "cols", "extra", "_lock")
    LAZY_CACHE = 50_000

    def __init__(self, items: list[dict] | None = None, *, n: int | None = None,
                 make: Callable[[int], dict] | None = None, cols: dict[str, list] | None = None,
                 extra: dict | None = None):
        self._items: list[dict] | None = None
        self._lazy: dict[int, dict] = {}
        if items is not None:
            self._items = items
            self.n = len(items)
        else:
            assert n is not None and make is not None
            self.n = n
        self._make = make
        self.cols = cols or {}
        self.extra = extra or {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.n

    def get(self, i: int) -> dict:
        if self._items is not None:
            return self._items[i]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        it = self._lazy.get(i)
        if it is None:
            it = self._make(i)          # deterministic: a race builds the same item twice at worst
            with self._lock:
                self._lazy[i] = it
                if len(self._lazy) > self.LAZY_CACHE:
                    for k in list(self._lazy)[: self.LAZY_CACHE // 10]:
                        del self._lazy[k]
        return it

    def all(self) -> list[dict]:
        return [self.get(i) for i in range(self.n)]

    def column(self, name: str) -> list:
        col = self.cols.get(name)
        if col is None:
            with self._lock:
                col = self.cols.get(name)
                if col is None:
                    path = name.split(".")
                    col = []
                    for i in range(self.n):
                        v: Any = self.get(i)
                        for p in path:
                            v = v.get(p) if isinstance(v, dict) else None
                        col.append(v)
                    self.cols[name] = col
        return col

    def index_of(self, field: str, value: Any) -> int | None:
        col = self.column(field)
        sv = str(value).lower()
        for i, v in enumerate(col):
            if v is not None and str(v).lower() == sv:
                return i
        return None


# ---------------------------------------------------------------------------------------------
# Fixed vocabularies (real-looking messages, product names)
# ---------------------------------------------------------------------------------------------

M365_JOB_ERRORS = (
    (True, "The mailbox cannot be found or has been deleted.", "CB365-EXO-1004"),
    (True, "Access denied. The app profile does not have permission to access the site.", "CB365-SPO-2201"),
    (True, "Microsoft 365 throttled the request (HTTP 429). The object will be retried in the next job.", "CB365-GEN-0429"),
    (True, "The file is locked for shared use by another user.", "CB365-SPO-2310"),
    (True, "The item exceeds the maximum size supported for backup (150 GB).", "CB365-ODB-3102"),
    (False, "The remote server returned an error: (503) Server Unavailable.", None),
    (False, "The operation has timed out.", None),
    (True, "The app profile's certificate has expired. Renew the app profile in AvePoint Online Services.", "CB365-GEN-0107"),
    (True, "The team's channel folder does not exist in SharePoint.", "CB365-TMS-4011"),
    (False, "A task was canceled.", None),
    (True, "The OneDrive is not provisioned for this user.", "CB365-ODB-3001"),
    (True, "Failed to get the group's members: Resource does not exist or one of its queried reference-property objects are not present.", "CB365-GRP-5002"),
)
M365_STATE = {1: "In Progress", 2: "Finished", 3: "Failed", 4: "Finished with Exception", 5: "Partially Finished"}
M365_JOBTYPE_PREFIX = {1: ("FB", "IB"), 2: ("RS",), 3: ("EX",), 4: ("DL",), 5: ("RT",)}
M365_LOCATIONS = ("NAM", "NAM", "NAM", "EUR", "APC")

AUDIT_ACTIONS = (
    ("Sign In", "AccountController", "Portal", None),
    ("Session Timeout", "AccountController", "Portal", None),
    ("Sign Out", "AccountController", "Portal", None),
    ("Create App Registration", "AppRegistrationController", "Portal", "App registration"),
    ("Update User Role", "UserController", "Portal", "User"),
    ("Run Scan Job", "ScanController", "Portal", "Scan profile"),
    ("Update Backup Scope", "BackupScopeController", "Office365Backup", "Container"),
    ("Start Restore Job", "RestoreController", "Office365Backup", "Restore job"),
    ("Export Backup Data", "ExportController", "Office365Backup", "Export job"),
    ("Edit Retention Policy", "RetentionController", "Office365Backup", "Retention policy"),
    ("Approve Request", "RequestController", "GovernanceAutomation", "Request"),
    ("Edit Policy", "PolicyController", "PolicyEnforcer", "Policy"),
    ("Create Report", "ReportController", "CPManagement", "Report"),
    ("Update Power Platform Policy", "PolicyController", "SMP", "Environment"),
    ("Share Data Room", "DataRoomController", "VDR", "Data room"),
    ("Declare Record", "RecordController", "AvePointRecords", "Record"),
    ("Restore Mailbox", "RestoreController", "GsuiteBackup", "Mailbox"),
    ("Run Backup Job", "BackupController", "CRMBackup", "Organization"),
    ("Edit Management Group", "ManagementController", "Office365Management", "Group"),
)
GEO = ("NAM", "NAM", "NAM", "EUR", "GBR", "APC", None)

SERVICE_PRODUCTS = (
    "Cloud Backup for Microsoft 365", "Cloud Backup for IaaS + PaaS - Azure Storage", "Cloud Governance",
    "Cloud Backup for Google Workspace", "Cloud Backup for Salesforce", "Cloud Backup for Dynamics 365",
    "Policies for Microsoft 365", "Insights", "Opus", "EnPower", "Cense",
)
M365_MODULES = ("Exchange Online", "SharePoint Online", "OneDrive", "Microsoft 365 Groups", "Microsoft Teams")
ELEMENTS_JOB_MODULES = {0: (0,), 7: (302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 402, 8, 10),
                        10: (0,), 11: (501, 502, 503, 504, 505, 506, 507, 508), 12: (355, 356, 357, 358, 359, 365, 370),
                        15: (0,), 16: (401, 550, 551)}
ELEMENTS_JOB_PREFIX = {0: "SC", 7: "FB", 10: "GS", 11: "GB", 12: "VB", 15: "SF", 16: "DB"}
RULE_NAMES = ("Users without MFA enabled", "Guest users with access to sensitive sites", "Inactive users with licenses",
              "Groups without owners", "Teams with external members", "Sites shared with anyone links",
              "OneDrive accounts over quota", "Mailboxes forwarding externally", "Power Apps shared with everyone",
              "Flows using premium connectors", "Environments without DLP policy", "Admin accounts without MFA",
              "Stale Microsoft 365 groups", "Power BI workspaces without owners")
WORKFLOWS = (("User MFA disabled", 3), ("Risky sign-ins", 1), ("Unmanaged devices", 2), ("Legacy authentication", 3),
             ("Privileged role assignment", 3), ("Outdated OS version", 2), ("Public network sign-in", 1),
             ("Sensitive file access", 4))


_CUM: dict[int, tuple[tuple, list[float], float, tuple]] = {}


def _cum(table: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float], float]:
    hit = _CUM.get(id(table))
    if hit is None or hit[3] is not table:
        values = [v for v, _ in table]
        cum, acc = [], 0.0
        for _, w in table:
            acc += w
            cum.append(acc)
        hit = _CUM[id(table)] = (values, cum, acc, table)
    return hit[0], hit[1], hit[2]


def _w(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    """One weighted choice from ((value, weight), ...)."""
    values, cum, total = _cum(table)
    return values[min(bisect_right(cum, rng.random() * total), len(values) - 1)]


def _ws(rng: random.Random, table: tuple[tuple[Any, float], ...], k: int) -> list[Any]:
    """k weighted choices (one column of a large collection)."""
    values, cum, total = _cum(table)
    last = len(values) - 1
    rnd = rng.random
    return [values[min(bisect_right(cum, rnd() * total), last)] for _ in range(k)]


def _duration_hms(seconds: float) -> str:
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{d}.{h:02d}:{m:02d}:{s:02d}" if d else f"{h:02d}:{m:02d}:{s:02d}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# Status plans: (code, weight); "recent" is the code of a job started within the last hour.
PLANS: dict[str, tuple[tuple[tuple[Any, float], ...], Any]] = {
    "m365": (((2, 92.5), (3, 3.0), (4, 3.0), (5, 1.5)), 1),
    "d365": (((3, 91.0), (4, 4.5), (7, 4.5)), 2),
    "iaas": (((2, 88.0), (16, 4.5), (8, 4.5), (64, 1.0), (4, 1.5), (32, 0.5)), 1),
    "google": (((2, 91.0), (3, 4.5), (7, 4.5)), 0),
    "salesforce": (((2, 88.0), (4, 4.5), (3, 4.5), (5, 1.0), (6, 1.0), (7, 1.0)), 1),
    "aos": (((2, 88.0), (3, 5.0), (4, 4.0), (5, 2.0), (10, 1.0)), 1),
    "dmso": (((200, 95.0), (500, 5.0)), 200),
    "elements": (((2, 66.0), (3, 7.0), (4, 6.0), (5, 2.0), (6, 1.0), (7, 3.0), (8, 2.0), (9, 1.0), (10, 2.0),
                  (11, 1.0), (12, 1.0), (13, 1.0), (14, 3.0), (0, 1.0)), 1),
    "process": (((2, 80.0), (3, 8.0), (5, 7.0), (4, 3.0)), 1),
}


class Dataset:
    """All simulated collections of one server, from one seed."""

    SIZES = {
        "m365_jobs": 5000, "audit": 20000, "aos_jobs": 400, "d365_jobs": 1200, "iaas_jobs": 1200,
        "google_jobs": 1200, "sf_jobs": 1200, "sf_alerts": 300, "dmso": 5000,
        "customers": 40, "baselines": 12, "insights_users": 300, "insights_groups": 150,
        "insights_sites": 200, "enpower": 250,
    }
    # Base volumes of the EnPower lists ("a few hundred", varied per list).
    ENPOWER_SIZES = {
        "enpower.environments": 60, "enpower.connections": 300, "enpower.powerapps": 250,
        "enpower.powerautomate-cloudflows": 300, "enpower.powerautomate-desktopflows": 120,
        "enpower.powerbi-workspaces": 150, "enpower.powerbi-artifacts": 400,
        "enpower.powerbi-powerbiactiveusers": 500, "enpower.powerbi-datasourcedetails": 200,
        "enpower.powerbi-semanticemodeldetails": 250, "enpower.bot": 80, "enpower.powerpages": 60,
        "enpower.exchange-resourcemailboxes": 120, "enpower.exchange-mailboxes": 400,
        "enpower.microsoft365-groups": 150, "enpower.microsoft365-viva-groups": 60,
        "enpower.microsoft365-sites": 200, "enpower.microsoft365-teams": 150,
    }

    def __init__(self, seed: int = 1, scale: float = 1.0, now: datetime | None = None):
        self.seed = int(seed)
        self.scale = float(scale)
        self.now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        self.catalog = load_catalog()
        self._cache: dict[tuple, Any] = {}
        self._locks: dict[tuple, threading.RLock] = {}
        self._guard = threading.Lock()
        self._select_cache: OrderedDict[tuple, list[int]] = OrderedDict()
        self._select_lock = threading.Lock()
        self._export_jobs: dict[int, dict] = {}
        self._export_next = 5001
        self._export_lock = threading.Lock()
        # M365 tenants of the AOS demo tenant (EnPower and Insights items name them).
        r = self.rng("m365-tenants")
        self.m365_tenants = [{"id": guid(r), "domain": d, "name": d.split(".")[0].capitalize()} for d in DOMAINS]

    # -- plumbing ------------------------------------------------------------------------------
    def n(self, key: str, base: int | None = None) -> int:
        b = self.SIZES.get(key, base) if base is None else base
        return max(1, int(round(b * self.scale)))

    def rng(self, *key: Any) -> random.Random:
        h = hashlib.blake2b(f"{self.seed}|{'|'.join(map(str, key))}".encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(h, "big"))

    def varier(self, *key: Any, days: float = 90.0, noun: str = "Item") -> Varier:
        return Varier(self.rng(*key), self.now, days=days, noun=noun)

    def _cached(self, key: tuple, build: Callable[[], Any]) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.RLock())
        with lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return self.catalog.get(endpoint_id)

    def _pp(self, e: Endpoint, path_params: Mapping[str, Any] | None) -> dict[str, str]:
        """Path params keyed by the template's names (accepting any casing)."""
        given = {str(k).lower(): v for k, v in (path_params or {}).items()}
        out = {}
        for name in e.path_params:
            if name.lower() not in given or given[name.lower()] in (None, ""):
                raise BadRequest(f"The path parameter {name} is required.", name)
            out[name] = str(given[name.lower()])
        return out

    def _sample_item(self, e: Endpoint, index: int = 0) -> dict:
        items = e.sample_items()
        if isinstance(items, list) and items:
            first = items[min(index, len(items) - 1)]
            if isinstance(first, dict):
                return first
        return {}

    # -- public API ------------------------------------------------------------------------------
    def collection(self, endpoint_id: str, path_params: Mapping[str, Any] | None = None) -> Collection:
        e = self.endpoint(endpoint_id)
        if e.items_path is None:
            raise ValueError(f"{endpoint_id} is not a collection endpoint")
        pp = self._pp(e, path_params)
        build = _COLLECTIONS.get(endpoint_id)
        if build is None:
            raise ValueError(f"no generator for {endpoint_id}")
        return build(self, e, pp)

    def items(self, endpoint_id: str, path_params: Mapping[str, Any] | None = None) -> list[dict]:
        """The full unfiltered collection in server order."""
        return self.collection(endpoint_id, path_params).all()

    def detail(self, endpoint_id: str, path_params: Mapping[str, Any] | None = None,
               query: Query | None = None) -> Any:
        """The object a detail/singleton endpoint returns (the envelope's payload)."""
        e = self.endpoint(endpoint_id)
        pp = self._pp(e, path_params)
        build = _DETAILS.get(endpoint_id)
        if build is None:
            raise ValueError(f"no detail generator for {endpoint_id}")
        return build(self, e, pp, query or Query())

    def select(self, endpoint_id: str, path_params: Mapping[str, Any] | None = None,
               query: Mapping[str, Any] | Query | None = None, body: Mapping[str, Any] | None = None) -> list[dict]:
        """What a request with these filters returns (all pages, server order)."""
        coll = self.collection(endpoint_id, path_params)
        q = query if isinstance(query, Query) else Query.of(query)
        idx = self.select_indices(endpoint_id, coll, q, Query.of(body), path_params or {})
        return [coll.get(i) for i in idx]

    def select_indices(self, endpoint_id: str, coll: Collection, q: Query, body: Query,
                       path_params: Mapping[str, Any]) -> list[int]:
        e = self.endpoint(endpoint_id)
        pag = e.pagination
        own = {x for x in (pag.page_param, pag.size_param, pag.offset_param, pag.cursor_param, "skipToken",
                           "continuationToken", "nextLink") if x}
        key = (endpoint_id, id(coll), q.key(own), body.key(own))
        with self._select_lock:
            hit = self._select_cache.get(key)
            if hit is not None:
                self._select_cache.move_to_end(key)
                return hit
        preds = _filters(self, e, coll, q, body)
        rng = range(coll.n)
        if not preds:
            idx = list(rng)
        elif len(preds) == 1:
            idx = list(filter(preds[0], rng))
        else:
            idx = [i for i in rng if all(p(i) for p in preds)]
        order = _ORDER.get(endpoint_id)
        if order:
            idx = order(self, coll, q, idx)
        with self._select_lock:
            self._select_cache[key] = idx
            while len(self._select_cache) > 128:
                self._select_cache.popitem(last=False)
        return idx

    # -- worlds shared by several endpoints -------------------------------------------------------
    def customers(self) -> list[dict]:
        return self._cached(("customers",), self._build_customers)

    def customer(self, customer_id: str) -> dict:
        by_id = self._cached(("customers-by-id",), lambda: {c["id"].lower(): c for c in self.customers()})
        c = by_id.get(str(customer_id).lower())
        if c is None:
            raise NotFound(f"Customer {customer_id} was not found.")
        return c

    def tenant(self, customer_id: str, tenant_id: str) -> dict:
        c = self.customer(customer_id)
        for t in c["tenants"]:
            if t["id"].lower() == str(tenant_id).lower():
                return t
        raise NotFound(f"Tenant {tenant_id} was not found for customer {customer_id}.")

    def _build_customers(self) -> list[dict]:
        r = self.rng("elements.customers")
        n = self.n("customers")
        out = []
        plan = ((1, 58.0), (2, 12.0), (3, 8.0), (4, 7.0), (5, 8.0), (6, 5.0), (0, 2.0))
        for i in range(n):
            base = COMPANIES[i % len(COMPANIES)]
            org = base if i < len(COMPANIES) else f"{base} {i // len(COMPANIES) + 1}"
            domain = f"{_slug(org)[:20]}.onmicrosoft.com"
            k = r.choice((1, 1, 2, 2, 3))
            names = ("Production", "Test", "EMEA", "APAC")
            tenants = [{"id": guid(r), "name": f"{org} {names[j]}"} for j in range(k)]
            status = 2 if i in (1, 7) else _w(r, plan)        # a couple of failed customers for sure
            out.append({
                "id": guid(r), "organization": org, "ownerEmail": f"admin@{domain}", "jobStatus": status,
                "countryOrRegion": r.choice(COUNTRIES), "managementMode": r.choice((0, 1)), "tenants": tenants,
            })
        return out

    def all_tenants(self) -> list[tuple[dict, dict]]:
        return [(c, t) for c in self.customers() for t in c["tenants"]]

    def enpower_tenant(self, r: random.Random) -> dict:
        return r.choice(self.m365_tenants)

    # Insights: export jobs are created by the export endpoints and polled by id.
    def export_job(self, job_id: Any) -> dict:
        self._seed_export_jobs()
        try:
            jid = int(str(job_id))
        except ValueError:
            raise BadRequest(f"The jobId {job_id!r} is not a valid integer.", "jobId") from None
        with self._export_lock:
            job = self._export_jobs.get(jid)
            if job is None:
                raise NotFound(f"Export job {jid} was not found.")
            return job

    def poll_export_job(self, job_id: Any) -> int:
        job = self.export_job(job_id)
        with self._export_lock:
            if job["pending_polls"] > 0:
                job["pending_polls"] -= 1
                return 1
            return job["status"]

    def new_export_job(self, kind: str) -> int:
        self._seed_export_jobs()
        with self._export_lock:
            jid = self._export_next
            self._export_next += 1
            self._export_jobs[jid] = {"id": jid, "kind": kind, "status": 2, "pending_polls": 1}
            return jid

    def _seed_export_jobs(self) -> None:
        if self._export_jobs:
            return
        with self._export_lock:
            if self._export_jobs:
                return
            r = self.rng("insights.export-jobs")
            for k in range(24):
                jid = 4790 + k
                status = 3 if k % 8 == 5 else (1 if k % 8 == 7 else 2)
                self._export_jobs[jid] = {"id": jid, "kind": r.choice(("users", "sites", "links", "groups")),
                                          "status": status, "pending_polls": 10**9 if status == 1 else 0}

    # -- example requests (tests, the CLI's curl line) -------------------------------------------
    def example(self, endpoint_id: str) -> dict:
        """A valid request for an endpoint: {"path_params", "query", "body"} (values from the data)."""
        return _example(self, self.endpoint(endpoint_id))


# ---------------------------------------------------------------------------------------------
# Generators. Each returns a Collection (collections) or a payload (details); cached by key.
# ---------------------------------------------------------------------------------------------

_COLLECTIONS: dict[str, Callable[[Dataset, Endpoint, dict], Collection]] = {}
_DETAILS: dict[str, Callable[[Dataset, Endpoint, dict, Query], Any]] = {}
_ORDER: dict[str, Callable[[Dataset, Collection, Query, list[int]], list[int]]] = {}


def collection(*ids: str):
    def deco(fn):
        for i in ids:
            _COLLECTIONS[i] = fn
        return fn
    return deco


def detail(*ids: str):
    def deco(fn):
        for i in ids:
            _DETAILS[i] = fn
        return fn
    return deco


def _spread_times(ds: Dataset, r: random.Random, n: int, days: float = 90.0) -> list[float]:
    """n epoch seconds over the last ``days``, newest first."""
    now = ds.now.timestamp()
    span = days * 86400
    return sorted((now - r.random() * span for _ in range(n)), reverse=True)


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _status_for(r: random.Random, plan_name: str, started: float, now: float) -> Any:
    plan, recent = PLANS[plan_name]
    if now - started < 3600:
        return recent
    return _w(r, plan)


def _varied(ds: Dataset, e: Endpoint, key: tuple, n: int, *, days: float = 90.0, noun: str = "Item",
            fix: Callable[[dict, int, random.Random], None] | None = None, sample_index: int | None = None,
            time_field: str | None = None) -> Collection:
    """n items varied from the sample item; newest first when ``time_field`` is given."""
    def build() -> Collection:
        v = ds.varier(e.id, *key, days=days, noun=noun)
        samples = e.sample_items() or [{}]
        samples = [s for s in samples if isinstance(s, dict)] or [{}]
        items = []
        anchors = _spread_times(ds, v.rng, n, days)
        for i in range(n):
            tpl = samples[0] if sample_index is None else samples[min(sample_index, len(samples) - 1)]
            item = v.vary(tpl, anchor=_dt(anchors[i]))
            if fix:
                fix(item, i, v.rng)
            items.append(item)
        coll = Collection(items)
        coll.cols["t"] = anchors
        return coll
    return ds._cached(("coll", e.id, *key), build)


# ---- AOS ----------------------------------------------------------------------------------------

@collection("aos.audit")
def _aos_audit(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("aos.audit")
        n = ds.n("audit")
        times = _spread_times(ds, r, n)
        rnd, na, ng = r.random, len(AUDIT_ACTIONS), len(GEO)
        kinds = [int(rnd() * na) for _ in range(n)]
        geos = [GEO[int(rnd() * ng)] for _ in range(n)]
        products = [AUDIT_ACTIONS[k][2] for k in kinds]
        labels = {v.value: v.label for v in e.param("productTypes").enum}
        sample = ds._sample_item(e)
        base = ds.seed * 1_000_003

        def make(i: int) -> dict:
            ri = random.Random(base + i)
            name, ctrl, prod, obj = AUDIT_ACTIONS[kinds[i]]
            first, last = ri.choice(FIRST), ri.choice(LAST)
            item = dict(sample)
            item.update({
                "actionName": name, "actionUser": f"{first.lower()}.{last.lower()}@{DOMAINS[0]}",
                "actionParameters": "null", "actionTime": iso(_dt(times[i])), "controllerName": ctrl,
                "product": labels.get(prod, prod), "geoLocation": geos[i],
                "status": "Failed" if ri.random() < 0.03 else "Successful",
                "objectType": obj, "objectName": f"{ri.choice(('Finance', 'HR', 'Sales', 'Legal'))} {obj}" if obj else None,
                "operationType": name.split(" ")[0] if obj else None, "clientIP": f"{ri.randrange(11, 223)}.{ri.randrange(256)}.{ri.randrange(256)}.{ri.randrange(1, 255)}",
                "additionalDetails": {},
            })
            return item
        return Collection(n=n, make=make, cols={"t": times, "productType": products, "geo": geos})
    return ds._cached(("coll", "aos.audit"), build)


@collection("aos.jobs")
def _aos_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("aos.jobs")
        n = ds.n("aos_jobs")
        now = ds.now.timestamp()
        times = _spread_times(ds, r, n)
        items = []
        profiles = ("scan sharepoint sites", "scan power platform", "scan exchange mailboxes", "scan teams",
                    "scan google drives", "import users batch", "scan onedrive accounts")
        for i, t in enumerate(times):
            start = _dt(t)
            state = _status_for(r, "aos", t, now)
            typ = _w(r, ((0, 80.0), (10, 12.0), (11, 8.0)))
            cat = {0: r.choice((0, 0, 1, 2)), 10: 3, 11: 0}[typ]
            fin = start + timedelta(seconds=r.uniform(20, 1800))
            items.append({
                "id": "Scan" + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(10**6):06d}",
                "type": typ, "state": state,
                "startTime": start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(10**7):07d}+00:00",
                "finishTime": None if state == 1 else fin.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(10**7):07d}+00:00",
                "scanProfileName": r.choice(profiles), "category": cat, "extension": None,
            })
        return Collection(items, cols={"t": times, "ft": [t + 0 for t in times]})
    return ds._cached(("coll", "aos.jobs"), build)


def _order_aos_jobs(ds: Dataset, coll: Collection, q: Query, idx: list[int]) -> list[int]:
    orderby = str(q.get("orderby", "StartTime")).lower()
    if orderby in ("finishtime", "endtime"):
        col = coll.column("finishTime")
        idx = sorted(idx, key=lambda i: col[i] or "9999", reverse=True)
    if str(q.get("sortorder", "1")) == "0":
        idx = list(reversed(idx))
    return idx


_ORDER["aos.jobs"] = _order_aos_jobs


def _order_dmso(ds: Dataset, coll: Collection, q: Query, idx: list[int]) -> list[int]:
    # Undocumented, but the docs' own nextLink carries orderBy/isASC: honour the direction.
    return list(reversed(idx)) if str(q.get("isASC", "false")).lower() == "true" else idx


_ORDER["dmso.audits"] = _order_dmso


# ---- Microsoft 365 ------------------------------------------------------------------------------

@collection("m365.cloudbackupjobs")
def _m365_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("m365.cloudbackupjobs")
        n = ds.n("m365_jobs")
        now = ds.now.timestamp()
        times = _spread_times(ds, r, n)
        plan, recent = PLANS["m365"]
        states = _ws(r, plan, n)
        for i, t in enumerate(times):           # newest first: the in-progress ones are at the front
            if now - t >= 3600:
                break
            states[i] = recent
        jtypes = _ws(r, ((1, 82.0), (2, 5.0), (3, 4.0), (4, 2.0), (5, 7.0)), n)
        otypes = _ws(r, ((1, 26.0), (2, 22.0), (3, 18.0), (4, 9.0), (5, 1.0), (6, 1.0), (7, 12.0), (8, 1.0),
                         (9, 5.0), (10, 2.0), (11, 2.0), (12, 1.0)), n)
        locs = [r.choice(M365_LOCATIONS) for _ in range(n)]
        base = ds.seed * 7_000_003

        def make(i: int) -> dict:
            ri = random.Random(base + i)
            start = _dt(times[i])
            state, jt = states[i], jtypes[i]
            hours = ri.uniform(0.004, 0.05) if ri.random() < 0.7 else ri.uniform(0.05, 3.5)
            total = int(ri.choice((ri.randint(1, 60), ri.randint(50, 900), ri.randint(500, 12000))))
            failed = 0
            if state == 3:
                failed = total if ri.random() < 0.4 else max(1, int(total * ri.uniform(0.2, 1.0)))
            elif state in (4, 5):
                failed = max(1, int(total * ri.uniform(0.001, 0.15)))
            skipped = int((total - failed) * ri.uniform(0, 0.05)) if ri.random() < 0.3 else 0
            errors = []
            if state in (3, 4, 5):
                picks = ri.sample(range(len(M365_JOB_ERRORS)), min(failed, ri.randint(1, 3)))
                left = failed
                for k, p in enumerate(picks):
                    is_code, msg, code = M365_JOB_ERRORS[p]
                    rest = len(picks) - k - 1              # each remaining error needs at least 1
                    num = left if not rest else ri.randint(1, left - rest)
                    left -= num
                    errors.append({"isErrorCode": is_code, "value": msg,
                                   "url": f"https://learn.avepoint.com/errorcodes/{code}.html" if code else "",
                                   "number": num})
            prefix = ri.choice(M365_JOBTYPE_PREFIX[jt])
            finished = state != 1
            return {
                "id": f"{prefix}{start.strftime('%Y%m%d%H%M%S')}{i % 1000000:06d}",
                "state": M365_STATE[state],
                "startTime": iso(start),
                "finishTime": iso(start + timedelta(hours=hours)) if finished else None,
                "duration": f"{hours:.3f}" if finished else "",
                "backupDetails": {"totalCount": total, "failedCount": failed,
                                  "successfulCount": total - failed - skipped, "skippedCount": skipped},
                "jobErrors": errors,
            }
        return Collection(n=n, make=make, cols={"t": times, "jobState": states, "jobType": jtypes,
                                                "objectType": otypes, "location": locs})
    return ds._cached(("coll", "m365.cloudbackupjobs"), build)


@detail("m365.cloudbackupjobs-item")
def _m365_job_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    coll = _m365_jobs(ds, ds.endpoint("m365.cloudbackupjobs"), {})
    i = _m365_index(ds, coll, pp["jobId"])
    job = dict(coll.get(i))
    bd = job["backupDetails"]
    job["backupDetails"] = {"totalNumber": bd["totalCount"], "failedNumber": bd["failedCount"],
                            "successfulNumber": bd["successfulCount"], "skippedNumber": bd["skippedCount"]}
    return job


def _m365_index(ds: Dataset, coll: Collection, job_id: str) -> int:
    # A job id ends with its item's index (mod 10^6), so a lookup builds at most a few items.
    m = re.match(r"^[A-Z]{2}\d{14}(\d{6})$", job_id)
    if m:
        for i in range(int(m.group(1)), coll.n, 1_000_000):
            if coll.get(i)["id"] == job_id:
                return i
    raise NotFound(f"Job {job_id} was not found.")


@collection("m365.settings-frequency")
def _m365_frequency(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        items = []
        for s in e.sample_items() or []:
            it = dict(s)
            today = ds.now.replace(hour=3, minute=54, second=22)
            it["backupStartTime"] = [iso(today + timedelta(hours=6 * k)) for k in range(len(s.get("backupStartTime") or []))]
            items.append(it)
        for st in (3, 6):
            items.append({"serviceType": st, "frequency": 1, "backupStartTime": [iso(ds.now.replace(hour=2, minute=0, second=0))]})
        return Collection(items)
    return ds._cached(("coll", e.id), build)


@collection("m365.cloudbackupunusualactivitydata")
def _m365_unusual(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(item: dict, i: int, r: random.Random) -> None:
        t = ds.m365_tenants[i % len(ds.m365_tenants)]
        item["tenantId"] = t["id"]
        item["serviceType"] = (0, 1, 2, 3, 6)[(i // len(ds.m365_tenants)) % 5]
    return _varied(ds, e, (), 10, fix=fix, time_field="t")


@detail("m365.cloudbackuplicenseconsumption", "m365.settings-retention-policy")
def _m365_singleton(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> Any:
    def build():
        data = e.sample.get("data") if isinstance(e.sample, dict) else {}
        if e.id.endswith("retention-policy"):
            return data
        v = ds.varier(e.id)
        out = v.vary(data)
        out["purchasedUserSeats"] = 500
        out["assignedUserSeats"] = v.rng.randint(300, 480)
        return out
    return ds._cached(("detail", e.id), build)


# ---- other backup services -----------------------------------------------------------------------

def _orgs(ds: Dataset, key: str, n: int, salesforce: bool) -> list[dict]:
    def build():
        r = ds.rng("orgs", key)
        out = []
        for k in range(n):
            oid = ("00D" + "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(15))
                   if salesforce else guid(r))
            out.append({"id": oid, "name": ("AvePoint Production", "Sales Sandbox", "Service Cloud EU", "uatorg123",
                                            "Marketing Cloud", "Partner Community")[k % 6]})
        return out
    return ds._cached(("orgs", key), build)


@collection("d365.jobs")
def _d365_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("d365.jobs")
        n = ds.n("d365_jobs")
        now = ds.now.timestamp()
        orgs = _orgs(ds, "d365", 3, False)
        times = _spread_times(ds, r, n)
        items = []
        for i, t in enumerate(times):
            start = _dt(t)
            st = _status_for(r, "d365", t, now)
            typ = _w(r, ((1, 80.0), (2, 5.0), (4, 2.0), (8, 6.0), (16, 5.0), (32, 2.0)))
            org = r.choice(orgs)
            ent = r.randint(1, 40)
            rec = r.randint(ent, 20000)
            fe = r.randint(1, ent) if st == 4 else (r.randint(1, max(1, ent // 4)) if st == 7 else 0)
            fr = r.randint(1, rec) if st in (4, 7) else 0
            hours = r.uniform(0.01, 2.0)
            items.append({
                "module": r.choice(("Customer Engagement", "Customer Engagement", "Finance and Operations")),
                "type": typ, "jobId": "DCIB" + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(10**8):08d}",
                "startTime": start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(1000):03d}Z",
                "finishTime": None if st == 2 else (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(1000):03d}Z",
                "durationHours": hours, "status": st,
                "successfulEntity": ent - fe, "failedEntity": fe, "skippedEntity": 0, "warningEntity": 0, "totalEntity": ent,
                "successfulRecord": rec - fr, "failedRecord": fr, "skippedRecord": 0, "warningRecord": 0, "totalRecord": rec,
                "backupSize": r.randint(100_000, 900_000_000), "organizationId": org["id"], "organizationName": org["name"],
            })
        return Collection(items, cols={"t": times})
    return ds._cached(("coll", "d365.jobs"), build)


@collection("iaas.jobs")
def _iaas_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("iaas.jobs")
        n = ds.n("iaas_jobs")
        now = ds.now.timestamp()
        times = _spread_times(ds, r, n)
        stypes = [v.value for v in e.param("serviceType").enum]
        items, svc = [], []
        comments = {16: ("Failed to create the snapshot of the virtual machine.", "The storage account is not reachable.",
                         "Authentication failed for the Azure subscription."),
                    8: ("Some disks were skipped because they are not supported.", "2 blobs were modified during backup."),
                    64: ("The job was stopped by admin@contoso.onmicrosoft.com.",)}
        for i, t in enumerate(times):
            start = _dt(t)
            st = _status_for(r, "iaas", t, now)
            jt = _w(r, ((1, 70.0), (2, 10.0), (4, 5.0), (64, 5.0), (128, 5.0), (1024, 5.0)))
            total = r.randint(1, 120)
            failed = r.randint(1, total) if st == 16 else (r.randint(1, max(1, total // 5)) if st == 8 else 0)
            skipped = r.randint(0, total - failed) if r.random() < 0.3 else 0
            secs = r.uniform(60, 40 * 3600)
            prefix = {1: "IB", 2: "RS", 4: "EX", 64: "DL", 128: "RT", 1024: "FB"}[jt]
            items.append({
                "jobId": prefix + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(1000):03d}", "jobType": jt, "status": st,
                "failedCount": failed, "successfulCount": total - failed - skipped, "skippedCount": skipped,
                "totalCount": total, "startTime": iso(start),
                "finishTime": None if st in (0, 1, 32) else iso(start + timedelta(seconds=secs)),
                "duration": _duration_hms(secs) if st not in (0, 1, 32) else "",
                "comments": r.choice(comments[st]) if st in comments else "",
            })
            svc.append(_w(r, ((stypes[0], 50.0), (stypes[1], 10.0), (stypes[2], 20.0), *((s, 2.0) for s in stypes[3:]))))
        return Collection(items, cols={"t": times, "serviceType": svc})
    return ds._cached(("coll", "iaas.jobs"), build)


@collection("google.jobs")
def _google_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("google.jobs")
        n = ds.n("google_jobs")
        now = ds.now.timestamp()
        times = _spread_times(ds, r, n)
        apps = [int(v.value) for v in e.param("appType").enum]
        items = []
        for i, t in enumerate(times):
            start = _dt(t)
            st = _status_for(r, "google", t, now)
            jt = _w(r, ((1, 78.0), (2, 5.0), (3, 4.0), (4, 2.0), (5, 8.0), (6, 3.0)))
            items.append({
                "jobId": "GDIG" + start.strftime("%Y%m%d%H%M%S") + f"{i % 1000:03d}",
                "appType": _w(r, tuple((a, 30.0 if a in (1, 2) else 3.0) for a in apps)),
                "jobType": jt, "dataSource": 1 if r.random() < 0.9 else 2, "status": st,
                "progress": round(r.uniform(5, 95), 1) if st == 0 else 100.0,
                "startTime": start.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "finishTime": None if st == 0 else (start + timedelta(seconds=r.uniform(60, 7200))).strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(1000):03d}+00:00",
                "operator": "System" if jt in (1, 5) else f"{r.choice(FIRST).lower()}@{DOMAINS[0]}",
            })
        return Collection(items, cols={"t": times})
    return ds._cached(("coll", "google.jobs"), build)


@collection("salesforce.jobs")
def _sf_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("salesforce.jobs")
        n = ds.n("sf_jobs")
        now = ds.now.timestamp()
        times = _spread_times(ds, r, n)
        orgs = _orgs(ds, "salesforce", 6, True)
        items, org_col, level_col = [], [], []
        for i, t in enumerate(times):
            start = _dt(t)
            st = _status_for(r, "salesforce", t, now)
            typ = _w(r, ((1, 60.0), (2, 8.0), (3, 5.0), (9, 8.0), (11, 5.0), (20, 8.0), (16, 3.0), (17, 3.0)))
            rec = r.randint(0, 50000)
            fr = r.randint(1, max(1, rec)) if st == 4 else (r.randint(1, max(1, rec // 50)) if st == 3 else 0)
            meta = r.randint(0, 400)
            fm = r.randint(0, meta // 10) if st in (3, 4) else 0
            objs = r.randint(1, 300)
            fo = r.randint(1, objs) if st == 4 else 0
            items.append({
                "type": typ, "jobId": "AI" + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(10**6):06d}",
                "startTime": iso(start),
                "finishTime": None if st == 1 else iso(start + timedelta(seconds=r.uniform(30, 5400))),
                "state": st,
                "successfulRecords": rec - fr, "skippedRecords": 0, "failedRecords": fr, "totalRecords": rec,
                "successfulMetadata": meta - fm, "failedMetadata": fm, "totalMetadata": meta,
                "successfulObjects": objs - fo, "skippedObjects": 0, "failedObjects": fo, "totalObjects": objs,
            })
            org_col.append(r.choice(orgs)["id"])
            level_col.append(r.randint(1, 6))
        return Collection(items, cols={"t": times, "organizationId": org_col, "level": level_col})
    return ds._cached(("coll", "salesforce.jobs"), build)


@collection("salesforce.monitor-alerts")
def _sf_alerts(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    orgs = _orgs(ds, "salesforce", 6, True)
    objects = ("classes", "content Versions", "email", "accounts", "contacts", "opportunities", "cases", "leads")

    def fix(item: dict, i: int, r: random.Random) -> None:
        item["organizationId"] = orgs[i % len(orgs)]["id"]
        item["objectType"] = r.choice(objects)
        item["operation"] = r.choice((0, 0, 1, 1, 2))
    return _varied(ds, e, (), ds.n("sf_alerts"), fix=fix)


@collection("salesforce.unusual-activities")
def _sf_unusual(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    orgs = _orgs(ds, "salesforce", 6, True)

    def fix(item: dict, i: int, r: random.Random) -> None:
        org = orgs[i % len(orgs)]
        item["organizationId"], item["organizationName"] = org["id"], org["name"]
        item["suspiciousFiles"] = r.choice((0, 0, 0, 1, 3))
    return _varied(ds, e, (), len(orgs), fix=fix, days=7)      # one row per organization (its id)


@collection("dmso.audits")
def _dmso(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("dmso.audits")
        n = ds.n("dmso")
        times = _spread_times(ds, r, n)
        actions = [int(v.value) for v in e.param("action").enum]
        modules = [int(v.value) for v in e.param("module").enum]
        status = _ws(r, PLANS["dmso"][0], n)
        rnd, na, nm = r.random, len(actions), len(modules)
        act = [actions[int(rnd() * na)] for _ in range(n)]
        mod = [modules[int(rnd() * 6)] if rnd() < 0.8 else modules[int(rnd() * nm)] for _ in range(n)]
        base = ds.seed * 5_000_011
        tenant = DOMAINS[0].split(".")[0]

        def make(i: int) -> dict:
            ri = random.Random(base + i)
            first, last = ri.choice(FIRST), ri.choice(LAST)
            site = f"https://{tenant}.sharepoint.com/sites/{ri.choice(('finance', 'hr', 'legal', 'projects', 'sales'))}"
            name = f"{ri.choice(('Contract', 'Invoice', 'Report', 'Minutes', 'Policy'))} {ri.randint(1, 999)}.{ri.choice(('docx', 'pdf', 'xlsx'))}"
            obj = [{"path": f"{site}/Shared Documents/{name}", "type": 1, "children": []}]
            return {
                "id": 100000 + n - i, "module": mod[i], "action": act[i], "status": status[i],
                "clientIP": f"{ri.randrange(11, 223)}.{ri.randrange(256)}.{ri.randrange(256)}.{ri.randrange(1, 255)}",
                "actionTime": _dt(times[i]).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ri.randrange(1000):03d}Z",
                "objectName": name, "objectDetail": obj, "detail": obj,
                "userPrincipalName": f"{first.lower()}.{last.lower()}@{DOMAINS[0]}", "userEntraId": guid(ri),
                "userDisplayName": f"{first} {last}",
            }
        return Collection(n=n, make=make, cols={"t": times, "status": status, "action": act, "module": mod})
    return ds._cached(("coll", "dmso.audits"), build)


# ---- EnPower ------------------------------------------------------------------------------------

_ENPOWER_PARENT = {
    "enpower.powerapps-activities": ("enpower.powerapps", "appId"),
    "enpower.powerapps-launches": ("enpower.powerapps", "appId"),
    "enpower.powerapps-launched-users": ("enpower.powerapps", "appId"),
    "enpower.cloudflows-runs": ("enpower.powerautomate-cloudflows", "flowId"),
    "enpower.cloudflows-activities": ("enpower.powerautomate-cloudflows", "flowId"),
    "enpower.desktopflows-runs": ("enpower.powerautomate-desktopflows", "flowId"),
    "enpower.bot-activities": ("enpower.bot", "botId"),
    "enpower.powerpages-activities": ("enpower.powerpages", "id"),
}


def _enpower_fix(ds: Dataset, e: Endpoint) -> Callable[[dict, int, random.Random], None]:
    envs = None if e.id == "enpower.environments" else ds.items("enpower.environments")
    ws = ds.items("enpower.powerbi-workspaces") if e.id == "enpower.powerbi-artifacts" else None
    dss = ds.items("enpower.powerbi-datasourcedetails") if e.id == "enpower.powerbi-semanticemodeldetails" else None
    flows = conns = None
    if e.id == "enpower.connectionusage-cloudflows":
        flows = ds.items("enpower.powerautomate-cloudflows")
        conns = ds.items("enpower.connections")

    def fix(item: dict, i: int, r: random.Random) -> None:
        t = ds.enpower_tenant(r)
        for k in ("tenantId",):
            if k in item:
                item[k] = t["id"]
        for k in ("tenant", "tenantName", "tenantDomain"):
            if k in item:
                item[k] = t["domain"] if k == "tenantDomain" else t["name"]
        if envs and "environmentId" in item:
            env = envs[r.randrange(len(envs))]
            item["environmentId"] = env["id"]
            for k in ("environment", "environmentName", "environmentDisplayName"):
                if k in item:
                    item[k] = env["displayName"]
        if ws and "workspaceId" in item:
            w = ws[r.randrange(len(ws))]
            item["workspaceId"], item["parentName"] = w["id"], w["name"]
        if e.id == "enpower.powerbi-datasourcedetails":
            item["datasourceType"] = r.choice(("Sql", "SharePointList", "Extension", "AnalysisServices", "OData", "Web",
                                               "Excel", "Sql"))
        if dss and "datasourceId" in item:
            d = dss[r.randrange(len(dss))]
            item["datasourceId"], item["datasourceType"] = d["datasourceId"], d["datasourceType"]
        if flows and conns:
            f = flows[i % len(flows)]
            item["flowId"], item["environmentId"] = f["flowId"], f["environmentId"]
            item["connectionId"] = conns[r.randrange(len(conns))]["id"]
        if e.id == "enpower.powerbi-powerbiactiveusers":
            item["isSuccess"] = r.random() > 0.06
            item["operation"] = r.choice(("ViewReport", "CreateFolder", "ExportReport", "EditDataset", "ShareReport", "RefreshDataset"))
        if e.id == "enpower.powerapps":
            item["id"] = f"{item['appId']}_{t['id']}_default-{t['id']}"
        if e.id in ("enpower.powerautomate-cloudflows",):
            item["status"] = r.choice(("Started", "Started", "Started", "Stopped", "Suspended"))
        if e.id == "enpower.powerautomate-desktopflows":
            item["status"] = r.choice(("Active", "Active", "Draft"))
            item["lastRunStatus"] = r.choice(("Succeeded", "Succeeded", "Succeeded", "Failed", "Cancelled"))
        if e.id in ("enpower.microsoft365-groups", "enpower.microsoft365-viva-groups", "enpower.microsoft365-sites",
                    "enpower.microsoft365-teams"):
            item["actionType"] = r.choice((1, 2, 4, 8, 16, 32, 64, 128))
            item["platform"] = r.choice((1, 2, 4, 8))
        if e.id == "enpower.exchange-mailboxes":
            item["recipientType"] = r.choice(("User mailbox", "User mailbox", "Shared mailbox"))
        if e.id == "enpower.exchange-resourcemailboxes":
            item["recipientType"] = r.choice(("Room mailbox", "Equipment mailbox"))
    return fix


def _enpower_list(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    base = Dataset.ENPOWER_SIZES.get(e.id, 8)
    n = max(1, int(round(base * ds.scale))) if e.id in Dataset.ENPOWER_SIZES else base
    if e.id == "enpower.connectionusage-cloudflows":
        n = max(1, int(round(450 * ds.scale)))
    return ds._cached(("coll-enp", e.id), lambda: _varied(ds, e, (), n, fix=_enpower_fix(ds, e), noun=_noun(e)))


def _noun(e: Endpoint) -> str:
    key = (e.items_path or ("item",))[-1]
    return {"environments": "Environment", "connections": "Connection", "powerApps": "App", "cloudFlows": "Flow",
            "desktopFlows": "Desktop Flow", "workspaces": "Workspace", "artifacts": "Report", "bots": "Agent",
            "powerPages": "Site", "mailboxes": "Mailbox", "resourceMailboxes": "Room", "eolReportGroups": "Group",
            "eolReportSPSites": "Site", "eolReportTeams": "Team"}.get(key, "Item")


for _eid in list(Dataset.ENPOWER_SIZES) + ["enpower.connectionusage-cloudflows"]:
    _COLLECTIONS[_eid] = _enpower_list


@collection("enpower.powerbi-datasourcecountbydatasourcetype", "enpower.powerbi-semanticmodelcountbydatasourcetype")
def _enpower_counts(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        src = ("enpower.powerbi-datasourcedetails" if "datasource" in e.id else "enpower.powerbi-semanticemodeldetails")
        counts: dict[str, int] = {}
        for it in ds.items(src):
            counts[it["datasourceType"]] = counts.get(it["datasourceType"], 0) + 1
        as_str = isinstance(ds._sample_item(e).get("count"), str)
        return Collection([{"datasourceType": k, "count": str(v) if as_str else v} for k, v in sorted(counts.items())])
    return ds._cached(("coll", e.id), build)


@collection(*_ENPOWER_PARENT)
def _enpower_children(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    parent_id, field = _ENPOWER_PARENT[e.id]
    (pname, pval), = pp.items()
    parent = ds.collection(parent_id)
    i = parent.index_of(field, pval)
    if i is None:
        raise NotFound(f"{pname} {pval} was not found.")
    obj_id = parent.get(i)[field]
    r = ds.rng("count", e.id, obj_id)
    n = r.choice((0, r.randint(1, 12), r.randint(5, 60), r.randint(20, 160)))

    def fix(item: dict, k: int, rr: random.Random) -> None:
        if "objectId" in item:
            item["objectId"] = obj_id
        if "activityType" in item:
            item["activityType"] = rr.choice(("LaunchPowerApp", "EditApp", "SharePowerApp", "CreateFlow", "EditFlow",
                                              "BotConversation", "PageView") if "bot" not in e.id else ("BotConversation", "BotPublished"))
        if "state" in item:
            item["state"] = rr.choice(("Succeeded", "Succeeded", "Succeeded", "Failed", "Cancelled"))
        if "runStatus" in item:
            item["runStatus"] = rr.choice(("Succeeded", "Succeeded", "Failed"))
        if "userType" in item:
            item["userType"] = rr.choice(("Member", "Member", "Guest"))
        if "lauchedTimes" in item:
            item["lauchedTimes"] = str(rr.randint(1, 200))
        if "resultStatus" in item:
            item["resultStatus"] = rr.choice(("Success", "Success", "Failure"))
        if "duration" in item and not item["duration"]:
            item["duration"] = _duration_hms(rr.uniform(2, 900))
    return _varied(ds, e, (obj_id,), n, fix=fix)


# ---- Insights -------------------------------------------------------------------------------------

@collection("insights.users-summary")
def _ins_users(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(item: dict, i: int, r: random.Random) -> None:
        first, last = r.choice(FIRST), r.choice(LAST)
        dom = DOMAINS[i % 2]
        item["displayName"] = f"{first} {last}"
        item["email"] = f"{first}{last[0]}{i:05d}@{dom}"
        item["loginName"] = item["email"].lower()
        item["userStatus"] = "Active" if r.random() < 0.92 else "Disabled"
        item["trustStatus"] = r.choice(("Trusted", "Not Trusted"))
        item["LastSignIn"] = r.choice(("Less than 30 Days", "Less than 90 Days", "More than 90 Days", "Never"))
    return _varied(ds, e, (), ds.n("insights_users"), fix=fix)


@collection("insights.groups-summary")
def _ins_groups(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(item: dict, i: int, r: random.Random) -> None:
        item["groupType"] = r.choice(("Security Group", "Microsoft 365 Group", "Distribution List"))
        item["membershipType"] = r.choice(("Assigned", "Dynamic"))
        item["email"] = None if item["groupType"] == "Security Group" else f"{_slug(item['displayName'])[:20]}@{DOMAINS[0]}"
    return _varied(ds, e, (), ds.n("insights_groups"), fix=fix, noun="Group")


@collection("insights.sites-overview")
def _ins_sites(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        def fix(item: dict, i: int, r: random.Random) -> None:
            name = item["siteName"]
            item["siteUrl"] = f"https://{DOMAINS[0].split('.')[0]}.sharepoint.com/sites/{_slug(name)[:30]}{i}"
            item["exposureItemCount"] = r.randint(0, 400)
            item["sensitiveItemCount"] = r.randint(0, 300)
            item["riskItemCount"] = min(item["exposureItemCount"], item["sensitiveItemCount"])
        coll = _varied(ds, e, ("base",), ds.n("insights_sites"), fix=fix, noun="Site")
        r = ds.rng("sites-risk")
        coll.cols["riskLevel"] = [r.choice((0, 1, 1, 2, 2, 3, -2)) for _ in range(coll.n)]
        coll.extra["siteIds"] = {it["siteUrl"].lower(): guid(ds.rng("siteId", it["siteUrl"])) for it in coll.all()}
        coll.extra["siteUrls"] = {v: k for k, v in coll.extra["siteIds"].items()}
        return coll
    return ds._cached(("coll", e.id), build)


def _site_url_of(ds: Dataset, site_id: str) -> str:
    sites = _ins_sites(ds, ds.endpoint("insights.sites-overview"), {})
    url = sites.extra["siteUrls"].get(str(site_id).lower())
    if url is None:
        raise NotFound(f"Site {site_id} was not found.")
    return url


def _site_id_of(ds: Dataset, site_url: str) -> str:
    sites = _ins_sites(ds, ds.endpoint("insights.sites-overview"), {})
    sid = sites.extra["siteIds"].get(str(site_url).lower().rstrip("/"))
    if sid is None:
        raise NotFound(f"Site {site_url} was not found.")
    return sid


@collection("insights.sites-siteid")
def _ins_siteid(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return Collection([_site_id_of(ds, pp["siteUrl"])])


def _key_of(values: Iterable[str]) -> str:
    return hashlib.blake2b("|".join(sorted(v.lower() for v in values)).encode(), digest_size=6).hexdigest()


@collection("insights.sites-detailrecords")
def _ins_detail_records(ds: Dataset, e: Endpoint, pp: dict, site_id: str = "") -> Collection:
    url = _site_url_of(ds, site_id)
    n = ds.rng("n", e.id, site_id).randint(5, 160)

    def fix(item: dict, i: int, r: random.Random) -> None:
        name = f"{r.choice(('Budget', 'Contract', 'Roadmap', 'Payroll', 'Minutes', 'Forecast'))} {r.randint(1, 999)}.{r.choice(('docx', 'xlsx', 'pdf', 'pptx'))}"
        item["name"] = name
        item["webUrl"] = url
        item["location"] = f"{url}/Shared Documents/{name}"
        for k in ("sensitivityLevel", "exposureLevel", "riskLevel"):
            item[k] = r.choice(("Low", "Medium", "High"))
    return _varied(ds, e, (site_id,), n, fix=fix)


@collection("insights.sharinglinks-summary")
def _ins_links(ds: Dataset, e: Endpoint, pp: dict, site_url: str = "", link_type: str = "32") -> Collection:
    sid = _site_id_of(ds, site_url)
    n = ds.rng("n", e.id, site_url, link_type).randint(0, 60)
    labels = {"32": "Anyone Links", "64": "Links for Specific External Users", "128": "Links for Specific Internal Users"}

    def fix(item: dict, i: int, r: random.Random) -> None:
        item["siteId"] = sid
        item["linkType"] = labels.get(str(link_type), labels["64"])
        item["objectUrl"] = f"{site_url}/Shared Documents/{r.choice(('Plan', 'Budget', 'Deck'))} {i}.docx"
        item["name"] = item["objectUrl"].rsplit("/", 1)[-1]
    return _varied(ds, e, (site_url.lower(), str(link_type)), n, fix=fix)


@collection("insights.sites-permission")
def _ins_site_perm(ds: Dataset, e: Endpoint, pp: dict, site_urls: tuple[str, ...] = ()) -> Collection:
    for u in site_urls:
        _site_id_of(ds, u)
    n = sum(ds.rng("n", e.id, u.lower()).randint(5, 40) for u in site_urls)
    urls = list(site_urls)

    def fix(item: dict, i: int, r: random.Random) -> None:
        item["url"] = urls[i % len(urls)] if urls else item["url"]
        item["permission"] = r.choice(("Full Control", "Edit", "Read", "Contribute"))
        item["principalType"] = r.choice(("SharePoint Group", "User", "Security Group"))
    return _varied(ds, e, (_key_of(site_urls),), n, fix=fix)


@collection("insights.users-access")
def _ins_users_access(ds: Dataset, e: Endpoint, pp: dict, emails: tuple[str, ...] = ()) -> Collection:
    n = sum(ds.rng("n", e.id, m.lower()).randint(3, 40) for m in emails)
    sites = ds.items("insights.sites-overview")

    def fix(item: dict, i: int, r: random.Random) -> None:
        s = sites[r.randrange(len(sites))]
        item["siteName"] = s["siteName"]
        item["location"] = f"{s['siteUrl']}/Shared Documents/{item['name']}"
        item["permission"] = r.choice(("Full Control", "Edit", "Read", "Contribute"))
        item["isDirect"] = r.random() < 0.4
    coll = _varied(ds, e, (_key_of(emails),), n, fix=fix)
    if "site" not in coll.cols:
        coll.cols["site"] = [it["location"].split("/Shared Documents/")[0].lower() for it in coll.all()]
    return coll


# ---- Opus, Confide ----------------------------------------------------------------------------------

@collection("opus.connector-records")
def _opus_records(ds: Dataset, e: Endpoint, pp: dict, conn_id: str = "") -> Collection:
    def build() -> Collection:
        r = ds.rng("opus", conn_id.lower())
        n = r.randint(20, 250)
        items, due = [], []
        for i in range(n):
            created = ds.now - timedelta(days=r.uniform(400, 2000))
            items.append({
                "rowKey": f"connector_{i + 1:04d}_{r.randrange(16**6):06x}",
                "leafName": f"{r.choice(('Contract', 'Invoice', 'HR Record', 'Minutes', 'Claim'))} {r.randint(1, 9999)}",
                "termFullPath": f"Connector/{r.choice(('Finance', 'HR', 'Legal'))}-termset/{r.choice(('Retain 7 years', 'Retain 3 years', 'Destroy'))}",
                "timeCreated": created.strftime("%Y-%m-%d %H:%M:%S "), "timeModified": created.strftime("%Y-%m-%d %H:%M:%S "),
                "createdBy": f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}", "modifiedBy": f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}",
            })
            due.append((ds.now + timedelta(days=r.uniform(-60, 120))).timestamp())
        return Collection(items, cols={"due": due})
    return ds._cached(("coll", e.id, conn_id.lower()), build)


def _seeded_tasks(ds: Dataset, e: Endpoint) -> dict[str, dict]:
    def build():
        v = ds.varier(e.id)
        sample = e.sample.get("data") if isinstance(e.sample, dict) else {}
        out = {}
        for k in range(6):
            d = v.vary(sample)
            total = v.rng.randint(1, 40)
            items = []
            for j in range(total):
                ok = v.rng.random() > (0.5 if k in (1, 4) else 0.0)
                items.append({"email": f"{v.rng.choice(FIRST).lower()}{j}@partner.example.com", "success": ok,
                              "status": "Succeeded" if ok else "Failed",
                              "errorMessage": None if ok else v.rng.choice(("The user already exists.", "The e-mail address is not valid.",
                                                                            "The external domain is blocked by the sharing policy."))})
            d.update({"totalCount": total, "processedCount": total, "failedCount": sum(not x["success"] for x in items),
                      "items": items, "status": "Completed" if k != 5 else "Running"})
            out[d["taskId"].lower()] = d
        return out
    return ds._cached(("tasks", e.id), build)


@detail("confide.sharesetting-import-users-item", "confide.sharesetting-update-users-item")
def _confide_task(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    t = _seeded_tasks(ds, e).get(pp["taskId"].lower())
    if t is None:
        raise NotFound(f"Task {pp['taskId']} was not found.")
    return t


def _opus_restore_jobs(ds: Dataset) -> dict[str, dict]:
    def build():
        r = ds.rng("opus.restore-jobs")
        out = {}
        for k, st in enumerate((2, 2, 3, 1, 4, 2, 10, 0, 5, 2)):
            jid = guid(r)
            start = ds.now - timedelta(hours=r.uniform(1, 200))
            out[jid] = {"id": jid, "status": st, "progress": 100 if st in (2, 3, 4, 5, 10) else r.randint(0, 90),
                        "startTime": iso(start), "finishTime": iso(start + timedelta(minutes=r.uniform(2, 90))) if st in (2, 3, 4, 5, 10) else None}
        return out
    return ds._cached(("opus-restore-jobs",), build)


@detail("opus.restore-getrestorejobstatus")
def _opus_job(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    jid = str(q.get("jobId", ""))
    job = _opus_restore_jobs(ds).get(jid.lower())
    if job is None:
        raise NotFound(f"Restore job {jid} was not found.")
    return {"success": True, "message": None, "job": dict(job)}


@detail("opus.restore-hasarchivedsitecollectiondata", "opus.restore-hasarchivedteamsgroupdata")
def _opus_has(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    scope = str(q.get("scope", ""))
    has = ds.rng("archived", e.id, scope.lower()).random() < 0.6
    return {"success": True, "message": None, "hasArchivedData": has, "scope": scope}


# ---- Insights details ------------------------------------------------------------------------------

@detail("insights.job-exportstatus")
def _ins_export_status(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    return {"jobStatus": ds.poll_export_job(pp["jobId"]), "status": 200, "message": ""}


# ---- Elements (v3 and legacy) ---------------------------------------------------------------------

def _labels(ds: Dataset, eid: str, param: str) -> dict[int, str]:
    return {int(v.value): v.label for v in ds.endpoint(eid).param(param).enum}


@collection("elements.customers")
def _el_customers(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return ds._cached(("coll", e.id), lambda: Collection([dict(c, tenants=[dict(t) for t in c["tenants"]]) for c in ds.customers()]))


@collection("elements-legacy.customers")
def _legacy_customers(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    labels = ds.endpoint("elements.customers").status.labels

    def build():
        return Collection([{"id": c["id"], "organization": c["organization"], "ownerEmail": c["ownerEmail"],
                            "jobStatus": labels.get(str(c["jobStatus"]), "N/A"), "countryOrRegion": c["countryOrRegion"]}
                           for c in ds.customers()])
    return ds._cached(("coll", e.id), build)


@detail("elements-legacy.customers-item")
def _legacy_customer(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    c = ds.customer(pp["id"])
    coll = _legacy_customers(ds, ds.endpoint("elements-legacy.customers"), {})
    item = coll.get(coll.index_of("id", c["id"]))
    return {"@odata.context": e.sample.get("@odata.context"), **item}


def _el_jobs(ds: Dataset, customer_id: str) -> Collection:
    c = ds.customer(customer_id)

    def build() -> Collection:
        r = ds.rng("elements.jobs", c["id"])
        now = ds.now.timestamp()
        n = r.randint(20, 60)
        times = _spread_times(ds, r, n, 30)
        first = c["id"] == ds.customers()[0]["id"]
        codes = [code for code, _ in PLANS["elements"][0]] + [1]
        items = []
        for i, t in enumerate(times):
            st = codes[i] if first and i < len(codes) else _status_for(r, "elements", t, now)
            jt = _w(r, ((7, 55.0), (0, 10.0), (11, 10.0), (10, 4.0), (12, 10.0), (15, 6.0), (16, 5.0)))
            mod = r.choice(ELEMENTS_JOB_MODULES[jt])
            start = _dt(t)
            secs = r.uniform(20, 4 * 3600)
            total = r.randint(0, 5000)
            failed = r.randint(1, max(1, total)) if st in (3, 7) else (r.randint(1, max(1, total // 10)) if st == 4 else 0)
            skipped = r.randint(0, (total - failed) // 20) if total - failed > 20 else 0
            running = st in (1, 6, 13, 0)
            items.append({
                "jobType": jt, "jobModule": mod, "status": st,
                "jobId": ELEMENTS_JOB_PREFIX[jt] + start.strftime("%Y%m%d%H%M%S") + f"{r.randrange(10**6):06d}",
                "name": "N/A" if jt in (7, 11) else f"{c['organization']} {('scan', 'backup')[jt not in (0, 10)]} {i + 1}",
                "totalCount": str(total), "failedCount": str(failed), "successfulCount": str(total - failed - skipped),
                "skippedCount": str(skipped), "warningCount": str(r.choice((0, 0, 0, 2))),
                "backupSize": f"{r.uniform(0, 80):.2f} GB" if total else "0 GB",
                "startTime": iso(start), "endTime": "N/A" if running else iso(start + timedelta(seconds=secs)),
                "jobDuration": "N/A" if running else f"{int(secs // 60)}m{int(secs % 60)}s",
                "lastModifyTime": iso(start + timedelta(seconds=secs if not running else 5)),
            })
        return Collection(items, cols={"t": times})
    return ds._cached(("coll", "elements.jobs", c["id"]), build)


@collection("elements.avpt-products-jobs")
def _el_jobs_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return _el_jobs(ds, pp["customerId"])


@collection("elements-legacy.customers-jobs", "elements-legacy.jobtype-jobmodule-item")
def _legacy_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    c = ds.customer(pp["id"])
    types = _labels(ds, "elements.avpt-products-jobs", "jobType")
    mods = _labels(ds, "elements.avpt-products-jobs", "jobModule")
    st_labels = ds.endpoint("elements.avpt-products-jobs").status.labels

    def build() -> Collection:
        latest: dict[tuple, dict] = {}
        for j in _el_jobs(ds, c["id"]).all():
            key = (j["jobType"], j["jobModule"])
            if key not in latest:
                latest[key] = j
        items = []
        for (jt, jm), j in sorted(latest.items()):
            label = st_labels.get(str(j["status"]), "N/A")
            items.append({"jobType": types.get(jt, str(jt)), "jobModule": mods.get(jm, "N/A") if jm else "N/A",
                          "status": "Not Finished" if j["status"] in (1, 6, 13) else label,
                          **{k: j[k] for k in ("jobId", "name", "totalCount", "failedCount", "successfulCount",
                                               "skippedCount", "warningCount", "backupSize", "startTime", "endTime",
                                               "jobDuration", "lastModifyTime")}})
        return Collection(items)
    coll = ds._cached(("coll", "legacy-jobs", c["id"]), build)
    if e.id.endswith("jobtype-jobmodule-item"):
        jt, jm = pp["JobType"].lower(), pp["JobModule"].lower()
        return Collection([it for it in coll.all() if it["jobType"].lower() == jt and it["jobModule"].lower() == jm])
    return coll


def _el_scan_profiles(ds: Dataset, customer_id: str) -> list[dict]:
    c = ds.customer(customer_id)

    def build():
        r = ds.rng("scan-profiles", c["id"])
        out = []
        names = ("Default Microsoft 365 Scan Profile", "Default Google Workspace Scan Profile", "SharePoint sites",
                 "Exchange mailboxes", "Teams and groups")
        for k in range(r.randint(1, 4)):
            t = r.choice(c["tenants"])
            modified = ds.now - timedelta(days=r.uniform(1, 300))
            out.append({"profileName": names[k], "profileId": guid(r), "scanMode": r.choice((0, 1)),
                        "modifiedTime": iso(modified), "_tenant": t, "_created": iso(modified - timedelta(days=r.uniform(1, 400))),
                        "_status": r.choice((2, 2, 2, 3, 4, 7, 1)), "_r": r.random()})
        return out
    return ds._cached(("scan-profiles", c["id"]), build)


def _scan_profile(ds: Dataset, customer_id: str, profile_id: str) -> dict:
    for p in _el_scan_profiles(ds, customer_id):
        if p["profileId"].lower() == str(profile_id).lower():
            return p
    raise NotFound(f"Scan profile {profile_id} was not found.")


def _public(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_")}


@collection("elements.customers-scan-profiles", "elements-legacy.customers-scanprofiles")
def _scan_profiles_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    cid = pp.get("customerId") or pp.get("id")
    return ds._cached(("coll", e.id, cid.lower()), lambda: Collection([_public(p) for p in _el_scan_profiles(ds, cid)]))


@detail("elements.customers-scan-profiles-item", "elements-legacy.customers-scanprofiles-item")
def _scan_profile_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    cid = pp.get("customerId") or pp.get("id")
    p = _scan_profile(ds, cid, pp.get("scanProfileId") or pp.get("ProfileId"))
    v = Varier(ds.rng(e.id, p["profileId"]), ds.now)
    out = v.vary(e.sample)
    for k in list(out):
        if k.lower() == "profileid":
            out[k] = p["profileId"]
        elif k.lower() == "tenantid":
            out[k] = p["_tenant"]["id"]
        elif k.lower() == "tenantdomain":
            out[k] = _slug(p["_tenant"]["name"])[:12]
    out.update({"profileName": p["profileName"], "scanMode": p["scanMode"], "modifiedTime": p["modifiedTime"],
                "createdTime": p["_created"]})
    if "description" in out:
        out["description"] = "This is a partner-configured scan profile."
    return out


@detail("elements.scan-profiles-changes", "elements-legacy.scanprofiles-dailynewsummary",
        "elements-legacy.scanprofiles-dailynewdetails")
def _scan_changes(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    cid = pp.get("customerId") or pp.get("id")
    p = _scan_profile(ds, cid, pp.get("scanProfileId") or pp.get("ProfileId"))
    v = Varier(ds.rng(e.id, p["profileId"]), ds.now)
    out = v.vary(e.sample)
    for k in list(out):
        lk = k.lower()
        if lk == "profileid":
            out[k] = p["profileId"]
        elif lk == "tenantid":
            out[k] = p["_tenant"]["id"]
        elif lk == "profilename":
            out[k] = p["profileName"]
        elif lk == "tenantdomain":
            out[k] = _slug(p["_tenant"]["name"])[:12]
        elif lk == "lastscanstatus":
            out[k] = p["_status"]
        elif lk == "modifiedtime":
            out[k] = p["modifiedTime"]
        elif lk == "lastupdatetime":
            out[k] = iso(ds.now - timedelta(hours=1 + 20 * p["_r"]))
        elif isinstance(out[k], list):
            objs = []
            for j in range(v.rng.choice((0, 0, 1, 3))):
                objs.append({"objectName": f"{v.thing()}", "objectType": v.rng.choice(("Site", "Mailbox", "Group", "Team")),
                             "containerName": f"Default container {j + 1}"})
            out[k] = objs
    return out


def _services(ds: Dataset) -> list[dict]:
    def build():
        out = []
        sample = ds._sample_item(ds.endpoint("elements.customers-services"))
        product_tpl = (sample.get("products") or [{}])[0]
        for c in ds.customers():
            r = ds.rng("services", c["id"])
            v = Varier(r, ds.now)
            prods = []
            for name in r.sample(SERVICE_PRODUCTS, r.randint(1, 4)):
                p = v.vary(product_tpl)
                p["service"] = name
                p["purchasedUserSeats"] = str(r.choice((25, 50, 100, 250, 500)))
                p["expirationDate"] = iso((ds.now + timedelta(days=r.uniform(20, 700))).replace(hour=0, minute=0, second=0))
                prods.append(p)
            out.append({"customerId": c["id"], "organization": c["organization"], "customer": c["ownerEmail"],
                        "products": prods, "_tenants": ",".join(t["id"] for t in c["tenants"])})
        return out
    return ds._cached(("services",), build)


@collection("elements.customers-services")
def _services_v3(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return ds._cached(("coll", e.id), lambda: Collection([_public(s) for s in _services(ds)]))


@collection("elements-legacy.services")
def _services_legacy(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build():
        out = []
        for s in _services(ds):
            d = {"customerId": s["customerId"], "organization": s["organization"], "customer": s["customer"],
                 "tenantId": s["_tenants"], "products": [dict(p, expirationDate=p["expirationDate"][:10]) for p in s["products"]]}
            out.append(d)
        return Collection(out)
    return ds._cached(("coll", e.id), build)


@detail("elements-legacy.services-item")
def _service_legacy_item(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    coll = _services_legacy(ds, ds.endpoint("elements-legacy.services"), {})
    i = coll.index_of("customerId", pp["id"])
    if i is None:
        raise NotFound(f"Customer {pp['id']} was not found.")
    return {"@odata.context": e.sample.get("@odata.context"), **coll.get(i)}


def _protected_rows(ds: Dataset, customer_id: str) -> list[dict]:
    c = ds.customer(customer_id)

    def build():
        r = ds.rng("protected", c["id"])
        rows = []
        for m in M365_MODULES:
            scanned = r.randint(0, 3000)
            rows.append({"customerId": c["id"], "customer": c["ownerEmail"], "serviceType": "Cloud Backup for Microsoft 365",
                         "serviceModule": m, "totalScannedObjects": scanned, "totalProtectedObjects": r.randint(0, scanned),
                         "dataSizeStoredInAvePoint": f"{r.uniform(0, 900):.2f} GB", "dataSizeStoredInBYOS": "N/A"})
        return rows
    return ds._cached(("protected", c["id"]), build)


@collection("elements.cloud-backup-m365-overview", "elements-legacy.customers-protected")
def _protected(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    cid = pp.get("customerId") or pp.get("id")
    return Collection(_protected_rows(ds, cid))


@collection("elements.type-tenants")
def _type_tenants(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    c = ds.customer(pp["customerId"])
    typ = int(pp["type"])

    def build():
        r = ds.rng("type-tenants", c["id"], typ)
        if typ == 0:
            tenants = [(t["id"], _slug(t["name"])[:16]) for t in c["tenants"]]
        else:
            tenants = [(guid(r), f"{_slug(c['organization'])[:10]}-{('sf', 'gws', 'crm')[typ - 1]}{k}") for k in range(r.randint(0, 2))]
        items = []
        for tid, name in tenants:
            avail = r.choice((25, 50, 100, 250))
            items.append({"type": typ, "tenantId": tid, "tenantName": name, "availableUserSeat": avail,
                          "assignedUserSeat": r.randint(0, avail)})
        return Collection(items)
    return ds._cached(("coll", e.id, c["id"], typ), build)


@detail("elements.type-overview")
def _type_overview(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    c = ds.customer(pp["customerId"])
    r = ds.rng("type-overview", c["id"], pp["productType"])
    return {"productType": int(pp["productType"]), "purchasedUserSeat": r.choice((0, 25, 50, 100, 250))}


@detail("elements.customers-tenants-item")
def _tenant_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    return {"id": t["id"], "name": t["name"], "aadEnvironment": 0, "platformEnvironmentType": 1}


@collection("elements.product-apps")
def _product_apps(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    r = ds.rng("apps", t["id"], pp["productName"])
    return Collection([{"isConsent": r.random() < 0.7}])


def _tenant_coll(ds: Dataset, e: Endpoint, pp: dict, n_range: tuple[int, int], fix=None, sample_eid: str | None = None,
                 key: str | None = None) -> Collection:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    c = ds.customer(pp["customerId"])
    src = ds.endpoint(sample_eid) if sample_eid else e
    k = key or e.id
    n = ds.rng("n", k, t["id"]).randint(*n_range)
    dom = f"{_slug(c['organization'])[:20]}.onmicrosoft.com"

    def build():
        v = Varier(ds.rng(k, t["id"]), ds.now, domains=(dom,))
        samples = [s for s in (src.sample_items() or [{}]) if isinstance(s, dict)] or [{}]
        anchors = _spread_times(ds, v.rng, n, 90)
        items = [v.vary(samples[0], anchor=_dt(anchors[i])) for i in range(n)]
        for i, it in enumerate(items):
            for f in ("tenantId", "customerId"):
                if f in it:
                    it[f] = t["id"] if f == "tenantId" else c["id"]
            if fix:
                fix(it, i, v.rng)
        coll = Collection(items)
        coll.cols["t"] = anchors
        return coll
    return ds._cached(("coll", k, t["id"]), build)


def _security_users(ds: Dataset, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["status"] = sorted(r.sample(range(9), r.choice((0, 1, 1, 2, 3))))
        it["isTestUser"] = 8 in it["status"]
        it["userPrincipalName"] = it["mail"]
        it["age"] = r.randint(18, 67)
    return _tenant_coll(ds, ds.endpoint("elements.security-users"), pp, (30, 140), fix=fix, key="elements.users")


@collection("elements.security-users", "elements.tenants-users")
def _users_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return _security_users(ds, pp)


@detail("elements.tenants-users-item")
def _user_detail(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    users = _security_users(ds, pp)
    i = users.index_of("id", pp["userId"])
    if i is None:
        raise NotFound(f"User {pp['userId']} was not found.")
    u = users.get(i)
    v = Varier(ds.rng(e.id, u["id"]), ds.now)
    out = v.vary(e.sample)
    for k in out:
        if k in u:
            out[k] = u[k]
    out["loginName"] = u["userPrincipalName"]
    out["alternateEmailAddress"] = [u["mail"].replace("@", "_alt@")]
    return out


@collection("elements.cloud-backup-m365-users")
def _cb_users(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["moduleStatus"] = [{"module": m, "isProtected": r.random() < 0.85} for m in (0, 1, 2)]
    return _tenant_coll(ds, e, pp, (20, 90), fix=fix)


@collection("elements.detection-rules")
def _rules(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    sources = [int(v.value) for v in e.param("dataSources").enum]

    def fix(it: dict, i: int, r: random.Random) -> None:
        it["ruleName"] = RULE_NAMES[i % len(RULE_NAMES)]
        it["dataSource"] = sources[i % len(sources)]
        it["hitItemCount"] = r.choice((0, r.randint(1, 20), r.randint(10, 180)))
        it["ruleId"] = f"{i + 1:08d}-{it['ruleId'][9:]}"
    coll = _tenant_coll(ds, e, pp, (8, 14), fix=fix)
    if "enabled" not in coll.cols:
        r = ds.rng("rules-enabled", pp["tenantId"])
        coll.cols["enabled"] = [1 if r.random() < 0.85 else 0 for _ in range(coll.n)]
    return coll


@collection("elements.rules-hit-items")
def _hit_items(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    rules = _rules(ds, ds.endpoint("elements.detection-rules"), pp)
    i = rules.index_of("ruleId", pp["ruleId"])
    if i is None:
        raise NotFound(f"Rule {pp['ruleId']} was not found.")
    rule = rules.get(i)

    def fix(it: dict, k: int, r: random.Random) -> None:
        it["ruleId"] = rule["ruleId"]
        it["dataSource"] = rule["dataSource"]
    n = rule["hitItemCount"]
    return _tenant_coll(ds, e, pp, (n, n), fix=fix, key=f"{e.id}|{rule['ruleId']}")


@collection("elements.compliances-workflows")
def _workflows(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["workflowDisplayName"] = WORKFLOWS[i % len(WORKFLOWS)][0]
    coll = _tenant_coll(ds, e, pp, (4, 8), fix=fix)
    coll.cols.setdefault("catagory", [WORKFLOWS[i % len(WORKFLOWS)][1] for i in range(coll.n)])
    return coll


@collection("elements.compliances-workflows-item")
def _workflow_users(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    wfs = _workflows(ds, ds.endpoint("elements.compliances-workflows"), pp)
    i = wfs.index_of("workflowId", pp["workflowId"])
    if i is None:
        raise NotFound(f"Workflow {pp['workflowId']} was not found.")
    wf = wfs.get(i)
    n = ds.rng("n", wf["workflowId"]).randint(0, 40)
    coll = _tenant_coll(ds, e, pp, (n, n), key=f"{e.id}|{wf['workflowId']}")
    coll.extra.setdefault("last7DayFixCount", ds.rng("fix", wf["workflowId"]).randint(0, 15))
    coll.extra.setdefault("riskUserCount", coll.n)
    return coll


@collection("elements.compliances-signins")
def _signins(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["isRisk"] = r.random() < 0.12
        it["city"], it["country"] = r.choice((("Seattle", "US"), ("London", "GB"), ("Berlin", "DE"), ("Lagos", "NG"),
                                              ("Singapore", "SG"), ("Moscow", "RU")))
    return _tenant_coll(ds, e, pp, (50, 200), fix=fix)


@detail("elements.compliances-actions", "elements.overview-workspace", "elements.data-protection-compliance-rate",
        "elements.overview-dspm", "elements.data-protection-ransomware-detection")
def _tenant_singleton(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    t = ds.tenant(pp["customerId"], pp["tenantId"])
    return ds._cached(("detail", e.id, t["id"]), lambda: Varier(ds.rng(e.id, t["id"]), ds.now).vary(e.sample))


@collection("elements.process-center-jobs")
def _process_jobs(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(it: dict, i: int, r: random.Random) -> None:
        it["type"] = r.randint(1, 10)
        it["status"] = _w(r, PLANS["process"][0]) if i else 3
    return _tenant_coll(ds, e, pp, (10, 40), fix=fix)


def _baselines(ds: Dataset) -> Collection:
    e = ds.endpoint("elements.bm-baselines")

    def fix(it: dict, i: int, r: random.Random) -> None:
        it["baselineName"] = f"{('Security', 'Compliance', 'Intune', 'Exchange', 'Teams', 'SharePoint')[i % 6]} baseline {i // 6 + 1}"
        it["status"] = _w(r, ((3, 50.0), (2, 15.0), (1, 5.0), (4, 10.0), (5, 10.0), (6, 10.0))) if i > 1 else (4, 5)[i]
    return _varied(ds, e, (), ds.n("baselines"), fix=fix)


@collection("elements.bm-baselines")
def _baselines_coll(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return _baselines(ds)


@collection("elements.baselines-reports")
def _baseline_reports(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    bl = _baselines(ds)
    i = bl.index_of("baselineId", pp["baselineId"])
    if i is None:
        raise NotFound(f"Baseline {pp['baselineId']} was not found.")
    b = bl.get(i)
    n = ds.rng("n", b["baselineId"]).randint(20, 110)
    configs = ("DeviceCompliancePolicies > MacOSCompliancePolicy", "ConditionalAccess > RequireMFA",
               "Exchange > AntiPhishPolicy", "Teams > MeetingPolicy", "SharePoint > SharingSettings",
               "Intune > DeviceConfiguration", "Entra ID > AuthenticationMethods")

    def fix(it: dict, k: int, r: random.Random) -> None:
        it["configuration"] = f"{r.choice(configs)} {k + 1}"
        it["source"] = r.choice(("Intune", "Entra ID", "Exchange Online", "Microsoft Teams", "SharePoint Online"))
        failed = r.random() < (0.25 if b["status"] in (4, 5) else 0.05)
        it["status"] = "Failed" if failed else "Successful"
        it["details"] = r.choice(("The setting could not be retrieved: access denied.", "Timeout while reading the policy.")) if failed else None
    return _varied(ds, e, (b["baselineId"],), n, fix=fix)


@collection("elements.bm-tenants")
def _bm_tenants(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build():
        r = ds.rng("bm-tenants")
        bl = _baselines(ds).all()
        codes = [int(k) for k in e.status.labels]
        items = []
        for k, (c, t) in enumerate(ds.all_tenants()):
            if k > 3 and r.random() > 0.6:
                continue
            st = codes[k % len(codes)] if k < len(codes) else r.choice((7, 7, 7, 1, 2, 5, 3, 8, 17, 10))
            applied = [{"baselineId": b["baselineId"], "baselineName": b["baselineName"], "version": str(r.randint(1, 6))}
                       for b in r.sample(bl, min(len(bl), r.randint(0, 2)))]
            items.append({"tenantName": t["name"], "status": st, "driftDetected": r.choice((0, 0, r.randint(1, 60))),
                          "driftDetectedTime": iso(ds.now - timedelta(hours=r.uniform(1, 300))), "customerId": c["id"],
                          "tenantId": t["id"], "autoAlignment": r.choice((0, 1)),
                          "lastDeployedTime": iso(ds.now - timedelta(days=r.uniform(1, 90))), "appliedBaselines": applied})
        return Collection(items)
    return ds._cached(("coll", e.id), build)


# ---------------------------------------------------------------------------------------------
# Filters: each returns predicates over an item index; only documented filters are applied.
# ---------------------------------------------------------------------------------------------

def _time_bound(q: Query, name: str, role: str) -> float | None:
    v = q.get(name)
    if v is None:
        return None
    dt = parse_time(str(v))
    if dt is None:
        raise BadRequest(f"The value '{v}' is not a valid date-time for {name}.", name)
    if role == "end" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v).strip()):
        dt = dt + timedelta(days=1) - timedelta(microseconds=1)     # a date-only end includes that day
    return dt.timestamp()


def _time_preds(e: Endpoint, coll: Collection, q: Query, default_days: float | None = None) -> list:
    preds = []
    starts = [p.name for p in e.params if p.time_role == "start" and p.location == "query"]
    ends = [p.name for p in e.params if p.time_role == "end" and p.location == "query"]
    if not starts and not ends:
        return preds
    col = coll.column("t") if "t" in coll.cols else None
    if col is None:
        return preds
    lo = next((x for x in (_time_bound(q, n, "start") for n in starts) if x is not None), None)
    hi = next((x for x in (_time_bound(q, n, "end") for n in ends) if x is not None), None)
    if lo is None and hi is None and default_days:
        lo = datetime.now(timezone.utc).timestamp() - default_days * 86400
    if lo is not None:
        preds.append(lambda i, lo=lo: col[i] >= lo)
    if hi is not None:
        preds.append(lambda i, hi=hi: col[i] <= hi)
    return preds


def _eq(col: list, values: Iterable[Any], all_value: str | None = "0") -> Callable[[int], bool] | None:
    vals = {str(v).lower() for v in values}
    if not vals or (all_value is not None and vals == {all_value}):
        return None
    return lambda i: str(col[i]).lower() in vals


def _filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> list:
    eid = e.id
    preds: list = []

    def add(p):
        if p is not None:
            preds.append(p)

    if eid == "m365.cloudbackupjobs":
        preds += _time_preds(e, coll, q)
        for name in ("jobState", "jobType", "objectType"):
            add(_eq(coll.column(name), q.getlist(name)))
        loc = q.get("location")
        if loc:
            loc = "NAM" if str(loc).lower() == "primarygeolocation" else loc
            add(_eq(coll.column("location"), [loc], None))
    elif eid == "aos.audit":
        preds += _time_preds(e, coll, q)
        add(_eq(coll.column("productType"), q.getlist("productTypes"), None))
        add(_eq(coll.column("geo"), q.getlist("geoLocations"), None))
    elif eid == "aos.jobs":
        terms = [s.lower() for s in q.getlist("search")]
        if terms:
            ids = coll.column("id")
            add(lambda i: any(t in ids[i].lower() for t in terms))
    elif eid == "d365.jobs":
        preds += _time_preds(e, coll, q)
        add(_eq(coll.column("type"), q.getlist("type")))
        add(_eq(coll.column("status"), q.getlist("status"), None))
        add(_eq(coll.column("organizationId"), q.getlist("organizationId"), None))
    elif eid == "iaas.jobs":
        preds += _time_preds(e, coll, q)
        add(_eq(coll.column("serviceType"), q.getlist("serviceType"), None))
        add(_eq(coll.column("jobType"), q.getlist("jobType"), None))
        text = str(q.get("searchText", "")).lower()
        if text:
            ids, com = coll.column("jobId"), coll.column("comments")
            add(lambda i: text in ids[i].lower() or text in (com[i] or "").lower())
    elif eid == "google.jobs":
        preds += _time_preds(e, coll, q)
        status = q.getlist("jobStatus") or q.getlist("status")       # the sample sends status=
        add(_eq(coll.column("status"), status, None))
        for name in ("jobType", "appType", "dataSource"):
            add(_eq(coll.column(name), q.getlist(name), None))
    elif eid == "salesforce.jobs":
        preds += _time_preds(e, coll, q)
        add(_eq(coll.column("state"), q.getlist("status")))
        add(_eq(coll.column("type"), q.getlist("type")))
        add(_eq(coll.column("level"), q.getlist("level")))
        add(_eq(coll.column("organizationId"), q.getlist("organizationId"), None))
    elif eid in ("salesforce.monitor-alerts", "salesforce.unusual-activities"):
        preds += _time_preds(e, coll, q)
        add(_eq(coll.column("organizationId"), q.getlist("organizationId"), None))
    elif eid == "dmso.audits":
        preds += _time_preds(e, coll, q, default_days=7)
        for name in ("status", "action", "module"):
            add(_eq(coll.column(name), q.getlist(name), None))
        text = str(q.get("search", "")).lower()
        if text:
            add(lambda i: text in " ".join(str(coll.get(i).get(k) or "") for k in
                                           ("objectName", "userPrincipalName", "userDisplayName")).lower())
    elif eid.startswith("enpower."):
        preds += _time_preds(e, coll, q)
        tenant = str(q.get("tenant", "")).lower()
        if tenant:
            sample = coll.get(0) if coll.n else {}
            keys = [k for k in ("tenantId", "tenant", "tenantName", "tenantDomain") if k in sample]
            if keys:
                add(lambda i: any(str(coll.get(i).get(k) or "").lower() in (tenant,) or
                                  str(coll.get(i).get(k) or "").lower().split(".")[0] == tenant.split(".")[0]
                                  for k in keys))
        if eid == "enpower.connectionusage-cloudflows":
            add(_eq(coll.column("flowId"), q.getlist("flowId"), None))
        if eid == "enpower.exchange-mailboxes":
            mt = str(q.get("mailboxType", "0"))
            if mt in ("1", "2"):
                want = ("User mailbox", "Shared mailbox")[int(mt) - 1]
                add(_eq(coll.column("recipientType"), [want], None))
        if eid == "enpower.exchange-resourcemailboxes":
            mt = str(q.get("resourceMailboxType", "0"))
            if mt in ("1", "2"):
                want = ("Room mailbox", "Equipment mailbox")[int(mt) - 1]
                add(_eq(coll.column("recipientType"), [want], None))
    elif eid == "insights.sites-overview":
        levels = body.getlist("riskLevel")
        add(_eq(coll.column("riskLevel"), levels, None))
    elif eid == "insights.users-access":
        sites = [s.lower().rstrip("/") for s in body.getlist("siteUrls")]
        if sites:
            col = coll.column("site")
            add(lambda i: col[i] in sites)
    elif eid == "opus.connector-records":
        due = _time_bound(q, "disposalDueDate", "end")
        if due is not None:
            col = coll.column("due")
            add(lambda i: col[i] <= due)
    elif eid == "elements.customers" or eid == "elements.customers-services":
        field = "id" if eid == "elements.customers" else "customerId"
        add(_eq(coll.column(field), body.getlist("customerIds"), None))
    elif eid == "elements.avpt-products-jobs":
        add(_eq(coll.column("jobType"), body.getlist("jobType"), None))
        add(_eq(coll.column("jobModule"), body.getlist("jobModule"), None))
    elif eid == "elements.customers-scan-profiles":
        add(_eq(coll.column("profileId"), body.getlist("scanProfileIds"), None))
    elif eid == "elements.bm-baselines":
        add(_eq(coll.column("baselineId"), body.getlist("baselineIds"), None))
    elif eid == "elements.bm-tenants":
        add(_eq(coll.column("tenantId"), body.getlist("tenantIds"), None))
    elif eid == "elements.process-center-jobs":
        add(_eq(coll.column("jobId"), body.getlist("jobIds"), None))
    elif eid == "elements.tenants-users":
        add(_eq(coll.column("id"), body.getlist("userIds"), None))
    elif eid == "elements.type-tenants":
        add(_eq(coll.column("tenantId"), body.getlist("tenantIds"), None))
    elif eid == "elements.cloud-backup-m365-users":
        add(_eq(coll.column("email"), body.getlist("userEmails"), None))
    elif eid == "elements.security-users":
        wanted = {int(s) for s in q.getlist("status") if str(s).lstrip("-").isdigit()}
        if wanted:
            col = coll.column("status")
            add(lambda i: bool(wanted.intersection(col[i] or ())))
    elif eid == "elements.detection-rules":
        add(_eq(coll.column("dataSource"), q.getlist("dataSources"), None))
        add(_eq(coll.column("enabled"), q.getlist("status"), None))
    elif eid == "elements.compliances-workflows":
        add(_eq(coll.column("catagory"), q.getlist("catagory"), None))
    elif eid == "elements.compliances-signins":
        risky = q.get("risky")
        if risky is not None and str(risky).lower() in ("true", "false"):
            want = str(risky).lower() == "true"
            col = coll.column("isRisk")
            add(lambda i: bool(col[i]) == want)
    return preds


# ---------------------------------------------------------------------------------------------
# Collections keyed by body values (Insights POST, Opus): resolved from the request.
# ---------------------------------------------------------------------------------------------

def keyed_collection(ds: Dataset, e: Endpoint, q: Query, body: Query) -> Collection | None:
    """Collections whose identity comes from required query/body values rather than the path."""
    if e.id == "insights.sites-detailrecords":
        return _ins_detail_records(ds, e, {}, site_id=str(body.get("siteId")))
    if e.id == "insights.sharinglinks-summary":
        return _ins_links(ds, e, {}, site_url=str(body.get("siteUrl")).rstrip("/"), link_type=str(body.get("linkType")))
    if e.id == "insights.sites-permission":
        return _ins_site_perm(ds, e, {}, site_urls=tuple(u.rstrip("/") for u in body.getlist("siteUrls", split=False)))
    if e.id == "insights.users-access":
        return _ins_users_access(ds, e, {}, emails=tuple(body.getlist("emails", split=False)))
    if e.id == "opus.connector-records":
        return _opus_records(ds, e, {}, conn_id=str(q.get("id")))
    return None


for _eid in ("insights.sites-detailrecords", "insights.sharinglinks-summary", "insights.sites-permission",
             "insights.users-access", "opus.connector-records"):
    _COLLECTIONS.setdefault(_eid, lambda ds, e, pp: Collection([]))


# ---------------------------------------------------------------------------------------------
# Example requests
# ---------------------------------------------------------------------------------------------

def _first_path_values(ds: Dataset, e: Endpoint) -> dict[str, str]:
    c = ds.customers()[0]
    t = c["tenants"][0]
    out: dict[str, str] = {}
    for name in e.path_params:
        low = name.lower()
        if low in ("customerid",) or (low == "id" and e.id.startswith("elements-legacy")):
            out[name] = c["id"]
        elif low == "tenantid":
            out[name] = t["id"]
        elif low in ("scanprofileid", "profileid"):
            out[name] = _el_scan_profiles(ds, c["id"])[0]["profileId"]
        elif low == "jobtype" and e.id.startswith("elements-legacy"):
            out[name] = _legacy_jobs(ds, ds.endpoint("elements-legacy.customers-jobs"), {"id": c["id"]}).get(0)["jobType"]
        elif low == "jobmodule" and e.id.startswith("elements-legacy"):
            out[name] = _legacy_jobs(ds, ds.endpoint("elements-legacy.customers-jobs"), {"id": c["id"]}).get(0)["jobModule"]
        elif low == "jobid" and e.id.startswith("m365"):
            out[name] = ds.collection("m365.cloudbackupjobs").get(0)["id"]
        elif low == "jobid":
            out[name] = "4790"
        elif low == "ruleid":
            rules = ds.collection("elements.detection-rules", {"customerId": c["id"], "tenantId": t["id"]}).all()
            out[name] = next((r["ruleId"] for r in rules if r["hitItemCount"]), rules[0]["ruleId"])
        elif low == "workflowid":
            out[name] = ds.collection("elements.compliances-workflows", {"customerId": c["id"], "tenantId": t["id"]}).get(0)["workflowId"]
        elif low == "userid":
            out[name] = ds.collection("elements.security-users", {"customerId": c["id"], "tenantId": t["id"]}).get(0)["id"]
        elif low == "baselineid":
            out[name] = _baselines(ds).get(0)["baselineId"]
        elif low in ("type",):
            out[name] = "0"
        elif low == "producttype":
            out[name] = "2048"
        elif low == "productname":
            out[name] = e.param(name).enum[0].value if e.param(name) and e.param(name).enum else "PartnerTenantSettingManagement"
        elif low in ("appid", "flowid", "botid", "powerpageid"):
            parent, field = _ENPOWER_PARENT[e.id]
            coll = ds.collection(parent)
            best = max(range(min(coll.n, 20)),
                       key=lambda k: len(ds.collection(e.id, {name: coll.get(k)[field]})))
            out[name] = coll.get(best)[field]
        elif low == "siteurl":
            out[name] = ds.collection("insights.sites-overview").get(0)["siteUrl"]
        elif low == "email":
            out[name] = ds.collection("insights.users-summary").get(0)["email"]
        elif low == "groupid":
            out[name] = ds.collection("insights.groups-summary").get(0)["groupId"]
        elif low in ("path",):
            out[name] = ds.collection("insights.sites-overview").get(0)["siteUrl"] + "/Shared Documents/Plan.docx"
        elif low == "id":
            out[name] = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
        elif low == "taskid":
            out[name] = next(iter(_seeded_tasks(ds, e)))
        else:
            out[name] = "x"
    return out


def _example(ds: Dataset, e: Endpoint) -> dict:
    pp = _first_path_values(ds, e)
    now = ds.now
    query: dict[str, Any] = {}
    body: dict[str, Any] = {}
    site = ds.collection("insights.sites-overview").get(0)["siteUrl"] if e.service_key == "insights" else None
    for p in e.params:
        if p.location == "path" or not p.required:
            continue
        target = query if p.location == "query" else body
        low = p.name.lower()
        if p.time_role == "start":
            target[p.name] = iso(now - timedelta(days=6 if e.id == "aos.audit" else 30))
        elif p.time_role == "end":
            target[p.name] = iso(now)
        elif p.enum:
            target[p.name] = p.enum[1].value if e.id == "d365.jobs" and low == "type" else p.enum[0].value
        elif low == "pagesize":
            target[p.name] = 100
        elif low == "startpage":
            target[p.name] = 1
        elif low == "itemsperpage":
            target[p.name] = 100
        elif low == "flowid":
            target[p.name] = ds.collection("enpower.powerautomate-cloudflows").get(0)["flowId"]
        elif low == "emails":
            target[p.name] = [ds.collection("insights.users-summary").get(k)["email"] for k in range(2)]
        elif low == "siteurls":
            target[p.name] = [site] if p.location == "body" else site
        elif low == "siteurl":
            target[p.name] = site
        elif low == "siteid":
            target[p.name] = _site_id_of(ds, site)
        elif low == "driveids":
            target[p.name] = "0AEkdHqDqOaq3Uk9PVA"
        elif low == "datasources":
            target[p.name] = "SharePoint Online"
        elif low == "id" and e.id == "opus.connector-records":
            target[p.name] = "6f1c2b7e-3d4a-4e8f-9a10-2b3c4d5e6f70"
        elif low == "disposalduedate":
            target[p.name] = (now + timedelta(days=30)).strftime("%Y-%m-%d")
        elif low == "scope":
            target[p.name] = "https://contoso.sharepoint.com/sites/Finance" if "Site" in e.path else "finance-team@contoso.com"
        elif low == "jobid" and e.id.startswith("opus"):
            target[p.name] = next(iter(_opus_restore_jobs(ds)))
        else:
            target[p.name] = "x"
    return {"path_params": pp, "query": query, "body": body if e.method == "POST" else None}
