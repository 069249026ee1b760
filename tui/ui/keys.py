"""The keyboard reference, generated from the bindings themselves.

The help screen (`?`) and the README's keyboard table both come from here, and a test fails
when the README drifts from the code.
"""

from __future__ import annotations

import importlib

from textual.binding import Binding

# (group title, "module:Class") in the order a user meets them.
GROUPS = (
    ("Everywhere", "tui.ui.app:AvegraphApp"),
    ("Tenant screen", "tui.ui.screens.tenants:TenantScreen"),
    ("Explorer", "tui.ui.explorer.screen:ExplorerScreen"),
    ("Resource tree", "tui.ui.widgets.resource_tree:ResourceTree"),
    ("Tables", "tui.ui.widgets.paged_table:PagedTable"),
    ("Filter and sort", "tui.ui.widgets.results_pane:ResultsPane"),
    ("Inspector", "tui.ui.widgets.inspector:ExchangeInspector"),
    ("History", "tui.ui.screens.history:HistoryScreen"),
    ("Failed jobs", "tui.ui.failed_jobs.screen:FailedJobsScreen"),
    ("Permissions", "tui.ui.permissions.screen:PermissionsScreen"),
)

#: the groups that describe each screen (its own keys, then the widgets it shows), for `?` there
SCREEN_GROUPS = {
    "TenantScreen": ("Tenant screen",),
    "ExplorerScreen": ("Explorer", "Tables", "Filter and sort", "Resource tree", "Inspector"),
    "HistoryScreen": ("History", "Tables"),
    "FailedJobsScreen": ("Failed jobs", "Tables", "Filter and sort"),
    "PermissionsScreen": ("Permissions", "Tables", "Filter and sort"),
}
EVERYWHERE = "Everywhere"

KEY_NAMES = {"question_mark": "?", "colon": ":", "slash": "/", "escape": "Esc", "enter": "Enter",
             "space": "Space", "pageup": "PgUp", "pagedown": "PgDn", "asterisk": "*", "exclamation_mark": "!",
             "greater_than_sign": ">", "less_than_sign": "<"}


def key_label(key: str) -> str:
    parts = []
    for k in key.split(","):
        k = k.strip()
        if k.startswith("ctrl+"):
            parts.append("Ctrl+" + KEY_NAMES.get(k[5:], k[5:].upper()))
        else:
            parts.append(KEY_NAMES.get(k, k if len(k) == 1 else k.capitalize()))
    return " / ".join(parts)


def _bindings(cls) -> list[tuple[str, str]]:
    out = []
    for b in getattr(cls, "BINDINGS", []):
        if isinstance(b, Binding):
            key, desc = b.key, b.description
        else:
            key, _, desc = (tuple(b) + ("", ""))[:3]
        if desc:
            out.append((key_label(key), desc))
    return out


def key_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    groups = []
    for title, ref in GROUPS:
        module, _, name = ref.partition(":")
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        rows = _bindings(cls)
        if rows:
            groups.append((title, rows))
    return groups


def screen_key_groups(screen: str | None) -> tuple[list, list, list]:
    """The keys as `?` on ``screen`` (a screen class name) shows them: (that screen's groups, the
    keys that work everywhere, the other screens' groups)."""
    mine = SCREEN_GROUPS.get(screen or "", ())
    groups = dict(key_groups())
    here = [(title, groups[title]) for title in mine if title in groups]
    everywhere = [(EVERYWHERE, groups[EVERYWHERE])] if EVERYWHERE in groups else []
    others = [(title, rows) for title, rows in groups.items() if title not in mine and title != EVERYWHERE]
    return here, everywhere, others


def markdown_table() -> str:
    lines = ["| Where | Key | Action |", "|---|---|---|"]
    for title, rows in key_groups():
        for key, desc in rows:
            lines.append(f"| {title} | `{key}` | {desc} |")
    return "\n".join(lines)
