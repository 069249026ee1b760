"""The persistent history (tui.history): what a line holds, what it never holds (sentinel search over
the file), the bound, corrupt lines, two writers, and the file's mode."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import stat
from datetime import datetime, timedelta, timezone

import pytest

from tui.catalog import load_catalog
from tui.history import HistoryEntry, HistoryStore, entry_from_exchange

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
SENTINEL_SECRET = "SENTINEL-client-secret-7f3a9c"
SENTINEL_KEY = "SENTINEL-api-key-55e1b2"


def entry(i: int = 0, tenant: str = "t", **over) -> HistoryEntry:
    fields = dict(tenant=tenant, time=T0 + timedelta(seconds=i), method="GET", endpoint="m365.cloudbackupjobs",
                  path="/backup/m365/cloudbackupjobs", params={"jobState": "3", "n": str(i)}, status=200,
                  duration_ms=12.5, request_id=f"rid-{i}")
    fields.update(over)
    return HistoryEntry(**fields)


def test_a_line_round_trips(tmp_path):
    store = HistoryStore(tmp_path / "history.jsonl")
    e = entry(1, path_params={"jobId": "J1"}, params={"jobState": "3", "status": ["500", "200"]})
    assert store.append(e) is None
    (back,), problems = HistoryStore(store.path).load()
    assert problems == [] and back == e
    assert back.request_text == "jobId=J1 jobState=3 status=500,200"


def test_the_file_is_private_and_its_directory_too(tmp_path):
    store = HistoryStore(tmp_path / "state" / "avegraph" / "history.jsonl")
    store.append(entry())
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    store.path.chmod(0o644)                       # made readable by hand: the next write closes it again
    store.append(entry(2))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_entries_are_per_tenant(tmp_path):
    store = HistoryStore(tmp_path / "h.jsonl")
    for i in range(4):
        store.append(entry(i, tenant="a" if i % 2 else "b"))
    assert [e.request_id for e in store.load("a")[0]] == ["rid-1", "rid-3"]
    assert len(store.load()[0]) == 4


def test_the_file_is_bounded_and_keeps_the_newest(tmp_path):
    store = HistoryStore(tmp_path / "h.jsonl", max_entries=50, slack=10)
    for i in range(200):
        store.append(entry(i))
    lines = store.path.read_text().splitlines()
    assert 50 <= len(lines) <= 60
    entries, _ = store.load()
    assert entries[-1].request_id == "rid-199"
    assert [e.request_id for e in entries] == [f"rid-{i}" for i in range(200 - len(entries), 200)]


def test_a_corrupt_line_is_skipped_and_named(tmp_path):
    store = HistoryStore(tmp_path / "h.jsonl")
    store.append(entry(1))
    with store.path.open("ab") as fh:
        fh.write(b'{"tenant": "t", "method": "GET", "ti\n')            # a crash mid-write
        fh.write(b"\xff\xfe not utf-8\n")
        fh.write(b'["a", "list"]\n')
        fh.write(b'{"tenant": "t", "method": "GET", "time": "yesterday"}\n')
    store.append(entry(2))
    entries, problems = HistoryStore(store.path).load()
    assert [e.request_id for e in entries] == ["rid-1", "rid-2"]
    assert len(problems) == 4
    assert problems[0].startswith("h.jsonl line 2: not JSON")
    assert "line 3: not UTF-8" in problems[1] and "line 5: time 'yesterday'" in problems[3]


def test_a_write_that_fails_is_reported_never_raised(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    store = HistoryStore(blocker / "h.jsonl")
    problem = store.append(entry())
    assert problem and "history not saved" in problem and store.last_problem == problem


def _append_many(path: str, tenant: str) -> None:
    store = HistoryStore(path, max_entries=120, slack=30)
    for i in range(100):
        store.append(entry(i, tenant=tenant))


def test_two_processes_append_without_tearing_lines(tmp_path):
    path = str(tmp_path / "h.jsonl")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(path, name)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    entries, problems = HistoryStore(path).load()
    assert problems == []
    assert 120 <= len(entries) <= 150
    assert {e.tenant for e in entries} == {"a", "b"}
    assert entries[-1].request_id == "rid-99"


def test_history_from_real_exchanges_holds_no_secret(sim, tmp_path):
    """Requests against the simulator, recorded as the app records them: the file names the request
    (method, endpoint, parameters, status, time, duration, request-id) and holds no credential."""
    from tui.api.session import Session
    from tui.config import tenant_from_fields
    catalog = load_catalog()
    sim.register_client("hist-client", ["microsoft365backup.jobInfo.read.all"], secret=SENTINEL_SECRET)
    fields = {"name": "hist", "client_id": "hist-client", "client_secret": SENTINEL_SECRET, "api_url": sim.base_url,
              "elements_url": sim.base_url, "token_url": sim.token_url}
    tenant, errors = tenant_from_fields(fields)
    assert tenant is not None, errors
    store = HistoryStore(tmp_path / "history.jsonl")
    tokens = []

    async def browse():
        async with Session(tenant, catalog) as session:
            session.on_exchange.append(lambda ex: store.record("hist", ex, catalog, (tenant.api_url,)))
            pager = session.pager("m365.cloudbackupjobs", {}, {"jobState": "3", "apiKey": SENTINEL_KEY}, max_pages=2,
                                  page_size=5)
            async for _ in pager.pages():
                pass
            from tui.api.errors import HttpError
            with pytest.raises(HttpError):
                await session.request("m365.cloudbackupjobs-item", {"jobId": "NOSUCHJOB"})
            tokens.extend(t.access_token for t in session.tokens.tokens.values())

    asyncio.run(browse())
    text = store.path.read_text()
    assert tokens
    for secret in (SENTINEL_SECRET, SENTINEL_KEY, *tokens, *(t[-12:] for t in tokens)):
        assert secret not in text
    assert "apiKey" not in text and "Bearer" not in text and "client_secret" not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["endpoint"] for r in records] == ["m365.cloudbackupjobs", "m365.cloudbackupjobs",
                                                "m365.cloudbackupjobs-item"]
    first, second, item = records
    assert first["params"] == {"jobState": "3", "pageSize": "5"} and "more" not in first
    assert second["more"] is True and "pageIndex" not in second["params"]          # a later page
    assert item["path_params"] == {"jobId": "NOSUCHJOB"} and item["status"] == 404
    assert all(r["request_id"] and r["ms"] is not None and r["time"].endswith("Z") for r in records)
    assert not any(k in r for r in records for k in ("body", "headers", "json", "url"))


def test_token_exchanges_are_not_history(sim):
    from tui.api.exchange import Exchange
    ex = Exchange(id=1, started_at=T0, method="POST", raw_url=sim.token_url, kind="token",
                  request_body={"client_secret": SENTINEL_SECRET})
    assert entry_from_exchange("t", ex, load_catalog()) is None


@pytest.mark.parametrize("name", ["skipToken", "access_token", "client_secret", "password", "x-api-key"])
def test_secret_named_fields_in_a_hand_edited_line_are_dropped(tmp_path, name):
    path = tmp_path / "h.jsonl"
    record = {"tenant": "t", "time": "2026-11-02T09:30:00Z", "method": "GET", "params": {name: "v", "top": "5"},
              "path_params": {name: "v"}}
    path.write_text(json.dumps(record) + "\n")
    (e,), _ = HistoryStore(path).load()
    assert e.params == {"top": "5"} and e.path_params == {}
