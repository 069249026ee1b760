"""The permissions debugger's core (tui/perms.py) and `avegraph perms`, against the simulator."""

from __future__ import annotations

import base64
import json
import re
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tui import perms
from tui.api.claims import TokenClaims
from tui.api.session import Session
from tui.catalog import load_catalog
from tui.catalog.validate import parse_time, validate_params
from tui.config import tenant_from_fields
from tui.simulator.demo import RESTRICTED_SCOPES

CAT = load_catalog()
JWT_RE = re.compile(r"eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.")
SENTINEL = "SENTINEL-tok-3c1f9a77e0b54d2a8e6f"


def tenant_of(sim, name: str, **changes):
    fields = next(dict(d) for d in sim.tenant_dicts() if d["name"] == name)
    fields.pop("demo", None)
    fields.update(changes)
    tenant, errors = tenant_from_fields(fields)
    assert tenant is not None, errors
    return tenant


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def jwt(payload: dict, signature: str = SENTINEL) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(payload)}.{signature}"


def restricted_endpoint_ids() -> set[str]:
    low = {s.lower() for s in RESTRICTED_SCOPES}
    return {e.id for e in CAT if any(s.lower() in low for s in e.scopes)}


# ------------------------------------------------------------------------------------------------
# Scope names and the matrix
# ------------------------------------------------------------------------------------------------

class TestMatrix:
    def test_case_insensitive_and_documented_variants(self):
        rows = {r.endpoint.id: r for r in perms.scope_matrix(CAT, ["dynamics.readwrite.all",
                                                                   "PLATFORMBACKUP.READWRITE.ALL"])}
        assert rows["d365.jobs"].state == "granted"
        assert rows["d365.jobs"].held_as == "dynamics.readwrite.all"
        assert "held as dynamics.readwrite.all" in rows["d365.jobs"].to_row()["note"]
        assert rows["iaas.jobs"].state == "granted"
        assert rows["aos.audit"].state == "missing"

    def test_any_one_scope_suffices(self):
        rows = {r.endpoint.id: r for r in perms.scope_matrix(CAT, ["elements.bm.baseline.readwrite.all"])}
        assert CAT.get("elements.bm-baselines").scopes == ("elements.bm.baseline.read.all",
                                                           "elements.bm.baseline.readwrite.all")
        assert rows["elements.bm-baselines"].state == "granted"

    def test_unknown_scopes_make_every_row_unknown(self):
        rows = perms.scope_matrix(CAT, None)
        assert len(rows) == len(CAT)
        assert {r.state for r in rows} == {"unknown"}

    def test_every_endpoint_once_grouped_by_service(self):
        rows = perms.scope_matrix(CAT, [])
        assert sorted(r.endpoint.id for r in rows) == sorted(e.id for e in CAT)
        services = [r.endpoint.service_key for r in rows]
        # grouped: each service's rows are contiguous
        seen = []
        for s in services:
            if not seen or seen[-1] != s:
                assert s not in seen
                seen.append(s)
        assert perms.matrix_counts(rows) == {"granted": 0, "missing": len(CAT), "unknown": 0}

    def test_missing_rows_say_where_to_add_the_scope(self):
        rows = {r.endpoint.id: r for r in perms.scope_matrix(CAT, ["audit.read.all"])}
        assert "AvePoint Online Services" in rows["aos.jobs"].note
        assert "Elements" in rows["elements.customers"].note
        d = rows["elements.customers"].to_dict()
        assert d["add_in"].startswith("Elements") and d["state"] == "missing"

    def test_spellings(self):
        assert perms.spellings("Dynamics.ReadWrite.All") == ("Dynamics.ReadWrite.All", "dynamics.readwrite.all")
        assert perms.spellings("platformbackup.readwrite.all") == ("platformbackup.readwrite.all",
                                                                    "PlatformBackup.ReadWrite.All")
        assert perms.spellings("audit.read.all") == ("audit.read.all",)

    def test_granted_from_claims(self):
        a = TokenClaims.from_token(jwt({"scope": "audit.read.all Dynamics.ReadWrite.All"}))
        opaque = TokenClaims.from_token("opaque-token-value")
        assert perms.granted_from_claims([opaque]) is None
        assert perms.granted_from_claims(None) is None
        assert perms.granted_from_claims([a, opaque]) == {"audit.read.all": "audit.read.all",
                                                          "dynamics.readwrite.all": "Dynamics.ReadWrite.All"}

    def test_families(self):
        assert perms.families_of(["audit.read.all"]) == {"modern"}
        assert perms.families_of({"x": "partner.jobs.read.all"}) == {"elements"}
        assert perms.families_of(None) is None


# ------------------------------------------------------------------------------------------------
# The probe's plan: the cheapest request with safe defaults
# ------------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class TestPlan:
    def test_page_size_one_window_and_first_non_all_enum(self):
        params, unfilled = perms.safe_params(CAT.get("d365.jobs"), NOW)
        assert params["pageSize"] == 1
        assert params["type"] != "0"            # 0 is "all"
        start, end = parse_time(params["startTime"]), parse_time(params["finishTime"])
        assert end - start == timedelta(hours=24) and end == NOW
        assert unfilled == ()

    def test_audit_window_and_start_page(self):
        params, unfilled = perms.safe_params(CAT.get("aos.audit"), NOW)
        assert set(params) >= {"startTime", "endTime"} and unfilled == ()
        params, _ = perms.safe_params(CAT.get("insights.users-summary"), NOW)
        assert params == {"pageSize": 1, "startPage": 1}
        params, _ = perms.safe_params(CAT.get("aos.jobs"), NOW)
        assert params == {"top": 1}

    def test_required_values_without_a_safe_default_are_named(self):
        params, unfilled = perms.safe_params(CAT.get("opus.connector-records"), NOW)
        assert params == {"itemsPerPage": 1}
        assert set(unfilled) == {"id", "disposalDueDate"}

    def test_every_filled_value_passes_validation(self):
        for e in CAT:
            if not e.read_only or e.path_params:
                continue
            params, unfilled = perms.safe_params(e, NOW)
            _clean, errors = validate_params(e, params)
            assert set(errors) <= set(unfilled), (e.id, errors)

    def test_plan_skips_ids_exports_writes_and_other_registrations(self):
        plans = {p.endpoint.id: p for p in perms.probe_plan(CAT, now=NOW, families={"modern"})}
        assert all(CAT.get(i).read_only for i in plans)
        assert plans["m365.cloudbackupjobs-item"].skip.startswith("needs an id")
        assert plans["insights.sharinglinks-export"].skip == "would start an export job"
        assert "Elements app registration" in plans["elements.customers"].skip
        assert plans["aos.audit"].skip is None
        ordered = perms.probe_plan(CAT, now=NOW)
        first_skip = next(i for i, p in enumerate(ordered) if p.skip)
        assert all(p.skip for p in ordered[first_skip:])
        assert not plans["aos.jobs"].note


# ------------------------------------------------------------------------------------------------
# Against the simulator
# ------------------------------------------------------------------------------------------------

async def probe_all(session, **kw):
    plans, infos = await perms.prepare_probe(session, CAT, **kw)
    return [r async for r in perms.iter_probe(session, plans, preflight=False)], infos


class TestRestrictedTenant:
    async def test_token_matrix_probe_and_discovery(self, sim):
        async with Session(tenant_of(sim, "demo-restricted"), CAT) as session:
            infos = await perms.token_infos(session)
            assert [i.state() for i in infos] == ["valid"]
            info = infos[0]
            assert {s.lower() for s in info.claims.scopes} == {s.lower() for s in RESTRICTED_SCOPES}
            assert info.token_url == sim.token_url
            assert info.claims.client_id == sim.tenant("demo-restricted").client_id
            d = info.to_dict()
            assert d["state"] == "valid" and 3500 < d["expires_in"] <= 3600
            assert info.raw and info.raw not in json.dumps(d)

            granted = perms.granted_of(infos)
            assert {k for k in granted} == {s.lower() for s in RESTRICTED_SCOPES}
            rows = perms.scope_matrix(CAT, granted)
            assert {r.endpoint.id for r in rows if r.state == "granted"} == restricted_endpoint_ids()

            results, _ = await probe_all(session)
            sent = [r for r in results if r.outcome != "skipped"]
            ok = {r.endpoint.id for r in sent if r.status == 200}
            assert ok == {e for e in restricted_endpoint_ids() if not CAT.get(e).path_params}
            others = [r for r in sent if r.endpoint.id not in ok]
            assert others and all(r.status == 403 and r.outcome == "forbidden" for r in others)
            for r in sent:
                assert r.request_id and r.exchange is not None and r.exchange.request_id == r.request_id
            forbidden = next(r for r in others if r.endpoint.id == "aos.jobs")
            assert "autodiscovery.readwrite.all" in forbidden.message
            # no Elements endpoint is called with an AOS app's token
            assert all(not r.endpoint.service_key.startswith("elements") for r in sent)

            progress = []
            found = [r async for r in perms.iter_discover(session, CAT, progress=lambda d, t: progress.append((d, t)))]
            granted_scopes = {r.scope for r in found if r.state == "granted"}
            assert {s.lower() for s in granted_scopes} == {s.lower() for s in RESTRICTED_SCOPES}
            refused = [r for r in found if r.state == "refused"]
            assert len(refused) == len(CAT.all_scopes()) - 2
            assert all(r.error == "invalid_scope" and r.description for r in refused)
            dyn = next(r for r in refused if r.scope == "Dynamics.ReadWrite.All")
            assert dyn.tried == ("Dynamics.ReadWrite.All", "dynamics.readwrite.all")
            assert progress[0] == (0, len(found)) and progress[-1] == (len(found), len(found))

    async def test_a_bundle_the_registration_lacks_shows_its_own_error(self, sim):
        tenant = tenant_of(sim, "demo-restricted", scopes=["audit.read.all", "Dynamics.ReadWrite.All"])
        async with Session(tenant, CAT, backoff_base=0) as session:
            infos = {i.bundle: i for i in await perms.token_infos(session)}
            assert infos["aos"].state() == "valid"
            assert infos["d365"].state() == "error"
            assert "invalid_scope" in infos["d365"].describe_state()
            assert infos["d365"].to_dict()["error_code"] == "invalid_scope"
            granted = perms.granted_of(infos.values())
            assert set(granted) == {"audit.read.all"}

    async def test_force_gets_a_new_token_and_reports_its_refusal(self, sim):
        async with Session(tenant_of(sim, "demo-restricted"), CAT, backoff_base=0) as session:
            (first,) = await perms.token_infos(session)
            (again,) = await perms.token_infos(session)
            assert again.raw == first.raw                         # cached: no new request
            (fresh,) = await perms.token_infos(session, force=True)
            assert fresh.state() == "valid" and fresh.raw != first.raw
            sim.force("/connect/token", status=401, times=10,
                      body={"error": "invalid_client", "error_description": "The client secret has expired."})
            try:
                (refused,) = await perms.token_infos(session, force=True)
            finally:
                sim.clear_forced()
            assert refused.state() == "error" and refused.claims is None      # not the older token's claims
            assert "invalid_client" in refused.describe_state()
            (cached,) = await perms.token_infos(session)
            assert cached.state() == "valid" and cached.raw == fresh.raw     # the older token still serves

    async def test_check_connection_summarises_every_bundle(self, sim):
        async with Session(tenant_of(sim, "demo-restricted"), CAT) as session:
            check = await perms.check_connection(session)
        assert check.ok and check.error is None and check.missing == []
        assert {s.lower() for s in check.granted} == {s.lower() for s in RESTRICTED_SCOPES}
        assert check.first.client_id == sim.tenant("demo-restricted").client_id
        tenant = tenant_of(sim, "demo-restricted", scopes=["audit.read.all", "Dynamics.ReadWrite.All"])
        async with Session(tenant, CAT, backoff_base=0) as session:
            check = await perms.check_connection(session)
        assert not check.ok and getattr(check.error, "error", None) == "invalid_scope"
        assert [s.lower() for s in check.granted] == ["audit.read.all"]
        assert check.missing == ["Dynamics.ReadWrite.All"]


class TestFullScopeTenants:
    @pytest.mark.parametrize("name", ["demo-aos", "demo-partner"])
    async def test_no_403_and_discovery_matches_the_token(self, sim, name):
        async with Session(tenant_of(sim, name), CAT) as session:
            results, infos = await probe_all(session)
            sent = [r for r in results if r.outcome != "skipped"]
            assert sent
            assert not [r for r in sent if r.status in (401, 403)], [r.endpoint.id for r in sent if r.status == 403]
            assert all(r.status in (200, 400) for r in sent)
            for r in sent:
                if r.status == 400:             # the permission check passed; a value was missing
                    assert "sent without" in r.note and r.message
            held = {s.lower() for i in infos for s in i.claims.scopes}
            found = [r async for r in perms.iter_discover(session, CAT)]
            assert {r.scope.lower() for r in found if r.state == "granted"} == held


class TestBoundedConcurrency:
    async def test_probe_and_discovery_stay_within_the_bound(self, make_sim):
        sim = make_sim(latency=0.02)
        async with Session(tenant_of(sim, "demo-aos"), CAT) as session:
            await perms.token_infos(session)
            plans = perms.probe_plan(CAT, families={"modern"})
            sim.reset_stats()
            results = [r async for r in perms.iter_probe(session, plans, concurrency=3, preflight=False)]
            assert len(results) == len(plans)
            assert 2 <= sim.max_concurrent <= 3
            sim.reset_stats()
            found = [r async for r in perms.iter_discover(session, CAT, concurrency=2)]
            assert len(found) == len(CAT.all_scopes())
            assert sim.max_concurrent <= 2


class TestCaseSensitiveIdentityService:
    async def test_discovery_tries_the_documented_spellings(self, sim):
        """A real IdentityServer may compare scope names exactly: the register-app table's spelling
        then wins where the endpoint page's is refused."""
        from urllib.parse import parse_qs
        asked = []

        def handler(request: httpx.Request) -> httpx.Response:
            scope = parse_qs(request.content.decode())["scope"][0]
            asked.append(scope)
            if scope == "dynamics.readwrite.all":
                return httpx.Response(200, json={"access_token": jwt({"scope": scope, "exp": 4102444800}),
                                                 "token_type": "Bearer", "expires_in": 3600, "scope": scope})
            return httpx.Response(400, json={"error": "invalid_scope", "error_description": f"Invalid scope: {scope}"})
        async with Session(tenant_of(sim, "demo-aos"), CAT, token_transport=httpx.MockTransport(handler)) as session:
            found = {r.scope: r async for r in perms.iter_discover(session, CAT, ["Dynamics.ReadWrite.All",
                                                                                  "audit.read.all"])}
        assert found["Dynamics.ReadWrite.All"].state == "granted"
        assert found["Dynamics.ReadWrite.All"].spelling == "dynamics.readwrite.all"
        assert found["Dynamics.ReadWrite.All"].to_row()["identity service says"] == "granted as dynamics.readwrite.all"
        assert found["audit.read.all"].state == "refused"
        assert found["audit.read.all"].description == "Invalid scope: audit.read.all"
        assert sorted(asked) == sorted(["Dynamics.ReadWrite.All", "dynamics.readwrite.all", "audit.read.all"])
        rows = {r.endpoint.id: r for r in perms.scope_matrix(CAT, ["dynamics.readwrite.all"])}
        assert rows["d365.jobs"].state == "granted"


class TestCatalogueCheck:
    def test_disagreement_sentences(self):
        e = CAT.get("aos.jobs")
        assert perms.ProbeResult(e, "forbidden", 403).disagreement("granted").endswith("403")
        assert "without the documented scope" in perms.ProbeResult(e, "ok", 200).disagreement("missing")
        assert perms.ProbeResult(e, "bad_request", 400).disagreement("missing")
        assert perms.ProbeResult(e, "forbidden", 403).disagreement("missing") is None
        assert perms.ProbeResult(e, "ok", 200).disagreement("granted") is None
        assert perms.ProbeResult(e, "ok", 200).disagreement("unknown") is None
        assert perms.ProbeResult(e, "ok", 200).to_row("missing")["catalogue"] == "disagrees"

    async def test_a_403_despite_the_scope_is_flagged(self, sim):
        sim.force("/aos/audit", status=403, body={"error": "customer scope excludes this tenant"})
        try:
            async with Session(tenant_of(sim, "demo-restricted"), CAT) as session:
                results, infos = await probe_all(session)
        finally:
            sim.clear_forced()
        granted = perms.granted_of(infos)
        odd = {r.endpoint.id: r.disagreement(perms.holds(r.endpoint, granted)[0]) for r in results}
        assert [k for k, v in odd.items() if v] == ["aos.audit"]


class TestFailures:
    async def test_identity_service_down(self, sim):
        tenant = tenant_of(sim, "demo-aos", token_url=f"http://127.0.0.1:{closed_port()}/connect/token")
        async with Session(tenant, CAT, backoff_base=0) as session:
            infos = await perms.token_infos(session)
            assert [i.state() for i in infos] == ["error"]
            assert "token request failed" in infos[0].describe_state()
            assert perms.granted_of(infos) is None
            with pytest.raises(perms.ProbeAborted, match="no token"):
                await perms.prepare_probe(session, CAT)
            with pytest.raises(perms.DiscoveryAborted, match="could not be asked"):
                async for _ in perms.iter_discover(session, CAT):
                    pass

    async def test_wrong_credential_aborts_discovery(self, sim, tmp_path):
        bad = tmp_path / "bad.secret"
        bad.write_text("not-the-secret\n")
        bad.chmod(0o600)
        tenant = tenant_of(sim, "demo-aos", client_secret_file=str(bad))
        async with Session(tenant, CAT, backoff_base=0) as session:
            infos = await perms.token_infos(session)
            assert infos[0].state() == "error" and "invalid_client" in infos[0].describe_state()
            with pytest.raises(perms.DiscoveryAborted, match="refused the client itself"):
                async for _ in perms.iter_discover(session, CAT):
                    pass

    async def test_api_host_down_stops_after_three_failures(self, sim):
        tenant = tenant_of(sim, "demo-aos", api_url=f"http://127.0.0.1:{closed_port()}")
        async with Session(tenant, CAT, backoff_base=0) as session:
            results, _ = await probe_all(session)
            sent = [r for r in results if r.outcome != "skipped"]
            assert sent and all(r.outcome == "error" and r.failure == "network" for r in sent)
            assert sum(1 for r in sent if r.message.startswith("not sent")) >= len(sent) - 6

    async def test_opaque_token_is_undecodable_not_a_crash(self, sim):
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"access_token": SENTINEL, "token_type": "Bearer",
                                             "expires_in": 3600, "scope": "audit.read.all"})
        tenant = tenant_of(sim, "demo-aos")
        async with Session(tenant, CAT, token_transport=httpx.MockTransport(handler)) as session:
            infos = await perms.token_infos(session)
            assert infos[0].state() == "undecodable"
            assert "not a JWT" in infos[0].describe_state()
            assert perms.granted_of(infos) == {"audit.read.all": "audit.read.all"}
            assert SENTINEL not in json.dumps(infos[0].to_dict())

    def test_expired_token_state(self):
        now = datetime.now(timezone.utc).timestamp()
        claims = TokenClaims.from_token(jwt({"scope": "audit.read.all", "iat": int(now) - 7200,
                                             "exp": int(now) - 60}))
        info = perms.TokenInfo("default", (), "https://identity.example/connect/token", claims)
        assert info.state() == "expired"
        assert "expired" in info.describe_state()
        assert perms.format_countdown(claims.expires_in()).startswith("expired 1 min")
        assert info.state(now - 3600) == "valid"

    def test_countdown_text(self):
        assert perms.format_countdown(None) == "unknown"
        assert perms.format_countdown(42.9) == "42 s"
        assert perms.format_countdown(3599) == "59 min 59 s"
        assert perms.format_countdown(7260) == "2 h 01 min"
        assert perms.format_countdown(-5) == "expired 5 s ago"


# ------------------------------------------------------------------------------------------------
# avegraph perms
# ------------------------------------------------------------------------------------------------

class TestCli:
    def test_json_restricted(self, capsys):
        from tui.cli import main
        code = main(["perms", "--demo", "--tenant", "demo-restricted", "--probe", "--discover", "--format", "json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert not JWT_RE.search(out.out) and not JWT_RE.search(out.err)
        data = json.loads(out.out)
        assert {s.lower() for s in data["granted_scopes"]} == {s.lower() for s in RESTRICTED_SCOPES}
        assert data["tokens"][0]["state"] == "valid"
        assert {r["endpoint"] for r in data["matrix"] if r["state"] == "granted"} == restricted_endpoint_ids()
        assert data["probe"]["counts"]["ok"] == 2
        assert data["probe"]["counts"]["forbidden"] > 0
        assert set(data["probe"]["counts"]) <= {"ok", "forbidden", "skipped"}
        assert data["discovery"]["counts"] == {"granted": 2, "refused": len(CAT.all_scopes()) - 2}
        assert data["probe"]["disagreements"] == 0
        row = next(r for r in data["probe"]["results"] if r["endpoint"] == "aos.jobs")
        assert row["token"] == "missing" and row["status"] == 403 and row["disagrees_with_catalogue"] is None

    def test_table_full_scope_tenant(self, capsys):
        from tui.cli import main
        code = main(["perms", "--demo", "--tenant", "demo-aos", "--probe"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "TOKENS" in out.out and "SCOPE MATRIX" in out.out and "PROBE" in out.out
        assert "403" not in out.out.split("PROBE", 1)[1].split("not sent")[0]
        assert not JWT_RE.search(out.out)

    def test_identity_down_is_a_clear_error(self, capsys, tmp_path, sim, monkeypatch):
        from tui.api.http import ApiClient
        monkeypatch.setattr(ApiClient, "_backoff", lambda self, attempt: 0.0)   # retries, without waiting
        secret = tmp_path / "s.secret"
        secret.write_text("x-secret-value\n")
        secret.chmod(0o600)
        port = closed_port()
        cfg = tmp_path / "config.toml"
        cfg.write_text(f"""
[[tenants]]
name = "down"
client_id = "{sim.tenant('demo-aos').client_id}"
auth = "secret"
client_secret_file = "{secret}"
api_url = "{sim.base_url}"
elements_url = "{sim.base_url}"
token_url = "http://127.0.0.1:{port}/connect/token"
""")
        from tui.cli import main
        code = main(["perms", "--config", str(cfg), "--tenant", "down", "--probe", "--discover"])
        out = capsys.readouterr()
        assert code == 5
        assert "no token" in out.out and "Traceback" not in out.err
        assert "not run: no token" in out.out and "stopped:" in out.out

    def test_refused_credential_exits_3(self, capsys, tmp_path, sim):
        secret = tmp_path / "s.secret"
        secret.write_text("not-the-secret\n")
        secret.chmod(0o600)
        cfg = tmp_path / "config.toml"
        cfg.write_text(f"""
[[tenants]]
name = "bad"
client_id = "{sim.tenant('demo-aos').client_id}"
client_secret_file = "{secret}"
api_url = "{sim.base_url}"
elements_url = "{sim.base_url}"
token_url = "{sim.token_url}"
""")
        from tui.cli import main
        code = main(["perms", "--config", str(cfg), "--tenant", "bad", "--format", "json"])
        out = capsys.readouterr()
        assert code == 3 and "invalid_client" in out.err
        data = json.loads(out.out)
        assert data["tokens"][0]["state"] == "error" and data["tokens"][0]["error_code"] == "invalid_client"
        assert "not-the-secret" not in out.out + out.err

    async def test_sentinel_token_never_printed(self, sim):
        from tui.commands.common import to_json
        from tui.commands.perms import collect, render_table
        token = jwt({"scope": "audit.read.all", "client_id": "c", "exp": 4102444800}, SENTINEL)

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        tenant = tenant_of(sim, "demo-aos")
        async with Session(tenant, CAT, token_transport=httpx.MockTransport(handler)) as session:
            data = await collect(tenant, probe=True, session=session)
        data.pop("_fatal")
        for text in (to_json(data), render_table(data)):
            assert SENTINEL not in text and token not in text
        # the probe really ran with that token: the simulator refused it as not its own
        assert {r["status"] for r in data["probe"]["results"] if r["outcome"] != "skipped"} == {401}
