"""The demo tenants: fixed, documented credentials for the simulator's three apps.

=================  ========================================  ===========  ==========================
tenant             client_id                                 auth         scopes
=================  ========================================  ===========  ==========================
demo-aos           de30a050-0000-4000-a000-000000000001      secret       every Modern API scope
demo-partner       de30a050-0000-4000-a000-000000000002      secret       every elements.* / partner.*
demo-restricted    de30a050-0000-4000-a000-000000000003      certificate  microsoft365backup.jobInfo.read.all,
                                                                          audit.read.all
=================  ========================================  ===========  ==========================

The secrets are demo values (``avegraph-demo-aos-secret`` and ``avegraph-demo-partner-secret``)
that only this simulator accepts. They, and the restricted app's key pair with its self-signed
certificate (RSA 2048, "Digital Signature" key usage), live in
``$XDG_DATA_HOME/avegraph/demo/`` (default ``~/.local/share/avegraph/demo/``), files of mode
0600, created on first use and reused afterwards, so a config can point at them with
``client_secret_file`` / ``certificate_path`` instead of holding a secret.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from threading import Lock

__all__ = ["DEMO_SPECS", "DemoTenant", "demo_dir", "ensure_certificate", "ensure_secret_file", "modern_scopes",
           "partner_scopes"]

RESTRICTED_SCOPES = ("microsoft365backup.jobInfo.read.all", "audit.read.all")


@dataclass(frozen=True)
class DemoSpec:
    name: str
    kind: str              # "aos" | "partner" | "restricted"
    client_id: str
    auth: str              # "secret" | "certificate"
    secret: str | None
    tenant_id: str
    tenant_name: str
    accent: str
    description: str


DEMO_SPECS: tuple[DemoSpec, ...] = (
    DemoSpec("demo-aos", "aos", "de30a050-0000-4000-a000-000000000001", "secret", "avegraph-demo-aos-secret",
             "0a05de30-1111-4111-8111-000000000001", "Contoso (demo AOS tenant)", "green",
             "AOS customer tenant in us, every Modern API scope"),
    DemoSpec("demo-partner", "partner", "de30a050-0000-4000-a000-000000000002", "secret",
             "avegraph-demo-partner-secret", "0a05de30-2222-4222-8222-000000000002",
             "Relecloud Partners (demo Elements partner)", "blue", "Elements partner with ~40 customers"),
    DemoSpec("demo-restricted", "restricted", "de30a050-0000-4000-a000-000000000003", "certificate", None,
             "0a05de30-3333-4333-8333-000000000003", "Northwind (demo restricted app)", "yellow",
             "two scopes only, certificate auth (shows 403s)"),
)


@dataclass(frozen=True)
class DemoTenant:
    """One demo app registration as the simulator knows it."""

    name: str
    kind: str
    client_id: str
    secret: str | None          # None for the certificate tenant
    scopes: tuple[str, ...]
    auth: str
    certificate_path: str | None
    secret_file: str | None
    tenant_id: str
    tenant_name: str
    accent: str
    description: str
    data_center: str = "us"


def modern_scopes() -> tuple[str, ...]:
    from tui.catalog import load_catalog
    return tuple(s for s in load_catalog().all_scopes()
                 if not s.lower().startswith(("elements.", "partner.")))


def partner_scopes() -> tuple[str, ...]:
    from tui.catalog import load_catalog
    return tuple(s for s in load_catalog().all_scopes() if s.lower().startswith(("elements.", "partner.")))


def demo_dir(environ: dict | None = None) -> Path:
    """``$XDG_DATA_HOME/avegraph/demo`` (a relative XDG_DATA_HOME is ignored, as the spec says)."""
    from tui.paths import data_dir
    return data_dir(environ) / "demo"


_file_lock = Lock()


def _write_private(path: Path, data: bytes) -> None:
    """Atomic write of a 0600 file (temp file in the same directory, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def ensure_secret_file(spec: DemoSpec, directory: Path | None = None) -> Path:
    path = (directory or demo_dir()) / f"{spec.name}.secret"
    with _file_lock:
        try:
            if path.read_text(encoding="utf-8").strip() == spec.secret:
                if path.stat().st_mode & 0o077:
                    os.chmod(path, 0o600)
                return path
        except OSError:
            pass
        _write_private(path, (spec.secret or "").encode() + b"\n")
    return path


def ensure_certificate(spec: DemoSpec, directory: Path | None = None) -> Path:
    """The PEM (private key + self-signed certificate) of the certificate tenant; made once."""
    path = (directory or demo_dir()) / f"{spec.name}.pem"
    with _file_lock:
        if _valid_pem(path):
            return path
        _write_private(path, _make_key_and_cert(spec))
    return path


def _valid_pem(path: Path) -> bool:
    """Cheap check (no cryptography import: this runs on every ``avegraph --demo``)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return b"-----BEGIN PRIVATE KEY-----" in data and b"-----BEGIN CERTIFICATE-----" in data


def _make_key_and_cert(spec: DemoSpec) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"avegraph {spec.name}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "avegraph demo (simulator only)")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def build_tenants(directory: Path | None = None) -> tuple[DemoTenant, ...]:
    """The demo tenants, with their credential files created if missing."""
    directory = directory or demo_dir()
    scopes = {"aos": modern_scopes(), "partner": partner_scopes(), "restricted": RESTRICTED_SCOPES}
    out = []
    for s in DEMO_SPECS:
        cert = str(ensure_certificate(s, directory)) if s.auth == "certificate" else None
        secret_file = str(ensure_secret_file(s, directory)) if s.auth == "secret" else None
        out.append(DemoTenant(name=s.name, kind=s.kind, client_id=s.client_id, secret=s.secret,
                              scopes=scopes[s.kind], auth=s.auth, certificate_path=cert, secret_file=secret_file,
                              tenant_id=s.tenant_id, tenant_name=s.tenant_name, accent=s.accent,
                              description=s.description))
    return tuple(out)
