"""``avegraph demo-server``: the simulator in the foreground, until Ctrl+C.

Prints the base URL, the token URL, the demo credentials (demo values: printing them is the
point) and a ready-to-paste curl example; ``--write-config PATH`` writes (or updates) a config
file whose demo tenants point at this server. Binds 127.0.0.1 unless told otherwise, and warns
when told otherwise. Set ``AVEGRAPH_SIM_LOG=1`` to print one line per request on stderr.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import signal
import sys
from typing import Any, TextIO

from tui.config.urls import is_loopback_host as _is_loopback
from tui.simulator.server import SimulatorServer

EXIT_OK, EXIT_USAGE, EXIT_NETWORK = 0, 2, 5




def write_config(path: str, sim: SimulatorServer) -> list[str]:
    """Add (or replace) the demo tenants in the config file at ``path``; returns their names.

    Goes through tui.config, so the file is validated, locked, written atomically with mode 0600,
    and the user's other tenants and keys are kept.
    """
    from tui.config import load_config, set_default_tenant, tenant_from_fields, upsert_tenant
    from tui.config import ConfigError, ConfigMissing

    names = []
    for fields in sim.tenant_dicts():
        extra = {"demo": bool(fields.pop("demo", True))}
        tenant, errors = tenant_from_fields(fields)
        if tenant is None:
            problems = "; ".join(f"{k}: {v}" for k, v in errors.items())
            raise ConfigError(f"demo tenant {fields['name']!r} would be invalid: {problems}", path=path)
        upsert_tenant(path, dataclasses.replace(tenant, extra=extra))
        names.append(tenant.name)
    try:
        current = load_config(path)
    except ConfigMissing:
        current = None
    if current is not None and current.default_tenant is None:
        set_default_tenant(path, names[0])
    return names


def curl_example(sim: SimulatorServer) -> str:
    aos = sim.tenant("demo-aos")
    partner = sim.tenant("demo-partner")
    base, tok = sim.base_url, sim.token_url
    get_token = (f"curl -s {tok} -d grant_type=client_credentials -d client_id={aos.client_id} "
                 f"-d client_secret={aos.secret} -d scope=microsoft365backup.jobInfo.read.all")
    extract = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
    partner_token = (f"curl -s {tok} -u {partner.client_id}:{partner.secret} -d grant_type=client_credentials "
                     f"-d scope=elements.customers.read.all")
    return "\n".join([
        "# a token (client secret in the form body), then the failed Microsoft 365 backup jobs:",
        f"TOKEN=$({get_token} | {extract})",
        f"curl -s -H \"Authorization: Bearer $TOKEN\" \"{base}/backup/m365/cloudbackupjobs?jobState=3&pageSize=5\"",
        "",
        "# the Elements partner (HTTP Basic client authentication), first page of customers:",
        f"PTOKEN=$({partner_token} | {extract})",
        f"curl -s -X POST -H \"Authorization: Bearer $PTOKEN\" -H 'Content-Type: application/json' -d '{{}}' "
        f"\"{base}/partner/external/v3/general/customers/batch?pageIndex=1&pageSize=10\"",
    ])


def banner(sim: SimulatorServer, out: TextIO) -> None:
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f"avegraph demo server (seed {sim.seed}, scale {sim.scale:g})")
    p(f"  base URL (api_url and elements_url): {sim.base_url}")
    p(f"  token URL:                           {sim.token_url}")
    f = sim.faults
    knobs = {k: getattr(f, k) for k in ("latency", "jitter", "rate_429", "rate_5xx", "trickle", "drop_rate") if getattr(f, k)}
    if knobs:
        p("  faults: " + ", ".join(f"{k}={v}" for k, v in knobs.items()))
    p(f"  token lifetime: {sim.token_lifetime:g} s")
    p("")
    p("demo tenants (demo credentials, accepted only by this simulator):")
    for t in sim.tenants:
        p(f"  {t.name:<16} client_id {t.client_id}   {t.description}")
        if t.auth == "secret":
            p(f"  {'':<16} client_secret {t.secret}  (also in {t.secret_file})")
        else:
            p(f"  {'':<16} certificate auth: key and certificate in {t.certificate_path}")
        p(f"  {'':<16} {len(t.scopes)} scope(s): {' '.join(t.scopes) if len(t.scopes) <= 3 else t.scopes[0] + ' …'}")
    p("")
    p("try it:")
    p(curl_example(sim))
    p("")


def run(args: Any) -> int:
    host = getattr(args, "host", "127.0.0.1") or "127.0.0.1"
    out = sys.stdout
    if not _is_loopback(host):
        print(f"WARNING: listening on {host}, not loopback: other machines can reach this simulator, and its demo "
              "credentials are public. Use --host 127.0.0.1 unless you mean it.", file=sys.stderr)
    try:
        sim = SimulatorServer(
            seed=args.seed, scale=args.scale, host=host, port=args.port, latency=args.latency, jitter=args.jitter,
            rate_429=args.rate_429, rate_5xx=args.rate_5xx, trickle=args.trickle, drop_rate=args.drop_rate,
            token_lifetime=args.token_lifetime, verbose=os.environ.get("AVEGRAPH_SIM_LOG") == "1").start()
    except OSError as exc:
        print(f"avegraph demo-server: cannot listen on {host}:{args.port}: {exc.strerror or exc}. "
              "Fix: pick another port with --port N (0 = any free port).", file=sys.stderr)
        return EXIT_NETWORK
    try:
        banner(sim, out)
        if getattr(args, "write_config", None):
            from tui.config import ConfigError
            try:
                names = write_config(args.write_config, sim)
            except ConfigError as exc:
                print(f"avegraph demo-server: could not write the config: {exc}", file=sys.stderr)
                return EXIT_USAGE
            print(f"wrote tenants {', '.join(names)} to {args.write_config}; try: "
                  f"avegraph --config {shlex.quote(args.write_config)} --tenant demo-aos", file=out)
        print(f"serving on {sim.base_url} — press Ctrl+C to stop", file=out, flush=True)
        _stop_on_sigterm()
        try:
            sim.serve_forever()
        except KeyboardInterrupt:
            pass
        print("stopped", file=out, flush=True)
        return EXIT_OK
    finally:
        sim.stop()


def _stop_on_sigterm() -> None:
    """SIGTERM and SIGINT stop the server cleanly. SIGINT is set explicitly: a process started in
    the background by a non-interactive shell inherits SIGINT as ignored, and `kill -INT` must
    still stop it."""
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, handler)
        except ValueError:        # not the main thread (run() called from a thread)
            pass
