"""Access tokens: client credentials with a secret or a certificate, through ``msal.oauth2cli``.

Why the lower layer of msal: ``ConfidentialClientApplication`` refuses a bare-host authority such
as ``https://identity.avepointonlineservices.com`` (and http, which the simulator uses), while
``msal.oauth2cli.Client`` takes the token endpoint directly. It sends a client secret as HTTP
Basic when given ``client_secret=``; the AvePoint docs put it in the form body, so by default we
hand it over as ``default_body={"client_secret": ...}`` (``secret_transport = "basic"`` keeps
Basic). msal's own HTTP client has no timeout and its own idea of trusted CAs, so it gets an
adapter over ``httpx.Client`` that shares the API client's timeouts, deadline, CA bundle and proxy
and records an Exchange (secret, assertion and token masked) for every token request.

Tokens live in memory only, one per *scope bundle*: the tenant's scopes grouped by the catalogue
service that needs them, no bundle's scope string longer than 300 characters (the identity
service refuses longer ones). A tenant without ``scopes`` gets one ``default`` bundle that sends
no ``scope`` at all: IdentityServer then grants every scope the app registration holds.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import urlencode, urlsplit

import httpx

from tui import clock
from tui.api.claims import TokenClaims
from tui.api.errors import ApiError, AuthError, CredentialError, HttpError, RefusedError
from tui.api.exchange import Exchange, next_exchange_id
from tui.api.http import USER_AGENT, NetSettings, _is_loopback, decode_body, network_error
from tui.api.redact import mask, mask_form, mask_headers, mask_json, mask_url
from tui.crash import register_secret

__all__ = ["ScopeBundle", "Token", "TokenProvider", "TokenHttpClient", "scope_bundles", "build_client_assertion",
           "load_signing_key", "MAX_SCOPE_CHARS", "REFRESH_MARGIN"]

log = logging.getLogger("avegraph.api")

MAX_SCOPE_CHARS = 300
REFRESH_MARGIN = 300.0           # reuse a token until fewer than 5 minutes remain
ASSERTION_LIFETIME = 300         # client assertions live 5 minutes
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_BODY_CAP = 1024 * 1024


# ------------------------------------------------------------------------------------------------
# Scope bundles
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScopeBundle:
    name: str
    scopes: tuple[str, ...]          # empty: send no scope (the app's every granted scope)

    @property
    def scope_string(self) -> str | None:
        return " ".join(self.scopes) if self.scopes else None

    def serves(self, endpoint: Any) -> bool:
        if not self.scopes:
            return True
        have = {s.lower() for s in self.scopes}
        return any(s.lower() in have for s in getattr(endpoint, "scopes", ()))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "other"


def _chunks(scopes: list[str], limit: int) -> list[list[str]]:
    out: list[list[str]] = []
    cur: list[str] = []
    for s in scopes:
        if cur and len(" ".join(cur + [s])) > limit:
            out.append(cur)
            cur = []
        cur.append(s)
    if cur:
        out.append(cur)
    return out


def scope_bundles(scopes: Iterable[str] | None, catalog: Any, limit: int = MAX_SCOPE_CHARS) -> list[ScopeBundle]:
    """Group scopes by the catalogue service that needs them (then by top-level category when a
    service's scopes are too long for one request, then in chunks); ``None`` -> one default bundle."""
    if scopes is None:
        return [ScopeBundle("default", ())]
    seen: dict[str, str] = {}
    for s in scopes:
        s = str(s).strip()
        if s and s.lower() not in seen:
            seen[s.lower()] = s
    if not seen:
        return [ScopeBundle("default", ())]
    from tui.catalog.model import SERVICE_ORDER
    where: dict[str, tuple[str, str]] = {}      # scope (lower) -> (service, top-level category)
    for e in catalog or ():
        for s in e.scopes:
            where.setdefault(s.lower(), (e.service_key, e.category.split(">")[0].strip()))
    order = {k: i for i, k in enumerate(SERVICE_ORDER)}
    groups: dict[str, list[str]] = {}
    for low, s in seen.items():
        svc = where.get(low, ("other", ""))[0]
        groups.setdefault(svc, []).append(s)
    bundles: list[ScopeBundle] = []
    for svc in sorted(groups, key=lambda k: (order.get(k, len(order)), k)):
        members = groups[svc]
        if len(" ".join(members)) <= limit:
            bundles.append(ScopeBundle(svc, tuple(members)))
            continue
        by_cat: dict[str, list[str]] = {}
        for s in members:
            by_cat.setdefault(_slug(where.get(s.lower(), ("", "other"))[1]), []).append(s)
        for cat, cat_members in by_cat.items():
            parts = _chunks(cat_members, limit)
            for i, part in enumerate(parts):
                suffix = f"-{i + 1}" if len(parts) > 1 else ""
                bundles.append(ScopeBundle(f"{svc}:{cat}{suffix}", tuple(part)))
    return bundles


# ------------------------------------------------------------------------------------------------
# Certificates and client assertions
# ------------------------------------------------------------------------------------------------

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.S)


def load_signing_key(data: bytes, password: str | None, source: str = "the certificate") -> tuple[Any, Any]:
    """(private key, certificate) from PEM (key + certificate, in any order) or PFX/PKCS#12 bytes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    pw = password.encode() if password else None
    if b"-----BEGIN" in data:
        key = cert = None
        for m in _PEM_BLOCK.finditer(data):
            kind, block = m.group(1), m.group(0)
            try:
                if kind == b"CERTIFICATE" and cert is None:
                    cert = x509.load_pem_x509_certificate(block)
                elif kind.endswith(b"PRIVATE KEY") and key is None:
                    key = serialization.load_pem_private_key(block, password=pw)
            except TypeError:
                raise CredentialError(f"{source}: the private key is encrypted but no password was given",
                                      hint="set certificate_password_env to the variable holding the password")
            except ValueError as exc:
                bad_pw = "password" in str(exc).lower() or "decrypt" in str(exc).lower()
                raise CredentialError(
                    f"{source}: {'wrong password for the private key' if bad_pw else 'cannot read a PEM block'}",
                    hint="check certificate_password_env" if bad_pw else "the file must hold a PEM certificate "
                    "and its private key") from None
        if key is None or cert is None:
            missing = "private key" if key is None else "certificate"
            raise CredentialError(f"{source}: the PEM file has no {missing}",
                                  hint="put the certificate and its private key in one PEM file, or use a PFX")
        return key, cert
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, pw)
    except ValueError as exc:
        bad_pw = "password" in str(exc).lower() or "mac" in str(exc).lower()
        raise CredentialError(
            f"{source}: {'wrong or missing password for the PFX file' if bad_pw else 'not a PEM or PFX certificate'}",
            hint="check certificate_password_env" if bad_pw else "use a PEM (certificate + key) or a PFX file") from None
    if key is None or cert is None:
        raise CredentialError(f"{source}: the PFX file has no {'private key' if key is None else 'certificate'}",
                              hint="export the certificate with its private key")
    return key, cert


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def build_client_assertion(key: Any, cert: Any, client_id: str, token_url: str, now: float | None = None,
                           lifetime: int = ASSERTION_LIFETIME) -> str:
    """An RS256 JWT: header x5t (SHA-1 thumbprint, base64url); iss = sub = client_id, aud = token URL,
    a fresh jti, iat = nbf = now, exp = now + 5 minutes."""
    import jwt
    from cryptography.hazmat.primitives import hashes, serialization
    der = cert.public_bytes(serialization.Encoding.DER)
    headers = {"x5t": _b64url(hashlib.sha1(der).digest()), "x5t#S256": _b64url(hashlib.sha256(der).digest())}
    del hashes
    t = int(time.time() if now is None else now)
    claims = {"iss": client_id, "sub": client_id, "aud": token_url, "jti": str(uuid.uuid4()),
              "iat": t, "nbf": t, "exp": t + lifetime}
    token = jwt.encode(claims, key, algorithm="RS256", headers=headers)
    register_secret(token)
    return token


# ------------------------------------------------------------------------------------------------
# The HTTP client msal uses
# ------------------------------------------------------------------------------------------------

class _Response:
    """What msal.oauth2cli needs of a response: status_code, text, headers, raise_for_status()."""

    def __init__(self, status_code: int, text: str, headers: httpx.Headers, exchange: Exchange):
        self.status_code = status_code
        self.text = text
        self.headers = headers
        self.exchange = exchange

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpError(self.status_code, self.exchange,
                            f"the identity service answered HTTP {self.status_code}")


class TokenHttpClient:
    """A requests-like ``post()`` over ``httpx.Client`` with the tenant's timeouts, deadline, CA bundle and
    proxy; records a masked Exchange for every token request."""

    def __init__(self, net: NetSettings, record: Callable[[Exchange], None], *,
                 transport: httpx.BaseTransport | None = None):
        self.net = net
        self.record = record
        kw = net.client_kwargs()
        if transport is not None:
            kw["transport"] = transport
        self._client = httpx.Client(headers={"User-Agent": USER_AGENT}, **kw)
        self.bundle: str | None = None        # set by the provider around each call (per thread)
        self._local = threading.local()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> _Response:  # pragma: no cover
        raise RefusedError("the token client only POSTs to the token URL")

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> _Response:
        p = urlsplit(url)
        if p.scheme != "https" and not (p.scheme == "http" and _is_loopback(p.hostname)):
            raise RefusedError(f"the token URL {mask_url(url)} is not https: the client secret is only sent over https",
                               host=p.hostname, url=mask_url(url), exit_code=2,
                               hint="fix token_url in the tenant config")
        form = data if isinstance(data, dict) else None
        shown_url = url + (("&" if "?" in url else "?") + urlencode(params) if params else "")
        ex = Exchange(id=next_exchange_id(), started_at=clock.utc_now(), method="POST", raw_url=shown_url,
                      request_headers=mask_headers({**(headers or {}),
                                                    "Content-Type": "application/x-www-form-urlencoded"}),
                      request_body=mask_form(form) if form is not None else "••••",
                      kind="token", bundle=getattr(self._local, "bundle", None))
        t0 = clock.perf_counter()
        deadline = time.monotonic() + self.net.deadline
        try:
            with self._client.stream("POST", url, params=params, data=data, headers=headers) as resp:
                ex.ttfb = clock.perf_counter() - t0
                ex.status, ex.reason = resp.status_code, resp.reason_phrase
                ex.response_headers = mask_headers(resp.headers)
                chunks, n, truncated = [], 0, False
                for chunk in resp.iter_bytes():
                    if time.monotonic() > deadline:
                        raise TimeoutError("deadline")
                    if n + len(chunk) > TOKEN_BODY_CAP:
                        chunks.append(chunk[: TOKEN_BODY_CAP - n])
                        truncated = True
                        break
                    chunks.append(chunk)
                    n += len(chunk)
                headers_out = resp.headers
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            err = network_error(exc, url, self.net)
            err.message = f"token request failed: {err.message}"
            ex.elapsed = clock.perf_counter() - t0
            ex.error = err.message
            err.exchange = ex
            self.record(ex)
            raise err from None
        ex.elapsed = clock.perf_counter() - t0
        raw = b"".join(chunks)
        decode_body(ex, raw, headers_out.get("content-type", ""), truncated)
        text = raw.decode("utf-8", errors="replace")
        if ex.json is not None:
            body = ex.json
            if isinstance(body, dict) and body.get("access_token"):
                register_secret(str(body["access_token"]))
                ex.token_scopes = tuple(str(body.get("scope") or "").split())
            ex.json = mask_json(body)
        ex.request_id = headers_out.get("request-id") or headers_out.get("x-request-id")
        if ex.status and ex.status >= 500:
            ex.error = f"the identity service answered HTTP {ex.status}"
            self.record(ex)
            raise HttpError(ex.status, ex, f"token request failed: {ex.error}",
                            hint="the identity service has a problem; try again later")
        if ex.json is None or not isinstance(body, dict):
            what = "an HTML page" if ex.text and ex.text.lstrip().startswith("<") else "a body that is not JSON"
            ex.error = f"HTTP {ex.status} with {what}"
            self.record(ex)
            raise AuthError("invalid_response", f"the token URL answered HTTP {ex.status} with {what}", mask_url(url),
                            hint="check token_url in the tenant config: it should end in /connect/token",
                            exchange=ex)
        if "error" in body:
            ex.error = f"{body.get('error')}: {body.get('error_description') or ''}".strip(": ")
        self.record(ex)
        return _Response(ex.status or 0, text, headers_out, ex)


# ------------------------------------------------------------------------------------------------
# The token provider
# ------------------------------------------------------------------------------------------------

@dataclass(eq=False, repr=False)
class Token:
    access_token: str
    expires_at: float                 # epoch seconds
    obtained_at: float
    bundle: str
    scopes: tuple[str, ...]           # what was asked for (empty: the default bundle)
    granted: tuple[str, ...] = ()     # what the identity service says it granted
    exchange: Exchange | None = None
    _claims: TokenClaims | None = field(default=None, repr=False)

    @property
    def lifetime(self) -> float:
        return self.expires_at - self.obtained_at

    def fresh(self, now: float, margin: float = REFRESH_MARGIN) -> bool:
        """Reusable: more than 5 minutes left (for tokens living 10 minutes or less, half their lifetime)."""
        m = min(margin, self.lifetime / 2)
        return self.expires_at - now > m

    @property
    def claims(self) -> TokenClaims:
        if self._claims is None:
            self._claims = TokenClaims.from_token(self.access_token, bundle=self.bundle, expires_at=self.expires_at,
                                                  granted_scope=" ".join(self.granted) or None)
        return self._claims

    def __repr__(self) -> str:
        return f"<Token bundle={self.bundle} expires_at={self.expires_at:.0f} {mask(self.access_token)}>"

    __str__ = __repr__


_HINTS = {
    "invalid_client": "check client_id, the client secret (client_secret_env / client_secret_file) or, for "
                      "certificate auth, that certificate_path holds the certificate registered for the app",
    "unauthorized_client": "the app registration may not use the client-credentials grant",
    "unsupported_grant_type": "the identity service refused the client-credentials grant",
    "invalid_grant": "the credential was refused; check client_id and the secret or certificate",
    "invalid_request": "the token request was malformed; check token_url and the tenant's settings",
}


class TokenProvider:
    """Acquires and caches one token per scope bundle. ``acquire`` is blocking (msal is synchronous):
    the Session runs it in a worker thread."""

    def __init__(self, tenant: Any, catalog: Any = None, net: NetSettings | None = None, *,
                 record: Callable[[Exchange], None] | None = None, transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time, margin: float = REFRESH_MARGIN):
        self.tenant = tenant
        self.catalog = catalog
        self.net = net or NetSettings.from_tenant(tenant)
        self.clock = clock
        self.margin = margin
        self.token_url: str = tenant.token_url
        self.bundles = scope_bundles(getattr(tenant, "scopes", None), catalog)
        self._record = record or (lambda ex: None)
        self._http = TokenHttpClient(self.net, self._on_exchange, transport=transport)
        self.tokens: dict[str, Token] = {}
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._key = None

    def close(self) -> None:
        self._http.close()

    def _on_exchange(self, ex: Exchange) -> None:
        try:
            self._record(ex)
        except Exception:
            log.debug("token exchange observer failed", exc_info=True)

    # -- bundles -------------------------------------------------------------------------------------
    def bundle(self, name: str) -> ScopeBundle:
        for b in self.bundles:
            if b.name == name:
                return b
        raise KeyError(name)

    def bundle_for(self, endpoint: Any) -> ScopeBundle:
        """The bundle holding one of the endpoint's scopes; without one, the first bundle (the service
        then answers 403 and the hint names the missing scope)."""
        for b in self.bundles:
            if b.scopes and b.serves(endpoint):
                return b
        return self.bundles[0]

    def cached(self, name: str) -> Token | None:
        tok = self.tokens.get(name)
        if tok is not None and tok.fresh(self.clock(), self.margin):
            return tok
        return None

    # -- msal ---------------------------------------------------------------------------------------
    def _client(self) -> Any:
        with self._lock:
            key = "default"
            if key in self._clients:
                return self._clients[key]
            from msal.oauth2cli import Client
            t = self.tenant
            conf = {"token_endpoint": self.token_url}
            if t.auth == "certificate":
                data, password = t.load_certificate()
                register_secret(password)
                pkey, cert = load_signing_key(data, password, f"certificate {getattr(t, 'certificate_path', '')}")
                token_url = self.token_url
                client = Client(conf, t.client_id, http_client=self._http,
                                client_assertion=lambda: build_client_assertion(pkey, cert, t.client_id, token_url),
                                client_assertion_type=ASSERTION_TYPE)
            else:
                secret = t.load_secret()
                register_secret(secret)
                if getattr(t, "secret_transport", "body") == "basic":
                    client = Client(conf, t.client_id, http_client=self._http, client_secret=secret)
                else:
                    client = Client(conf, t.client_id, http_client=self._http,
                                    default_body={"client_secret": secret})
            self._clients[key] = client
            return client

    def _request(self, scope: str | None, bundle: str) -> dict:
        client = self._client()
        self._http._local.bundle = bundle
        try:
            return client.obtain_token_for_client(scope=scope)
        except ApiError:
            raise
        except ValueError as exc:  # msal: a body it cannot use
            raise AuthError("invalid_response", f"unusable token response: {exc}", self.token_url) from None
        finally:
            self._http._local.bundle = None

    def acquire(self, bundle: ScopeBundle, force: bool = False) -> Token:
        """A token for the bundle: the cached one while fresh, else a new one (blocking)."""
        if not force:
            tok = self.cached(bundle.name)
            if tok is not None:
                return tok
        now = self.clock()
        result = self._request(bundle.scope_string, bundle.name)
        if "access_token" not in result:
            raise self._auth_error(result, bundle)
        token = str(result["access_token"])
        register_secret(token)
        try:
            expires_in = float(result.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0.0
        if expires_in <= 0:
            exp = TokenClaims.from_token(token).expires_at
            expires_in = (exp.timestamp() - now) if exp else 3600.0
        granted = tuple(str(result.get("scope") or "").split())
        tok = Token(token, now + expires_in, now, bundle.name, bundle.scopes, granted)
        self.tokens[bundle.name] = tok
        return tok

    def _auth_error(self, result: dict, bundle: ScopeBundle) -> AuthError:
        error = str(result.get("error") or "invalid_response")
        desc = str(result.get("error_description") or ("" if result.get("error") else
                                                       "the identity service answered without an access_token"))
        scopes = bundle.scopes
        hint = _HINTS.get(error)
        bad: tuple[str, ...] = ()
        if error == "invalid_scope":
            if "length" in desc.lower() or "too long" in desc.lower():
                hint = "too many scopes in one request; list fewer scopes for this tenant"
            else:
                low = desc.lower()
                bad = tuple(s for s in scopes if s.lower() in low)
                if not bad and len(scopes) > 1:
                    bad = self._find_bad_scopes(scopes, bundle.name)
                place = ("Elements: Settings > API app registration" if any(s.lower().startswith(("elements.", "partner."))
                                                                         for s in (bad or scopes))
                         else "AvePoint Online Services: Administration > App registrations")
                if bad:
                    hint = (f"the app registration lacks {', '.join(bad)}: add it in {place}, "
                            f"or remove it from the tenant's scopes")
                else:
                    hint = f"the app registration lacks one of these scopes: add it in {place}"
        if error == "invalid_client" and getattr(self.tenant, "auth", "secret") == "certificate":
            hint = ("check client_id and that certificate_path holds the certificate (and key) registered for the "
                    "app; the client assertion is signed RS256 with aud = the token URL")
        return AuthError(error, desc, self.token_url, scopes, hint, bad_scopes=bad)

    def _find_bad_scopes(self, scopes: tuple[str, ...], bundle: str) -> tuple[str, ...]:
        bad = []
        for s in scopes:
            try:
                r = self._request(s, bundle)
            except ApiError:
                return tuple(bad)
            if r.get("error") == "invalid_scope":
                bad.append(s)
        return tuple(bad)

    def acquire_scopes(self, scopes: Iterable[str]) -> Token:
        """A token for an arbitrary scope set (the permissions screen's discovery); cached by its set."""
        sc = tuple(scopes)
        name = "probe:" + " ".join(sorted(s.lower() for s in sc))
        return self.acquire(ScopeBundle(name, sc))
