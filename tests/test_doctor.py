"""`avegraph doctor` against the simulator and against a host that does not answer."""

from __future__ import annotations

import socket

from tui.cli import main
from tui.doctor import mask_proxy


def test_doctor_against_the_simulator(capsys):
    code = main(["doctor", "--demo"])
    out = capsys.readouterr().out
    assert code == 0
    assert "token URL: http://127.0.0.1:" in out
    assert "ok   TCP 127.0.0.1" in out and "ok   token:" in out
    assert "audit.read.all" in out


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_doctor_against_an_unreachable_host(tmp_path, capsys, monkeypatch):
    port = _closed_port()
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-value-never-printed")
    secret.chmod(0o600)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'''
[[tenants]]
name = "down"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret_file = "{secret}"
api_url = "http://127.0.0.1:{port}"
elements_url = "http://127.0.0.1:{port}"
token_url = "http://127.0.0.1:{port}/connect/token"
''')
    cfg.chmod(0o600)
    code = main(["doctor", "--config", str(cfg), "--tenant", "down"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"FAIL TCP 127.0.0.1:{port}" in out
    assert "FAIL token:" in out and "refused" in out.lower()
    assert "s3cr3t-value-never-printed" not in out


def test_proxy_credentials_are_masked():
    assert mask_proxy("http://bob:hunter2@proxy:3128") == "http://bob:••••@proxy:3128"
