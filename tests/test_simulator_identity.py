"""The simulated identity service, over real HTTP with a plain httpx client."""

from __future__ import annotations

import base64
import os
import stat
import time
import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tui.simulator.demo import DEMO_SPECS
from tui.simulator.identity import ASSERTION_TYPE

AOS = next(s for s in DEMO_SPECS if s.name == "demo-aos")
PARTNER = next(s for s in DEMO_SPECS if s.name == "demo-partner")
RESTRICTED = next(s for s in DEMO_SPECS if s.name == "demo-restricted")


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _assertion(sim, *, key=None, aud=None, iss=None, sub=None, lifetime=300, iat=None, jti=None,
               alg="RS256") -> str:
    pem = Path(sim.tenant("demo-restricted").certificate_path).read_bytes()
    key = key or load_pem_private_key(pem, password=None)
    now = int(time.time()) if iat is None else iat
    claims = {"iss": iss or RESTRICTED.client_id, "sub": sub or RESTRICTED.client_id, "aud": aud or sim.token_url,
              "jti": jti or str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, key, algorithm=alg)


def _cert_token(client, sim, assertion: str, scope: str | None = "audit.read.all") -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": RESTRICTED.client_id,
            "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
    if scope is not None:
        form["scope"] = scope
    return client.post(sim.token_url, data=form)


# -- discovery ---------------------------------------------------------------------------------------

def test_openid_configuration(client, sim):
    r = client.get(f"{sim.base_url}/.well-known/openid-configuration")
    assert r.status_code == 200
    doc = r.json()
    assert doc["token_endpoint"] == sim.token_url
    assert doc["issuer"] == sim.base_url
    assert r.headers["request-id"]


# -- secrets -------------------------------------------------------------------------------------------

def test_token_by_secret_in_body(client, sim):
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                         "client_secret": AOS.secret,
                                         "scope": "microsoft365backup.jobInfo.read.all audit.read.all"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600 and body["ext_expires_in"] == 3600
    assert body["scope"] == "microsoft365backup.jobInfo.read.all audit.read.all"
    claims = _claims(body["access_token"])
    assert claims["client_id"] == AOS.client_id
    assert claims["scope"] == "microsoft365backup.jobInfo.read.all audit.read.all"
    assert claims["tenant_id"] == AOS.tenant_id and claims["tenant_name"]
    for k in ("iss", "aud", "exp", "iat", "nbf", "jti"):
        assert k in claims
    assert claims["exp"] - claims["iat"] in (3600, 3601)
    assert r.headers["cache-control"] == "no-store"


def test_token_by_http_basic(client, sim):
    r = client.post(sim.token_url, auth=(PARTNER.client_id, PARTNER.secret),
                    data={"grant_type": "client_credentials", "scope": "elements.customers.read.all"})
    assert r.status_code == 200, r.text
    assert _claims(r.json()["access_token"])["client_id"] == PARTNER.client_id


def test_scopes_compare_case_insensitively_and_no_scope_grants_all(client, sim):
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                         "client_secret": AOS.secret, "scope": "dynamics.readwrite.all"})
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "Dynamics.ReadWrite.All"
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": RESTRICTED.client_id,
                                         "client_assertion_type": ASSERTION_TYPE,
                                         "client_assertion": _assertion(sim)})
    assert r.status_code == 200, r.text
    assert set(r.json()["scope"].split()) == {"microsoft365backup.jobInfo.read.all", "audit.read.all"}


@pytest.mark.parametrize("form, status, error", [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "00000000-0000-0000-0000-00000000dead"}, 401, "invalid_client"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"grant_type": None}, 400, "invalid_request"),
    ({"client_secret": None}, 401, "invalid_client"),
    ({"scope": "audit.read.all elements.customers.read.all"}, 400, "invalid_scope"),
])
def test_token_failures(client, sim, form, status, error):
    data = {"grant_type": "client_credentials", "client_id": AOS.client_id, "client_secret": AOS.secret,
            "scope": "audit.read.all"}
    for k, v in form.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    r = client.post(sim.token_url, data=data)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error
    assert body["error_description"]
    assert AOS.secret not in r.text


def test_bad_basic_secret(client, sim):
    r = client.post(sim.token_url, auth=(PARTNER.client_id, "nope"), data={"grant_type": "client_credentials"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_ungranted_scope_names_the_first_refused_scope(client, sim):
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                         "client_secret": AOS.secret,
                                         "scope": "audit.read.all elements.jobs.read.all partner.jobs.read.all"})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_scope"
    assert "elements.jobs.read.all" in r.json()["error_description"]
    assert "partner.jobs.read.all" not in r.json()["error_description"]


def test_scope_string_longer_than_300_characters(client, sim):
    scopes = " ".join(s for s in sorted({*_all_modern()}))
    assert len(scopes) > 300
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                         "client_secret": AOS.secret, "scope": scopes})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid_scope"
    assert "300" in body["error_description"] and "length" in body["error_description"]


def _all_modern():
    from tui.simulator.demo import modern_scopes
    return modern_scopes()


def test_form_must_be_form_encoded(client, sim):
    r = client.post(sim.token_url, json={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                         "client_secret": AOS.secret})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_token_endpoint_refuses_get(client, sim):
    r = client.get(sim.token_url)
    assert r.status_code == 405


# -- certificate -----------------------------------------------------------------------------------------

def test_demo_certificate_files(sim):
    t = sim.tenant("demo-restricted")
    path = Path(t.certificate_path)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == Path(os.environ["XDG_DATA_HOME"]) / "avegraph" / "demo"
    data = path.read_bytes()
    key = load_pem_private_key(data, password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    cert = x509.load_pem_x509_certificate(data)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    # Reused, not regenerated, by the next server.
    from tui.simulator import SimulatorServer
    again = SimulatorServer(seed=2)
    assert Path(again.tenant("demo-restricted").certificate_path).read_bytes() == data
    for name in ("demo-aos", "demo-partner"):
        secret_file = Path(again.tenant(name).secret_file)
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert secret_file.read_text().strip() == again.tenant(name).secret


def test_token_by_certificate_assertion(client, sim):
    r = _cert_token(client, sim, _assertion(sim), scope="microsoft365backup.jobInfo.read.all")
    assert r.status_code == 200, r.text
    claims = _claims(r.json()["access_token"])
    assert claims["client_id"] == RESTRICTED.client_id
    assert claims["scope"] == "microsoft365backup.jobInfo.read.all"


def test_certificate_assertion_with_x5t_header_and_one_hour_lifetime(client, sim):
    pem = Path(sim.tenant("demo-restricted").certificate_path).read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    from cryptography.hazmat.primitives import hashes
    x5t = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())).decode().rstrip("=")
    now = int(time.time())
    token = jwt.encode({"iss": RESTRICTED.client_id, "sub": RESTRICTED.client_id, "aud": sim.token_url,
                        "jti": str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + 3600},
                       load_pem_private_key(pem, None), algorithm="RS256", headers={"x5t": x5t})
    r = _cert_token(client, sim, token)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("case", ["bad_signature", "wrong_aud", "expired", "too_long", "wrong_iss", "hs256"])
def test_certificate_assertion_failures(client, sim, case):
    kwargs = {}
    if case == "bad_signature":
        kwargs["key"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif case == "wrong_aud":
        kwargs["aud"] = "https://identity.avepointonlineservices.com/connect/token"
    elif case == "expired":
        kwargs["iat"] = int(time.time()) - 7200
        kwargs["lifetime"] = 600
    elif case == "too_long":
        kwargs["lifetime"] = 3 * 3600
    elif case == "wrong_iss":
        kwargs["sub"] = "someone-else"
    if case == "hs256":
        now = int(time.time())
        assertion = jwt.encode({"iss": RESTRICTED.client_id, "sub": RESTRICTED.client_id, "aud": sim.token_url,
                                "jti": str(uuid.uuid4()), "iat": now, "exp": now + 300}, "a-shared-secret-of-32-bytes!!!!!",
                               algorithm="HS256")
    else:
        assertion = _assertion(sim, **kwargs)
    r = _cert_token(client, sim, assertion)
    assert r.status_code == 401, r.text
    body = r.json()
    assert body["error"] == "invalid_client"
    expected = {"bad_signature": "signature", "wrong_aud": "aud", "expired": "expired", "too_long": "lifetime",
                "wrong_iss": "iss", "hs256": "algorithm"}[case]
    assert expected in body["error_description"]


def test_replayed_jti_is_refused(client, sim):
    assertion = _assertion(sim, jti="replay-" + uuid.uuid4().hex)
    assert _cert_token(client, sim, assertion).status_code == 200
    r = _cert_token(client, sim, assertion)
    assert r.status_code == 401
    assert "replayed" in r.json()["error_description"]


def test_certificate_client_cannot_use_a_secret(client, sim):
    r = client.post(sim.token_url, data={"grant_type": "client_credentials", "client_id": RESTRICTED.client_id,
                                         "client_secret": "anything"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_restricted_app_cannot_get_other_scopes(client, sim):
    r = _cert_token(client, sim, _assertion(sim), scope="audit.read.all enpower.data.read.all")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_scope"
    assert "enpower.data.read.all" in r.json()["error_description"]


def test_wrong_assertion_type(client, sim):
    form = {"grant_type": "client_credentials", "client_id": RESTRICTED.client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            "client_assertion": _assertion(sim)}
    r = client.post(sim.token_url, data=form)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


# -- token lifetime ------------------------------------------------------------------------------------------

def test_short_token_lifetime_expires(make_sim):
    s = make_sim(token_lifetime=1)
    with httpx.Client() as c:
        r = c.post(s.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                      "client_secret": AOS.secret, "scope": "audit.read.all"})
        assert r.json()["expires_in"] == 1
        token = r.json()["access_token"]
        # Expire it without sleeping: move the server's notion of the deadline.
        claims, _ = s.identity._issued[token]
        s.identity._issued[token] = (claims, time.time() - 0.001)
        r = c.get(f"{s.base_url}/aos/audit", headers={"Authorization": f"Bearer {token}"},
                  params={"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-02T00:00:00Z"})
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
        assert "expired" in r.headers["www-authenticate"]
    s.token_lifetime = 120
    assert s.identity.token_lifetime == 120


def test_a_fresh_server_gives_its_first_token(make_sim):
    """Construct + start + first token (how fast: the benchmark's simulator row, not an assert here)."""
    with httpx.Client() as c:
        s = make_sim(seed=3)
        r = c.post(s.token_url, data={"grant_type": "client_credentials", "client_id": AOS.client_id,
                                      "client_secret": AOS.secret, "scope": "audit.read.all"})
    assert r.status_code == 200
