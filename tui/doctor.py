"""`avegraph doctor`: what a user pastes into a support ticket.

Config file path and mode, tenants found, for a tenant its API and token URLs, the proxy and CA
bundle in effect (credentials masked), DNS / TCP / TLS reachability of each host, and a token
attempt with its outcome. Every check reports and goes on; nothing here raises to the user.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tui.config import TenantConfig


@dataclass
class Check:
    name: str
    ok: bool | None          # None: informational
    detail: str


def mask_proxy(url: str | None) -> str | None:
    """http://user:pass@proxy:3128 -> http://user:••••@proxy:3128"""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:••••@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def proxy_for(url: str, tenant: TenantConfig | None) -> str | None:
    if tenant is not None and tenant.proxy:
        return tenant.proxy
    host = urlsplit(url).hostname or ""
    if urllib.request.proxy_bypass_environment(host):
        return None
    proxies = urllib.request.getproxies_environment()
    return proxies.get(urlsplit(url).scheme) or proxies.get("all")


def trust_source(tenant: TenantConfig | None) -> tuple[str, str | None]:
    """(description, CA file or None) for the TLS trust in effect, same order as the API client."""
    if tenant is not None and tenant.ca_bundle:
        return f"ca_bundle from config: {tenant.ca_bundle}", str(Path(tenant.ca_bundle).expanduser())
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        if os.environ.get(var):
            return f"${var}: {os.environ[var]}", os.environ[var]
    try:
        import certifi
        return f"certifi bundle: {certifi.where()}", certifi.where()
    except ImportError:
        return "the system trust store", None


def config_checks(path: Path) -> list[Check]:
    out = [Check("config file", None, str(path))]
    try:
        st = path.stat()
    except FileNotFoundError:
        out.append(Check("config present", False, "no file; try `avegraph --demo`, add a tenant on the tenant "
                                                  "screen (`avegraph`, then a), or `avegraph config example --write`"))
        return out
    mode = stat.S_IMODE(st.st_mode)
    out.append(Check("config mode", mode & 0o077 == 0,
                     f"{mode:04o}" + ("" if mode & 0o077 == 0 else f" (run: chmod 600 {path})")))
    return out


def _with_timeout(fn, timeout: float):
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=timeout)


def reach(url: str, tenant: TenantConfig | None, timeout: float = 5.0) -> list[Check]:
    """DNS, TCP and (for https) TLS to the host of ``url``; direct, as a first diagnosis."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    label = f"{host}:{port}"
    checks = []
    try:
        t = time.perf_counter()
        infos = _with_timeout(lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        addr = infos[0][4][0]
        checks.append(Check(f"DNS {host}", True, f"{addr} ({(time.perf_counter() - t) * 1000:.0f} ms)"))
    except Exception as exc:  # every failure is a finding, not a crash
        checks.append(Check(f"DNS {host}", False, f"cannot resolve: {exc or type(exc).__name__}"))
        return checks
    try:
        t = time.perf_counter()
        sock = socket.create_connection((host, port), timeout=timeout)
        checks.append(Check(f"TCP {label}", True, f"connected ({(time.perf_counter() - t) * 1000:.0f} ms)"))
    except OSError as exc:
        checks.append(Check(f"TCP {label}", False, f"{exc.strerror or exc}"))
        return checks
    with sock:
        if parts.scheme != "https":
            return checks
        _, cafile = trust_source(tenant)
        try:
            ctx = ssl.create_default_context(cafile=cafile)
            t = time.perf_counter()
            with ctx.wrap_socket(sock, server_hostname=host) as tls:
                checks.append(Check(f"TLS {label}", True, f"{tls.version()} "
                                    f"({(time.perf_counter() - t) * 1000:.0f} ms)"))
        except ssl.SSLCertVerificationError as exc:
            checks.append(Check(f"TLS {label}", False, f"certificate not trusted ({exc.verify_message}); "
                                "set ca_bundle in the tenant or SSL_CERT_FILE to your corporate CA"))
        except (ssl.SSLError, OSError) as exc:
            checks.append(Check(f"TLS {label}", False, str(exc)))
    return checks


def tenant_checks(tenant: TenantConfig) -> list[Check]:
    out = [Check("tenant", None, f"{tenant.name} ({tenant.environment}, {tenant.data_center or '-'}, "
                                 f"auth {tenant.auth}, client id {tenant.short_client_id})"),
           Check("API URL", None, tenant.api_url),
           Check("Elements URL", None, tenant.elements_url),
           Check("token URL", None, tenant.token_url),
           Check("credential source", None, tenant.secret_source)]
    for host, url in {urlsplit(u).hostname: u for u in (tenant.api_url, tenant.token_url)}.items():
        out.append(Check(f"proxy for {host}", None, mask_proxy(proxy_for(url, tenant)) or "none (direct)"))
    out.append(Check("TLS trust", None, trust_source(tenant)[0]))
    seen = set()
    for url in (tenant.token_url, tenant.api_url, tenant.elements_url):
        key = (urlsplit(url).hostname, urlsplit(url).port)
        if key in seen:
            continue
        seen.add(key)
        out.extend(reach(url, tenant))
    return out
