"""Issue 19, item 9: `avegraph get` refuses parameters the endpoint does not document (naming the
ones it does; ``--raw`` sends them on purpose) and uses the explorer's defaults (page size, the
7-day window of job lists, ``--since``), so a user sees the same rows in both."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.test_api_cli import cfg, run, sim_tenant, write_config  # noqa: F401 - fixtures
from tests.ui_helpers import make_app, open_explorer, settle
from tui import clock
from tui.catalog import load_catalog


def last_request(sim, prefix):
    return [r for r in sim.requests if r.path.startswith(prefix)][-1]


@pytest.fixture
def frozen():
    """The explorer and `get` compute "the last 7 days" at the same instant."""
    clock.freeze(datetime.now(timezone.utc).replace(microsecond=0))
    yield
    clock.thaw()


# -- unknown parameter names ----------------------------------------------------------------------------

def test_an_unknown_parameter_is_refused_with_the_endpoints_names(sim, cfg, capsys):  # noqa: F811
    n = len(sim.requests)
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "nosuch=1")
    assert code == 2 and out == ""
    assert "m365.cloudbackupjobs has no parameter 'nosuch'" in err
    endpoint = load_catalog().get("m365.cloudbackupjobs")
    for p in endpoint.params:
        assert p.name in err
    assert "--raw" in err
    assert len(sim.requests) == n                                      # nothing was sent


def test_a_typo_gets_the_close_name(sim, cfg, capsys):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "jobstat=3")
    assert code == 2 and "did you mean jobState?" in err


def test_an_unknown_parameter_in_a_concrete_url_is_refused_too(sim, cfg, capsys):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "/backup/m365/cloudbackupjobs?jobstate=3&colour=red")
    assert code == 2 and "'colour'" in err and "'jobstate'" not in err   # names match case-insensitively


def test_raw_sends_an_undocumented_parameter_on_purpose(sim, cfg, capsys):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "nosuch=1", "--raw")
    assert code == 0, err
    assert last_request(sim, "/backup/m365/cloudbackupjobs").query.get("nosuch") == "1"


# -- the explorer's defaults -----------------------------------------------------------------------------

def test_a_job_list_gets_the_explorers_window_and_page_size(sim, cfg, capsys, frozen):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs")
    assert code == 0, err
    q = last_request(sim, "/backup/m365/cloudbackupjobs").query
    now = clock.utc_now()
    assert q["startTime"] == (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert q["finishTime"] == now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert q["pageSize"] == "100"


@pytest.mark.parametrize("since, days", [("24h", 1), ("30d", 30)])
def test_since_sets_the_window(sim, cfg, capsys, frozen, since, days):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "--since", since)
    assert code == 0, err
    q = last_request(sim, "/backup/m365/cloudbackupjobs").query
    assert q["startTime"] == (clock.utc_now() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_since_an_iso_date_all_and_mistakes(sim, cfg, capsys, frozen):  # noqa: F811
    start = (clock.utc_now() - timedelta(days=3)).strftime("%Y-%m-%d")
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "--since", start)
    assert code == 0, err
    assert last_request(sim, "/backup/m365/cloudbackupjobs").query["startTime"] == start + "T00:00:00Z"
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "--since", "all")
    assert code == 0, err
    assert "startTime" not in last_request(sim, "/backup/m365/cloudbackupjobs").query
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "--since", "fortnight")
    assert code == 2 and "--since" in err and "24h" in err
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "--since", "7d",
                         "-p", "startTime=2026-01-01")
    assert code == 2 and "both set the time window" in err
    code, out, err = run(capsys, "get", "--config", cfg, "aos.jobs", "--since", "7d")
    assert code == 2 and "aos.jobs has no time window" in err


def test_an_explicit_start_time_is_kept(sim, cfg, capsys):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "startTime=2026-01-01")
    assert code == 0, err
    q = last_request(sim, "/backup/m365/cloudbackupjobs").query
    assert q["startTime"].startswith("2026-01-01") and "finishTime" not in q


def test_a_longer_window_than_documented_is_shortened_with_a_note(sim, cfg, capsys, frozen):  # noqa: F811
    endpoint = load_catalog().get("aos.audit")
    from tui.catalog.validate import window_limit_days
    limit = window_limit_days(endpoint)
    assert limit is not None and limit < 30
    code, out, err = run(capsys, "get", "--config", cfg, "aos.audit", "--since", "30d")
    assert f"shortened to the documented maximum of {limit} days" in err


def test_page_size_given_by_the_user_wins(sim, cfg, capsys):  # noqa: F811
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", "-p", "pageSize=7")
    assert code == 0 and len(json.loads(out)) == 7


def test_get_shows_the_rows_the_explorer_shows(sim, cfg, capsys, tmp_path, frozen):  # noqa: F811
    import asyncio
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs")
    assert code == 0, err
    cli_ids = [r["id"] for r in json.loads(out)]

    async def explorer_ids():
        app = make_app(sim, tmp_path / "app.toml")
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_explorer(pilot)
            screen.open_endpoint(app.catalog.get("m365.cloudbackupjobs"), {}, {})
            await settle(pilot)
            return [r["id"] for r in screen.view.items]
    assert len(cli_ids) == 100 and cli_ids == asyncio.run(explorer_ids())


def test_continuing_pages_the_same_window_not_a_moved_one(sim, cfg, capsys, frozen):  # noqa: F811
    """The default window moves with the clock: the hint to continue pins the one this run used."""
    import shlex
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs")
    assert code == 0, err
    q = last_request(sim, "/backup/m365/cloudbackupjobs").query
    hint = next(ln for ln in err.splitlines() if "more pages exist" in ln)
    assert f"-p startTime={q['startTime']} -p finishTime={q['finishTime']} -p pageIndex=" in hint
    first = {r["id"] for r in json.loads(out)}
    again = shlex.split(hint.split("continue with ", 1)[1].rstrip(")"))
    clock.freeze(clock.utc_now() + timedelta(hours=1))                 # an hour later
    code, out, err = run(capsys, "get", "--config", cfg, "m365.cloudbackupjobs", *again)
    assert code == 0, err
    q2 = last_request(sim, "/backup/m365/cloudbackupjobs").query
    assert (q2["startTime"], q2["finishTime"]) == (q["startTime"], q["finishTime"])
    assert first.isdisjoint(r["id"] for r in json.loads(out))       # page 2 of the same window
