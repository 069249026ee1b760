"""Command-line entry point.

Start-up is kept cheap: only argparse is imported here, and each sub-command imports what it
needs when it runs (Textual alone costs ~0.4 s, so `--help` and `--version` never import it).
Each sub-command lives in its own module with a ``run(args) -> int`` function.
"""

from __future__ import annotations

import argparse
import sys

from tui import __version__

EXIT_OK, EXIT_FAILED_FOUND, EXIT_USAGE, EXIT_AUTH, EXIT_HTTP_4XX, EXIT_HTTP_5XX = 0, 1, 2, 3, 4, 5

EPILOG = """\
commands:
  (none)         open the explorer (the tenant screen)
  get            fetch an endpoint or path (or @NAME, a saved request), page it, print JSON/JSONL/CSV/table
  saved          list, add, delete, export or import saved requests
  endpoints      list the catalogue of documented endpoints with their scopes
  token          show the decoded claims of a tenant's access token
  failed-jobs    list failed jobs of a tenant (exit 1 when any failed)
  perms          what the token holds, what each endpoint needs, probe the service
  doctor         diagnose config, proxy, CA, reachability and token for a support ticket
  config example print the commented example config (--write puts it at the config path)
  demo-server    run the embedded API simulator on 127.0.0.1

exit codes: 0 ok, 1 failed jobs found, 2 usage or config error, 3 authentication error,
            4 HTTP 4xx, 5 HTTP 5xx or network error
"""


def _common(p: argparse.ArgumentParser, top: bool = False) -> None:
    # On sub-commands the defaults are SUPPRESS, so `avegraph --demo get X` keeps the global value.
    d = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("--config", metavar="PATH", help="config file (default: $AVEGRAPH_CONFIG, "
                   "else $XDG_CONFIG_HOME/avegraph/config.toml)", **({"default": None} if top else d))
    p.add_argument("--tenant", "-t", metavar="NAME", help="tenant name from the config",
                   **({"default": None} if top else d))
    p.add_argument("--demo", action="store_true", help="use the embedded simulator's demo tenants", **d)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="avegraph", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A terminal explorer for the AvePoint Graph Modern API and the Elements partner API. "
                    "Read-only by design.",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"avegraph {__version__}")
    _common(parser, top=True)
    parser.add_argument("--seed", type=int, default=None, help="simulator seed for --demo")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser("get", help="fetch an endpoint or path")
    _common(g)
    g.add_argument("target", metavar="PATH-or-ENDPOINT",
                   help="a path such as /backup/m365/cloudbackupjobs, an endpoint id such as m365.cloudbackupjobs, "
                        "or @NAME of a saved request")
    g.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="path, query or body parameter (repeatable)")
    pages = g.add_mutually_exclusive_group()
    pages.add_argument("--all", action="store_true", help="follow every page")
    pages.add_argument("--max-pages", type=int, default=None, metavar="N", help="stop after N pages")
    g.add_argument("--since", default=None, metavar="WINDOW",
                   help="time window of a job or audit list: 24h, 7d, 30d or an ISO date (default 7d, as in "
                        "the explorer; 'all' sends none)")
    g.add_argument("--raw", action="store_true",
                   help="send parameters the endpoint does not document (refused otherwise)")
    g.add_argument("--format", choices=("json", "jsonl", "csv", "table"), default="json")
    g.add_argument("--output", "-o", metavar="FILE", help="write data to FILE instead of stdout")
    g.add_argument("-v", "--verbose", action="count", default=0,
                   help="diagnostics on stderr: status, timing, request-id per page")
    # Streaming walks (issue 21): where to continue, how long, and CSV as data.
    g.add_argument("--resume", metavar="CURSOR", default=None,
                   help="start at the cursor an interrupted walk printed (a nextLink, token or page)")
    g.add_argument("--deadline", type=float, default=None, metavar="SECONDS",
                   help="stop the whole walk after SECONDS, waits included (default: none); keeps what arrived")
    g.add_argument("--csv-raw", action="store_true",
                   help="CSV cells exactly as sent: no ' before a cell a spreadsheet would run as a formula")

    e = sub.add_parser("endpoints", help="list the catalogue")
    e.add_argument("--service", metavar="S", help="service key or name (m365, elements, enpower, ...)")
    e.add_argument("--search", metavar="TEXT", help="filter by id, title or path")
    e.add_argument("--all", action="store_true", help="include write operations (never sent)")
    e.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="table (piped: nothing cut), json (with parameters and enum values) or csv")

    t = sub.add_parser("token", help="decoded token claims")
    _common(t)
    t.add_argument("--raw", action="store_true", help="also print the raw access token")
    t.add_argument("--format", choices=("table", "json"), default="table")

    f = sub.add_parser("failed-jobs", help="failed jobs of a tenant")
    _common(f)
    f.add_argument("--since", default="7d", help="time window: 24h, 7d, 30d or an ISO date (default 7d)")
    f.add_argument("--format", choices=("table", "csv", "json", "jsonl", "md", "html"), default="table",
                   help="table, csv, json, jsonl (a job a line) or a report: md, html (self-contained)")
    f.add_argument("--include-exceptions", action="store_true",
                   help="also list finished-with-exception / partially finished jobs")
    f.add_argument("--concurrency", type=int, default=4, help="requests at a time (default 4)")
    f.add_argument("-v", "--verbose", action="count", default=0)
    # What failed since I last looked (issue 17): the seen state lives in $XDG_STATE_HOME/avegraph/.
    f.add_argument("--new", action="store_true", help="only failures not seen before; marks them seen")
    f.add_argument("--dry-run", action="store_true", help="with --new / --watch: do not mark anything seen")
    f.add_argument("--watch", action="store_true",
                   help="re-scan every --interval seconds, print new failures as they appear, until Ctrl+C")
    f.add_argument("--interval", type=float, default=300, metavar="S",
                   help="seconds between --watch scans, start to start (default 300)")

    pr = sub.add_parser("perms", help="permissions debugger")
    _common(pr)
    pr.add_argument("--probe", action="store_true", help="call each list endpoint the cheapest way")
    pr.add_argument("--discover", action="store_true", help="ask the identity service which scopes the app can get")
    pr.add_argument("--format", choices=("table", "json"), default="table")

    c = sub.add_parser("config", help="the example configuration")
    _common(c)
    c.add_argument("action", choices=("example",), help="example: print the commented example config")
    c.add_argument("--write", nargs="?", const="", default=None, metavar="PATH",
                   help="write the example to PATH (default: the config path) instead of printing it")

    # -- saved requests (tui.commands.saved) --
    sv = sub.add_parser("saved", help="list, add, delete, export or import saved requests",
                        description="Saved requests live in the config file's [[saved]] tables; "
                                    "`avegraph get @NAME` runs one, S in the explorer saves one.")
    sv_sub = sv.add_subparsers(dest="saved_command", metavar="ACTION")
    sv_list = sv_sub.add_parser("list", help="list saved requests (with --tenant: those usable with it)")
    _common(sv_list)
    sv_list.add_argument("--format", choices=("table", "json"), default="table")
    sv_add = sv_sub.add_parser("add", help="save ENDPOINT with name=value filters, as typed at : in the explorer")
    _common(sv_add)
    sv_add.add_argument("name", help="letters, digits, - _ . (run it with avegraph get @NAME)")
    sv_add.add_argument("query", nargs="+", metavar="ENDPOINT [name=value ...]",
                        help="e.g. jobs state=failed since=24h (names and labels are matched against the catalogue)")
    sv_add.add_argument("--note", help="a line of description")
    sv_add.add_argument("--replace", action="store_true", help="overwrite a saved request of the same name")
    sv_del = sv_sub.add_parser("delete", help="remove a saved request")
    _common(sv_del)
    sv_del.add_argument("name")
    sv_exp = sv_sub.add_parser("export", help="write saved requests to a TOML file to share (no secrets in it)")
    _common(sv_exp)
    sv_exp.add_argument("file")
    sv_exp.add_argument("names", nargs="*", metavar="NAME", help="only these (default: all)")
    sv_imp = sv_sub.add_parser("import", help="add the saved requests of a shared TOML file")
    _common(sv_imp)
    sv_imp.add_argument("file")
    sv_imp.add_argument("--replace", action="store_true", help="overwrite your saved requests of the same name")

    d = sub.add_parser("doctor", help="diagnose configuration and connectivity")
    _common(d)

    s = sub.add_parser("demo-server", help="run the API simulator")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--scale", type=float, default=1.0)
    s.add_argument("--latency", type=float, default=0.0, help="seconds added to each response")
    s.add_argument("--jitter", type=float, default=0.0, help="random extra latency, seconds")
    s.add_argument("--rate-429", type=float, default=0.0, help="share of API requests answered 429")
    s.add_argument("--rate-5xx", type=float, default=0.0, help="share of API requests answered 500/503")
    s.add_argument("--trickle", type=float, default=0.0, help="seconds between body chunks")
    s.add_argument("--drop-rate", type=float, default=0.0, help="share of connections dropped mid-body")
    s.add_argument("--token-lifetime", type=int, default=3600, help="access token lifetime, seconds")
    s.add_argument("--write-config", metavar="PATH", help="write a config whose tenants point at this server")
    return parser


COMMANDS = {
    "get": "tui.commands.get",
    "endpoints": "tui.commands.endpoints",
    "token": "tui.commands.token",
    "failed-jobs": "tui.commands.failed_jobs",
    "perms": "tui.commands.perms",
    "doctor": "tui.commands.doctor",
    "config": "tui.commands.config",
    "saved": "tui.commands.saved",
    "demo-server": "tui.simulator.cli",
}


def main(argv: list[str] | None = None) -> int:
    from tui.crash import install_crash_handler
    install_crash_handler()
    args = build_parser().parse_args(argv)
    if args.command is None:
        from tui.commands.explore import run
        from contextlib import nullcontext as channel
    else:
        import importlib
        run = importlib.import_module(COMMANDS[args.command]).run
        from tui.commands.common import guard_stdout as channel  # headless: a terminal gets no control byte
    try:
        with channel():
            return int(run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
