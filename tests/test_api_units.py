"""Pure units of the API core: redaction, error bodies, claims, scope bundles, Retry-After,
request building, output formats. No network."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given, strategies as st

from tui.api.auth import MAX_SCOPE_CHARS, ScopeBundle, Token, scope_bundles
from tui.api.claims import TokenClaims
from tui.api.errors import AuthError, HttpError, NetworkError, RefusedError, ThrottledError, error_message
from tui.api.exchange import Exchange
from tui.api.http import parse_retry_after
from tui.api.pager import extract_items, extract_total
from tui.api.redact import is_secret_name, mask, mask_authorization, mask_form, mask_headers, mask_url
from tui.catalog import load_catalog
from tui.commands.common import to_csv, to_json, to_jsonl, to_table

CATALOG = load_catalog()


def _jwt(payload: dict, header: dict | None = None) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{enc(header or {'alg': 'HS256', 'typ': 'JWT'})}.{enc(payload)}.c2lnbmF0dXJl"


# -- redaction -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,secret", [
    ("Authorization", True), ("client_secret", True), ("client_assertion", True), ("skipToken", False),
    ("skiptoken", False), ("continuationToken", False), ("X-Api-Key", True), ("password", True), ("sig", True), ("code", True),
    ("Set-Cookie", True), ("access_token", True), ("keyword", False), ("pageSize", False),
    ("author", False), ("expires_in", False), ("nextLink", False), ("request-id", False),
    ("client_assertion_type", False), ("token_type", False), ("grant_type", False),
])
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


def test_masking_keeps_only_the_last_four():
    tok = "eyJhbGciOiJIUzI1NiJ9.payload.sig1a2b"
    assert mask(tok) == "••••1a2b"
    assert mask("short") == "••••"
    assert mask_authorization(f"Bearer {tok}") == "Bearer ••••1a2b"
    assert mask_form({"client_secret": "s3cret-value-xyz", "scope": "a b"}) == {
        "client_secret": "••••-xyz", "scope": "a b"}
    url = mask_url("https://user:pw@h.example/x?skipToken=opaque-cursor-0001&top=5&access_token=abcdefgh12345678")
    assert "pw" not in url and "abcdefgh1234" not in url and url.startswith("https://••••@h.example")
    assert "skipToken=opaque-cursor-0001" in url and "top=5" in url        # a cursor is not a credential


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=13, max_size=80))
def test_mask_never_reveals_more_than_four(value):
    m = mask(value)
    assert m == "••••" + value[-4:]
    assert value not in m or len(value) <= 4


# -- error bodies ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ({"traceId": "t", "error": "startTime is required.", "statusCode": 400}, "startTime is required."),
    ({"statusCode": 400, "message": "Bad input", "errors": [{"code": "InvalidParameter", "field": "SiteRestoreScope",
                                                             "message": "'Site Restore Scope' must not be empty."}]},
     "Bad input — SiteRestoreScope: 'Site Restore Scope' must not be empty."),
    ({"status": 500, "message": "Insights failed"}, "Insights failed"),
    ({"totalCount": 0, "jobs": [], "nextlink": None, "errorModel": "req 42: E1001"}, "req 42: E1001"),
    ({"error": "invalid_client", "error_description": "Invalid client secret."}, "Invalid client secret."),
    ({"title": "Not Found", "status": 404}, "Not Found"),
    ({"data": {"message": "nested"}}, "nested"),
    ({"nothing": "here"}, None),
])
def test_error_message_of_every_documented_body(body, expected):
    assert error_message(body) == expected


def test_error_exit_codes():
    assert AuthError("invalid_client", "x", "https://id/connect/token").exit_code == 3
    assert HttpError(404, None, "m").exit_code == 4
    assert HttpError(401, None, "m").exit_code == 3
    assert HttpError(500, None, "m").exit_code == 5
    assert ThrottledError(600).exit_code == 4 and "retry after 600 s" in str(ThrottledError(600))
    assert ThrottledError(600, status=503).exit_code == 5
    assert NetworkError("dns", "m", "u").exit_code == 5
    assert RefusedError("m", exit_code=2).exit_code == 2


# -- claims ------------------------------------------------------------------------------------------

def test_claims_decode_without_verification_and_hide_the_token():
    now = int(time.time())
    tok = _jwt({"iss": "https://identity", "aud": ["api", "x"], "client_id": "cid", "scope": "a.read b.read",
                "tenant_id": "T1", "iat": now, "nbf": now, "exp": now + 600})
    c = TokenClaims.from_token(tok, bundle="m365")
    assert c.scopes == ("a.read", "b.read") and c.client_id == "cid" and c.tenant == "T1"
    assert c.audience == ("api", "x") and c.issuer == "https://identity"
    assert 590 <= c.expires_in() <= 600 and not c.expired
    assert c.issued_at == datetime.fromtimestamp(now, tz=timezone.utc)
    assert tok not in repr(c) and tok not in str(c) and tok not in json.dumps(c.to_dict())
    assert c.raw == tok
    scp = TokenClaims.from_token(_jwt({"scp": ["x", "y"], "azp": "app"}))
    assert scp.scopes == ("x", "y") and scp.client_id == "app" and scp.expires_at is None
    opaque = TokenClaims.from_token("opaque-token-value", expires_at=now + 60, granted_scope="s1 s2")
    assert opaque.scopes == ("s1", "s2") and opaque.expires_in() <= 60


def test_token_reuse_margin():
    t = Token("x" * 20, expires_at=1000 + 3600, obtained_at=1000, bundle="b", scopes=())
    assert t.fresh(1000 + 3600 - 301) and not t.fresh(1000 + 3600 - 299)
    short = Token("x" * 20, expires_at=1000 + 60, obtained_at=1000, bundle="b", scopes=())
    assert short.fresh(1000 + 29) and not short.fresh(1000 + 31)     # half the lifetime for short tokens
    assert "x" * 20 not in repr(t)


# -- scope bundles -----------------------------------------------------------------------------------

def test_scope_bundles_group_by_service_and_stay_short():
    scopes = CATALOG.all_scopes()
    bundles = scope_bundles(scopes, CATALOG)
    flat = [s for b in bundles for s in b.scopes]
    assert sorted(flat, key=str.lower) == sorted(scopes, key=str.lower)      # every scope exactly once
    assert all(len(b.scope_string) <= MAX_SCOPE_CHARS for b in bundles)
    names = [b.name for b in bundles]
    assert "m365" in names and "aos" in names and "enpower" in names
    assert any(n.startswith("elements:") for n in names)                      # too long for one: split
    m365 = next(b for b in bundles if b.name == "m365")
    assert m365.serves(CATALOG.get("m365.cloudbackupjobs"))
    assert not m365.serves(CATALOG.get("aos.audit"))
    # Case-insensitive: Dynamics.ReadWrite.All vs dynamics.readwrite.all
    d = scope_bundles(["dynamics.readwrite.all"], CATALOG)
    assert d[0].name == "d365" and d[0].serves(CATALOG.get("d365.jobs"))
    assert scope_bundles(None, CATALOG) == [ScopeBundle("default", ())]
    assert scope_bundles(["fly.graph.readwrite.all"], CATALOG)[0].name == "other"


# -- Retry-After ---------------------------------------------------------------------------------------

def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    when = datetime.now(timezone.utc) + timedelta(seconds=90)
    got = parse_retry_after(format_datetime(when, usegmt=True))
    assert 85 <= got <= 91
    assert parse_retry_after(format_datetime(datetime(2000, 1, 1, tzinfo=timezone.utc), usegmt=True)) == 0


# -- items and totals ------------------------------------------------------------------------------------

def test_items_from_every_envelope_shape():
    assert extract_items(CATALOG.get("m365.cloudbackupjobs"), {"data": [1, 2], "metadata": {"totalCount": 9}}) == [1, 2]
    assert extract_total(CATALOG.get("m365.cloudbackupjobs"), {"data": [], "metadata": {"totalCount": "9"}}) == 9
    assert extract_items(CATALOG.get("salesforce.jobs"), {"data": {"jobs": [{"a": 1}]}}) == [{"a": 1}]
    bare = next(e for e in CATALOG if e.items_path == ())
    assert extract_items(bare, [{"x": 1}, {"x": 2}]) == [{"x": 1}, {"x": 2}]
    single = CATALOG.get("m365.cloudbackupjobs-item")
    assert extract_items(single, {"id": "J"}) == [{"id": "J"}]
    hits = CATALOG.get("elements.rules-hit-items")
    assert extract_total(hits, {"data": [], "metaData": {"totalCount": 3}}) == 3


# -- the Exchange ----------------------------------------------------------------------------------------

def test_exchange_renderings_mask_and_curl_quotes():
    tok = "eyJhbGciOi.SENTINEL-TOKEN-VALUE.zz9f"
    ex = Exchange(id=7, started_at=datetime.now(timezone.utc), method="POST",
                  raw_url="https://graph-us.example/insights/sites/overview?sig=CURSOR-SECRET-1234&q=it's",
                  request_headers=mask_headers({"Authorization": f"Bearer {tok}", "Accept": "application/json"}),
                  request_body={"pageSize": 10, "name": "O'Brien; rm -rf /"}, status=200, reason="OK")
    for text in (str(ex), repr(ex), json.dumps(ex.to_dict()), ex.to_curl(), ex.url,
                 json.dumps(ex.masked_request_headers())):
        assert tok not in text and "SENTINEL" not in text and "CURSOR-SECRET" not in text
    curl = ex.to_curl()
    assert '"Authorization: Bearer $AVEGRAPH_TOKEN"' in curl and "-X POST" in curl
    import shlex
    argv = shlex.split(curl)
    assert argv[argv.index("--data-raw") + 1] == json.dumps(ex.request_body, separators=(",", ":"))
    revealed = ex.to_curl(reveal=True, token=tok)
    assert tok in revealed and "CURSOR-SECRET-1234" in revealed
    assert "Authorization: Bearer " + tok in shlex.split(revealed)


# -- output formats -----------------------------------------------------------------------------------------

def test_csv_union_of_keys_in_first_seen_order_and_nested_json():
    rows = [{"id": 1, "name": "a", "d": {"x": [1, 2]}}, {"id": 2, "extra": True, "name": "b,\"c\""}, {"id": 3}]
    text = to_csv(rows)
    import csv
    import io
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["id", "name", "d", "extra"]
    assert parsed[1] == ["1", "a", '{"x":[1,2]}', ""]
    assert parsed[2] == ["2", 'b,"c"', "", "true"]
    assert parsed[3] == ["3", "", "", ""]


def test_json_and_table_outputs_are_terminal_safe():
    evil = {"name": "x\x1b]0;pwned\x07\u202eevil\x9b31m"}
    out = to_json([evil])
    assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert json.loads(out) == [evil]
    line = to_jsonl([evil])
    assert json.loads(line) == evil and "\x9b" not in line
    table = to_table([evil])
    assert "\x1b" not in table and "\u202e" not in table


def test_a_lone_surrogate_from_a_body_can_be_printed():
    """json.loads keeps lone surrogates (orjson refuses them); stdout's UTF-8 encoder would raise."""
    value = {"name": "half \ud83d pair"}
    for out in (to_json([value]), to_jsonl([value])):
        out.encode("utf-8")
        assert "\\ud83d" in out
    to_table([value]).encode("utf-8")


def test_the_api_core_never_imports_textual():
    """(test_api_cli runs the headless commands in a fresh interpreter and checks sys.modules.)"""
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent / "tui"
    for f in [*(root / "api").glob("*.py"), *(root / "commands" / n for n in
                                               ("get.py", "endpoints.py", "token.py", "common.py"))]:
        text = f.read_text()
        assert "import textual" not in text and "from textual" not in text and "tui.ui" not in text, f.name
