"""Enum path parameters ({productName}, {type}, {productType}) and the legacy {JobType}/{JobModule}:
the CLI names the documented values and the exact -p to add, a label is sent as its value, the tree's
edges fill them (one per value of a small enum), and the parameter form offers them as a picker."""

from __future__ import annotations

import pytest
import tomli_w
from textual.app import App, ComposeResult
from textual.widgets import Input, Select

from tests.faults import FaultServer
from tests.ui_helpers import settle
from tui.catalog import load_catalog
from tui.catalog.navigation import item_edges, parent_context
from tui.cli import main
from tui.ui.widgets.params_form import ParamsForm

OVERVIEW = "elements.type-overview"          # .../avpt-products/type/{productType}/overview


@pytest.fixture(scope="module")
def server():
    fs = FaultServer().start()
    fs.route("/", "json", body={"productType": 2048, "purchasedUserSeat": 10})
    yield fs
    fs.stop()


@pytest.fixture(scope="module")
def config(server, tmp_path_factory):
    path = tmp_path_factory.mktemp("enum") / "config.toml"
    path.write_text(tomli_w.dumps({"tenants": [{
        "name": "enum", "client_id": "enum-client", "client_secret": "enum-secret-value-0001",
        "api_url": server.base_url, "elements_url": server.base_url, "token_url": server.token_url}]}))
    path.chmod(0o600)
    return str(path)


# -- CLI ------------------------------------------------------------------------------------------------------

def test_missing_enum_path_param_lists_values_with_labels_and_the_exact_p(config, server, capsys):
    server.requests.clear()
    code = main(["get", "--config", config, OVERVIEW, "-p", "customerId=C1"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "needs productType" in err
    assert "2048 (Cloud Backup for Microsoft 365)" in err and "1 (DocAve Online)" in err
    assert "add -p productType=1" in err
    assert not [r for r in server.requests if "/partner/" in r.path]     # nothing was sent


def test_wrong_enum_path_value_is_refused_with_the_values(config, capsys):
    code = main(["get", "--config", config, OVERVIEW, "-p", "customerId=C1", "-p", "productType=7"])
    _, err = capsys.readouterr()
    assert code == 2 and "'7' is not allowed for productType" in err and "4096 (Cloud Management)" in err
    assert "add -p productType=1" in err


def test_missing_free_text_path_params_name_the_template(config, capsys):
    code = main(["get", "--config", config, "elements-legacy.jobtype-jobmodule-item", "-p", "id=C1"])
    _, err = capsys.readouterr()
    assert code == 2 and "needs JobType, JobModule" in err and "add -p JobType=VALUE -p JobModule=VALUE" in err


def test_enum_path_param_given_by_label_is_sent_as_its_value(config, server, capsys):
    server.requests.clear()
    code = main(["get", "--config", config, OVERVIEW, "-p", "customerId=C1",
                 "-p", "productType=Cloud Backup for Microsoft 365"])
    out, err = capsys.readouterr()
    assert code == 0, err
    [sent] = [r for r in server.requests if "/partner/" in r.path]
    assert sent.path.endswith("/customers/C1/avpt-products/type/2048/overview")


# -- navigation -------------------------------------------------------------------------------------------------

def test_customer_edges_fill_the_small_enums_and_leave_the_large_one_to_the_picker():
    catalog = load_catalog()
    customers = catalog.get("elements.customers")
    item = {"id": "C1", "tenants": [{"id": "T1", "name": "contoso.onmicrosoft.com"}]}
    edges = item_edges(catalog, customers, item, {})
    seats = [(t.title, ctx) for t, ctx in edges if t.id == "elements.type-tenants"]
    assert [ctx["type"] for _, ctx in seats] == ["0", "1", "2", "3"]
    assert seats[0][0].endswith(": Microsoft 365") and seats[2][0].endswith(": Google")
    [(overview, ctx)] = [(t, c) for t, c in edges if t.id == OVERVIEW]
    assert ctx == {"customerId": "C1"}                    # 22 products: the form's picker asks
    base = parent_context(customers, item, {}, "tenants")
    apps = [ctx for t, ctx in item_edges(catalog, customers, item["tenants"][0], base, child="tenants")
            if t.id == "elements.product-apps"]
    assert [a["productName"] for a in apps] == ["PartnerTenantSettingManagement", "PartnerWorkspaceOnboarding"]
    assert all(a["customerId"] == "C1" and a["tenantId"] == "T1" for a in apps)


def test_legacy_job_fills_jobtype_and_jobmodule_from_its_fields():
    catalog = load_catalog()
    jobs = catalog.get("elements-legacy.customers-jobs")
    [(target, ctx)] = item_edges(catalog, jobs, {"jobType": "Microsoft 365", "jobModule": "SharePoint Online"},
                                 {"id": "C1"})
    assert target.id == "elements-legacy.jobtype-jobmodule-item"
    assert ctx == {"id": "C1", "JobType": "Microsoft 365", "JobModule": "SharePoint Online"}
    assert target.format_path(ctx).endswith("/jobType/Microsoft%20365/jobModule/SharePoint%20Online")


# -- the parameter form --------------------------------------------------------------------------------------

class FormApp(App):
    def __init__(self, form: ParamsForm) -> None:
        super().__init__()
        self.form = form

    def compose(self) -> ComposeResult:
        yield self.form


async def test_form_offers_an_enum_path_param_as_a_picker():
    endpoint = load_catalog().get(OVERVIEW)
    form = ParamsForm(endpoint, {}, missing_path=["productType"])
    async with FormApp(form).run_test() as pilot:
        select = form.query_one("#param-productType", Select)
        values = [v for _, v in select._options if v is not Select.NULL]
        assert "2048" in values and len(values) == len(endpoint.param("productType").enum)
        clean, errors = form.validate()
        assert "productType" in errors and "documented values" in errors["productType"]
        select.value = "2048"
        await settle(pilot)
        clean, errors = form.validate()
        assert not errors and clean == {"productType": "2048"}


async def test_form_asks_for_legacy_path_params_under_their_template_names():
    endpoint = load_catalog().get("elements-legacy.jobtype-jobmodule-item")
    form = ParamsForm(endpoint, {}, missing_path=["JobType", "JobModule"])
    async with FormApp(form).run_test() as pilot:
        form.query_one("#param-jobType", Input).value = "Microsoft 365"
        form.query_one("#param-jobModule", Input).value = "Exchange Online"
        await settle(pilot)
        clean, errors = form.validate()
        assert not errors and clean == {"JobType": "Microsoft 365", "JobModule": "Exchange Online"}
