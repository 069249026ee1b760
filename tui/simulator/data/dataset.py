"""The simulator's data: deterministic from a seed, generated lazily, one collection at a time.

``Dataset.items(endpoint_id, path_params)`` is the full, unfiltered collection in server order
(newest first for jobs and audit records); ``Dataset.select(...)`` is what a request with the
given filters returns (before paging), so tests can compare the server with the data.

Nothing is generated at construction (start-up must stay cheap). Large collections (Microsoft
365 jobs, audit records, DMSO audits) keep only their filter columns in memory and build an
item the first time it is served, so ``--scale 20`` stays quick; small collections are built
whole by varying the documentation's sample item (``generate.Varier``). The generators live in
one module per product and register themselves in ``core``.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from tui.catalog import Endpoint, load_catalog
from tui.simulator.data.core import (COLLECTIONS, DETAILS, ORDERS, BadRequest, Collection, NotFound, Query, filters_for,
                                     slug, weighted)
from tui.simulator.generate import COMPANIES, COUNTRIES, DOMAINS, Varier, guid

__all__ = ["Dataset"]


class Dataset:
    """All simulated collections of one server, from one seed."""

    SIZES = {
        "m365_jobs": 5000, "audit": 20000, "aos_jobs": 400, "d365_jobs": 1200, "iaas_jobs": 1200,
        "google_jobs": 1200, "sf_jobs": 1200, "sf_alerts": 300, "dmso": 5000,
        "customers": 40, "baselines": 12, "insights_users": 300, "insights_groups": 150,
        "insights_sites": 200, "enpower": 250,
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
        build = COLLECTIONS.get(endpoint_id)
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
        build = DETAILS.get(endpoint_id)
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
        by_filters = filters_for(endpoint_id)
        preds = by_filters(self, e, coll, q, body) if by_filters else []
        rng = range(coll.n)
        if not preds:
            idx = list(rng)
        elif len(preds) == 1:
            idx = list(filter(preds[0], rng))
        else:
            idx = [i for i in rng if all(p(i) for p in preds)]
        order = ORDERS.get(endpoint_id)
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
            domain = f"{slug(org)[:20]}.onmicrosoft.com"
            k = r.choice((1, 1, 2, 2, 3))
            names = ("Production", "Test", "EMEA", "APAC")
            tenants = [{"id": guid(r), "name": f"{org} {names[j]}"} for j in range(k)]
            status = 2 if i in (1, 7) else weighted(r, plan)        # a couple of failed customers for sure
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
        from tui.simulator.data.examples import example_request
        return example_request(self, self.endpoint(endpoint_id))
