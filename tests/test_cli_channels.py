"""Issue 15: no control byte from a server reaches the terminal through any CLI channel.

A hostile loopback server (tests.faults.FaultServer) answers with values holding Rich markup,
ESC/CSI, C1 CSI (0x9b), BEL, OSC 8 hyperlinks and bidi overrides/isolates, in cells, headers,
reason phrases, error bodies (``message``, ``error_description``) and token claims. For every
channel (``get --format table`` on stdout, ``-v``/``-vv`` on stderr, error messages, token,
doctor, perms, the failed-jobs table) the literal text is visible as escapes and no control byte
is written to a terminal; json, jsonl and csv to a file or pipe stay byte-faithful. Hypothesis
pushes any string through each format and every stderr message path.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faults import FaultServer
from tui.cli import main

# raw text the server sends -> what a person sees instead (tui.textsafe's visible escapes)
PIECES = {
    "markup": ("[bold]x[/]", "[bold]x[/]"),
    "csi": ("\x1b[31mred", "␛[31mred"),
    "c1": ("\x9b31mc1", "\\x9b31mc1"),
    "bel": ("bell\x07", "bell␇"),
    "osc8": ("\x1b]8;;http://e.x/\x1b\\link", "␛]8;;http://e.x/␛\\link"),
    "bidi": ("\u202eevil\u2066iso", "\\u202eevil\\u2066iso"),
}
HOSTILE = " ".join(raw for raw, _ in PIECES.values())
# What must never reach a terminal: C0 but \n and \t, DEL, C1, bidi embeddings/overrides/isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
JOBS = "/aos/jobs"


class Terminal(io.StringIO):
    """A stream that says it is a terminal (what stdout/stderr are in an interactive shell)."""

    def isatty(self) -> bool:
        return True


def assert_clean(text: str, where: str) -> None:
    bad = FORBIDDEN.findall(text)
    assert not bad, f"{where} holds control bytes {bad!r}: {text!r}"


def assert_visible(text: str, names=tuple(PIECES)) -> None:
    for name in names:
        assert PIECES[name][1] in text, f"{name} not shown as {PIECES[name][1]!r} in {text!r}"


def wire(text: str) -> str:
    """A header or reason value as the server's raw UTF-8 bytes (FaultServer writes latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def jwt(payload: dict) -> str:
    def part(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}.c2ln"


def write_config(tmp_path, fs) -> str:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({"tenants": [{
        "name": "hostile", "client_id": "fault-client", "client_secret": "fault-secret-value-0001",
        "environment": "commercial", "api_url": fs.base_url, "elements_url": fs.base_url,
        "token_url": fs.token_url, "timeout_connect": 2, "timeout_read": 5}]}))
    os.chmod(path, 0o600)
    return str(path)


def hostile_job() -> dict:
    from tui.clock import utc_now
    start = utc_now() - timedelta(hours=1)
    p = {k: raw for k, (raw, _) in PIECES.items()}
    return {"id": p["csi"], "scanProfileName": p["markup"], "state": 3, "startTime": start.isoformat(),
            "finishTime": (start + timedelta(minutes=5)).isoformat(), "type": p["c1"], "category": p["bel"],
            "extension": p["osc8"], "errorMessage": p["bidi"]}


@pytest.fixture
def hostile(tmp_path):
    """A FaultServer whose every answer is hostile, and a config pointing at it."""
    with FaultServer() as fs:
        fs.route(JOBS, "json", body={"jobs": [hostile_job()], "totalCount": 1},
                 headers={"X-Hostile": wire(HOSTILE)}, reason=wire("OK \x1b[31mred\x07"))
        fs.config = write_config(tmp_path, fs)
        yield fs


def run_on_terminal(monkeypatch, *argv):
    """main(argv) with stdout and stderr both terminals; (exit code, stdout, stderr)."""
    out, err = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = main(list(argv))
    monkeypatch.undo()
    return code, out.getvalue(), err.getvalue()


# -- get: --format table on stdout, -v / -vv on stderr ----------------------------------------------

@pytest.mark.parametrize("verbose", ["-v", "-vv"])
def test_table_and_diagnostics_show_the_text_and_no_control_byte(hostile, monkeypatch, verbose):
    code, out, err = run_on_terminal(monkeypatch, "get", "--config", hostile.config, "aos.jobs",
                                     "--format", "table", verbose)
    assert code == 0
    assert_clean(out, "stdout")
    assert_clean(err, "stderr")
    assert_visible(out, ("markup", "csi", "c1", "bel", "osc8"))
    assert "OK ␛[31mred␇" in err                                   # the reason phrase
    if verbose == "-vv":
        header = next(ln for ln in err.splitlines() if "X-Hostile" in ln)
        # a response header: every piece (the core reads header bytes as latin-1, so UTF-8 bidi
        # characters arrive as C1 bytes, shown as escapes too)
        assert_visible(header, ("markup", "csi", "c1", "bel", "osc8"))
        assert "avegraph: debug:" in err                           # the core's log goes through eprint too


def test_csv_to_a_terminal_is_sanitised_to_a_file_or_pipe_faithful(hostile, monkeypatch, tmp_path, capsys):
    code, out, err = run_on_terminal(monkeypatch, "get", "--config", hostile.config, "aos.jobs", "--format", "csv")
    assert code == 0
    assert_clean(out, "csv on a terminal")
    assert_visible(out)
    code = main(["get", "--config", hostile.config, "aos.jobs", "--format", "csv"])   # capsys: a pipe
    piped = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(piped)))
    assert code == 0 and rows[0]["id"] == PIECES["csi"][0] and rows[0]["extension"] == PIECES["osc8"][0]
    target = tmp_path / "jobs.csv"
    assert main(["get", "--config", hostile.config, "aos.jobs", "--format", "csv", "-o", str(target)]) == 0
    assert target.read_text() == piped                              # the file: the server's bytes


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_on_a_terminal_is_escaped_and_still_the_data(hostile, monkeypatch, fmt):
    code, out, err = run_on_terminal(monkeypatch, "get", "--config", hostile.config, "aos.jobs", "--format", fmt)
    assert code == 0
    assert_clean(out, fmt)
    data = json.loads(out) if fmt == "json" else [json.loads(ln) for ln in out.splitlines()]
    assert data[0]["extension"] == PIECES["osc8"][0] and data[0]["errorMessage"] == PIECES["bidi"][0]


def test_a_real_pty_gets_no_control_byte_and_a_pipe_gets_the_data(hostile):
    """The TTY decision made by the process itself: stdout a pseudo-terminal, then a pipe."""
    import pty
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    argv = [sys.executable, "-m", "tui", "get", "--config", hostile.config, "aos.jobs", "--format", "csv"]
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(argv, stdout=slave, stderr=subprocess.PIPE, env=env, timeout=60)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    shown = b"".join(chunks).decode("utf-8")
    assert proc.returncode == 0, proc.stderr
    assert_clean(shown.replace("\r\n", "\n"), "csv on a pty")       # the pty itself turns \n into \r\n
    assert_visible(shown)
    piped = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    assert piped.returncode == 0 and PIECES["osc8"][0].encode() in piped.stdout


# -- error messages quoting the server ----------------------------------------------------------------

@pytest.mark.parametrize("status, exit_code", [(400, 4), (403, 4), (404, 4), (500, 5)])
def test_error_bodies_are_quoted_visibly(tmp_path, monkeypatch, status, exit_code):
    with FaultServer() as fs:
        fs.route(JOBS, "json", status=status, body={"message": HOSTILE, "error_description": HOSTILE},
                 reason=wire("Nope \x1b]0;title\x07"), headers={"X-Hostile": wire(HOSTILE)})
        cfg = write_config(tmp_path, fs)
        code, out, err = run_on_terminal(monkeypatch, "get", "--config", cfg, "aos.jobs", "--format", "table",
                                         "-vv")
    assert code == exit_code
    assert_clean(out, "stdout")
    assert_clean(err, "stderr")
    assert_visible(err)
    assert "Nope ␛]0;title␇" in err


def test_a_token_error_is_quoted_visibly_by_every_command(tmp_path, monkeypatch):
    with FaultServer() as fs:
        fs.route("/connect/token", "token", error="invalid_client " + PIECES["csi"][0], description=HOSTILE)
        cfg = write_config(tmp_path, fs)
        for argv in (["get", "--config", cfg, "aos.jobs", "-v"], ["token", "--config", cfg],
                     ["perms", "--config", cfg], ["failed-jobs", "--config", cfg, "-v"],
                     ["doctor", "--config", cfg]):
            code, out, err = run_on_terminal(monkeypatch, *argv)
            assert code != 0, argv
            assert_clean(out, f"{argv[0]} stdout")
            assert_clean(err, f"{argv[0]} stderr")
            assert_visible(out + err)


# -- token, perms, doctor: the claims are the server's text --------------------------------------------

@pytest.fixture
def hostile_token(tmp_path):
    import time
    claims = {"iss": HOSTILE, "aud": PIECES["c1"][0], "appid": PIECES["csi"][0], "tid": PIECES["bel"][0],
              "scp": [PIECES["markup"][0], PIECES["osc8"][0], PIECES["bidi"][0]],
              "iat": int(time.time()), "exp": int(time.time()) + 3600}
    with FaultServer() as fs:
        fs.route("/connect/token", "token", access_token=jwt(claims))
        fs.route(JOBS, "json", body={"jobs": [hostile_job()], "totalCount": 1})
        fs.config = write_config(tmp_path, fs)
        yield fs


@pytest.mark.parametrize("argv", [["token"], ["perms"], ["doctor"]])
def test_claims_are_shown_visibly(hostile_token, monkeypatch, argv):
    code, out, err = run_on_terminal(monkeypatch, *argv, "--config", hostile_token.config)
    assert_clean(out, f"{argv[0]} stdout")
    assert_clean(err, f"{argv[0]} stderr")
    shown = out + err
    assert_visible(shown, ("markup", "osc8", "bidi") if argv[0] == "doctor" else tuple(PIECES))


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_failed_jobs_shows_the_text_and_no_control_byte(hostile, monkeypatch, fmt):
    code, out, err = run_on_terminal(monkeypatch, "failed-jobs", "--config", hostile.config, "-vv", "--format", fmt)
    assert code == 1, err                                         # the hostile AOS job is a failed one
    assert_clean(out, "stdout")
    assert_clean(err, "stderr")
    if fmt != "json":
        assert_visible(out, ("csi", "bidi"))                      # job id, first error
    assert "OK ␛[31mred␇" in err                                   # -vv: the exchange summary


def test_a_crash_quoting_the_server_reaches_stderr_clean(monkeypatch):
    from tui import crash
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    try:
        raise RuntimeError(HOSTILE)
    except RuntimeError as exc:
        crash._hook(type(exc), exc, exc.__traceback__)
    assert_clean(err.getvalue(), "crash output")
    assert_visible(err.getvalue())


# -- properties: any string, every format, every stderr path ---------------------------------------------

NASTY = st.text(alphabet=st.one_of(st.sampled_from(list("\x1b\x9b\x07\x00\r\n\t\x7f\x85\u202e\u2066\u2069[]\\;")),
                                   st.characters(blacklist_categories=())), max_size=40)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPS
@given(key=NASTY, value=NASTY, fmt=st.sampled_from(["json", "jsonl", "csv", "table"]))
def test_property_every_format_on_a_terminal(monkeypatch, key, value, fmt):
    from tui.commands.common import format_items, write_output
    items = [{"id": value, key or "k": [value, {"n": value}]}]
    text = format_items(items, fmt, columns=None)
    out = Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    write_output(text, None, report=fmt == "table")
    monkeypatch.undo()
    assert_clean(out.getvalue(), fmt)
    if fmt == "json":
        assert json.loads(out.getvalue()) == items                  # escaped, still the same data
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stdout", pipe)
    write_output(text, None)
    monkeypatch.undo()
    assert pipe.getvalue() == text                                  # a pipe gets the data as it is


@PROPS
@given(s=NASTY)
def test_property_every_stderr_message_path(monkeypatch, s):
    from datetime import datetime, timezone

    from tui.api.errors import ApiError, AuthError, HttpError, NetworkError
    from tui.api.exchange import Exchange
    from tui.commands import get as get_cmd
    from tui.commands.common import eprint, report_error
    from tui.commands.failed_jobs import _source_line
    from tui.commands.perms import render_table
    ex = Exchange(id=1, started_at=datetime(2026, 1, 1, tzinfo=timezone.utc), method="GET",
                  raw_url="http://127.0.0.1/x?q=" + s, request_headers=[("X-" + s, s)], status=403, reason=s,
                  response_headers=[(s, s)], request_id=s, trace_id=s, error=s, attempts=[s], size=1)
    err, out = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    eprint(s, s)
    report_error(ApiError(s, hint=s, exchange=ex))
    report_error(HttpError(403, ex, s, hint=s, server_message=s))
    report_error(AuthError(s, s, "http://127.0.0.1/" + s, (s,), hint=s, exchange=ex))
    report_error(NetworkError(s) if _takes_one(NetworkError) else ApiError(s))
    report_error(OSError(2, s, s))
    get_cmd._show_exchange(ex, 2)

    class Src:
        label = id = state = scope = server_filter = reason = s
        targets_total, targets_done, pages, items, failed, attention = 2, 1, 1, 1, 1, 1
    eprint("avegraph: " + _source_line(Src))
    from tui.commands.common import write_output
    write_output(render_table(_perms_data(s)), None, report=True)
    monkeypatch.undo()
    assert_clean(err.getvalue(), "stderr")
    assert_clean(out.getvalue(), "perms table")


def _takes_one(cls) -> bool:
    import inspect
    params = [p for p in inspect.signature(cls).parameters.values() if p.default is p.empty
              and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(params) == 1


def _perms_data(s: str) -> dict:
    token = {"bundle": s, "state": "error", "error": s, "token_url": s, "requested_scopes": [s]}
    return {"tenant": s, "client_id": s, "auth": "secret", "tokens": [token], "granted_scopes": [s],
            "matrix": [{"state": "missing", "service": s, "endpoint": s, "method": "GET", "scopes": [s]}],
            "matrix_counts": {"granted": 0, "missing": 1, "unknown": 0},
            "probe": {"aborted": "no token: " + s, "results": []},
            "discovery": {"aborted": "stopped: " + s, "results": [], "counts": {}}}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(s=NASTY, fmt=st.sampled_from(["json", "jsonl", "csv", "table"]), status=st.sampled_from([200, 403, 500]))
def test_property_end_to_end_any_server_text(served, monkeypatch, s, fmt, status):
    """The same through the real client: a server sending ``s`` in a cell or in an error's message."""
    served["status"], served["body"] = status, ({"jobs": [{"id": s, "type": s}], "totalCount": 1} if status == 200
                                                else {"message": s, "error_description": s})
    code, out, err = run_on_terminal(monkeypatch, "get", "--config", served["config"], "aos.jobs",
                                     "--format", fmt, "-v")
    assert code == (0 if status == 200 else 4 if status == 403 else 5), err
    assert_clean(out, fmt)
    assert_clean(err, "stderr")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    state: dict = {}
    with FaultServer() as fs:
        def answer(conn, req, o, hit, _send=fs._send):
            _send(conn, state["status"], state["body"])
        fs._do_served = answer
        fs.route(JOBS, "served")
        state["config"] = write_config(tmp_path_factory.mktemp("served"), fs)
        yield state
