"""Build the package's endpoint catalogue (tui/catalog/data/endpoints.json) from the reference.

Run from the repository root when ../shared/reference is present:

    python tools/build_catalog.py [--reference ../shared/reference]

The reference index (catalogue.json) is semi-structured: pagination fields are prose such as
"metadata.totalNumber (table) / metadata.totalCount (sample)". This script turns it into the
normalised, typed shape that tui/catalog/model.py loads, and extracts each page's response
sample (the docs' JSON has // comments and trailing commas; they are repaired here, once).
The output is committed, so nothing at run time needs ../shared.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

SERVICE_KEYS = {
    "AvePoint Online Services": "aos",
    "Elements (legacy)": "elements-legacy",
    "Elements": "elements",
    "Cloud Backup for Microsoft 365": "m365",
    "Cloud Backup for Dynamics 365": "d365",
    "Cloud Backup for IaaS + PaaS": "iaas",
    "Cloud Backup for Google Workspace": "google",
    "Cloud Backup for Salesforce": "salesforce",
    "EnPower": "enpower",
    "Insights": "insights",
    "AvePoint Opus": "opus",
    "AvePoint Confide": "confide",
    "Document Management System Online": "dmso",
    "Identity (OAuth 2.0 token)": "identity",
}

# Normalised pagination per reference style. Field paths are dotted; alternatives are tried in order
# (the docs' table and sample disagree, so both spellings are accepted).
PAGINATION = {
    "nextLink + skipToken": {"style": "next_link", "cursor_param": "skipToken",
                             "next_paths": ["nextLink", "skipToken"]},
    "top/skip + nextLink": {"style": "top_skip", "size_param": "top", "offset_param": "skip",
                            "next_paths": ["nextLink"], "total_paths": ["totalCount"]},
    "skipToken": {"style": "skip_token", "page_param": "pageNumber", "size_param": "pageSize",
                  "cursor_param": "skiptoken", "first_page": 0,
                  "next_paths": ["nextlink", "nextLink"], "total_paths": ["totalCount"]},
    "top + nextLink": {"style": "top_next", "size_param": "top",
                       "next_paths": ["nextLink"], "total_paths": ["totalCount"]},
    "nextLink (continuation token)": {"style": "body_next", "size_param": "pageSize",
                                      "cursor_param": "nextLink", "cursor_in": "body",
                                      "size_in": "body", "next_paths": ["nextLink"]},
    "startPage/pageSize": {"style": "start_page", "page_param": "startPage", "size_param": "pageSize",
                           "first_page": 1, "next_paths": ["nextLink"]},
    "startIndex/itemsPerPage": {"style": "start_index", "cursor_param": "startIndex",
                                "size_param": "itemsPerPage", "next_paths": ["startIndex"]},
}

# pageIndex/pageSize comes in several variants; keyed by normalised path.
PAGE_INDEX = {
    "/backup/m365/cloudbackupjobs": {"first_page": 0, "size_default": 10,
                                     "next_paths": ["metadata.nextLink"],
                                     "total_paths": ["metadata.totalNumber", "metadata.totalCount"]},
    "/dynamicsbackup/jobs": {"first_page": 1, "size_default": 10, "next_paths": ["nextLink"],
                             "total_paths": ["totalCount"],
                             # the relative nextLink "/jobs?..." lacks the service prefix
                             "relative_next_base": "/dynamicsbackup"},
    "/backup/google/admin/jobs": {"first_page": 0, "size_default": 100, "next_paths": ["nextLink"],
                                  # the nextLink is an opaque token nobody can send back
                                  "next_is_token_only": True},
    "/backup/sfbapi/jobs": {"first_page": 0, "size_default": 10, "next_paths": ["data.nextLink"],
                            "total_paths": ["data.totalCount"]},
    "/dmso/audits": {"first_page": 1, "size_default": 100, "size_max": 200, "next_paths": ["nextLink"],
                     "relative_next_base": "/dmso/"},
}

# Where failed jobs are found (catalogue.md §6.1): lists whose items are jobs (or job health roll-ups).
JOB_SOURCES = {
    "/aos/jobs", "/backup/m365/cloudbackupjobs", "/dynamicsbackup/jobs", "/backup/vm/jobs",
    "/backup/google/admin/jobs", "/backup/sfbapi/jobs", "/dmso/audits",
    "/partner/external/v3/general/customers/{customerId}/avpt-products/jobs/batch",
    "/partner/external/v3/bm/customers/{customerId}/tenants/{tenantId}/process-center/jobs/batch",
    "/partner/external/v3/general/customers/batch",
}

# The read-only POST queries (catalogue.md §1 notes): 10 Elements v3 batch lists and 5 Insights retrievals.
def is_read_only(e: dict) -> bool:
    if e["method"] == "GET":
        return True
    if e["method"] != "POST":
        return False
    p = e["path"]
    return p.endswith("/batch") or p in {
        "/insights/users/access", "/insights/sharingLinks/summary", "/insights/sites/permission",
        "/insights/sites/overview", "/insights/sites/detailRecords"}


def norm_path(p: str) -> str:
    return p if p.startswith("/") else "/" + p


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def make_id(e: dict, taken: set[str]) -> str:
    """A short, stable, unique id such as ``m365.cloudbackupjobs`` or ``elements.customers``."""
    svc = SERVICE_KEYS[e["service"]]
    segs = [s for s in norm_path(e["path"]).split("/") if s and not s.startswith("{")]
    drop = {"partner", "external", "v3", "backup", "smp", "powerplatform", "api", "general", "admin",
            "m365", "sfbapi", "insights", "aos", "dmso", "dynamicsbackup", "vm", "google", "batch"}
    words = [s for s in segs if s.lower() not in drop] or segs[-1:]
    base = f"{svc}." + slug("-".join(words[-2:]))
    if norm_path(e["path"]).endswith("}"):
        base += "-item"      # a detail endpoint: /customers/{id}
    if e["method"] not in ("GET",) and not is_read_only(e):
        base += "." + e["method"].lower()
    cand, n = base, 2
    while cand in taken:
        cand, n = f"{base}-{n}", n + 1
    taken.add(cand)
    return cand


def strip_json_comments(text: str) -> str:
    out, i, in_str, esc = [], 0, False, False
    while i < len(text):
        c = text[i]
        if in_str:
            out.append(c)
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


REPAIRS = (
    ("missing commas", lambda t: re.sub(r'("|\d|true|false|null|[}\]])([ \t]*\n\s*)(")', r"\1,\2\3", t)),
    ("unquoted values", lambda t: re.sub(r'(:\s*)([A-Za-z][A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*)(\s*[,}\n])', r'\1"\2"\3', t)),
    ('"..." for more items', lambda t: re.sub(r",?\s*\.\.\.\s*(?=[\]}])", "", t)),
    ("[ ] around an object", lambda t: re.sub(r'^\[\s*("\w+"\s*:)', r"{\1", t).rstrip().rstrip("]") + "}"
     if t.startswith("[") else t),
)


def lenient_json_repairs(text: str) -> tuple[object, list[str]] | None:
    """(value, repairs) for a docs sample, repairing only what the docs get wrong, one fix at a time;
    None when even the repairs do not make it JSON. ``repairs`` names the fixes that were needed
    beyond // comments and trailing commas (which every reader skips)."""
    t = re.sub(r",(\s*[}\]])", r"\1", strip_json_comments(text))       # trailing commas
    applied: list[str] = []
    for name, fix in (("", lambda t: t), *REPAIRS):
        fixed = fix(t)
        if fixed != t:
            applied.append(name)
        t = fixed
        try:
            return json.loads(t, strict=False), applied   # strict=False: a sample string broken over lines
        except json.JSONDecodeError:
            continue
    return None


def lenient_json(text: str):
    """Parse a docs sample, repairing only what the docs get wrong, one fix at a time."""
    got = lenient_json_repairs(text)
    return None if got is None else got[0]


def response_sample_blocks(text: str) -> list[str]:
    """The code blocks after a page's 'Response Sample' heading(s) that look like JSON, as written."""
    blocks = []
    for sec in re.split(r"^#+\s*", text, flags=re.M):
        if not sec.lower().startswith("response sample") and "response sample" not in sec[:60].lower():
            continue
        for block in re.findall(r"```[a-zA-Z]*[ \t]*\n(.*?)(?:```|\Z)", sec, re.S):
            b = block.strip()
            if b.startswith(("{", "[")):
                blocks.append(b)
    return blocks


def page_samples(doc: Path) -> tuple[str, list]:
    """The page's H1 title and the JSON code blocks after its 'Response Sample' heading."""
    text = doc.read_text(encoding="utf-8")
    m = re.search(r"^#\s+(.+)$", text, re.M)
    title = m.group(1).strip() if m else doc.stem
    samples = []
    for b in response_sample_blocks(text):
        v = lenient_json(b)
        if v is not None:
            samples.append(v)
    return title, samples


# Top-level keys of a response envelope that describe the call, not the answer (catalogue.md section 3).
ENVELOPE_META = {"statuscode", "message", "errors", "requestid", "timestamp", "traceid", "success", "status",
                 "errormessage", "errormodel"}


def object_path(items_path: list | None, top_level_keys: list[str], sample) -> list[str] | None:
    """Where a single-object endpoint's one object sits: ["data"] for {statusCode, message, data, ...},
    ["job"] for {success, message, job}; None when the body itself is the object."""
    if items_path is not None or not isinstance(sample, dict):
        return None
    keys = [k for k in top_level_keys if not k.startswith("(")] or list(sample)
    payload = [k for k in keys if k.lower() not in ENVELOPE_META]
    if len(payload) == 1 and isinstance(sample.get(payload[0]), dict):
        return payload
    return None


def clean_field(field: str, items_key: str | None) -> str:
    f = field.split(" (")[0].strip()
    f = re.sub(r"^(POST|GET)\s+", "", f)
    if items_key and f.startswith(items_key + "[]."):
        f = f[len(items_key) + 3:]
    if items_key and f == items_key + "[0]":
        f = "$value"          # the items are scalars (siteId lookup returns ["<id>"])
    return f


def param_entry(p: dict) -> dict:
    typ = (p.get("type") or "string").lower()
    kind = ("integer" if typ in {"integer", "int", "long"} else
            "boolean" if typ in {"boolean", "bool"} else
            "list" if typ.startswith(("list", "array", "string[]")) or typ.endswith("[]") else
            "enum" if typ == "enum" else "string")
    if p.get("enum"):
        kind = "enum"
    out = {"name": p["name"], "in": p["in"], "type": kind, "doc_type": p.get("type"),
           "required": bool(p.get("required")), "default": p.get("default"),
           "enum": p.get("enum") or None, "constraint": p.get("constraint"),
           "description": p.get("description") or ""}
    text = f"{p.get('constraint') or ''} {p.get('description') or ''}".lower()
    m = re.search(r"no more than (\d+) days", text)
    if m:
        out["max_window_days"] = int(m.group(1))
    m = re.search(r"max(?:imum)?(?: value)?(?: allowed)?(?: is)? (\d+)", text) or re.search(r"\b1-(\d+)\b", text) \
        or re.search(r"\b0-(\d+)\b", text)
    if m and kind == "integer":
        out["max"] = int(m.group(1))
    if re.search(r"start(time)?$|^from", p["name"], re.I) or p["name"].lower() in {"starttime", "fromdate"}:
        out["time_role"] = "start"
    elif p["name"].lower() in {"endtime", "finishtime", "todate"}:
        out["time_role"] = "end"
    return out


def status_entry(e: dict) -> dict | None:
    """The status field whose values say 'failed', and the query filter that selects them."""
    fields = e.get("status_fields") or []
    failed = next((s for s in fields if s.get("failed_values")), None)
    if not failed:
        return None
    name = failed["field"].split(" ")[0]
    filter_param = None
    for p in e["query_params"]:
        if p["name"].lower() == name.lower() and p["in"] == "query":
            filter_param = p["name"]
    if "(query filter)" in failed["field"] or filter_param:
        filter_param = filter_param or name
    labels = {(v["value"] if isinstance(v, dict) else v): (v["label"] if isinstance(v, dict) else v)
              for v in failed.get("values") or []}
    response_field = name
    if "(query filter)" in failed["field"]:
        # M365: the query filter jobState is an int; the response field `state` is a string label.
        response_field = next((s["field"] for s in fields if "query" not in s["field"]
                               and s["field"] in ("state", "status")), "state")
    # Documented alternative spellings: Salesforce `status` (table) vs `state` (sample).
    alt = {"status": ["status", "state"], "state": ["state", "status"]}.get(response_field, [response_field])
    return {"field": response_field, "fields": alt, "labels": labels,
            "failed": failed.get("failed_values") or [],
            "attention": failed.get("attention_values") or [],
            "filter_param": filter_param, "filter_value": (failed.get("failed_values") or [None])[0]
            if filter_param else None,
            "note": failed.get("note")}


def build(ref: Path) -> dict:
    raw = json.loads((ref / "catalogue.json").read_text(encoding="utf-8"))
    docs = ref / "avepoint-graph-api"
    taken: set[str] = set()
    endpoints = []
    by_path: dict[tuple[str, str], dict] = {}
    for e in raw:
        if e["method"] == "POST" and e["path"] == "/connect/token":
            continue
        ep_id = make_id(e, taken)
        title, samples = page_samples(docs / e["doc_file"])
        items_key = e["response_shape"].get("items_key")
        items_path = ([] if items_key == "(root array)" else items_key.split(".") if items_key else None)
        style = e["pagination"]["style"]
        pag = {"style": "none"}
        if style.startswith("none") and "totalCount" in style:
            pag["total_paths"] = ["totalCount"]      # one page, but it says how many there are
        if style in PAGINATION:
            pag = dict(PAGINATION[style])
        elif style.startswith("pageIndex/pageSize"):
            pag = {"style": "page_index", "page_param": "pageIndex", "size_param": "pageSize",
                   "first_page": 1, "size_default": 50, "size_max": 100,
                   "total_paths": ["metadata.totalCount", "metaData.totalCount"]}
            pag.update(PAGE_INDEX.get(norm_path(e["path"]), {}))
        for p in e["query_params"]:
            if pag.get("size_param") == p["name"]:
                entry = param_entry(p)
                if entry.get("max"):
                    pag.setdefault("size_max", entry["max"])
                if p.get("default") and str(p["default"]).isdigit():
                    pag.setdefault("size_default", int(p["default"]))
        path = norm_path(e["path"])
        endpoint = {
            "id": ep_id,
            "service": e["service"],
            "service_key": SERVICE_KEYS[e["service"]],
            "category": e["category"],
            "title": title,
            "summary": e["summary"],
            "method": e["method"],
            "path": path,
            "doc_path": e["path"],
            "doc_file": e["doc_file"],
            "base": "elements" if e["base"].startswith("elements") else "regional",
            "scopes": e["permission"],
            "read_only": is_read_only(e),
            "kind": e["navigation"].get("kind"),
            "params": [param_entry(p) for p in e["query_params"]],
            "pagination": pag,
            "items_path": items_path,
            "object_path": object_path(items_path, e["response_shape"].get("top_level_keys") or [],
                                       samples[0] if samples else None),
            "top_level_keys": e["response_shape"].get("top_level_keys") or [],
            "item_fields": e.get("item_fields") or [],
            "item_fields_nested": e.get("item_fields_nested") or {},
            "id_field": e["navigation"].get("id_field"),
            "status": status_entry(e),
            "status_fields": e.get("status_fields") or [],
            "error_body": e["error_codes"].get("error_body_fields") or [],
            "sample": samples[0] if samples else None,
            "notes": e.get("notes") or [],
            "edges": [],
        }
        endpoints.append(endpoint)
        by_path[(e["method"], path)] = endpoint
        by_path.setdefault(("*", path), endpoint)

    # Navigation edges: every documented "path param <- field of an item of another endpoint".
    for e, target in zip([x for x in raw if x["path"] != "/connect/token"], endpoints):
        pp = e["navigation"].get("path_params") or {}
        binds: dict[str, dict] = {}
        for param, src in pp.items():
            frm = src.get("from", "")
            m = re.match(r"^(GET|POST)?\s*(/\S+)$", frm)
            if not m:
                continue
            method = m.group(1) or "*"
            source = by_path.get((method, norm_path(m.group(2)))) or by_path.get(("*", norm_path(m.group(2))))
            if not source or source is target:
                continue
            items_key = ".".join(source["items_path"] or []) or None
            field = clean_field(src.get("field", ""), items_key)
            binds.setdefault(source["id"], {})[param] = field
        for source_id, bind in binds.items():
            source = next(x for x in endpoints if x["id"] == source_id)
            child = None
            for param, field in list(bind.items()):
                if "[]." in field:          # e.g. tenants[].id: the edge starts at a child item
                    child = field.split("[].")[0]
                    bind[param] = field
            source["edges"].append({"target": target["id"], "bind": bind, "child": child})
    for ep in endpoints:
        ep["job_source"] = ep["path"] in JOB_SOURCES
        if ep["path"] == "/partner/external/v3/general/customers/batch":
            ep["children"] = [{"field": "tenants", "id_field": "id", "label_field": "name",
                               "param": "tenantId", "label": "Tenants"}]
    return {"version": 1, "source": "AvePoint/cloud-api docs (Apache-2.0), via catalogue.json",
            "endpoints": endpoints}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", default=str(Path(__file__).resolve().parents[2] / "shared" / "reference"))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "tui" / "catalog" / "data" / "endpoints.json"))
    args = ap.parse_args()
    data = build(Path(args.reference))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = len(data["endpoints"])
    ns = sum(1 for e in data["endpoints"] if e["sample"] is not None)
    print(f"wrote {args.out}: {n} endpoints, {ns} with a parsed response sample", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
