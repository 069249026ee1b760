"""Plausible values for generated items, derived from the documentation's sample item.

The simulator never invents field names: every generated item is the docs' sample item with its
values varied (ids, names, e-mail addresses, dates, numbers). ``vary`` decides what to vary from
the key and the sample value alone, so a new endpoint in the catalogue gets sensible data
without code. Specialised generators (jobs, audit records) build on the same helpers.
"""

from __future__ import annotations

import random
import re
import string
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

FIRST = ("Adele", "Alex", "Allan", "Brian", "Chloe", "Christie", "Debra", "Diego", "Emily", "Grady",
         "Henrietta", "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam",
         "Nestor", "Patti", "Pradeep", "Raul", "Sakura", "Tomas", "Yuki", "Zoe", "Omar", "Priya")
LAST = ("Vance", "Wilber", "Deyoung", "Johnson", "Rivera", "Zelenko", "Berg", "Lambert", "Sampson",
        "Archer", "Cannon", "Sanders", "Lamb", "Gonzales", "Patel", "Nakamura", "Holt", "Fischer",
        "Okafor", "Silva", "Novak", "Larsen", "Moreau", "Kowalski", "Tanaka", "Haddad")
DEPTS = ("Finance", "HR", "Sales", "Marketing", "Legal", "Operations", "IT", "Engineering", "Support",
         "Procurement", "Research", "Facilities", "Compliance", "Training")
WORDS = ("Quarterly", "Regional", "Project", "Vendor", "Customer", "Budget", "Onboarding", "Contracts",
         "Planning", "Reporting", "Audit", "Expense", "Inventory", "Release", "Partner", "Leave")
COMPANIES = ("Contoso", "Fabrikam", "Northwind Traders", "Adventure Works", "Tailspin Toys",
             "Wide World Importers", "Litware", "Proseware", "Woodgrove Bank", "Alpine Ski House",
             "Blue Yonder Airlines", "Coho Winery", "Fourth Coffee", "Graphic Design Institute",
             "Humongous Insurance", "Lucerne Publishing", "Margie's Travel", "Relecloud",
             "School of Fine Art", "Trey Research", "VanArsdel", "Wingtip Toys", "Datum Corporation",
             "Consolidated Messenger", "First Up Consultants", "Southridge Video", "City Power & Light",
             "Bellows College", "Best For You Organics", "Munson's Pickles")
COUNTRIES = ("United States", "Canada", "United Kingdom", "Germany", "France", "Japan", "Australia",
             "Singapore", "Netherlands", "Switzerland", "South Africa", "Brazil", "India", "Ireland")
CITIES = ("Seattle", "Toronto", "London", "Berlin", "Paris", "Tokyo", "Sydney", "Singapore",
          "Amsterdam", "Zurich", "Cape Town", "Sao Paulo", "Mumbai", "Dublin")
DOMAINS = ("contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com")

_GUIDISH = re.compile(r"^[0-9a-fA-F*]{4,}(-[0-9a-zA-Z*]{2,}){2,}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:\d{2})?\s*$")
_IP = re.compile(r"^\d{1,3}\.\d{1,3}\.[\d*]{1,3}\.[\d*]{1,3}$")
_PREFIXED_ID = re.compile(r"^([A-Z]{1,5})(\d{8,})$")
_ENUMISH = re.compile(r"(type|status|state|mode|kind|category|platform|module|level|source|visibility|"
                      r"privacy|operation|action|environment|tier|version|frequency)$", re.I)
_COUNTISH = re.compile(r"(count|number|size|total|items|quota|storage|users|seats|age|admins|makers|"
                       r"guests|members|owners|contributors|viewers|reports|dashboards|flows|apps|"
                       r"connections|times|runs|capacity|d7|d30|d90|d180|days|used|views|viewers|"
                       r"record|records|objects|entity|metadata|files|access|fixcount)", re.I)
_PERSON_KEY = re.compile(r"(user|owner|creator|operator|modified|manager|sponsor|contact|createdby|"
                         r"shareby|actionuser|principal|login)", re.I)
_PERSON_PREFIX = re.compile(r"(principalname|displayname|emailaddress|email|mail|name|upn|firstname|lastname|id)$")
_PERSON_ITEM_KEYS = {"firstname", "userprincipalname", "mail", "email", "loginname"}
_FUTURE_KEY = re.compile(r"(expir|due|nextrenewal|contractend|renewaldue)", re.I)
_LATER_KEY = re.compile(r"(finish|end|modif|update|last|lastrun|completed)", re.I)


def guid(rng: random.Random) -> str:
    n = rng.getrandbits(128)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[n & 3]}{h[17:20]}-{h[20:32]}"


def iso(dt: datetime, frac: int = 0) -> str:
    """UTC timestamp as the docs write it: 2024-12-02T07:52:25Z (optionally with fractions)."""
    if frac:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}"[:frac] + "Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_like(sample: str, dt: datetime) -> str:
    """``dt`` written in the same style as the sample value (separator, fractions, zone suffix)."""
    m = _DATE.match(sample)
    if not m:
        return iso(dt)
    if m.group(4) is None:
        return dt.strftime("%Y-%m-%d")
    out = dt.strftime("%Y-%m-%d") + m.group(4) + dt.strftime("%H:%M")
    if m.group(7) is not None:
        out += dt.strftime(":%S")
    if m.group(8):
        digits = len(m.group(8))
        out += "." + (f"{dt.microsecond:06d}" + "0" * digits)[:digits]
    zone = m.group(9)
    if zone:
        out += "Z" if zone == "Z" else "+00:00"
    return out


def is_date_string(value: Any) -> bool:
    return isinstance(value, str) and bool(_DATE.match(value))


def parse_time(value: str) -> datetime | None:
    """ISO 8601 date or date-time (Z, offset or naive = UTC); None if it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        # Fractions longer than 6 digits (.NET writes 7): trim them.
        m = re.match(r"^(.*\.\d{6})\d+(.*)$", text)
        if not m:
            return None
        try:
            dt = datetime.fromisoformat(m.group(1) + m.group(2))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class Person:
    __slots__ = ("first", "last", "domain")

    def __init__(self, first: str, last: str, domain: str):
        self.first, self.last, self.domain = first, last, domain

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}@{self.domain}"


class Varier:
    """Varies one sample item into many plausible items, deterministically from ``rng``."""

    def __init__(self, rng: random.Random, now: datetime, days: float = 90.0,
                 domains: tuple[str, ...] = DOMAINS, noun: str = "Item"):
        self.rng = rng
        self.now = now
        self.days = days
        self.domains = domains
        self.noun = noun
        self._plans: dict[int, tuple[Any, Callable]] = {}

    # -- atoms ---------------------------------------------------------------------------------
    def guid(self) -> str:
        return guid(self.rng)

    def person(self) -> Person:
        r = self.rng
        return Person(r.choice(FIRST), r.choice(LAST), r.choice(self.domains))

    def when(self, days: float | None = None) -> datetime:
        span = (self.days if days is None else days) * 86400
        return (self.now - timedelta(seconds=self.rng.random() * span)).replace(microsecond=self.rng.randrange(1000) * 1000)

    def ip(self) -> str:
        r = self.rng
        return f"{r.randrange(11, 223)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def thing(self, base: str = "") -> str:
        r = self.rng
        words = [w for w in re.split(r"[\s_\-]+", base) if w and not w.startswith("*")]
        last = re.sub(r"(?i)name$", "", words[-1]) if words else ""
        noun = last if last.isalpha() and last.lower() not in ("sample", "") else self.noun
        return f"{r.choice(DEPTS)} {r.choice(WORDS)} {noun} {r.randrange(1, 1000)}"

    # -- the item ------------------------------------------------------------------------------
    def vary(self, sample: Any, anchor: datetime | None = None) -> Any:
        """A copy of ``sample`` with plausible new values (the plan per sample is compiled once)."""
        plan = self._plans.get(id(sample))
        if plan is None or plan[0] is not sample:
            plan = (sample, self._plan("", sample))
            self._plans[id(sample)] = plan
        return plan[1](anchor or self.when(), {})

    def _person_for(self, key: str, people: dict[str, Person]) -> Person:
        prefix = _PERSON_PREFIX.sub("", key.lower())
        if prefix in ("user", "login", "account"):
            prefix = ""                  # userPrincipalName, loginName and displayName: the item's own person
        p = people.get(prefix)
        if p is None:
            p = people[prefix] = self.person()
        return p

    # Each _plan returns f(anchor, people) -> value; decisions that depend only on the key and the
    # sample value are taken once per sample, so varying thousands of items stays cheap.
    def _plan(self, key: str, v: Any, person_item: bool = False) -> Callable[[datetime, dict], Any]:
        r = self.rng
        if isinstance(v, dict):
            person_item = any(k.lower() in _PERSON_ITEM_KEYS for k in v)
            parts = [(k, self._plan(k, x, person_item)) for k, x in v.items()]
            return lambda a, p: {k: f(a, p) for k, f in parts}
        if isinstance(v, list):
            parts_l = [self._plan(key, x) for x in v]
            return lambda a, p: [f(a, p) for f in parts_l]
        if isinstance(v, bool):
            if key.lower() in ("success", "hasarchiveddata"):
                return lambda a, p: True
            return lambda a, p: r.random() < 0.5
        if isinstance(v, int):
            if _ENUMISH.search(key) or key.lower() == "id":
                return lambda a, p: v
            if _COUNTISH.search(key) or v > 1:
                top = max(20, v * 2)
                return lambda a, p: r.randrange(0, top + 1)
            return lambda a, p: v
        if isinstance(v, float):
            low = key.lower()
            if low in ("lat", "latitude"):
                return lambda a, p: round(r.uniform(-50, 60), 5)
            if low in ("lon", "lng", "longitude"):
                return lambda a, p: round(r.uniform(-150, 150), 5)
            if low == "progress":
                return lambda a, p: v
            top_f = max(1.0, v * 2)
            return lambda a, p: round(r.uniform(0, top_f), 6)
        if isinstance(v, str):
            return self._plan_str(key, v, person_item)
        return lambda a, p: v

    def _plan_str(self, key: str, v: str, person_item: bool = False) -> Callable[[datetime, dict], Any]:
        low = key.lower()
        r = self.rng
        if low.endswith("id") or low in ("rowkey", "objectid", "selfid", "linkid"):
            if v == "" or _GUIDISH.match(v) or "*" in v:
                return lambda a, p: guid(r)
            m = _PREFIXED_ID.match(v)
            if m:
                head, width = m.group(1), len(m.group(2))
                return lambda a, p: head + f"{r.randrange(10 ** width):0{width}d}"
            if v.startswith("00D"):          # Salesforce organization ids
                alphabet = string.ascii_letters + string.digits
                return lambda a, p: "00D" + "".join(r.choice(alphabet) for _ in range(15))
            return lambda a, p: v
        if _DATE.match(v) or (v == "" and (re.search(r"(time|date)$", key, re.I) or key.endswith("On"))):
            if v.startswith(("0001-", "9999-")):
                return lambda a, p: v
            style = v or "2024-01-01 00:00:00"
            if _FUTURE_KEY.search(key):
                return lambda a, p: format_like(style, self.now + timedelta(days=r.uniform(30, 400)))
            if _LATER_KEY.search(key):
                return lambda a, p: format_like(style, min(a + timedelta(seconds=r.uniform(30, 3 * 3600)), self.now))
            return lambda a, p: format_like(style, a)
        if "@" in v and " " not in v.strip():
            return lambda a, p: self._person_for(key, p).email
        if _IP.match(v) or (v == "" and low in ("clientip", "ip", "ipaddress")):
            return lambda a, p: self.ip()
        if v.startswith("https://") and ".sharepoint.com" in v:
            host = f"https://{self.domains[0].split('.')[0]}.sharepoint.com"
            deep = v.count("/") > 5

            def url(a, p):
                slug = re.sub(r"[^a-z0-9]", "", self.thing().lower())[:24]
                return f"{host}/sites/{slug}" + (f"/Shared Documents/{slug}.docx" if deep else "")
            return url
        if low.endswith("name") or low in ("displayname", "organization", "customer", "title", "subject"):
            if low == "tenantdomain":
                return lambda a, p: v
            if low == "firstname":
                return lambda a, p: self._person_for(key, p).first
            if low == "lastname":
                return lambda a, p: self._person_for(key, p).last
            if v and " " not in v and ("." in v or "_" in v):
                return lambda a, p: v            # an identifier that happens to be called *Name
            if _PERSON_KEY.search(key) or low == "createdby" or (person_item and low == "displayname"):
                return lambda a, p: self._person_for(key, p).name
            if low in ("organization", "organizationname"):
                return lambda a, p: f"{r.choice(COMPANIES)} {r.choice(('Ltd', 'Inc', 'GmbH', 'LLC', 'Group'))}"
            if v == "" and low not in ("displayname", "name"):
                return lambda a, p: v
            return lambda a, p: self.thing(v)
        if re.search(r"\bsample\b", v, re.I):
            rest = re.sub(r"\bsample\b[\s-]*", "", v, flags=re.I).strip()
            return lambda a, p: self.thing(rest)
        if low in ("countryorregion", "country", "countryregion"):
            return lambda a, p: r.choice(COUNTRIES)
        if low == "city":
            return lambda a, p: r.choice(CITIES)
        if low in ("tenantdomain", "tenant") and v:
            dom = self.domains[0].split(".")[0]
            return lambda a, p: dom
        return lambda a, p: v
