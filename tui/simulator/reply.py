"""What the API side answers: a ``Reply`` (written by the HTTP handler) or an ``ApiError`` (turned into one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "Reply"]


@dataclass
class Reply:
    status: int
    body: Any = None                          # JSON-able, or bytes (sent as is)
    headers: dict[str, str] = field(default_factory=dict)
    endpoint_id: str | None = None
    content_type: str = "application/json; charset=utf-8"



class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.headers, self.code = status, message, field, headers or {}, code

