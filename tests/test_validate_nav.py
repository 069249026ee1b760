"""Parameter checks before any request, drill-down edges, 401/403 hints, atomic file writes."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from tui.catalog import load_catalog
from tui.catalog.navigation import item_edges, parent_context
from tui.catalog.validate import parse_since, preset_window, validate_params
from tui.files import write_text_atomic
from tui.hints import permission_hint


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


class TestValidate:
    def test_required_parameters_are_named_with_allowed_values(self, catalog):
        d365 = catalog.get("d365.jobs")
        clean, errors = validate_params(d365, {})
        assert {"type", "startTime", "finishTime"} <= set(errors)
        assert "allowed" in errors["type"] and "backup" in errors["type"]

    def test_enum_by_value_or_label(self, catalog):
        m365 = catalog.get("m365.cloudbackupjobs")
        clean, errors = validate_params(m365, {"jobState": "Failed"})
        assert not errors and clean["jobState"] == "3"
        clean, errors = validate_params(m365, {"jobState": "9"})
        assert "allowed" in errors["jobState"] and "3 (Failed)" in errors["jobState"]

    def test_audit_window_limited_to_seven_days(self, catalog):
        audit = catalog.get("aos.audit")
        now = datetime(2026, 11, 28, tzinfo=timezone.utc)
        ok = {"startTime": (now - timedelta(days=7)).isoformat(), "endTime": now.isoformat()}
        assert validate_params(audit, ok)[1] == {}
        bad = {"startTime": (now - timedelta(days=8)).isoformat(), "endTime": now.isoformat()}
        assert "no more than 7 days" in validate_params(audit, bad)[1]["endTime"]
        # a 30-day preset is clipped to the documented limit
        window = preset_window(audit, "30d", now=now)
        assert window["startTime"].startswith("2026-11-21")

    def test_page_size_limit(self, catalog):
        customers = catalog.get("elements.customers")
        assert "at most 100" in validate_params(customers, {"pageSize": "500"})[1]["pageSize"]

    def test_parse_since(self):
        assert parse_since("24h") == timedelta(hours=24)
        assert parse_since("7d") == timedelta(days=7)
        with pytest.raises(ValueError):
            parse_since("soon")


class TestNavigation:
    def test_customer_leads_to_its_jobs_and_tenants_to_theirs(self, catalog):
        customers = catalog.get("elements.customers")
        item = {"id": "C1", "organization": "Contoso", "tenants": [{"id": "T1", "name": "contoso.onmicrosoft.com"}]}
        targets = {t.id: ctx for t, ctx in item_edges(catalog, customers, item, {})}
        assert targets["elements.avpt-products-jobs"] == {"customerId": "C1"}
        assert all(not t.startswith("elements.users-") for t in targets)        # writes are not offered
        base = parent_context(customers, item, {}, "tenants")
        sub = {t.id: ctx for t, ctx in item_edges(catalog, customers, item["tenants"][0], base, child="tenants")}
        assert sub["elements.security-users"] == {"customerId": "C1", "tenantId": "T1"}

    def test_m365_job_leads_to_its_detail(self, catalog):
        jobs = catalog.get("m365.cloudbackupjobs")
        [(target, ctx)] = item_edges(catalog, jobs, {"id": "J1"}, {})
        assert target.id == "m365.cloudbackupjobs-item" and ctx == {"jobId": "J1"}


def test_permission_hint_names_the_scope_and_where_to_add_it(catalog):
    e = catalog.get("m365.cloudbackupjobs")
    hint = permission_hint(e, 403, {"audit.read.all"})
    assert "microsoft365backup.jobInfo.read.all" in hint and "does not hold" in hint
    assert "Administration > App registrations" in hint
    assert "API app registration" in permission_hint(catalog.get("elements.customers"), 403, None)


def test_write_text_atomic_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")
    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
