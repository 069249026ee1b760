"""Response bodies as each endpoint family documents them: success envelopes and error bodies.

Success bodies are the docs' sample with its item list replaced (``fill``), so top-level keys,
their order and casing are the page's own. Error bodies follow catalogue section 5:

- ErrorResponse ``{traceId, error, statusCode}``: AOS, DMSO, Confide;
- the backup envelope ``{statusCode, message, errors: [{code, field, message}], data: null,
  requestId, timestamp, traceId}``: Microsoft 365 and Salesforce;
- ``{status, message}``: Insights;
- ``{success: false, message}``: Opus restore; ``{statusCode, message, failedItems}``: the Opus
  connector; IaaS + PaaS adds its ``errorModel`` string; everything else ``{error, message}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timezone
from typing import Any

from tui.catalog import Endpoint

__all__ = ["error_body", "family_of", "fill", "new_trace_id", "timestamp", "TokenCodec"]

STATUS_CODES = {400: "InvalidParameter", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                405: "MethodNotAllowed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
                429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                504: "GatewayTimeout"}


def timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_trace_id(request_id: str | None = None) -> str:
    """A W3C trace id; derived from the request id when there is one, so a seeded server answers
    the same requests with the same bodies (snapshot tests, reproducible bug reports)."""
    if request_id is None:
        return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
    h = hashlib.sha256(request_id.encode()).hexdigest()
    return f"00-{h[:32]}-{h[32:48]}-00"


def family_of(e: Endpoint | None, path: str = "") -> str:
    if e is not None:
        key = e.service_key
        if key in ("aos", "dmso", "confide"):
            return "error_response"
        if key in ("m365", "salesforce"):
            return "backup"
        if key == "insights":
            return "insights"
        if key == "opus":
            return "opus_connector" if e.path.startswith("/records") else "opus_restore"
        if key == "iaas":
            return "iaas"
        return "plain"
    p = path.lower()
    if p.startswith(("/aos/", "/dmso/", "/admin/sharesetting")):
        return "error_response"
    if p.startswith(("/backup/m365/", "/backup/sfbapi/")):
        return "backup"
    if p.startswith("/insights/"):
        return "insights"
    if p.startswith("/api/restore/"):
        return "opus_restore"
    if p.startswith("/records/"):
        return "opus_connector"
    if p.startswith("/backup/vm/"):
        return "iaas"
    return "plain"


def error_body(family: str, status: int, message: str, *, request_id: str, trace_id: str,
               code: str | None = None, field: str | None = None, now: datetime | None = None) -> dict:
    code = code or STATUS_CODES.get(status, "Error")
    if family == "error_response":
        return {"traceId": trace_id, "error": message, "statusCode": status}
    if family == "backup":
        return {"statusCode": status, "message": message,
                "errors": [{"code": code, "field": field, "message": message}], "data": None,
                "requestId": request_id, "timestamp": timestamp(now), "traceId": trace_id}
    if family == "insights":
        return {"status": status, "message": message}
    if family == "opus_restore":
        return {"success": False, "message": message}
    if family == "opus_connector":
        return {"statusCode": status, "message": message, "failedItems": []}
    if family == "iaas":
        return {"error": code, "message": message,
                "errorModel": f"RequestId: {request_id}; Date: {timestamp(now)}; ErrorCode: {code}"}
    return {"error": code, "message": message}


def fill(sample: Any, items_path: tuple[str, ...] | None, payload: Any, ctx: dict[str, Any]) -> Any:
    """The sample with the value at ``items_path`` replaced by ``payload`` and envelope fields by ``ctx``.

    ``ctx`` keys are applied at the top level and at every level on the way to the items.
    """
    if items_path is not None and len(items_path) == 0:
        return payload
    if not isinstance(sample, dict):
        return payload
    out = {}
    head = items_path[0] if items_path else None
    for k, v in sample.items():
        if k == head:
            out[k] = payload if len(items_path) == 1 else fill(v, items_path[1:], payload, ctx)
        elif k in ctx:
            out[k] = ctx[k]
        else:
            out[k] = v
    return out


class TokenCodec:
    """Opaque continuation tokens: an offset, signed so that a made-up token is refused."""

    def __init__(self, key: bytes | None = None):
        self.key = key or secrets.token_bytes(16)

    def _sig(self, scope: str, offset: int) -> str:
        return hmac.new(self.key, f"{scope}|{offset}".encode(), hashlib.sha256).hexdigest()[:12]

    def encode(self, scope: str, offset: int) -> str:
        raw = f"{offset}.{self._sig(scope, offset)}.{secrets.token_hex(6)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, scope: str, token: str) -> int | None:
        t = token.strip()
        m = re.search(r"~([A-Za-z0-9_\-]+)#", t)          # the Cosmos-style form used by Insights
        if m:
            t = m.group(1)
        if "%" in t:
            from urllib.parse import unquote
            t = unquote(t)
        try:
            raw = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).decode()
            off_s, sig, _ = raw.split(".")
            offset = int(off_s)
        except (ValueError, UnicodeDecodeError):
            return None
        if offset < 0 or not hmac.compare_digest(sig, self._sig(scope, offset)):
            return None
        return offset

    def cosmos(self, scope: str, offset: int, page: int) -> str:
        """A continuation token shaped like the Insights docs' sample (a Cosmos DB token in a string)."""
        tok = self.encode(scope, offset)
        return f'[{{"token":"+RID:~{tok}#RT:{page}#TRC:{offset}#ISV:2#IEO:65567","range":{{"min":"","max":"FF"}}}}]'
