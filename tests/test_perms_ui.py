"""Pilot tests and snapshots of the Permissions screen (tui/ui/permissions/)."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.widgets import Static

from tests.ui_helpers import screen_text, settle, wait_until
from tui.api.auth import ScopeBundle, Token
from tui.simulator.demo import RESTRICTED_SCOPES
from tui.tenants import DemoRuntime, TenantDirectory
from tui.ui.app import AvegraphApp
from tui.ui.permissions.screen import PermissionsScreen
from tui.ui.widgets.inspector import ExchangeInspector
from tui.ui.widgets.paged_table import PagedTable

SENTINEL = "SENTINEL-tok-7d1e0c55b2a94f3e9a10"
HOSTILE = "[bold]boom[/] [@click=app.quit]quit[/] \x1b]0;pwned\x07"


class PermsApp(AvegraphApp):
    """The real app, opened straight on the Permissions screen (no tenant screen first)."""

    def __init__(self, directory, tenant: str, focus: str | None = None, session=None, **screen_kw):
        super().__init__(directory)
        self._tenant, self._focus, self._fake, self._screen_kw = tenant, focus, session, screen_kw

    def on_mount(self, event) -> None:
        event.prevent_default()
        self.push_screen(PermissionsScreen(self._tenant, focus_endpoint=self._focus, **self._screen_kw))

    def session_for(self, name: str):
        return self._fake if self._fake is not None else super().session_for(name)


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def opened(pilot) -> PermissionsScreen:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, PermissionsScreen) and app.screen.model.infos is not None)
    await settle(pilot)
    return app.screen


async def probed(pilot, screen: PermissionsScreen) -> None:
    await pilot.press("p")
    await wait_until(pilot, lambda: not screen.model.probe.running and screen.model.probe.results, rounds=1500)
    await settle(pilot)


async def discovered(pilot, screen: PermissionsScreen) -> None:
    await pilot.press("d")
    await wait_until(pilot, lambda: not screen.model.discovery.running and (screen.model.discovery.results or screen.model.discovery.note),
                     rounds=1500)
    await settle(pilot)


@pytest.fixture
def make_app(sim, tmp_path):
    def factory(tenant: str = "demo-restricted", focus: str | None = None, config: str | None = None,
                server=None, **kw) -> PermsApp:
        path = tmp_path / "config.toml"
        if config is not None:
            path.write_text(config)
        return PermsApp(TenantDirectory(path, DemoRuntime(server=server or sim)), tenant, focus, **kw)
    return factory


# ------------------------------------------------------------------------------------------------
# Against the simulator
# ------------------------------------------------------------------------------------------------

class TestRestricted:
    async def test_token_matrix_probe_inspector_discovery(self, make_app, sim):
        app = make_app()
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await opened(pilot)
            token = plain(screen.query_one("#token-view", Static))
            assert "valid" in token and sim.tenant("demo-restricted").client_id in token
            assert all(s in token for s in RESTRICTED_SCOPES)
            assert "expires in" in token and sim.token_url in token
            raw = screen.model.infos[0].raw
            assert raw and raw not in screen_text(app) and raw not in token

            granted = {r.endpoint.id for r in screen.model.matrix if r.state == "granted"}
            low = {s.lower() for s in RESTRICTED_SCOPES}
            assert granted == {e.id for e in app.catalog if any(s.lower() in low for s in e.scopes)}
            summary = plain(screen.query_one("#matrix-summary", Static))
            assert "holds 2 of" in summary

            await probed(pilot, screen)
            sent = [r for r in screen.model.probe.results if r.outcome != "skipped"]
            assert sorted(r.endpoint.id for r in sent if r.status == 200) == ["aos.audit", "m365.cloudbackupjobs"]
            assert all(r.status == 403 for r in sent if r.status != 200)
            assert "403" in screen_text(app) and "200" in screen_text(app)

            table = screen.query_one("#probe-table", PagedTable)
            assert table.has_focus
            table.set_filter("aos.jobs")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            inspector = screen.query_one("#probe-inspector", ExchangeInspector)
            assert inspector.display and inspector.exchange.endpoint_id == "aos.jobs"
            assert inspector.exchange.status == 403 and inspector.exchange.request_id in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
            assert not inspector.display and isinstance(app.screen, PermissionsScreen)

            await discovered(pilot, screen)
            assert sorted(r.scope.lower() for r in screen.model.discovery.results if r.state == "granted") == sorted(low)
            assert sum(r.state == "refused" for r in screen.model.discovery.results) == len(app.catalog.all_scopes()) - 2
            assert not screen.pane("discovery").progress_shown
            assert "can obtain 2 of" in plain(screen.query_one("#discovery-summary", Static))
            disc = screen.query_one("#discovery-table", PagedTable)
            disc.focus()
            disc.set_filter("autodiscovery")
            await pilot.press("enter")
            await settle(pilot)
            assert any("needed by 1: aos.jobs" in str(n.message) for n in app._notifications)

    async def test_focus_endpoint_filters_and_explains(self, make_app):
        app = make_app(focus="aos.jobs")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            table = screen.query_one("#matrix-table", PagedTable)
            assert screen._active_tab() == "matrix"
            assert table.current_row()["endpoint"] == "aos.jobs"
            assert table.visible_count < 5
            summary = plain(screen.query_one("#matrix-summary", Static))
            assert "aos.jobs needs autodiscovery.readwrite.all: missing" in summary
            assert "Administration > App registrations" in summary
            # the filter is an ordinary one: clearing it shows every endpoint again
            await pilot.press("slash")
            screen.query_one("#matrix-pane #filter").value = ""
            await settle(pilot)
            assert table.visible_count == len(app.catalog)

    async def test_explorer_403_hint_then_P_opens_this_screen_focused(self, make_app):
        from tui.ui.screens.explorer import ExplorerScreen
        app = make_app()
        async with app.run_test(size=(160, 48)) as pilot:
            await opened(pilot)
            app.open_explorer("demo-restricted")
            await wait_until(pilot, lambda: isinstance(app.screen, ExplorerScreen) and app.screen.session is not None)
            explorer = app.screen
            explorer.open_endpoint(app.catalog.get("aos.jobs"), {}, {})
            await wait_until(pilot, lambda: explorer.view is not None and explorer.view.error is not None, rounds=800)
            await settle(pilot)
            assert "autodiscovery.readwrite.all" in explorer.view.error
            await pilot.press("P")
            screen = await opened(pilot)
            assert screen is not explorer and screen.model.focus_endpoint == "aos.jobs"
            assert screen.query_one("#matrix-table", PagedTable).current_row()["endpoint"] == "aos.jobs"


class TestFullScope:
    # demo-aos is checked headless in test_perms.py (the same core; its ~40 requests cost seconds here)
    async def test_no_403(self, make_app):
        app = make_app("demo-partner")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await opened(pilot)
            await probed(pilot, screen)
            sent = [r for r in screen.model.probe.results if r.outcome != "skipped"]
            assert sent and not [r.endpoint.id for r in sent if r.status in (401, 403)]


class TestStates:
    async def test_identity_service_down(self, make_app, sim, tmp_path, monkeypatch):
        from tui.api.http import ApiClient
        monkeypatch.setattr(ApiClient, "_backoff", lambda self, attempt: 0.0)
        secret = tmp_path / "s.secret"
        secret.write_text("whatever-secret\n")
        secret.chmod(0o600)
        config = f"""
[[tenants]]
name = "down"
client_id = "{sim.tenant('demo-aos').client_id}"
client_secret_file = "{secret}"
api_url = "{sim.base_url}"
elements_url = "{sim.base_url}"
token_url = "http://127.0.0.1:{closed_port()}/connect/token"
"""
        app = make_app("down", config=config)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            token = plain(screen.query_one("#token-view", Static))
            assert "no token" in token and "token request failed" in token
            assert {r.state for r in screen.model.matrix} == {"unknown"}
            await probed_or_note(pilot, screen)
            assert screen.model.probe.note.startswith("not run: no token")
            await discovered(pilot, screen)
            assert "could not be asked" in screen.model.discovery.note
            assert isinstance(app.screen, PermissionsScreen)

    async def test_unknown_tenant_is_shown_not_raised(self, make_app):
        app = make_app("no-such-tenant")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, PermissionsScreen)
                             and app.screen.model.session_error is not None)
            await settle(pilot)
            assert "no-such-tenant" in plain(app.screen.query_one("#token-view", Static))
            await pilot.press("p")
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, PermissionsScreen)

    async def test_escape_cancels_a_running_probe(self, make_app, make_sim):
        slow = make_sim(latency=0.2)
        app = make_app("demo-aos", server=slow)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await opened(pilot)
            await pilot.press("p")
            await wait_until(pilot, lambda: screen.model.probe.total > 0)
            await pilot.press("escape")
            await wait_until(pilot, lambda: not screen.model.probe.running)
            assert screen.model.probe.note.startswith("stopped")
            assert len(screen.model.probe.results) < screen.model.probe.total
            assert isinstance(app.screen, PermissionsScreen)

    async def test_hostile_server_message_stays_literal(self, make_app, sim):
        sim.force("/aos/jobs", status=403, body={"error": HOSTILE, "statusCode": 403})
        try:
            app = make_app("demo-restricted")
            async with app.run_test(size=(200, 40)) as pilot:
                screen = await opened(pilot)
                await probed(pilot, screen)
                row = next(r for r in screen.model.probe.results if r.endpoint.id == "aos.jobs")
                assert row.status == 403 and "[bold]boom[/]" in row.message
                text = screen_text(app)
                assert "[bold]boom[/]" in text and "[@click=app.quit]quit[/]" in text
                assert "\x1b" not in text and isinstance(app.screen, PermissionsScreen)
        finally:
            sim.clear_forced()


async def probed_or_note(pilot, screen) -> None:
    await pilot.press("p")
    await wait_until(pilot, lambda: not screen.model.probe.running and (screen.model.probe.results or screen.model.probe.note))
    await settle(pilot)


# ------------------------------------------------------------------------------------------------
# A fixed token: reveal and snapshots
# ------------------------------------------------------------------------------------------------

ISSUED = 1767268800          # 2026-01-01 12:00:00 UTC


def fixed_jwt() -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=").decode()
    header = {"alg": "RS256", "kid": "3F2A9C", "typ": "at+jwt"}
    claims = {"iss": "https://identity.avepointonlineservices.com", "aud": "avepoint-graph-api",
              "client_id": "11111111-2222-3333-4444-555555555555", "tenant_id": "0a05de30-0000-4000-8000-00000000c0de",
              "scope": "audit.read.all microsoft365backup.jobInfo.read.all", "iat": ISSUED, "nbf": ISSUED,
              "exp": ISSUED + 3600, "jti": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    return f"{b64(header)}.{b64(claims)}.{SENTINEL}"


def fake_session(access_token: str | None = None, granted: tuple[str, ...] = ()):
    token = Token(access_token or fixed_jwt(), ISSUED + 3600, ISSUED, "default", (), granted)
    tenant = SimpleNamespace(name="contoso-prod", accent="red",
                             token_url="https://identity.avepointonlineservices.com/connect/token")

    class FakeSession:
        bundles = [ScopeBundle("default", ())]

        def __init__(self):
            self.tenant = tenant
            self.tokens = SimpleNamespace(tokens={"default": token}, token_url=tenant.token_url)

        async def token(self, bundle, force=False):
            return token.access_token

        async def aclose(self):
            pass
    return FakeSession()


def fixed_app(tmp_path: Path, focus: str | None = None) -> PermsApp:
    directory = TenantDirectory(tmp_path / "none.toml", DemoRuntime(seed=1))
    return PermsApp(directory, "contoso-prod", focus, session=fake_session(), clock=lambda: ISSUED + 600)


class TestReveal:
    async def test_reveal_then_mask_again(self, tmp_path):
        app = PermsApp(TenantDirectory(tmp_path / "none.toml", DemoRuntime(seed=1)), "contoso-prod",
                       session=fake_session(), clock=lambda: ISSUED + 600, reveal_seconds=1.0)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            view = screen.query_one("#token-view", Static)
            assert SENTINEL not in plain(view) and SENTINEL not in screen_text(app)
            assert "••••" + SENTINEL[-4:] in plain(view)
            assert "expires in 50 min 00 s" in plain(view)
            await pilot.press("v")
            await settle(pilot)
            assert screen.model.revealed and SENTINEL in plain(view)
            await wait_until(pilot, lambda: not screen.model.revealed)
            await settle(pilot)
            assert SENTINEL not in plain(view) and SENTINEL not in screen_text(app)

    async def test_v_again_masks_at_once(self, tmp_path):
        app = fixed_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            await pilot.press("v")
            await settle(pilot)
            assert screen.model.revealed
            await pilot.press("v")
            await settle(pilot)
            assert not screen.model.revealed and SENTINEL not in plain(screen.query_one("#token-view", Static))


class TestKeys:
    async def test_typing_in_the_filter_runs_no_action_and_esc_clears_it(self, tmp_path):
        app = fixed_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            await pilot.press("slash")
            await settle(pilot)
            assert screen._active_tab() == "matrix"
            await pilot.press("p", "d", "v", "r", "s", "a", "u", "d", "i", "t")
            await settle(pilot)
            table = screen.query_one("#matrix-table", PagedTable)
            assert screen.query_one("#matrix-pane #filter").value == "pdvrsaudit"
            assert not screen.model.probe.running and not screen.model.discovery.running and not screen.model.revealed
            await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace",
                              "backspace", "backspace", "backspace", "backspace", "backspace")
            await pilot.press(*"missing")
            await settle(pilot)
            assert 0 < table.visible_count < len(app.catalog)
            await pilot.press("enter")
            await settle(pilot)
            assert table.has_focus and table.filter_text == "missing"
            await pilot.press("slash")
            await pilot.press("escape")
            await settle(pilot)
            assert table.visible_count == len(app.catalog)
            assert isinstance(app.screen, PermissionsScreen)

    async def test_number_keys_switch_tabs(self, tmp_path):
        app = fixed_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            for key, tab in (("2", "matrix"), ("3", "probe"), ("4", "discovery"), ("1", "token")):
                await pilot.press(key)
                await settle(pilot)
                assert screen._active_tab() == tab


class TestTokenStates:
    async def test_expired_token(self, tmp_path):
        app = PermsApp(TenantDirectory(tmp_path / "none.toml", DemoRuntime(seed=1)), "contoso-prod",
                       session=fake_session(), clock=lambda: ISSUED + 3600 + 125)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            view = plain(screen.query_one("#token-view", Static))
            assert "expired" in view and "expired 2 min ago" in view and "press r" in view
            assert SENTINEL not in view

    async def test_opaque_token(self, tmp_path):
        app = PermsApp(TenantDirectory(tmp_path / "none.toml", DemoRuntime(seed=1)), "contoso-prod",
                       session=fake_session(SENTINEL), clock=lambda: ISSUED + 600)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            view = plain(screen.query_one("#token-view", Static))
            assert "not a JWT" in view and "its scopes are unknown" in view
            assert SENTINEL not in view and SENTINEL not in screen_text(app)
            assert {r.state for r in screen.model.matrix} == {"unknown"}

    async def test_opaque_token_with_scopes_from_the_response(self, tmp_path):
        app = PermsApp(TenantDirectory(tmp_path / "none.toml", DemoRuntime(seed=1)), "contoso-prod",
                       session=fake_session(SENTINEL, granted=("audit.read.all",)), clock=lambda: ISSUED + 600)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            assert "scopes from the token response" in plain(screen.query_one("#token-view", Static))
            assert {r.endpoint.id for r in screen.model.matrix if r.state == "granted"} == {"aos.audit"}

    async def test_r_gets_a_new_token(self, make_app):
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot)
            first = screen.model.infos[0].claims.payload["jti"]
            await pilot.press("r")
            await wait_until(pilot, lambda: screen.model.infos[0].claims.payload["jti"] != first)
            assert screen.model.infos[0].state() == "valid"


def test_help_lists_the_permission_keys():
    from tui.ui.keys import key_groups
    groups = dict(key_groups())
    keys = dict(groups["Permissions"])
    assert keys["p"] == "Probe endpoints" and keys["d"] == "Discover scopes"
    assert keys["v"].startswith("Reveal token") and keys["/"] == "Filter" and keys["Esc"] == "Back / cancel"


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


class TestSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_token_tab_masked(self, snap_compare, tmp_path, size):
        assert snap_compare(fixed_app(tmp_path), terminal_size=size)

    def test_matrix_focused_on_an_endpoint(self, snap_compare, tmp_path):
        assert snap_compare(fixed_app(tmp_path, focus="d365.jobs"), terminal_size=(80, 24))

    def test_snapshots_never_hold_the_token(self):
        folder = Path(__file__).parent / "__snapshots__" / "test_perms_ui"
        files = list(folder.glob("*.raw")) + list(folder.glob("*.svg"))
        assert files, "run pytest --snapshot-update once"
        for f in files:
            assert SENTINEL not in f.read_text(encoding="utf-8", errors="replace"), f.name
