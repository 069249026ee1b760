"""Decoded access-token claims, for the token view and the permissions screen.

The token is decoded without verification (we are its bearer, not its audience). The raw token
is only reachable through the explicit ``raw`` attribute; ``repr``/``str``/``to_dict`` never
show it.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tui.api.redact import mask

__all__ = ["TokenClaims", "decode_jwt"]

_TENANT_CLAIMS = ("tenant_id", "tid", "tenantId", "tenant", "tenant_name")


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_jwt(token: str) -> tuple[dict, dict]:
    """(header, payload) of a JWT, unverified; ({}, {}) when the token is opaque."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}, {}
    try:
        header = json.loads(_b64(parts[0]))
        payload = json.loads(_b64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return {}, {}
    return (header if isinstance(header, dict) else {}), (payload if isinstance(payload, dict) else {})


def _when(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return None


@dataclass(frozen=True, eq=False, repr=False)
class TokenClaims:
    header: dict
    payload: dict
    scopes: tuple[str, ...]
    client_id: str | None
    issuer: str | None
    audience: tuple[str, ...]
    tenant: str | None
    issued_at: datetime | None
    not_before: datetime | None
    expires_at: datetime | None
    bundle: str | None = None
    raw: str = field(default="", repr=False)          # the access token itself: explicit access only

    @classmethod
    def from_token(cls, token: str, bundle: str | None = None, expires_at: float | None = None,
                   granted_scope: str | None = None) -> "TokenClaims":
        """``expires_at`` (epoch seconds, from ``expires_in``) and ``granted_scope`` (the token
        response's ``scope``) fill in what an opaque token cannot tell."""
        header, payload = decode_jwt(token)
        scp = payload.get("scope", payload.get("scp"))
        if isinstance(scp, str):
            scopes = tuple(scp.split())
        elif isinstance(scp, list):
            scopes = tuple(str(s) for s in scp)
        elif granted_scope:
            scopes = tuple(granted_scope.split())
        else:
            scopes = ()
        aud = payload.get("aud")
        audience = tuple(str(a) for a in aud) if isinstance(aud, list) else ((str(aud),) if aud else ())
        tenant = next((str(payload[k]) for k in _TENANT_CLAIMS if payload.get(k)), None)
        exp = _when(payload.get("exp")) or (_when(expires_at) if expires_at else None)
        return cls(header=header, payload=payload, scopes=scopes,
                   client_id=payload.get("client_id") or payload.get("azp") or payload.get("appid"),
                   issuer=payload.get("iss"), audience=audience, tenant=tenant,
                   issued_at=_when(payload.get("iat")), not_before=_when(payload.get("nbf")),
                   expires_at=exp, bundle=bundle, raw=token)

    def expires_in(self, now: float | None = None) -> float | None:
        """Seconds until expiry (negative when expired), None when unknown."""
        if self.expires_at is None:
            return None
        return self.expires_at.timestamp() - (time.time() if now is None else now)

    @property
    def expired(self) -> bool:
        left = self.expires_in()
        return left is not None and left <= 0

    def to_dict(self) -> dict[str, Any]:
        """Everything but the token itself (``avegraph token --format json``)."""
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None
        left = self.expires_in()
        return {
            "bundle": self.bundle, "client_id": self.client_id, "issuer": self.issuer,
            "audience": list(self.audience), "tenant": self.tenant, "scopes": list(self.scopes),
            "issued_at": iso(self.issued_at), "not_before": iso(self.not_before),
            "expires_at": iso(self.expires_at), "expires_in": None if left is None else int(left),
            "header": {k: v for k, v in self.header.items()},
            "claims": {k: v for k, v in self.payload.items()},
        }

    def __repr__(self) -> str:
        return (f"TokenClaims(bundle={self.bundle!r}, client_id={self.client_id!r}, scopes={list(self.scopes)!r}, "
                f"expires_at={self.expires_at.isoformat() if self.expires_at else None}, token={mask(self.raw)})")

    __str__ = __repr__
