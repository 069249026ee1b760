"""Tests for tui.config and tui.environments (the UI-free configuration core)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.config import write as cfgwrite  # the atomic writer: its os / tempfile calls are patched below
from tui.config import (
    TENANT_KEYS,
    Config,
    ConfigError,
    ConfigMissing,
    TenantConfig,
    delete_tenant,
    is_loopback_host,
    load_config,
    resolve_config_path,
    save_config,
    set_default_tenant,
    set_theme,
    tenant_from_fields,
    tenant_to_fields,
    upsert_tenant,
)
from tui.environments import DATA_CENTERS, ENVIRONMENTS, default_urls

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-Value-XYZ-0042"

BASE = {
    "name": "t",
    "environment": "commercial",
    "data_center": "us",
    "client_id": "cid-1234567890",
    "auth": "secret",
    "client_secret_env": "T_SECRET",
}


def write_doc(path: Path, doc: dict, mode: int = 0o600) -> Path:
    path.write_text(tomli_w.dumps(doc))
    path.chmod(mode)
    return path


def write_text(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def one_tenant(tmp_path: Path, drop: tuple[str, ...] = (), **over) -> Path:
    table = {k: v for k, v in {**BASE, **over}.items() if k not in drop}
    return write_doc(tmp_path / "config.toml", {"tenants": [table]})


def load_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


def tenant(**over) -> TenantConfig:
    fields = {**BASE, **over}
    result, errors = tenant_from_fields({k: v for k, v in fields.items() if v is not None})
    assert result is not None, errors
    return result


def no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------
# environments
# ---------------------------------------------------------------------------


def test_environment_token_urls():
    assert ENVIRONMENTS["commercial"].token_url == "https://identity.avepointonlineservices.com/connect/token"
    assert ENVIRONMENTS["gov"].token_url == "https://identity-gov.avepointonlineservices.com/connect/token"
    assert ENVIRONMENTS["aos2"].token_url == "https://identity-aos2.avepointonlineservices.com/connect/token"
    assert ENVIRONMENTS["fedramp"].token_url == "https://identity.online15.net/connect/token"


def test_data_centers_and_labels():
    commercial = [code for code, (_, env) in DATA_CENTERS.items() if env == "commercial"]
    assert commercial == [
        "au", "sg", "ca", "ne", "we", "fr", "de", "jp", "kr", "ch", "uk", "us", "uae", "za", "qa",
        "gcp-au", "gcp-jp", "gcp-us", "gcp-we", "gcp-kr",
    ]
    assert DATA_CENTERS["us"] == ("US - East", "commercial")
    assert DATA_CENTERS["gcp-us"] == ("GCP East US (Moncks Corner)", "commercial")
    assert DATA_CENTERS["gov"][1] == "gov" and DATA_CENTERS["fedramp"][1] == "fedramp"


@pytest.mark.parametrize(
    ("env", "dc", "expected"),
    [
        ("commercial", "us", ("https://graph-us.avepointonlineservices.com", "https://graph.avepointonlineservices.com",
                              "https://identity.avepointonlineservices.com/connect/token")),
        ("commercial", "gcp-kr", ("https://graph-gcp-kr.avepointonlineservices.com", "https://graph.avepointonlineservices.com",
                                  "https://identity.avepointonlineservices.com/connect/token")),
        ("gov", None, ("https://graph-gov.avepointonlineservices.com", "https://graph-gov.avepointonlineservices.com",
                       "https://identity-gov.avepointonlineservices.com/connect/token")),
        ("aos2", "aos2", ("https://graph-aos2.avepointonlineservices.com", "https://graph-aos2.avepointonlineservices.com",
                          "https://identity-aos2.avepointonlineservices.com/connect/token")),
        ("fedramp", None, ("https://graphusgovapi.online15.net", "https://graphusgovapi.online15.net",
                           "https://identity.online15.net/connect/token")),
    ],
)
def test_default_urls(env, dc, expected):
    assert default_urls(env, dc) == expected


@pytest.mark.parametrize(("env", "dc"), [("commercial", None), ("commercial", "gov"), ("gov", "us"), ("nope", "us")])
def test_default_urls_rejects_bad_pairs(env, dc):
    with pytest.raises(ValueError):
        default_urls(env, dc)


def test_core_does_not_import_textual():
    code = "import sys, tui.config, tui.environments; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---------------------------------------------------------------------------
# location
# ---------------------------------------------------------------------------


def test_location_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    env = {"AVEGRAPH_CONFIG": str(tmp_path / "env.toml"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert resolve_config_path(str(tmp_path / "cli.toml"), env) == tmp_path / "cli.toml"
    assert resolve_config_path(None, env) == tmp_path / "env.toml"
    assert resolve_config_path(None, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg/avegraph/config.toml"
    assert resolve_config_path(None, {}) == tmp_path / "home/.config/avegraph/config.toml"
    # Empty or relative values do not count (XDG spec: relative XDG_CONFIG_HOME is ignored).
    assert resolve_config_path(None, {"AVEGRAPH_CONFIG": "", "XDG_CONFIG_HOME": "rel"}) == (
        tmp_path / "home/.config/avegraph/config.toml"
    )
    assert resolve_config_path("~/x.toml", {}) == tmp_path / "home/x.toml"


def test_location_defaults_to_process_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AVEGRAPH_CONFIG", str(tmp_path / "from-env.toml"))
    assert resolve_config_path(None) == tmp_path / "from-env.toml"


# ---------------------------------------------------------------------------
# loading: the happy path
# ---------------------------------------------------------------------------


def test_load_valid_config(tmp_path):
    path = write_doc(
        tmp_path / "config.toml",
        {
            "default_tenant": "t",
            "theme": "nord",
            "future_setting": {"x": 1},
            "tenants": [
                {**BASE, "data_center": "GCP-US", "scopes": ["audit.read.all"], "timeout_read": 12.5, "accent": "red"},
                {"name": "g", "environment": "gov", "client_id": "g", "auth": "secret", "client_secret_file": "/s"},
            ],
        },
    )
    config = load_config(path)
    assert config.path == path and config.default_tenant == "t" and config.theme == "nord"
    assert config.extra == {"future_setting": {"x": 1}}
    assert config.warnings == []
    t = config.tenant("t")
    assert t.data_center == "gcp-us" and t.scopes == ("audit.read.all",) and t.timeout_read == 12.5
    assert t.api_url == "https://graph-gcp-us.avepointonlineservices.com"
    assert t.elements_url == "https://graph.avepointonlineservices.com"
    assert t.token_url == "https://identity.avepointonlineservices.com/connect/token"
    assert t.short_client_id == "cid-1234…" and not t.is_loopback
    g = config.tenant("g")
    assert g.data_center == "gov" and g.api_url == g.elements_url == "https://graph-gov.avepointonlineservices.com"
    assert config.tenant() is t
    with pytest.raises(ConfigError, match="Configured tenants: t, g"):
        config.tenant("nope")


def test_loopback_overrides(tmp_path):
    path = one_tenant(
        tmp_path, drop=("data_center",),
        api_url="http://127.0.0.1:8765/", elements_url="http://localhost:8765", token_url="http://[::1]:8765/connect/token",
    )
    t = load_config(path).tenant("t")
    assert t.api_url == "http://127.0.0.1:8765"  # trailing slash dropped
    assert t.data_center is None  # an api_url override makes the commercial data center optional
    assert t.is_loopback
    assert is_loopback_host("127.0.0.2") and not is_loopback_host("example.com") and not is_loopback_host(None)


def test_literal_secret_is_allowed_with_warning(tmp_path):
    path = one_tenant(tmp_path, drop=("client_secret_env",), client_secret=SECRET)
    config = load_config(path)
    assert config.tenant("t").load_secret() == SECRET
    assert any("client_secret is stored in the config file" in w for w in config.warnings)
    assert all(SECRET not in w for w in config.warnings)


def test_unknown_tenant_key_is_kept_and_warned(tmp_path):
    path = one_tenant(tmp_path, client_secert_file="/x")
    config = load_config(path)
    assert config.tenant("t").extra == {"client_secert_file": "/x"}
    assert any("did you mean 'client_secret_file'" in w for w in config.warnings)


def test_example_file_is_valid(tmp_path):
    doc = tomllib.loads((REPO / "config.example.toml").read_text())
    for table in doc["tenants"]:
        assert set(table) <= set(TENANT_KEYS)
    cert = write_text(tmp_path / "cert.pem", "-----BEGIN CERTIFICATE-----\n")
    doc["tenants"][1]["certificate_path"] = str(cert)
    config = load_config(write_doc(tmp_path / "config.toml", doc))
    assert [t.auth for t in config.tenants] == ["secret", "certificate"]
    assert config.warnings == []


# ---------------------------------------------------------------------------
# loading: every error names file, tenant, key, problem and fix
# ---------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope" / "config.toml"
    with pytest.raises(ConfigMissing) as info:
        load_config(path)
    text = str(info.value)
    assert str(path) in text
    assert "avegraph --demo" in text and "tenant screen" in text
    assert f"avegraph config example --write {path}" in text
    assert isinstance(info.value, ConfigError)


def test_toml_syntax_error_has_line_and_column(tmp_path):
    path = write_text(tmp_path / "config.toml", '[[tenants]]\nname = "t"\nclient_id = oops\n')
    error = load_error(path)
    assert "line 3, column 13" in str(error) and str(path) in str(error)
    assert (error.line, error.column) == (3, 13)


def test_toml_error_at_end_of_document_still_has_a_line(tmp_path):
    path = write_text(tmp_path / "config.toml", f'[[tenants]]\nname = "t"\nclient_secret = "{SECRET}')
    error = load_error(path)
    assert "line 3" in str(error)
    assert SECRET not in str(error)  # the offending line is never quoted


@pytest.mark.parametrize(
    ("over", "drop", "key", "needles"),
    [
        ({"environment": "govv"}, (), "environment", ["'govv'", "commercial, gov, aos2, fedramp"]),
        ({"data_center": "xx"}, (), "data_center", ["'xx'", "au, sg, ca", "gcp-kr"]),
        ({"environment": "gov", "data_center": "us"}, (), "data_center", ["'us'", "valid data centers: gov"]),
        ({"data_center": "fedramp"}, (), "data_center", ["belongs to environment 'fedramp'"]),
        ({}, ("data_center",), "data_center", ["needs a data center", "us"]),
        ({"api_url": "http://graph.example.com"}, (), "api_url", ["http://", "'graph.example.com'", "loopback", "https://"]),
        ({"token_url": "ftp://x/y"}, (), "token_url", ["https://"]),
        ({"elements_url": "https://h/x?y=1"}, (), "elements_url", ["query"]),
        ({}, ("client_id",), "client_id", ["client_id is missing", "App registrations"]),
        ({"auth": "password"}, (), "auth", ['"secret" or "certificate"', "'password'"]),
        ({}, ("client_secret_env",), "client_secret_env", ["needs a secret source", "client_secret_file"]),
        ({"client_secret_file": "/s"}, (), "client_secret_file", ["only one of client_secret_env, client_secret_file"]),
        ({"client_secret_file": "rel/secret"}, ("client_secret_env",), "client_secret_file", ["absolute path"]),
        ({"secret_transport": "header"}, (), "secret_transport", ['"body" or "basic"']),
        ({"auth": "certificate"}, (), "certificate_path", ["needs certificate_path"]),
        ({"auth": "certificate", "certificate_path": "/no/such/cert.pem"}, (), "certificate_path",
         ["cannot read", "/no/such/cert.pem", "No such file"]),
        ({"auth": "certificate", "certificate_path": "/"}, (), "certificate_path", ["not a regular file"]),
        ({"ca_bundle": "/no/such/ca.pem"}, (), "ca_bundle", ["cannot read"]),
        ({"scopes": "audit.read.all"}, (), "scopes", ["list of strings", "got a string"]),
        ({"scopes": ["ok", 3]}, (), "scopes", ["list of strings"]),
        ({"scopes": []}, (), "scopes", ["empty"]),
        ({"scopes": ["a b"]}, (), "scopes", ["without spaces"]),
        ({"timeout_read": "30"}, (), "timeout_read", ["number of seconds", "got a string"]),
        ({"max_body_mb": 0}, (), "max_body_mb", ["positive"]),
        ({"deadline": True}, (), "deadline", ["number"]),
        ({"client_id": 5}, (), "client_id", ["must be a string"]),
        ({"proxy": "proxy:3128"}, (), "proxy", ["http://proxy.example:3128"]),
        ({"name": "x" * 65}, (), "name", ["64"]),
    ],
)
def test_tenant_errors(tmp_path, over, drop, key, needles):
    path = one_tenant(tmp_path, drop=drop, **over)
    error = load_error(path)
    text = str(error)
    assert error.key == key and error.path == path
    assert text.startswith(f"{path}: tenant ")
    assert f"key '{key}'" in text and "Fix" in text
    for needle in needles:
        assert needle in text, text


def test_http_to_loopback_is_allowed(tmp_path):
    path = one_tenant(tmp_path, api_url="http://127.0.0.1:9000", token_url="http://localhost:9000/connect/token")
    assert load_config(path).tenant("t").token_url == "http://localhost:9000/connect/token"


def test_readable_certificate_loads(tmp_path, monkeypatch):
    cert = write_text(tmp_path / "c.pem", "PEM")
    path = one_tenant(tmp_path, drop=("client_secret_env",), auth="certificate", certificate_path=str(cert),
                      certificate_password_env="CERT_PW")
    t = load_config(path).tenant("t")
    monkeypatch.setenv("CERT_PW", "pw")
    assert t.load_certificate() == (b"PEM", "pw")
    monkeypatch.delenv("CERT_PW")
    with pytest.raises(ConfigError, match="CERT_PW"):
        t.load_certificate()
    cert.unlink()  # disappeared after load: a clear error, not a traceback
    with pytest.raises(ConfigError, match="cannot read the certificate file"):
        t.load_certificate()


def test_unnamed_tenant_is_labelled_by_position(tmp_path):
    path = write_doc(tmp_path / "config.toml", {"tenants": [BASE, {k: v for k, v in BASE.items() if k != "name"}]})
    error = load_error(path)
    assert error.tenant == "#2 (unnamed)" and error.key == "name"


def test_duplicate_tenant_names(tmp_path):
    path = write_doc(tmp_path / "config.toml", {"tenants": [BASE, BASE]})
    error = load_error(path)
    assert "two tenants are named 't'" in str(error) and error.key == "name"


def test_default_tenant_must_exist(tmp_path):
    path = write_doc(tmp_path / "config.toml", {"default_tenant": "ghost", "tenants": [BASE]})
    error = load_error(path)
    assert error.key == "default_tenant" and "'ghost'" in str(error) and "one of: t" in str(error)


@pytest.mark.parametrize(
    ("doc", "key"),
    [({"tenants": {"name": "x"}}, "tenants"), ({"tenants": ["x"]}, "tenants"), ({"theme": 3}, "theme"),
     ({"default_tenant": ["t"]}, "default_tenant")],
)
def test_top_level_types(tmp_path, doc, key):
    assert load_error(write_doc(tmp_path / "config.toml", doc)).key == key


@pytest.mark.parametrize(
    ("value", "needle"),
    [("300", "number of seconds"), (True, "number of seconds"), (5, "between 10 and 86400"),
     (100_000, "between 10 and 86400"), (float("nan"), "number of seconds")],
)
def test_watch_interval_is_checked(tmp_path, value, needle):
    error = load_error(write_doc(tmp_path / "config.toml", {"watch_interval": value, "tenants": [BASE]}))
    assert error.key == "watch_interval" and needle in str(error) and "Fix:" in str(error)


def test_watch_keys_default_load_and_survive_a_save(tmp_path):
    from tui.config import save_config
    plain = load_config(write_doc(tmp_path / "a.toml", {"tenants": [BASE]}))
    assert plain.watch_interval is None and plain.watch_bell is False
    path = write_doc(tmp_path / "b.toml", {"watch_interval": 120, "watch_bell": True, "tenants": [BASE]})
    config = load_config(path)
    assert config.watch_interval == 120.0 and config.watch_bell is True and config.warnings == []
    save_config(config)
    assert tomllib.loads(path.read_text())["watch_interval"] == 120
    error = load_error(write_doc(tmp_path / "c.toml", {"watch_bell": "yes", "tenants": [BASE]}))
    assert error.key == "watch_bell" and "true or false" in str(error)


def test_world_readable_file_with_literal_secret(tmp_path):
    path = one_tenant(tmp_path, drop=("client_secret_env",), client_secret=SECRET)
    path.chmod(0o644)
    error = load_error(path)
    assert f"chmod 600 {path}" in str(error)
    assert error.key == "client_secret" and error.tenant == "t"
    assert SECRET not in str(error) and SECRET not in repr(error)
    path.chmod(0o600)
    assert load_config(path).tenant("t").client_secret == SECRET


def test_world_readable_file_without_literal_secret_is_fine(tmp_path):
    path = one_tenant(tmp_path)
    path.chmod(0o644)
    assert load_config(path).tenant("t").client_secret_env == "T_SECRET"


# ---------------------------------------------------------------------------
# secrets at run time
# ---------------------------------------------------------------------------


def test_load_secret_from_env(monkeypatch):
    t = tenant()
    monkeypatch.delenv("T_SECRET", raising=False)
    with pytest.raises(ConfigError, match="environment variable T_SECRET is not set") as info:
        t.load_secret()
    assert info.value.tenant == "t" and info.value.key == "client_secret_env"
    monkeypatch.setenv("T_SECRET", "  ")
    with pytest.raises(ConfigError, match="T_SECRET is empty"):
        t.load_secret()
    monkeypatch.setenv("T_SECRET", SECRET + "\n")
    assert t.load_secret() == SECRET


def test_load_secret_from_file(tmp_path):
    secret_file = tmp_path / "secret"
    t = tenant(client_secret_env=None, client_secret_file=str(secret_file))
    with pytest.raises(ConfigError, match="cannot read the secret file"):
        t.load_secret()
    secret_file.write_text("")
    with pytest.raises(ConfigError, match="is empty"):
        t.load_secret()
    secret_file.write_text(SECRET + "\n")
    assert t.load_secret() == SECRET


def test_secrets_never_in_repr_or_errors(tmp_path, monkeypatch):
    t = tenant(client_secret_env=None, client_secret=SECRET, proxy=f"http://user:{SECRET}@proxy:3128")
    texts = [repr(t), str(t), repr(Config(path=tmp_path, tenants=(t,)))]
    # A secret pasted where a *name* belongs, or as URL credentials: the messages must not echo it.
    _, errors = tenant_from_fields({**BASE, "client_secret_env": SECRET + "!"})
    texts += errors.values()
    _, errors = tenant_from_fields({**BASE, "certificate_password_env": f"pw {SECRET}"})
    texts += errors.values()
    _, errors = tenant_from_fields({**BASE, "client_secret": SECRET})  # two sources
    texts += errors.values()
    _, errors = tenant_from_fields({**BASE, "api_url": f"https://u:{SECRET}@h", "proxy": f"ftp://u:{SECRET}@h"})
    assert set(errors) == {"api_url", "proxy"}
    texts += errors.values()
    monkeypatch.setenv("T_SECRET", "")
    with pytest.raises(ConfigError) as info:
        tenant().load_secret()
    texts += [str(info.value), repr(info.value)]
    for text in texts:
        assert SECRET not in text, text
    assert "client_secret='***'" in repr(t) and "//***@proxy:3128" in repr(t)


@settings(max_examples=60, deadline=None, database=None)  # no .hypothesis/ in the tree
@given(secret=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=40))
def test_pasted_secrets_are_never_echoed(secret):
    # Pasted where an env var NAME belongs: a valid name is shown as a name, anything else never.
    for key in ("client_secret_env", "certificate_password_env"):
        _, errors = tenant_from_fields({**BASE, key: secret})
        assert all(secret not in message for message in errors.values())
    # As the literal secret: accepted, and the repr does not depend on its value at all.
    result, errors = tenant_from_fields({**BASE, "client_secret_env": "", "client_secret": secret})
    assert result is not None and errors == {}
    assert repr(result) == repr(dataclasses.replace(result, client_secret="something else"))


# ---------------------------------------------------------------------------
# form validation
# ---------------------------------------------------------------------------


def test_form_round_trip():
    fields = {**BASE, "scopes": "audit.read.all, records.readwrite.all", "timeout_connect": "5", "deadline": "7.5",
              "environment": "Commercial", "proxy": ""}
    t, errors = tenant_from_fields(fields)
    assert errors == {} and t is not None
    assert t.scopes == ("audit.read.all", "records.readwrite.all")
    assert t.timeout_connect == 5 and t.deadline == 7.5 and t.environment == "commercial" and t.proxy is None
    again, errors = tenant_from_fields(tenant_to_fields(t))
    assert errors == {} and again == t


def test_form_reports_every_bad_field():
    t, errors = tenant_from_fields(
        {"name": "", "environment": "commercial", "data_center": "zz", "auth": "secret",
         "timeout_read": "soon", "api_url": "http://example.com", "bogus": "1"}
    )
    assert t is None
    assert set(errors) == {"name", "data_center", "client_id", "client_secret_env", "timeout_read", "api_url", "bogus"}
    assert "zz" in errors["data_center"] and "number" in errors["timeout_read"]


def test_form_checks_certificate_readability(tmp_path):
    _, errors = tenant_from_fields({**BASE, "auth": "certificate", "certificate_path": str(tmp_path / "missing.pem")})
    assert "cannot read" in errors["certificate_path"]


# ---------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------

TWO_TENANTS = {
    "default_tenant": "a",
    "theme": "nord",
    "future": {"keep": True},
    "tenants": [
        {**BASE, "name": "a", "mystery": [1, 2]},
        {**BASE, "name": "b", "data_center": "de", "secret_transport": "basic", "also_unknown": "x"},
    ],
}


def test_upsert_keeps_other_tenants_and_unknown_keys(tmp_path):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS, mode=0o644)
    a = load_config(path).tenant("a")
    upsert_tenant(path, dataclasses.replace(a, client_id="new-id", scopes=("x.read.all",)))
    doc = tomllib.loads(path.read_text())
    assert doc["future"] == {"keep": True} and doc["theme"] == "nord" and doc["default_tenant"] == "a"
    assert doc["tenants"][0] == {**BASE, "name": "a", "mystery": [1, 2], "client_id": "new-id", "scopes": ["x.read.all"]}
    assert doc["tenants"][1] == TWO_TENANTS["tenants"][1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened from 0644
    assert no_temp_files(tmp_path)


def test_upsert_from_form_keeps_unknown_keys_of_the_stored_tenant(tmp_path):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    form = tenant_to_fields(load_config(path).tenant("b"))
    edited, _ = tenant_from_fields({**form, "accent": "red"})
    assert edited is not None and edited.extra == {}
    upsert_tenant(path, edited, old_name="b")
    stored = tomllib.loads(path.read_text())["tenants"][1]
    assert stored["also_unknown"] == "x" and stored["accent"] == "red" and stored["secret_transport"] == "basic"


def test_upsert_adds_renames_and_refuses_name_clash(tmp_path):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    upsert_tenant(path, tenant(name="c"))
    upsert_tenant(path, tenant(name="a2"), old_name="a")
    config = load_config(path)
    assert config.tenant_names == ["a2", "b", "c"]
    assert config.default_tenant == "a2"  # followed the rename
    assert config.tenant("a2").extra == {"mystery": [1, 2]}
    with pytest.raises(ConfigError, match="already exists"):
        upsert_tenant(path, tenant(name="b"), old_name="c")


def test_upsert_validates_the_tenant(tmp_path):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        upsert_tenant(path, TenantConfig(name="bad", client_id="x", environment="mars"))
    assert info.value.key == "environment"
    assert path.read_bytes() == before


def test_delete_and_defaults(tmp_path):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    assert delete_tenant(path, "a") is True
    assert delete_tenant(path, "a") is False
    config = load_config(path)  # still loads: default_tenant naming the deleted tenant was removed
    assert config.tenant_names == ["b"] and config.default_tenant is None
    set_default_tenant(path, "b")
    assert load_config(path).default_tenant == "b"
    with pytest.raises(ConfigError, match="no tenant named 'zz'"):
        set_default_tenant(path, "zz")
    set_theme(path, "gruvbox")
    assert load_config(path).theme == "gruvbox"
    set_theme(path, None)
    assert load_config(path).theme is None
    assert delete_tenant(tmp_path / "absent.toml", "x") is False


def test_save_creates_private_directory_and_file(tmp_path):
    path = tmp_path / "new" / "dir" / "config.toml"
    upsert_tenant(path, tenant())
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (path.parent / "config.toml.lock").exists()
    assert load_config(path).tenant_names == ["t"]


def test_save_config_round_trip(tmp_path):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    config = load_config(path)
    save_config(config)
    assert load_config(path) == config
    save_config({"theme": "x"}, tmp_path / "plain.toml")
    assert load_config(tmp_path / "plain.toml").theme == "x"


def test_save_follows_symlink(tmp_path):
    real = write_doc(tmp_path / "real.toml", TWO_TENANTS)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    set_theme(link, "dracula")
    assert link.is_symlink() and load_config(real).theme == "dracula"


def test_failed_replace_keeps_old_file(tmp_path, monkeypatch):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cfgwrite.os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="Permission denied.*previous file is unchanged"):
        upsert_tenant(path, tenant(name="c"))
    assert path.read_bytes() == before
    assert no_temp_files(tmp_path)


def test_disk_full_keeps_old_file(tmp_path, monkeypatch):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    before = path.read_bytes()

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cfgwrite.os, "fsync", full)
    with pytest.raises(ConfigError, match="No space left on device"):
        set_theme(path, "x")
    assert path.read_bytes() == before
    assert no_temp_files(tmp_path)


def test_unwritable_directory_keeps_old_file(tmp_path, monkeypatch):
    path = write_doc(tmp_path / "config.toml", TWO_TENANTS)
    before = path.read_bytes()

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cfgwrite.tempfile, "mkstemp", denied)
    with pytest.raises(ConfigError, match="Permission denied"):
        set_theme(path, "x")
    assert path.read_bytes() == before


def test_corrupt_file_is_never_overwritten(tmp_path):
    broken = '[[tenants]]\nname = "t"\nclient_id = \n'
    path = write_text(tmp_path / "config.toml", broken)
    for action in (
        lambda: upsert_tenant(path, tenant()),
        lambda: delete_tenant(path, "t"),
        lambda: set_theme(path, "x"),
        lambda: set_default_tenant(path, "t"),
        lambda: save_config({"theme": "x"}, path),
    ):
        with pytest.raises(ConfigError) as info:
            action()
        assert "line 3" in str(info.value) and "Refusing to save" in str(info.value)
        assert path.read_text() == broken
    assert no_temp_files(tmp_path)


def test_wrongly_shaped_tenants_are_not_overwritten(tmp_path):
    path = write_text(tmp_path / "config.toml", 'tenants = "oops"\n')
    with pytest.raises(ConfigError, match=r"\[\[tenants\]\]"):
        upsert_tenant(path, tenant())
    assert path.read_text() == 'tenants = "oops"\n'


def _upsert_many(path: str, name: str, start, count: int) -> None:
    start.wait()
    for i in range(count):
        upsert_tenant(path, TenantConfig(name=name, client_id=f"{name}-{i}", data_center="us", client_secret_env="X"))


def test_concurrent_saves_lose_nothing(tmp_path):
    path = write_doc(tmp_path / "config.toml", {"theme": "nord"})
    ctx = multiprocessing.get_context("spawn")  # no fork of a possibly threaded pytest process
    start = ctx.Event()
    workers = [ctx.Process(target=_upsert_many, args=(str(path), name, start, 20)) for name in ("p1", "p2")]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    config = load_config(path)
    assert sorted(config.tenant_names) == ["p1", "p2"]
    assert {t.client_id for t in config.tenants} == {"p1-19", "p2-19"}
    assert config.theme == "nord"
    assert no_temp_files(tmp_path)


def test_config_error_pickles():
    import pickle

    error = pickle.loads(pickle.dumps(ConfigError("bad", path="/x", tenant="t", key="k")))
    assert str(error) == "/x: tenant 't', key 'k': bad" and error.key == "k"
    assert isinstance(pickle.loads(pickle.dumps(ConfigMissing("m", path="/y"))), ConfigMissing)


def test_no_runtime_reference_to_shared_reference():
    # tui.config is a package: every module of it, not just one file.
    files = [*sorted((REPO / "tui" / "config").glob("*.py")), REPO / "tui" / "environments.py"]
    assert len(files) > 1
    for path in files:
        # The reference docs are developer material; the program must not read them at run time.
        assert "shared/reference" not in path.read_text(), path.name
