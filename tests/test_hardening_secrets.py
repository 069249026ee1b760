"""A sentinel client secret, private-key passphrase and access token never show up where they must not.

Screens and snapshots, the history, curl exports (unless revealed), log records at every level over
a whole explorer session, CLI output at every verbosity (get, token, perms, failed-jobs, doctor),
crash output (a secret in a local variable), and files written (0600, also over a looser file).

What exists elsewhere and is not repeated here: the Exchange renderings and ``get``/``token`` at
-v/-vv (tests/test_api_redaction.py), a world-readable config with a literal secret refused with
the chmod to run (tests/test_config.py::test_world_readable_file_with_literal_secret), secrets
never in TenantConfig repr or config errors (tests/test_config.py::test_secrets_never_in_repr_or_errors),
the permissions screen's masked token tab (tests/test_perms_ui.py).
"""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import pytest
import tomli_w
from rich.console import Console
from textual.binding import Binding

from tests.faults import FaultServer
from tests.hardening_helpers import PASSPHRASE, SECRET, TOKEN, PagedFaultServer, fault_app, make_tenant, press
from tests.ui_helpers import open_explorer, screen_text, settle, wait_until
from tui.crash import format_crash, register_secret

JOBS = "/aos/jobs"
LOCAL_ONLY = "HARDEN-LOCAL-ONLY-7a2e9c41b0"          # a secret that is never registered anywhere
SNAPSHOTS = Path(__file__).parent / "__snapshots__"
SCREENSHOTS = Path(__file__).parent.parent / "screenshots"          # the README's, from the demo


def forbidden() -> list[str]:
    """The sentinels, and the parts of the token that identify it (its payload and signature)."""
    header, payload, signature = TOKEN.split(".")
    return [SECRET, PASSPHRASE, TOKEN, payload, signature, LOCAL_ONLY]


def assert_clean(text: str, where: str, *, jwt: bool = True) -> None:
    for s in forbidden():
        assert s not in text, f"{where}: a secret leaked ({s[:12]}…)"
    if jwt:
        assert "eyJ" not in text, f"{where}: something JWT-shaped ({text[text.index('eyJ'):][:24]!r}…)"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fs():
    server = PagedFaultServer().start()
    server.route("/connect/token", "token", access_token=TOKEN)
    server.route(JOBS, "pages", total=150, size=50)
    yield server
    server.stop()


# -- a whole explorer session ------------------------------------------------------------------------------------

async def test_explorer_session_shows_logs_and_exports_no_secret(fs, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)                      # every logger, every level
    # the server echoes the credentials back (a misconfigured gateway): they must not be shown either
    echo = {"jobs": [{"id": "echo", "state": f"Bearer {TOKEN}", "scanProfileName": f"secret={SECRET}"}],
            "totalCount": 1, "nextLink": None}
    fs.fail(1, "status", code=401)                        # the first token is refused: a refresh happens
    app = fault_app(make_tenant(fs.base_url, secret=SECRET), tmp_path / "config.toml")
    shots: dict[str, str] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_explorer(pilot, "fault")
        screen.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
        await wait_until(pilot, lambda: screen.view is not None and screen.view.pages == 1 and not screen.view.loading)
        assert screen.view.error is None and len(fs.hits("/connect/token")) == 2
        assert fs.hits(JOBS)[-1].headers["authorization"] == f"Bearer {TOKEN}"   # it was really used
        shots["table"] = screen_text(app) + app.export_screenshot()
        fs.fail(1, "json", body=echo)
        screen.reload()
        await wait_until(pilot, lambda: screen.view.pages == 1 and not screen.view.loading)
        assert screen.view.items[0]["id"] == "echo"
        await wait_until(pilot, lambda: "echo" in screen_text(app))
        shots["echoed"] = screen_text(app) + app.export_screenshot()
        # the inspector, its headers tab, copy as curl
        await press(pilot, "i")
        await wait_until(pilot, lambda: screen.query_one("#inspector").display)
        await press(pilot, "h")
        await wait_until(pilot, lambda: "Bearer ••••" in screen_text(app))
        shots["headers"] = screen_text(app) + app.export_screenshot()
        await press(pilot, "c")
        await wait_until(pilot, lambda: "$AVEGRAPH_TOKEN" in (app.clipboard or ""))
        shots["clipboard"] = app.clipboard
        # save the body (w): the file is private and holds no credential
        saved = tmp_path / "body.json"
        saved.write_text("old")
        saved.chmod(0o644)                                 # a looser file already there
        await press(pilot, "b", "w")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "PathPrompt")
        from textual.widgets import Input
        app.screen.query_one(Input).value = str(saved)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: saved.read_text() != "old")
        assert mode(saved) == 0o600
        shots["saved body"] = saved.read_text()
        assert "echo" in shots["saved body"]
        # the persistent history (H): every request of this and past sessions
        await press(pilot, "H")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "RequestHistoryScreen")
        await wait_until(pilot, lambda: "History of" in screen_text(app))
        shots["past requests"] = screen_text(app) + app.export_screenshot() + repr(app.screen.entries)
        await press(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is screen)
        # this session's exchanges (`:exchanges`): every request, token requests included
        screen.action_exchanges()
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "HistoryScreen")
        from tui.ui.screens.history import history_row
        rows = [history_row(i, ex) for i, ex in enumerate(app.screen.exchanges)]
        assert any(ex.kind == "token" for ex in app.screen.exchanges) and len(rows) >= 4
        shots["history rows"] = repr(rows)
        await wait_until(pilot, lambda: "History" in screen_text(app))
        shots["history"] = screen_text(app) + app.export_screenshot()
        shots["exchanges"] = "\n".join(str(ex) + repr(ex.to_dict()) + ex.to_curl() for ex in app.screen.exchanges)
        await press(pilot, "escape")
        session = app.sessions["fault"]
        ex = screen.view.last_exchange
        shots["revealed curl"] = session.curl(ex, reveal=True)
    for where, text in shots.items():
        if where == "revealed curl":
            assert TOKEN in text                           # only when asked for, and the caller holds it
            continue
        assert_clean(text, where)
    assert_clean(caplog.text, "the log records")
    assert len(caplog.records) > 0


def test_snapshots_hold_no_secret_or_token(sim):
    demo_secrets = []
    for d in sim.tenant_dicts():
        if d.get("client_secret_file"):
            demo_secrets.append(Path(d["client_secret_file"]).read_text().strip())
    files = [p for p in SNAPSHOTS.rglob("*") if p.is_file()] + sorted(SCREENSHOTS.glob("*.svg"))
    assert files, "no snapshots to check"
    for p in files:                                       # text only: a PNG's bytes can spell "eyJ" by chance
        text = p.read_text(errors="replace")
        assert_clean(text, p.name)
        for s in demo_secrets:
            assert s not in text, f"{p.name}: a demo client secret"


# -- the command line -------------------------------------------------------------------------------------------

def _config(tmp_path: Path, tenant: dict) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(tomli_w.dumps({"default_tenant": tenant["name"], "tenants": [tenant]}))
    cfg.chmod(0o600)
    return cfg


def test_every_command_at_every_verbosity_is_clean(fs, tmp_path, monkeypatch, capsys, caplog):
    from tui.cli import main
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("AVEGRAPH_HARDEN_SECRET", SECRET)
    cfg = _config(tmp_path, {"name": "t", "client_id": "fault-client", "client_secret_env": "AVEGRAPH_HARDEN_SECRET",
                             "environment": "commercial", "api_url": fs.base_url, "elements_url": fs.base_url,
                             "token_url": fs.token_url, "timeout_read": 5, "deadline": 5})
    out_file = tmp_path / "jobs.json"
    out_file.write_text("[]")
    out_file.chmod(0o644)
    runs = [
        ["get", "aos.jobs"], ["get", "aos.jobs", "-v"], ["get", "aos.jobs", "-vv", "--all"],
        ["get", "aos.jobs", "--all", "-o", str(out_file)],
        ["token"], ["token", "--format", "json"],
        ["perms"], ["perms", "--format", "json"],
        ["failed-jobs"], ["failed-jobs", "-v"], ["failed-jobs", "-vv", "--format", "json"],
        ["doctor"],
    ]
    seen_token_use = False
    for argv in runs:
        code = main([argv[0], "--config", str(cfg), *argv[1:]])
        out, err = capsys.readouterr()
        assert_clean(out + err, " ".join(argv))
        assert code in (0, 1, 4, 5), (argv, code, err[-400:])
        seen_token_use |= any(h.headers.get("authorization") == f"Bearer {TOKEN}" for h in fs.hits("/"))
    assert seen_token_use                                 # the commands did use the real token
    assert mode(out_file) == 0o600                       # the export replaced a looser file
    assert_clean(out_file.read_text(), "the export")
    assert_clean(caplog.text, "the log records")


def _encrypted_certificate(sim, tmp_path: Path, passphrase: str) -> Path:
    """The demo-restricted app's key and certificate, the key encrypted with ``passphrase``."""
    from cryptography.hazmat.primitives import serialization
    from tui.api.auth import load_signing_key
    t = next(t for t in sim.tenants if t.name == "demo-restricted")
    key, cert = load_signing_key(Path(t.certificate_path).read_bytes(), None)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(passphrase.encode()))
    path = tmp_path / "app.pem"
    path.write_bytes(pem + cert.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o600)
    return path


def test_certificate_passphrase_never_shown(sim, tmp_path, monkeypatch, capsys, caplog):
    from tui.cli import main
    caplog.set_level(logging.DEBUG)
    d = next(d for d in sim.tenant_dicts() if d["name"] == "demo-restricted")
    cert = _encrypted_certificate(sim, tmp_path, PASSPHRASE)
    monkeypatch.setenv("AVEGRAPH_HARDEN_PASS", PASSPHRASE)
    tenant = {k: v for k, v in d.items() if k not in ("demo", "accent")}
    tenant.update(name="cert", certificate_path=str(cert), certificate_password_env="AVEGRAPH_HARDEN_PASS")
    cfg = _config(tmp_path, tenant)
    for argv in (["get", "aos.jobs", "-vv"], ["token"], ["perms"], ["doctor"]):
        code = main([argv[0], "--config", str(cfg), *argv[1:]])
        out, err = capsys.readouterr()
        assert_clean(out + err, " ".join(argv))
        assert code in (0, 1, 4), (argv, code, err[-400:])
    # a wrong passphrase: refused by name, and the wrong value is not echoed either
    wrong = "HARDEN-WRONG-PASSPHRASE-3c9d"
    monkeypatch.setenv("AVEGRAPH_HARDEN_PASS", wrong)
    code = main(["token", "--config", str(cfg)])
    out, err = capsys.readouterr()
    assert code == 2 and "password" in err.lower()
    assert wrong not in out + err
    assert_clean(out + err, "wrong passphrase")
    assert PASSPHRASE not in caplog.text and wrong not in caplog.text


# -- crashes -------------------------------------------------------------------------------------------------------

def _crashing(app_class):
    class Crashing(app_class):
        # a priority key: the tenant screen (avegraph's default screen) binds most letters itself
        BINDINGS = [Binding("f12", "boom", "boom", priority=True)]

        def action_boom(self) -> None:
            client_secret = LOCAL_ONLY                    # noqa: F841 - a local the crash screen would print
            token = TOKEN                                 # registered: masked even in the message
            raise RuntimeError(f"boom while holding {token}")
    return Crashing


async def _crash_output(app, capsys) -> str:
    capsys.readouterr()
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("f12")
            await settle(pilot)
    out, err = capsys.readouterr()
    console = Console(file=io.StringIO(), width=120)
    for r in getattr(app, "_exit_renderables", []):
        console.print(r)
    return out + err + console.file.getvalue()


async def test_a_crash_prints_no_local_variable_and_no_secret(tmp_path, capsys):
    from tui.tenants import DemoRuntime, TenantDirectory
    from tui.ui.app import AvegraphApp
    register_secret(TOKEN)
    app = _crashing(AvegraphApp)(TenantDirectory(tmp_path / "none.toml", DemoRuntime()))
    text = await _crash_output(app, capsys)
    assert "avegraph crashed" in text and "RuntimeError: boom while holding ••••" in text
    assert "action_boom" in text                          # the traceback itself is there
    assert_clean(text, "the crash output", jwt=False)


async def test_textual_crash_screen_prints_local_variables(capsys):
    """The library behaviour AvegraphApp._fatal_error replaces: Textual shows locals, secrets included."""
    from textual.app import App
    text = await _crash_output(_crashing(App)(), capsys)
    assert LOCAL_ONLY in text


def test_format_crash_and_the_cli_hook_print_no_secret(capsys):
    import sys
    from tui.crash import _hook
    register_secret(SECRET)

    def fail(client_secret: str) -> None:
        passphrase = PASSPHRASE                           # noqa: F841
        raise ValueError(f"could not use {client_secret}")
    try:
        fail(SECRET)
    except ValueError:
        info = sys.exc_info()
    text = format_crash(*info)
    assert "could not use ••••" in text and "fail(SECRET)" in text
    _hook(*info)
    err = capsys.readouterr().err
    assert "avegraph crashed" in err
    assert_clean(text + err, "format_crash / the hook", jwt=False)


# -- files ---------------------------------------------------------------------------------------------------------

def test_saving_the_config_makes_a_looser_file_private(tmp_path):
    """Config saves hold secrets: written 0600 even over an existing 0644 file (saves are tested in
    tests/test_config.py; this is the mode of a file that was looser before)."""
    from tui.config import load_config, upsert_tenant
    cfg = tmp_path / "config.toml"
    cfg.write_text(tomli_w.dumps({"tenants": [{"name": "a", "client_id": "c-a", "client_secret_env": "A_SECRET",
                                                "data_center": "us"}]}))
    cfg.chmod(0o644)
    tenant = make_tenant("https://api.example.com", name="b", secret=SECRET)
    upsert_tenant(cfg, tenant)
    assert mode(cfg) == 0o600
    assert {t.name for t in load_config(cfg).tenants} == {"a", "b"}
    lock = cfg.with_name(cfg.name + ".lock")
    assert mode(lock) & 0o077 == 0


def test_no_file_written_by_a_session_holds_a_token(tmp_path, monkeypatch):
    """Tokens live in memory only: a session (token, requests, history) writes nothing to disk."""
    import asyncio
    from tui.api.session import Session
    home = Path(os.environ["HOME"])
    before = {p: p.stat().st_mtime_ns for p in home.rglob("*") if p.is_file()}
    with FaultServer() as server:
        server.route("/connect/token", "token", access_token=TOKEN)
        server.route(JOBS, "json", body={"jobs": [{"id": 1}], "totalCount": 1})

        async def go():
            async with Session(make_tenant(server.base_url, secret=SECRET)) as s:
                await s.request("aos.jobs")
        asyncio.run(go())
    changed = [p for p in home.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns]
    for p in changed:
        assert_clean(p.read_text(errors="replace"), str(p), jwt=False)


def test_demo_credential_files_are_private(sim):
    for d in sim.tenant_dicts():
        for key in ("client_secret_file", "certificate_path"):
            if d.get(key):
                assert mode(Path(d[key])) & 0o077 == 0, d[key]


# -- what the user configured -----------------------------------------------------------------------------------------

async def test_the_app_never_rewrites_a_corrupt_config_and_keeps_other_instances_tenants(tmp_path):
    """Saves are tested in tests/test_config.py; here the running app's own save (the theme): a broken
    file is left alone, and a tenant another instance added meanwhile survives the app's save."""
    from tui.config import load_config, upsert_tenant
    from tui.tenants import DemoRuntime, TenantDirectory
    from tui.ui.app import AvegraphApp
    broken = '[[tenants]]\nname = "t"\nclient_id = \n'
    good = tomli_w.dumps({"tenants": [{"name": "a", "client_id": "c-a", "client_secret_env": "A",
                                       "data_center": "us"}]})
    for text in (broken, good):
        cfg = tmp_path / ("broken.toml" if text is broken else "good.toml")
        cfg.write_text(text)
        cfg.chmod(0o600)
        app = AvegraphApp(TenantDirectory(cfg, DemoRuntime()))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            if text is good:                              # another avegraph adds a tenant while this one runs
                upsert_tenant(cfg, make_tenant("https://api.example.com", name="b", secret=SECRET))
            theme = next(t for t in sorted(app.available_themes) if t != app.theme)
            app.theme = theme
            await settle(pilot)
        if text is broken:
            assert cfg.read_text() == broken
        else:
            config = load_config(cfg)
            assert config.theme == theme and config.tenant_names == ["a", "b"]
            assert mode(cfg) == 0o600
