"""The tenant screen and the tenant form, driven by the pilot against real config files in tmp_path.

Nothing here reaches the network: configured tenants point at 127.0.0.1 (the simulator, or a
closed port) and the demo tenants at the app's own in-process simulator.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Collapsible, Input, Select, Static

from tests.ui_helpers import settle, steady_cursors
from tui.tenants import DemoRuntime, TenantDirectory
from tui.ui.app import AvegraphApp
from tui.ui.screens.tenant_form import TenantForm
from tui.ui.screens.tenants import ConfirmDelete, TenantScreen, TenantTable
from tui.ui.widgets.notice_box import NoticeBox

CONTOSO = """\
default_tenant = "contoso-prod"
# a top-level key this version does not know
team = "ops"

[[tenants]]
name = "contoso-prod"
environment = "commercial"
data_center = "us"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret_env = "CONTOSO_SECRET"
accent = "red"
favourite_colour = "teal"
"""

LOOPBACK = 'api_url = "http://127.0.0.1:9"\nelements_url = "http://127.0.0.1:9"\ntoken_url = "http://127.0.0.1:9/connect/token"\n'


def make_app(path: Path) -> AvegraphApp:
    return AvegraphApp(TenantDirectory(path, DemoRuntime(seed=1)))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def plain(widget: Static) -> str:
    """What a Static shows, as plain text."""
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def screen_text(app: AvegraphApp) -> str:
    return "\n".join(plain(s) for s in app.screen.query(Static) if isinstance(s.content, (str, Text)))


async def click_notice_action(pilot, label: str) -> None:
    """Click an action of the notice where it is drawn (they are spans of the notice's text)."""
    box = pilot.app.screen.query_one(NoticeBox)
    lines = box.render_lines(Region(0, 0, box.outer_size.width, box.outer_size.height))
    for y, line in enumerate(lines):
        if (x := line.text.find(label)) >= 0:
            await pilot.click(NoticeBox, offset=(x + 1, y))
            return
    raise AssertionError(f"{label!r} is not in the notice")


def names_in_table(app: AvegraphApp) -> list[str]:
    table = app.screen.query_one(TenantTable)
    return [table.get_row_at(i)[1].plain for i in range(table.row_count)]


async def set_fields(pilot, form: TenantForm, **values: str) -> None:
    for key, value in values.items():
        widget = form.query_one(f"#{key}")
        if isinstance(widget, Select):
            widget.value = value if value else Select.NULL
        else:
            assert isinstance(widget, Input)
            widget.value = value
    await settle(pilot)


def error_of(form: TenantForm, key: str) -> str:
    label = form.query_one(f"#error-{key}", Static)
    return plain(label) if label.has_class("-visible") else ""


async def open_form(pilot, key: str = "a") -> TenantForm:
    await pilot.press(key)
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, TenantForm)
    return form


async def save(pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)
    await settle(pilot)


# ------------------------------------------------------------------------------------------------
# Listing
# ------------------------------------------------------------------------------------------------


async def test_no_config_file_says_where_it_goes_and_lists_the_demo(tmp_path):
    path = tmp_path / "nowhere" / "config.toml"
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
        notice = plain(app.screen.query_one("#notice", Static))
        assert "No config file yet" in notice
        assert str(path) in notice
        assert app.screen.query_one(NoticeBox).action_labels == ["Add tenant (a)", "Open demo-aos"]
        assert names_in_table(app) == ["demo-aos", "demo-partner", "demo-restricted"]
        table = app.screen.query_one(TenantTable)
        assert all(table.get_row_at(i)[2].plain.strip() == "DEMO" for i in range(3))
        assert "every Modern API scope" in table.get_row_at(0)[7].plain
    assert not path.exists()  # looking never creates the file


async def test_configured_tenants_are_listed_before_the_demo(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO)
    app = make_app(path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert names_in_table(app) == ["contoso-prod", "demo-aos", "demo-partner", "demo-restricted"]
        row = app.screen.query_one(TenantTable).get_row_at(0)
        assert row[0].plain == "★"  # the default tenant
        assert [c.plain for c in row[2:6]] == ["commercial", "us", "secret", "11111111…"]
        assert row[6].plain == "██ red"
        # the loader's warnings are shown (here: an unknown key that is kept)
        assert "unknown key 'favourite_colour'" in plain(app.screen.query_one("#notice", Static))
        assert app.screen.has_class("-wide")


async def test_config_error_is_shown_in_full_and_the_demo_stays_usable(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO.replace('data_center = "us"', 'data_center = "mars"'))
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        notice = plain(app.screen.query_one("#notice", Static))
        assert str(path) in notice and "contoso-prod" in notice and "data_center" in notice
        assert "mars" in notice and "Fix:" in notice
        assert names_in_table(app) == ["demo-aos", "demo-partner", "demo-restricted"]
        # fixed on disk, then r
        path.write_text(CONTOSO, encoding="utf-8")
        await pilot.press("r")
        await settle(pilot)
        assert names_in_table(app)[0] == "contoso-prod"
        assert "has an error" not in plain(app.screen.query_one("#notice", Static))


@pytest.mark.parametrize("name", ["[bold]x[/]", "[@click=app.quit]x[/]"])
async def test_markup_in_a_tenant_name_is_shown_literally(tmp_path, name):
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    path = write(tmp_path / "config.toml", f"""\
[[tenants]]
name = "{escaped}"
data_center = "us"
client_id = "abc"
client_secret_env = "X_SECRET"
{LOOPBACK}""")
    app = make_app(path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert names_in_table(app)[0] == name
        assert name in plain(app.screen.query_one("#detail", Static))
        # click the name cell (a first click only highlights; nothing may act on the text)
        await pilot.press("down")
        await settle(pilot)
        await pilot.click(TenantTable, offset=(4, 1))
        await settle(pilot)
        await pilot.click("#detail", offset=(2, 0))
        await settle(pilot)
        assert app.is_running and app.return_code is None
        form = await open_form(pilot, "e")
        assert form.query_one("#name", Input).value == name
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert app.is_running and app.return_code is None


# ------------------------------------------------------------------------------------------------
# Add, edit, delete, default
# ------------------------------------------------------------------------------------------------


async def test_add_a_tenant_through_the_form(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO)
    os.chmod(path, 0o644)
    before = tomllib.loads(CONTOSO)
    app = make_app(path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        form = await open_form(pilot)
        await pilot.press(*"fabrikam")
        await set_fields(pilot, form, environment="commercial", data_center="de",
                         client_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", client_secret_env="FABRIKAM_SECRET",
                         scopes="audit.read.all, microsoft365backup.jobInfo.read.all", accent="blue")
        await pilot.click("#save")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert app.screen.current_name == "fabrikam"  # the saved tenant is highlighted
        assert names_in_table(app)[:2] == ["contoso-prod", "fabrikam"]

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert doc["tenants"][0] == before["tenants"][0]  # the other tenant and its unknown key, untouched
    assert doc["team"] == "ops" and doc["default_tenant"] == "contoso-prod"
    assert doc["tenants"][1] == {
        "name": "fabrikam", "environment": "commercial", "data_center": "de",
        "client_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "auth": "secret",
        "client_secret_env": "FABRIKAM_SECRET",
        "scopes": ["audit.read.all", "microsoft365backup.jobInfo.read.all"], "accent": "blue",
    }


async def test_add_creates_the_missing_file_with_a_certificate_tenant(tmp_path):
    path = tmp_path / "new" / "config.toml"
    cert = write(tmp_path / "cert.pem", "not really a certificate, but readable")
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await click_notice_action(pilot, "Add tenant (a)")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TenantForm)
        await set_fields(pilot, form, name="northwind", data_center="uk", client_id="cid", auth="certificate")
        assert not form.query_one("#field-client_secret_env").display
        assert form.query_one("#field-certificate_path").display
        await set_fields(pilot, form, certificate_path=str(cert), certificate_password_env="NW_PASSWORD")
        await save(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert not app.screen.query_one("#notice").display
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (tenant,) = tomllib.loads(path.read_text(encoding="utf-8"))["tenants"]
    assert tenant["auth"] == "certificate" and tenant["certificate_path"] == str(cert)
    assert tenant["certificate_password_env"] == "NW_PASSWORD"
    assert "client_secret_env" not in tenant


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        pytest.param({"data_center": ""}, "data_center", "needs a data center", id="no-data-center"),
        pytest.param({"client_id": ""}, "client_id", "client_id is missing", id="no-client-id"),
        pytest.param({"api_url": "http://graph.example.com"}, "api_url", "plain http://", id="http-url"),
        pytest.param({"client_secret_env": "s3cr3t value!"}, "client_secret_env", "NAME of an environment",
                     id="secret-pasted-as-env-name"),
        pytest.param({"name": "contoso-prod"}, "name", "already exists", id="duplicate-name"),
        pytest.param({"name": "demo-aos"}, "name", "demo tenant", id="demo-name"),
    ],
)
async def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_written(tmp_path, fields, key, words):
    path = write(tmp_path / "config.toml", CONTOSO)
    original = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    app = make_app(path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        form = await open_form(pilot)
        good = {"name": "fabrikam", "data_center": "us", "client_id": "cid", "client_secret_env": "FAB_SECRET"}
        await set_fields(pilot, form, **{**good, **fields})
        await save(pilot)
        assert app.screen is form  # still open
        assert words in error_of(form, key)
        assert form.query_one(f"#field-{key}").has_class("-invalid")
        assert [k for k in ("name", "data_center", "client_id", "client_secret_env", "api_url")
                if k != key and error_of(form, k)] == []
        if key == "api_url":
            assert not form.query_one("#advanced", Collapsible).collapsed
        # fixing it clears the message and saves
        await set_fields(pilot, form, **{k: good.get(k, "") for k in fields})
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
    assert path.read_bytes() == original and path.stat().st_mtime_ns == mtime


async def test_invalid_input_without_a_file_creates_nothing(tmp_path):
    path = tmp_path / "config.toml"
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await open_form(pilot)
        await set_fields(pilot, form, name="x", data_center="us")
        await save(pilot)
        assert "client_id is missing" in error_of(form, "client_id")
        assert "needs a secret source" in error_of(form, "client_secret_env")
        assert form.query_one("#form-general").display
    assert not path.exists()


async def test_edit_renames_and_keeps_what_the_form_does_not_show(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO.replace('accent = "red"\n', 'accent = "red"\nproxy = "http://proxy.corp:3128"\ntimeout_read = 90\n'))
    app = make_app(path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "e")
        assert form.query_one("#client_secret_env", Input).value == "CONTOSO_SECRET"
        assert form.query_one("#data_center", Select).value == "us"
        await set_fields(pilot, form, name="contoso-production")
        await save(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert app.screen.current_name == "contoso-production"
        assert names_in_table(app)[0] == "contoso-production"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    (tenant,) = doc["tenants"]
    assert tenant["name"] == "contoso-production"
    assert doc["default_tenant"] == "contoso-production"
    assert tenant["favourite_colour"] == "teal" and tenant["proxy"] == "http://proxy.corp:3128"
    assert tenant["timeout_read"] == 90 and tenant["client_secret_env"] == "CONTOSO_SECRET"


async def test_edit_keeps_a_literal_secret_without_showing_it(tmp_path):
    secret = "very-secret-value-123"
    path = write(tmp_path / "config.toml", CONTOSO.replace('client_secret_env = "CONTOSO_SECRET"',
                                                           f'client_secret = "{secret}"'))
    os.chmod(path, 0o600)
    app = make_app(path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "e")
        assert secret not in screen_text(app)
        assert all(secret not in i.value for i in form.query(Input))
        assert "written literally" in plain(form.query_one("#form-note", Static))
        await set_fields(pilot, form, scopes="audit.read.all")
        await save(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert secret not in screen_text(app)
    (tenant,) = tomllib.loads(path.read_text(encoding="utf-8"))["tenants"]
    assert tenant["client_secret"] == secret and tenant["scopes"] == ["audit.read.all"]


async def test_delete_asks_first(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO + """
[[tenants]]
name = "fabrikam"
data_center = "de"
client_id = "cid"
client_secret_env = "FAB_SECRET"
""")
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert names_in_table(app)[:2] == ["contoso-prod", "fabrikam"]

        await pilot.press("d")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert names_in_table(app)[0] == "fabrikam"
        assert app.screen.current_name == "fabrikam"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert [t["name"] for t in doc["tenants"]] == ["fabrikam"]
    assert "default_tenant" not in doc and doc["team"] == "ops"


async def test_demo_tenants_cannot_be_edited_deleted_or_made_default(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO)
    original = path.read_bytes()
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.select_tenant("demo-partner")
        await settle(pilot)
        for key in ("e", "d", "asterisk"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, TenantScreen)
        assert len(app._notifications) == 3
    assert path.read_bytes() == original


async def test_star_sets_the_default_tenant(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO + """
[[tenants]]
name = "fabrikam"
data_center = "de"
client_id = "cid"
client_secret_env = "FAB_SECRET"
""")
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "asterisk")
        await settle(pilot)
        table = app.screen.query_one(TenantTable)
        assert [table.get_row_at(i)[0].plain for i in range(2)] == ["", "★"]
        assert app.screen.current_name == "fabrikam"
    assert tomllib.loads(path.read_text(encoding="utf-8"))["default_tenant"] == "fabrikam"


async def test_enter_opens_the_explorer(tmp_path, monkeypatch):
    opened: list[str] = []
    app = make_app(tmp_path / "config.toml")
    monkeypatch.setattr(app, "open_explorer", opened.append)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        # a click highlights, a second click on the same row opens
        await pilot.click(TenantTable, offset=(4, 3))
        await settle(pilot)
        assert opened == ["demo-partner"]
        await pilot.click(TenantTable, offset=(4, 3))
        await settle(pilot)
    assert opened == ["demo-partner", "demo-restricted"]


async def test_escape_cancels_the_form_and_writes_nothing(tmp_path):
    path = tmp_path / "config.toml"
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await open_form(pilot)
        await set_fields(pilot, form, name="x", data_center="us", client_id="c", client_secret_env="S")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
    assert not path.exists()


async def test_data_centers_follow_the_environment(tmp_path):
    app = make_app(tmp_path / "config.toml")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        form = await open_form(pilot)
        select = form.query_one("#data_center", Select)
        labels = [str(prompt) for prompt, _ in select._options if _ is not Select.NULL]
        assert "us — US - East" in labels and "gov — AOS-US Gov" not in labels
        await set_fields(pilot, form, environment="gov")
        assert select.value == "gov"
        assert [v for _, v in select._options if v is not Select.NULL] == ["gov"]


# ------------------------------------------------------------------------------------------------
# Test connection
# ------------------------------------------------------------------------------------------------


async def test_test_connection_on_the_demo_shows_the_granted_scopes(tmp_path):
    app = make_app(tmp_path / "config.toml")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.screen.current_name == "demo-aos"
        await pilot.press("x")
        await settle(pilot)
        box = app.screen.query_one("#test-result", Static)
        result = plain(box)
        assert box.display and box.has_class("-ok")
        assert "token granted" in result
        assert "audit.read.all" in result.lower()
        assert "microsoft365backup.jobinfo.read.all" in result.lower()


async def test_test_connection_with_a_bad_secret_shows_the_invalid_client_hint(tmp_path, sim):
    secret = write(tmp_path / "wrong.secret", "not-the-secret")
    path = write(tmp_path / "config.toml", f"""\
[[tenants]]
name = "bad-secret"
data_center = "us"
client_id = "de30a050-0000-4000-a000-000000000001"
client_secret_file = "{secret}"
api_url = "{sim.base_url}"
elements_url = "{sim.base_url}"
token_url = "{sim.token_url}"
""")
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        result = plain(app.screen.query_one("#test-result", Static))
        assert app.screen.query_one("#test-result").has_class("-failed")
        assert "invalid_client" in result
        assert "check client_id, the client secret" in result
        assert "not-the-secret" not in result


async def test_test_connection_again_cancels_the_first(tmp_path):
    path = write(tmp_path / "config.toml", CONTOSO.replace('accent = "red"', 'accent = "red"\n' + LOOPBACK))
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        # x twice within one tick (pilot.press would wait for the first test to finish)
        screen.action_test()
        first = [w for w in app.workers if w.group == "test-connection"]
        screen.action_test()
        second = [w for w in app.workers if w.group == "test-connection" and w not in first]
        assert len(first) == 1 and len(second) == 1
        await second[0].wait()
        await settle(pilot)
        assert first[0].is_cancelled and second[0].is_finished
        assert "contoso-prod" in plain(screen.query_one("#test-result", Static))


async def test_test_connection_names_a_missing_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTOSO_SECRET", raising=False)
    path = write(tmp_path / "config.toml", CONTOSO.replace('accent = "red"', 'accent = "red"\n' + LOOPBACK))
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        result = plain(app.screen.query_one("#test-result", Static))
        assert "CONTOSO_SECRET is not set" in result


# ------------------------------------------------------------------------------------------------
# Snapshots (Posting style: a class per feature, fixed sizes). HOME points at tmp_path so every
# path shows as ~/.config/avegraph/config.toml; no demo server is started (no port on screen).
# ------------------------------------------------------------------------------------------------

TWO_TENANTS = """\
default_tenant = "contoso-prod"

[[tenants]]
name = "contoso-prod"
environment = "commercial"
data_center = "us"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret_env = "CONTOSO_SECRET"
accent = "red"

[[tenants]]
name = "fabrikam-gov"
environment = "gov"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
client_secret_file = "~/.config/avegraph/fabrikam.secret"
scopes = ["audit.read.all", "microsoft365backup.jobInfo.read.all"]
accent = "blue"
"""

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def snap_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path / ".config" / "avegraph" / "config.toml"


class TestTenantScreenSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_no_config(self, snap_compare, snap_home, size):
        assert snap_compare(make_app(snap_home), terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_two_tenants(self, snap_compare, snap_home, size):
        write(snap_home, TWO_TENANTS)
        assert snap_compare(make_app(snap_home), terminal_size=size)


class TestTenantFormSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_form_with_errors(self, snap_compare, snap_home, size):
        write(snap_home, TWO_TENANTS)

        async def run_before(pilot) -> None:
            await pilot.press("a")
            await settle(pilot)
            await set_fields(pilot, pilot.app.screen, name="northwind", client_secret_env="NW_SECRET")
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.app.workers.wait_for_complete()
            await steady_cursors(pilot)

        assert snap_compare(make_app(snap_home), terminal_size=size, run_before=run_before)
