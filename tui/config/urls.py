"""Small URL helpers: loopback checks and hiding credentials in URLs.

Shared by validation and ``TenantConfig`` (``is_loopback``, its masked ``repr``); kept apart
from the validators so the model needs nothing from them.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback IPs (127.0.0.0/8, ::1): traffic that never leaves the machine."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False


def _mask_url(url: str) -> str:
    """Hide user-info (``user:password@``) so proxy credentials never reach a message or repr."""
    return re.sub(r"//[^/@]*@", "//***@", url)
