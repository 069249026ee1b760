"""Document Management System Online (``/dmso``): the audit records of its documents."""

from __future__ import annotations

import random

from tui.catalog import Endpoint
from tui.simulator.data.core import (PLANS, Collection, Preds, Query, collection, filters, from_epoch, one_of, order,
                                     spread_times, time_preds, weighted_column)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import DOMAINS, FIRST, LAST, guid


@collection("dmso.audits")
def _dmso(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        r = ds.rng("dmso.audits")
        n = ds.n("dmso")
        times = spread_times(ds, r, n)
        actions = [int(v.value) for v in e.param("action").enum]
        modules = [int(v.value) for v in e.param("module").enum]
        status = weighted_column(r, PLANS["dmso"][0], n)
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
                "actionTime": from_epoch(times[i]).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ri.randrange(1000):03d}Z",
                "objectName": name, "objectDetail": obj, "detail": obj,
                "userPrincipalName": f"{first.lower()}.{last.lower()}@{DOMAINS[0]}", "userEntraId": guid(ri),
                "userDisplayName": f"{first} {last}",
            }
        return Collection(n=n, make=make, cols={"t": times, "status": status, "action": act, "module": mod})
    return ds._cached(("coll", "dmso.audits"), build)


@order("dmso.audits")
def _order_dmso(ds: Dataset, coll: Collection, q: Query, idx: list[int]) -> list[int]:
    # Undocumented, but the docs' own nextLink carries orderBy/isASC: honour the direction.
    return list(reversed(idx)) if str(q.get("isASC", "false")).lower() == "true" else idx


@filters("dmso.audits")
def _audit_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = time_preds(e, coll, q, default_days=7)
    for name in ("status", "action", "module"):
        preds.add(one_of(coll.column(name), q.getlist(name), None))
    text = str(q.get("search", "")).lower()
    if text:
        preds.add(lambda i: text in " ".join(str(coll.get(i).get(k) or "") for k in
                                             ("objectName", "userPrincipalName", "userDisplayName")).lower())
    return preds
