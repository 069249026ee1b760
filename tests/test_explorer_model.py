"""The explorer's model: its transitions, without Textual or a pilot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tui.catalog import load_catalog
from tui.ui.explorer.model import ExplorerModel, page_size, status_text


@dataclass
class FakePage:
    items: Any
    total: int | None = None
    exchange: Any = None
    notice: str | None = None


@dataclass
class FakeExchange:
    elapsed: float | None = 0.183
    request_id: str | None = "req-1"
    token_scopes: tuple = ()


class HttpError(Exception):
    def __init__(self, status: int, exchange: Any = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.exchange = status, exchange


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def model(catalog):
    m = ExplorerModel()
    m.open(catalog.get("aos.jobs"), {}, {})
    return m


class TestPages:
    def test_a_page_appends_labelled_rows_and_counts(self, model):
        v = model.view
        model.start()
        rows = model.apply_page(v.token, FakePage([{"id": 1}, {"id": 2}], total=5, exchange=FakeExchange()), False)
        assert [r["id"] for r in rows] == [1, 2]
        assert (v.loaded, v.pages, v.total, v.done) == (2, 1, 5, False)
        assert status_text(v, "", 2).plain.startswith("2 of 5 · page 1 · 183 ms · request-id req-1")

    def test_scalars_become_rows(self, model):
        rows = model.apply_page(model.view.token, FakePage("x"), True)
        assert rows == [{"value": "x"}] and model.view.done

    def test_a_superseded_view_ignores_late_messages(self, model, catalog):
        old = model.view.token
        model.open(catalog.get("aos.jobs"), {}, {})
        assert model.apply_page(old, FakePage([{"id": 1}]), False) is None
        assert model.apply_failure(old, HttpError(500)) is None
        assert model.apply_stopped(old, True, False) is None
        assert model.view.loaded == 0 and model.view.error is None

    def test_reopen_keeps_the_endpoint_and_takes_new_params(self, model):
        first = model.view
        v = model.reopen({"state": "Failed"})
        assert v.token > first.token and v.endpoint is first.endpoint and v.params == {"state": "Failed"}
        assert model.reopen().params == {"state": "Failed"}


class TestFailures:
    def test_a_failed_page_keeps_the_rows_and_says_what_failed(self, model):
        v = model.view
        model.apply_page(v.token, FakePage([{"id": 1}]), False)
        model.start()
        model.apply_failure(v.token, HttpError(500))
        assert v.loaded == 1 and not v.loading and "HTTP 500" in v.error
        assert "r retries from this page" in status_text(v, "", 1).plain
        assert model.retry() == "continue" and v.error is None

    def test_a_403_names_the_scope(self, model):
        v = model.view
        model.apply_failure(v.token, HttpError(403))
        assert v.status == 403 and "missing scope" in v.hint and "P permissions" in v.hint
        assert "needs" in v.error

    def test_stopped_by_the_user_says_how_to_continue(self, model):
        v = model.view
        model.start()
        model.apply_stopped(v.token, True, False)
        assert not v.loading and "press r to continue" in v.notice
        assert model.retry() == "continue"

    def test_r_reloads_a_finished_view(self, model):
        v = model.view
        model.apply_page(v.token, FakePage([{"id": 1}]), True)
        model.apply_stopped(v.token, False, True)
        assert model.retry() == "reload"


class TestWaitsAndScopes:
    def test_a_retry_wait_counts_down(self, model):
        v = model.view
        model.start()
        assert model.apply_waiting(v.token, 90, "throttled (429)", now=10.0) is v
        assert "throttled (429), retrying in 90 s…" in status_text(v, "", 0, now=10.0).plain

    def test_scopes_are_learned_from_exchanges_once(self, model):
        assert model.record(FakeExchange(token_scopes=("Audit.Read.All",)))
        assert not model.record(FakeExchange(token_scopes=("audit.read.all",)))
        assert model.granted == {"audit.read.all"} and len(model.history) == 2

    def test_form_values_split_into_path_and_query(self, catalog):
        m = ExplorerModel()
        endpoint = next(e for e in catalog.endpoints if e.path_params and e.read_only)
        name = endpoint.path_params[0]
        m.open(endpoint, {}, {})
        assert m.submit({name: "abc", "extra": 1}) == {"extra": 1}
        assert m.view.context[name] == "abc"


def test_page_size_is_100_where_the_endpoint_allows(catalog):
    sizes = {page_size(e) for e in catalog.endpoints}
    assert None in sizes and max(s for s in sizes if s) <= 100
