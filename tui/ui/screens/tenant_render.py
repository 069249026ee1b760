"""What the tenant screen shows, as Rich Text: table cells, the notice, the details, a connection test.

Pure functions of the tenant directory's entries and of what a connection test returned: no
Textual, no I/O, so each is tested without a pilot and the screen only places them. Every value
is user or server text: it goes through the sanitiser and is never parsed as markup.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.text import Text

from tui.environments import DATA_CENTERS, ENVIRONMENTS
from tui.textsafe import safe_multiline, safe_text
from tui.ui.widgets.header import accent_colour

__all__ = ["DEMO_BADGE", "COLUMNS", "display_path", "tilde", "row_key", "tenant_cells", "detail_text",
           "notice_text", "testing_text", "success_text", "failure_text"]

DEMO_BADGE = "bold black on #c9a227"
COLUMNS = (("default", ""), ("name", "Name"), ("environment", "Environment"), ("data_center", "DC"),
           ("auth", "Auth"), ("client_id", "Client ID"), ("accent", "Accent"), ("notes", "Notes"))


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user would type it: the home directory as ``~``."""
    return tilde(str(path))


def tilde(text: str) -> str:
    home = str(Path.home()).rstrip("/")
    if not home:  # HOME=/ : nothing to shorten
        return text
    return text.replace(home + "/", "~/")


def row_key(entry: Any) -> str:
    return ("demo:" if entry.demo else "cfg:") + entry.name


def _dim(text: str) -> Text:
    return Text(text, style="dim")


def swatch(accent: str | None) -> Text:
    if not accent:
        return _dim("—")
    colour = accent_colour(accent)
    text = Text.assemble(("██ ", colour)) if colour else Text.assemble(("?? ", "dim"))
    text.append(safe_text(accent, 12))
    return text


def tenant_cells(entry: Any, default: str | None) -> list[Text]:
    """The table row of one tenant, in COLUMNS order."""
    cfg = entry.config
    star = Text("★", style="bold yellow") if (not entry.demo and entry.name == default) else Text("")
    name = Text(safe_text(entry.name, 40), style="bold" if not entry.demo else "")
    if entry.demo:
        environment = Text(" DEMO ", style=DEMO_BADGE)
        data_center = _dim("local")
        notes = Text(safe_text(entry.description, 80))
    else:
        assert cfg is not None
        environment = Text(cfg.environment)
        data_center = Text(cfg.data_center or "—")
        notes = _dim(safe_text(cfg.secret_source, 60))
    client_id = Text(safe_text(cfg.short_client_id)) if cfg is not None else _dim("—")
    return [star, name, environment, data_center, Text(entry.auth), client_id,
            swatch(cfg.accent if cfg else None), notes]


def notice_text(directory: Any) -> tuple[Text | None, bool, bool]:
    """(text, is an error, show the Add / demo actions) of the notice above the table; text None: hidden."""
    path = display_path(directory.config_path)
    if directory.missing:
        text = Text.assemble(("No config file yet.", "bold"))
        text.append(" It goes here: ")
        text.append(safe_text(path), style="bold")
        text.append("\nAdd a tenant (a) to create it (mode 0600), or open a demo tenant below: "
                    "they talk to a simulator on this machine, no credentials needed.")
        text.append(f"\nFrom a shell: avegraph demo-server --write-config {safe_text(path)}", style="dim")
        return text, False, True
    if directory.error is not None:
        text = Text.assemble(("The config file has an error", "bold"))
        text.append(" — configured tenants are hidden until it is fixed; demo tenants still work. "
                    "Press r after editing the file.\n")
        text.append(safe_multiline(tilde(str(directory.error))))
        return text, True, False
    if directory.config is not None and directory.config.warnings:
        text = Text.assemble((f"{safe_text(path)}:", "bold"))
        for warning in directory.config.warnings:
            text.append("\n• " + safe_text(warning))
        return text, False, False
    return None, False, False


def detail_text(entry: Any | None, default: str | None) -> Text:
    """The panel beside the table: where the highlighted tenant's requests go and with what."""
    if entry is None:
        return _dim("No tenants. Press a to add one.")
    text = Text.assemble((safe_text(entry.name, 64), "bold"))
    if entry.demo:
        text.append("  ")
        text.append(" DEMO ", style=DEMO_BADGE)
    elif entry.name == default:
        text.append("  ★ default", style="yellow")
    cfg = entry.config
    if cfg is not None and cfg.accent:
        text.append("  ")
        text.append_text(swatch(cfg.accent))
    rows: list[tuple[str, str]] = []
    if entry.demo:
        rows.append(("", entry.description))
        if cfg is None:
            rows.append(("Server", "the built-in simulator on 127.0.0.1 (starts when opened or tested)"))
    if cfg is not None:
        env = ENVIRONMENTS.get(cfg.environment)
        place = env.label if env else cfg.environment
        if cfg.data_center and not entry.demo:
            place += f" · {cfg.data_center} — {DATA_CENTERS.get(cfg.data_center, ('?',))[0]}"
        if not entry.demo:
            rows.append(("Where", place))
        rows.append(("API", cfg.api_url))
        rows.append(("Token", cfg.token_url))
        rows.append(("Client ID", cfg.client_id))
        rows.append(("Credential", tilde(cfg.secret_source)))
        rows.append(("Scopes", ", ".join(cfg.scopes) if cfg.scopes else
                     "not set: the token gets every scope the app registration holds"))
        if cfg.ca_bundle:
            rows.append(("CA bundle", tilde(cfg.ca_bundle)))
        if cfg.proxy:
            rows.append(("Proxy", "set (see the config file)"))
    for label, value in rows:
        text.append("\n")
        if label:
            text.append(f"{label:<11}", style="dim")
        text.append(safe_text(value, 400))
    return text


def testing_text(name: str) -> Text:
    title = Text.assemble(("Testing ", "bold"))
    title.append(safe_text(name, 64), style="bold")
    title.append(" … asking the identity service for a token")
    return title


def success_text(name: str, tenant: Any, infos: list[Any], now: datetime | None = None) -> Text:
    """A granted token: where it came from, when it expires, the scopes granted and any not granted.

    ``infos`` are ``tui.perms.TokenInfo`` (one per scope bundle), as ``avegraph token`` reports them.
    """
    granted: list[str] = []
    seen: set[str] = set()
    for info in infos:
        for s in (info.claims.scopes if info.claims is not None else ()):
            if s.lower() not in seen:
                seen.add(s.lower())
                granted.append(s)
    text = Text.assemble(("✓ ", "bold green"))
    text.append(safe_text(name, 64), style="bold")
    text.append(": token granted")
    first = next((i.claims for i in infos if i.claims is not None), None)
    text.append(f"\n{'Token URL':<11}", style="dim")
    text.append(safe_text(tenant.token_url, 200))
    if first is not None and first.client_id:
        text.append(f"\n{'Client ID':<11}", style="dim")
        text.append(safe_text(str(first.client_id), 80))
    if first is not None and first.expires_at is not None:
        left = first.expires_at - (now or datetime.now(timezone.utc))
        text.append(f"\n{'Expires':<11}", style="dim")
        text.append(f"in {max(int(left.total_seconds() // 60), 0)} min")
    wanted = tuple(getattr(tenant, "scopes", None) or ())
    missing = [s for s in wanted if s.lower() not in seen]
    text.append(f"\n{'Scopes':<11}", style="dim")
    text.append(f"{len(granted)} granted", style="bold")
    if granted:
        text.append("\n" + "  ".join(safe_text(s, 120) for s in sorted(granted, key=str.lower)))
    if missing:
        text.append("\nNot granted: ", style="bold yellow")
        text.append(safe_text(", ".join(missing), 400))
    return text


def failure_text(name: str, exc: BaseException) -> Text:
    """Why no token came: the identity service's words, the network's, or the settings'."""
    from tui.api.errors import ApiError, AuthError, NetworkError
    from tui.config import ConfigError

    text = Text.assemble(("✗ ", "bold red"))
    text.append(safe_text(name, 64), style="bold")
    if isinstance(exc, AuthError):
        text.append(": the identity service refused the token request")
        text.append(f"\n{'Error':<11}", style="dim")
        text.append(safe_text(exc.error, 100), style="bold")
        if exc.error_description:
            text.append(" — " + safe_text(exc.error_description, 400))
        text.append(f"\n{'Token URL':<11}", style="dim")
        text.append(safe_text(exc.token_url, 200))
        if exc.scopes:
            text.append(f"\n{'Scopes':<11}", style="dim")
            text.append(safe_text(" ".join(exc.scopes), 400))
    elif isinstance(exc, NetworkError):
        text.append(": cannot reach the service")
        text.append("\n" + safe_text(exc.message, 400))
        if exc.url:
            text.append(f"\n{'URL':<11}", style="dim")
            text.append(safe_text(exc.url, 200))
    elif isinstance(exc, ConfigError):
        text.append(": the tenant's settings are not usable")
        text.append("\n" + safe_text(tilde(str(exc)), 600))
    else:
        text.append(": " + safe_text(str(exc) or type(exc).__name__, 600))
    hint = exc.hint if isinstance(exc, ApiError) else None
    if hint:
        text.append(f"\n{'Hint':<11}", style="bold yellow")
        text.append(safe_text(hint, 600))
    return text
