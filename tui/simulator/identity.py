"""The simulated identity service: OAuth 2.0 client credentials, verified for real.

``POST /connect/token`` (form-encoded, ``grant_type=client_credentials``) authenticates the
client by ``client_secret`` in the body, by HTTP Basic, or by a certificate-signed
``client_assertion`` (RS256/PS256 checked against the app's registered certificate, ``aud`` =
the token URL, ``iss`` = ``sub`` = client_id, not expired, lifetime at most one hour plus clock
skew, ``jti`` never seen before). Every requested scope must be granted to the app (compared
case-insensitively), as IdentityServer does; a ``scope`` string longer than 300 characters is
refused. Errors are ``{"error", "error_description"}``.

Access tokens are HS256 JWTs signed with a key made at start-up (``secrets``), so start-up costs
nothing; the client only decodes them. They are made and checked with hmac directly: PyJWT (and
the cryptography package behind it, ~70 ms to import) is loaded only to verify a certificate's
client assertion. Claims: iss, aud, client_id, sub, scope (space-separated),
exp, iat, nbf, jti, tenant_id, tenant_name, data_center.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

__all__ = ["ASSERTION_TYPE", "Client", "IdentityService", "TokenError"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_AUDIENCE = "avepoint-graph-api"


@dataclass
class Client:
    """An app registration the identity service knows."""

    client_id: str
    scopes: tuple[str, ...]
    secret: str | None = None
    certificate_path: str | None = None     # PEM with the registered certificate (public key)
    certificate_pem: bytes | None = None    # or the PEM itself
    tenant_id: str = ""
    tenant_name: str = ""
    data_center: str = "us"
    _key: Any = field(default=None, repr=False)
    _key_stamp: Any = field(default=None, repr=False)

    def public_key(self) -> Any:
        """The certificate's public key (re-read when the file changes)."""
        from cryptography import x509
        if self.certificate_pem is not None:
            if self._key is None:
                self._key = x509.load_pem_x509_certificate(self.certificate_pem).public_key()
            return self._key
        if not self.certificate_path:
            return None
        p = Path(self.certificate_path)
        st = p.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        if self._key is None or self._key_stamp != stamp:
            self._key = x509.load_pem_x509_certificate(p.read_bytes()).public_key()
            self._key_stamp = stamp
        return self._key


class TokenError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class IdentityService:
    MAX_SCOPE_LENGTH = 300
    MAX_ASSERTION_LIFETIME = 3600
    CLOCK_SKEW = 300

    def __init__(self, token_lifetime: float = 3600):
        self.token_lifetime = token_lifetime
        self.issuer = "http://127.0.0.1"
        self._key = secrets.token_bytes(32)
        self.kid = secrets.token_hex(8)
        self.clients: dict[str, Client] = {}
        self._lock = threading.Lock()
        self._jtis: dict[str, float] = {}
        self._issued: dict[str, tuple[dict, float]] = {}   # token -> (claims, expires at, float seconds)

    # -- registry ----------------------------------------------------------------------------------
    def register(self, client: Client) -> Client:
        self.clients[client.client_id.lower()] = client
        return client

    def openid_configuration(self, base_url: str) -> dict:
        base = base_url.rstrip("/")
        scopes = sorted({s for c in self.clients.values() for s in c.scopes}, key=str.lower)
        return {
            "issuer": self.issuer,
            "token_endpoint": f"{base}/connect/token",
            "authorization_endpoint": f"{base}/connect/authorize",
            "jwks_uri": f"{base}/.well-known/openid-configuration/jwks",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256"],
            "response_types_supported": ["token"],
            "scopes_supported": scopes,
            "claims_supported": ["client_id", "scope", "tenant_id", "tenant_name"],
        }

    # -- the token endpoint --------------------------------------------------------------------------
    def token_response(self, form: list[tuple[str, str]], authorization: str | None, content_type: str | None,
                       token_urls: list[str]) -> tuple[int, dict, dict]:
        """(status, JSON body, extra headers) for one token request."""
        try:
            return 200, self._token(form, authorization, content_type, token_urls), {
                "Cache-Control": "no-store", "Pragma": "no-cache"}
        except TokenError as exc:
            headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
            if exc.status == 401 and authorization and authorization.lower().startswith("basic"):
                headers["WWW-Authenticate"] = 'Basic realm="avegraph-simulator"'
            return exc.status, {"error": exc.error, "error_description": exc.description}, headers

    def _token(self, form: list[tuple[str, str]], authorization: str | None, content_type: str | None,
               token_urls: list[str]) -> dict:
        if not content_type or content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            raise TokenError(400, "invalid_request",
                             "The token request must be a form post (Content-Type: application/x-www-form-urlencoded).")
        params: dict[str, str] = {}
        for k, v in form:
            if k in params:
                raise TokenError(400, "invalid_request", f"The parameter {k} is included more than once.")
            params[k] = v
        grant = params.get("grant_type")
        if not grant:
            raise TokenError(400, "invalid_request", "grant_type is missing.")
        client, method = self._authenticate(params, authorization, token_urls)
        if grant != "client_credentials":
            raise TokenError(400, "unsupported_grant_type",
                             f"The grant type {grant!r} is not supported; use client_credentials.")
        granted = self._scopes(client, params.get("scope"))
        return self._issue(client, granted, method)

    def _authenticate(self, params: dict[str, str], authorization: str | None,
                      token_urls: list[str]) -> tuple[Client, str]:
        basic = None
        if authorization and authorization.split(" ", 1)[0].lower() == "basic":
            try:
                raw = base64.b64decode(authorization.split(" ", 1)[1].strip(), validate=True).decode("utf-8")
                cid, _, sec = raw.partition(":")
                basic = (unquote_plus(cid), unquote_plus(sec))
            except (ValueError, IndexError, UnicodeDecodeError):
                raise TokenError(401, "invalid_client", "The HTTP Basic credentials are malformed.") from None
        methods = [m for m, present in (("basic", basic is not None), ("secret", "client_secret" in params),
                                        ("assertion", "client_assertion" in params)) if present]
        if len(methods) > 1:
            raise TokenError(400, "invalid_request",
                             "More than one client authentication method was used; use exactly one.")
        if not methods:
            raise TokenError(401, "invalid_client",
                             "No client authentication: send client_secret, HTTP Basic or a client_assertion.")
        if methods[0] == "assertion":
            return self._authenticate_assertion(params, token_urls), "private_key_jwt"
        if basic is not None:
            cid, sec = basic
            if params.get("client_id") and params["client_id"] != cid:
                raise TokenError(400, "invalid_request", "client_id in the body differs from the Basic credentials.")
        else:
            cid, sec = params.get("client_id", ""), params["client_secret"]
        client = self.clients.get(cid.lower()) if cid else None
        if client is None:
            raise TokenError(401, "invalid_client", "Unknown client or client not enabled.")
        if client.secret is None:
            raise TokenError(401, "invalid_client",
                             "This client authenticates with a certificate (client_assertion), not a secret.")
        if not hmac.compare_digest(client.secret.encode(), sec.encode()):
            raise TokenError(401, "invalid_client", "Invalid client secret.")
        return client, "client_secret_basic" if basic else "client_secret_post"

    def _authenticate_assertion(self, params: dict[str, str], token_urls: list[str]) -> Client:
        import jwt
        if params.get("client_assertion_type") != ASSERTION_TYPE:
            raise TokenError(401, "invalid_client", f"client_assertion_type must be {ASSERTION_TYPE}.")
        assertion = params["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenError(401, "invalid_client", "The client assertion is not a well-formed JWT.") from None
        cid = params.get("client_id") or str(unverified.get("iss") or "")
        client = self.clients.get(cid.lower()) if cid else None
        if client is None:
            raise TokenError(401, "invalid_client", "Unknown client or client not enabled.")
        try:
            key = client.public_key()
        except OSError:
            key = None
        if key is None:
            raise TokenError(401, "invalid_client", "No certificate is registered for this client.")
        alg = header.get("alg")
        if alg not in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"):
            raise TokenError(401, "invalid_client", f"The client assertion algorithm {alg!r} is not accepted; use RS256.")
        try:
            claims = jwt.decode(assertion, key, algorithms=[alg], audience=token_urls, leeway=self.CLOCK_SKEW,
                                options={"require": ["exp", "iss", "sub", "aud", "jti"]})
        except jwt.ExpiredSignatureError:
            raise TokenError(401, "invalid_client", "The client assertion has expired.") from None
        except jwt.InvalidAudienceError:
            raise TokenError(401, "invalid_client",
                             f"The client assertion audience (aud) must be the token URL {token_urls[0]}.") from None
        except jwt.InvalidSignatureError:
            raise TokenError(401, "invalid_client",
                             "The client assertion signature does not verify with the registered certificate.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(401, "invalid_client", f"The client assertion lacks the {exc.claim} claim.") from None
        except jwt.ImmatureSignatureError:
            raise TokenError(401, "invalid_client", "The client assertion is not valid yet (nbf/iat in the future).") from None
        except jwt.PyJWTError as exc:
            raise TokenError(401, "invalid_client", f"The client assertion is invalid: {exc}.") from None
        if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
            raise TokenError(401, "invalid_client", "The client assertion's iss and sub must both be the client_id.")
        start = claims.get("iat", claims.get("nbf"))
        if not isinstance(start, (int, float)):
            raise TokenError(401, "invalid_client", "The client assertion lacks the iat claim.")
        if claims["exp"] - start > self.MAX_ASSERTION_LIFETIME + self.CLOCK_SKEW:
            raise TokenError(401, "invalid_client",
                             f"The client assertion lifetime exceeds {self.MAX_ASSERTION_LIFETIME} seconds.")
        jti = str(claims["jti"])
        now = time.time()
        with self._lock:
            for k in [k for k, exp in self._jtis.items() if exp + self.CLOCK_SKEW < now]:
                del self._jtis[k]
            if jti in self._jtis:
                raise TokenError(401, "invalid_client", "The client assertion was already used (jti replayed).")
            self._jtis[jti] = float(claims["exp"])
        return client

    def _scopes(self, client: Client, scope: str | None) -> list[str]:
        allowed = {s.lower(): s for s in client.scopes}
        if scope is None or not scope.strip():
            return list(client.scopes)            # IdentityServer: no scope = every scope the client holds
        if len(scope) > self.MAX_SCOPE_LENGTH:
            raise TokenError(400, "invalid_scope",
                             f"Scope parameter exceeds max allowed length ({len(scope)} characters; the maximum is "
                             f"{self.MAX_SCOPE_LENGTH}). Request fewer scopes per token.")
        granted: list[str] = []
        for s in scope.split():
            canon = allowed.get(s.lower())
            if canon is None:
                raise TokenError(400, "invalid_scope", f"Invalid scope: {s} (not granted to this client).")
            if canon not in granted:
                granted.append(canon)
        return granted

    def _issue(self, client: Client, granted: list[str], method: str) -> dict:
        now = time.time()
        lifetime = float(self.token_lifetime)
        iat = int(now)
        claims = {
            "iss": self.issuer, "aud": ACCESS_TOKEN_AUDIENCE, "client_id": client.client_id, "sub": client.client_id,
            "scope": " ".join(granted), "iat": iat, "nbf": iat, "exp": int(math.ceil(now + lifetime)),
            "jti": uuid.uuid4().hex, "tenant_id": client.tenant_id, "tenant_name": client.tenant_name,
            "data_center": client.data_center, "client_auth": method,
        }
        token = _hs256_encode(claims, self._key, self.kid)
        with self._lock:
            if len(self._issued) > 50_000:
                for k in [k for k, (_, exp) in self._issued.items() if exp < now] or list(self._issued)[:10_000]:
                    self._issued.pop(k, None)
            self._issued[token] = (claims, now + lifetime)
        expires_in = max(1, int(round(lifetime)))
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in,
                "ext_expires_in": expires_in, "scope": " ".join(granted)}

    # -- the API side ----------------------------------------------------------------------------------
    def validate(self, authorization: str | None) -> tuple[dict | None, str]:
        """(claims, "") for a valid bearer token, else (None, why) for the WWW-Authenticate header."""
        if not authorization:
            return None, "No access token was sent (Authorization: Bearer <token>)."
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "The Authorization header must be 'Bearer <access token>'."
        token = token.strip()
        hit = self._issued.get(token)
        if hit is not None:
            claims, expires = hit
            if time.time() >= expires:
                return None, "The access token expired."
            return claims, ""
        return _hs256_decode(token, self._key)

    @staticmethod
    def token_scopes(claims: dict) -> set[str]:
        scope = claims.get("scope") or ""
        if isinstance(scope, list):
            return {str(s).lower() for s in scope}
        return {s.lower() for s in str(scope).split()}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hs256_encode(claims: dict, key: bytes, kid: str) -> str:
    header = _b64(json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{_b64(hmac.new(key, signing_input, hashlib.sha256).digest())}"


def _hs256_decode(token: str, key: bytes) -> tuple[dict | None, str]:
    """(claims, "") or (None, why) for an access token this service may have issued."""
    parts = token.split(".")
    if len(parts) != 3:
        return None, "The access token is malformed."
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None, "The access token is malformed."
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None, "The access token is malformed."
    if header.get("alg") != "HS256":
        return None, "The access token signature is invalid (unexpected algorithm)."
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        return None, "The access token signature is invalid."
    if claims.get("aud") != ACCESS_TOKEN_AUDIENCE or "client_id" not in claims:
        return None, "The access token was not issued for this API."
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or time.time() >= exp:
        return None, "The access token expired."
    return claims, ""
