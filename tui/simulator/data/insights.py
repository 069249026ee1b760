"""Insights (``/insights``): users, groups, sites and their exposure, sharing links, export jobs.

Several collections are named by the request's body (a site, a list of sites or e-mail
addresses) rather than its path: ``keyed`` resolves them.
"""

from __future__ import annotations

import random

from tui.catalog import Endpoint
from tui.simulator.data.core import (Collection, NotFound, Preds, Query, collection, detail, filters, key_of, keyed,
                                     one_of, slug, varied)
from tui.simulator.data.dataset import Dataset
from tui.simulator.generate import DOMAINS, FIRST, LAST, guid


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
    return varied(ds, e, (), ds.n("insights_users"), fix=fix)


@collection("insights.groups-summary")
def _ins_groups(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def fix(item: dict, i: int, r: random.Random) -> None:
        item["groupType"] = r.choice(("Security Group", "Microsoft 365 Group", "Distribution List"))
        item["membershipType"] = r.choice(("Assigned", "Dynamic"))
        item["email"] = None if item["groupType"] == "Security Group" else f"{slug(item['displayName'])[:20]}@{DOMAINS[0]}"
    return varied(ds, e, (), ds.n("insights_groups"), fix=fix, noun="Group")


@collection("insights.sites-overview")
def _ins_sites(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    def build() -> Collection:
        def fix(item: dict, i: int, r: random.Random) -> None:
            name = item["siteName"]
            item["siteUrl"] = f"https://{DOMAINS[0].split('.')[0]}.sharepoint.com/sites/{slug(name)[:30]}{i}"
            item["exposureItemCount"] = r.randint(0, 400)
            item["sensitiveItemCount"] = r.randint(0, 300)
            item["riskItemCount"] = min(item["exposureItemCount"], item["sensitiveItemCount"])
        coll = varied(ds, e, ("base",), ds.n("insights_sites"), fix=fix, noun="Site")
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


def site_id_of(ds: Dataset, site_url: str) -> str:
    sites = _ins_sites(ds, ds.endpoint("insights.sites-overview"), {})
    sid = sites.extra["siteIds"].get(str(site_url).lower().rstrip("/"))
    if sid is None:
        raise NotFound(f"Site {site_url} was not found.")
    return sid


@collection("insights.sites-siteid")
def _ins_siteid(ds: Dataset, e: Endpoint, pp: dict) -> Collection:
    return Collection([site_id_of(ds, pp["siteUrl"])])


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
    return varied(ds, e, (site_id,), n, fix=fix)


@collection("insights.sharinglinks-summary")
def _ins_links(ds: Dataset, e: Endpoint, pp: dict, site_url: str = "", link_type: str = "32") -> Collection:
    sid = site_id_of(ds, site_url)
    n = ds.rng("n", e.id, site_url, link_type).randint(0, 60)
    labels = {"32": "Anyone Links", "64": "Links for Specific External Users", "128": "Links for Specific Internal Users"}

    def fix(item: dict, i: int, r: random.Random) -> None:
        item["siteId"] = sid
        item["linkType"] = labels.get(str(link_type), labels["64"])
        item["objectUrl"] = f"{site_url}/Shared Documents/{r.choice(('Plan', 'Budget', 'Deck'))} {i}.docx"
        item["name"] = item["objectUrl"].rsplit("/", 1)[-1]
    return varied(ds, e, (site_url.lower(), str(link_type)), n, fix=fix)


@collection("insights.sites-permission")
def _ins_site_perm(ds: Dataset, e: Endpoint, pp: dict, site_urls: tuple[str, ...] = ()) -> Collection:
    for u in site_urls:
        site_id_of(ds, u)
    n = sum(ds.rng("n", e.id, u.lower()).randint(5, 40) for u in site_urls)
    urls = list(site_urls)

    def fix(item: dict, i: int, r: random.Random) -> None:
        item["url"] = urls[i % len(urls)] if urls else item["url"]
        item["permission"] = r.choice(("Full Control", "Edit", "Read", "Contribute"))
        item["principalType"] = r.choice(("SharePoint Group", "User", "Security Group"))
    return varied(ds, e, (key_of(site_urls),), n, fix=fix)


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
    coll = varied(ds, e, (key_of(emails),), n, fix=fix)
    if "site" not in coll.cols:
        coll.cols["site"] = [it["location"].split("/Shared Documents/")[0].lower() for it in coll.all()]
    return coll


@detail("insights.job-exportstatus")
def _ins_export_status(ds: Dataset, e: Endpoint, pp: dict, q: Query) -> dict:
    return {"jobStatus": ds.poll_export_job(pp["jobId"]), "status": 200, "message": ""}


@filters("insights.sites-overview")
def _site_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    preds.add(one_of(coll.column("riskLevel"), body.getlist("riskLevel"), None))
    return preds


@filters("insights.users-access")
def _access_filters(ds: Dataset, e: Endpoint, coll: Collection, q: Query, body: Query) -> Preds:
    preds = Preds()
    sites = [s.lower().rstrip("/") for s in body.getlist("siteUrls")]
    if sites:
        col = coll.column("site")
        preds.add(lambda i: col[i] in sites)
    return preds


@keyed("insights.sites-detailrecords")
def _keyed_detail_records(ds: Dataset, e: Endpoint, q: Query, body: Query) -> Collection:
    return _ins_detail_records(ds, e, {}, site_id=str(body.get("siteId")))


@keyed("insights.sharinglinks-summary")
def _keyed_links(ds: Dataset, e: Endpoint, q: Query, body: Query) -> Collection:
    return _ins_links(ds, e, {}, site_url=str(body.get("siteUrl")).rstrip("/"), link_type=str(body.get("linkType")))


@keyed("insights.sites-permission")
def _keyed_site_perm(ds: Dataset, e: Endpoint, q: Query, body: Query) -> Collection:
    return _ins_site_perm(ds, e, {}, site_urls=tuple(u.rstrip("/") for u in body.getlist("siteUrls", split=False)))


@keyed("insights.users-access")
def _keyed_users_access(ds: Dataset, e: Endpoint, q: Query, body: Query) -> Collection:
    return _ins_users_access(ds, e, {}, emails=tuple(body.getlist("emails", split=False)))
