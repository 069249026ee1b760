"""The Permissions screen's tables and summary lines, rendered from the data the screen holds.

Pure: nothing here touches a widget. Every server or user string goes through ``safe_text``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui import perms
from tui.hints import registration_place
from tui.textsafe import safe_text

# ------------------------------------------------------------------------------------------------
# Row colours (PagedTable's row_style_fn)
# ------------------------------------------------------------------------------------------------


def matrix_style(row: Any) -> str | None:
    state = row.get("token") if isinstance(row, dict) else None
    return "failed" if state == "missing" else "attention" if state == "unknown" else None


def probe_style(row: Any) -> str | None:
    out = row.get("outcome") if isinstance(row, dict) else None
    if out in ("401", "403", "no response"):
        return "failed"
    if out == "400" or (out and out.isdigit() and not out.startswith("2")) or row.get("catalogue"):
        return "attention"
    return None


def discovery_style(row: Any) -> str | None:
    res = row.get("result") if isinstance(row, dict) else None
    return "failed" if res == "refused" else "attention" if res == "not asked" else None


# ------------------------------------------------------------------------------------------------
# Summary lines above the tables
# ------------------------------------------------------------------------------------------------

def matrix_summary_text(matrix: list[perms.MatrixRow], granted: dict[str, str] | None, catalog: Any,
                        focus_endpoint: str | None) -> Text:
    """Scopes held, endpoints granted / missing / unknown, and what the focused endpoint needs."""
    counts = perms.matrix_counts(matrix)
    t = Text()
    all_scopes = catalog.all_scopes()
    if granted is None:
        t.append("The token's scopes are not known yet", style="yellow")
    else:
        held = sorted(granted.values(), key=str.lower)
        known = {perms.scope_key(s) for s in all_scopes}
        t.append(f"Token holds {sum(1 for s in held if perms.scope_key(s) in known)} of "
                 f"{len(all_scopes)} catalogue scopes: ")
        t.append(safe_text(", ".join(held) or "none", 600), style="bold")
    t.append("\n")
    t.append(f"{counts['granted']} endpoints granted", style="green")
    t.append(" · ")
    t.append(f"{counts['missing']} missing", style="red")
    t.append(f" · {counts['unknown']} unknown", style="dim")
    focus = catalog.find(focus_endpoint) if focus_endpoint else None
    if focus is not None:
        state, held_as = perms.holds(focus, granted)
        t.append("\n")
        t.append(safe_text(focus.id, 80), style="bold")
        t.append(" needs ")
        t.append(safe_text(" or ".join(focus.scopes), 200), style="cyan")
        if state == "granted":
            t.append(f": granted{(' (as ' + safe_text(held_as, 80) + ')') if held_as not in focus.scopes else ''}"
                     "; a 403 means another reason (customer scope, licence)", style="green")
        elif state == "missing":
            t.append(": missing. ", style="bold red")
            t.append("Add it in ")
            t.append(registration_place(focus), style="bold")
            t.append(", then r for a new token.")
        else:
            t.append(": unknown (the token's scopes are not known yet)", style="yellow")
    return t


def probe_summary_text(results: list[perms.ProbeResult], granted: dict[str, str] | None, *, probing: bool,
                       total: int, concurrency: int, note: str | None) -> Text:
    """Progress, the count per outcome, disagreements with the catalogue, and the run's note."""
    t = Text()
    sent = [r for r in results if r.outcome != "skipped"]
    if probing:
        t.append(f"Probing {len(sent)}/{total or '?'} ({concurrency} at a time)… ", style="italic")
    elif results:
        t.append(f"Probed {len(sent)} endpoints. ", style="bold")
    counts: dict[str, int] = {}
    for r in results:
        label = r.label if r.outcome in ("ok", "other") else perms.OUTCOME_LABELS[r.outcome]
        counts[label] = counts.get(label, 0) + 1
    styles = {"403": "red", "401": "red", "no response": "red", "400": "yellow", "not sent": "dim"}
    for i, (k, v) in enumerate(sorted(counts.items(), key=lambda kv: (not kv[0][:1].isdigit(), kv[0]))):
        if i:
            t.append(" · ", style="dim")
        t.append(f"{k}: {v}", style=styles.get(k, "green" if k.startswith("2") else ""))
    odd = sum(1 for r in results if r.disagreement(perms.holds(r.endpoint, granted)[0]))
    if odd:
        t.append(" · ", style="dim")
        t.append(f"{odd} disagree with the catalogue", style="bold yellow")
    if note:
        t.append("\n")
        t.append(safe_text(note, 400), style="bold red" if note.startswith("not run") else "yellow")
    elif results and not probing:
        t.append("\n")
        t.append("Enter opens a row's request in the inspector; 400 means the permission check passed.",
                 style="dim")
    return t


def discovery_summary_text(results: list[perms.DiscoveryResult], *, discovering: bool, total: int,
                           note: str | None) -> Text:
    """Progress, granted / refused counts, the scopes granted, and the run's note."""
    granted = [r for r in results if r.state == "granted"]
    refused = [r for r in results if r.state == "refused"]
    t = Text()
    if discovering:
        t.append(f"Asking the identity service, one token request per scope: "
                 f"{len(results)}/{total}… ", style="italic")
    elif results:
        t.append(f"The app registration can obtain {len(granted)} of {total} catalogue scopes. ", style="bold")
    t.append(f"granted {len(granted)}", style="green")
    t.append(" · ")
    t.append(f"refused {len(refused)}", style="red")
    if granted and not discovering:
        t.append("\n")
        t.append("granted: ", style="dim")
        t.append(safe_text(", ".join(sorted((r.spelling or r.scope for r in granted), key=str.lower)), 600))
    if note:
        t.append("\n")
        t.append(safe_text(note, 400), style="bold red")
    return t


def discovery_result_text(r: perms.DiscoveryResult) -> Text:
    """One scope's answer: its state, the spelling granted, and the endpoints that need it."""
    t = Text()
    t.append(safe_text(r.scope, 100), style="bold")
    t.append(f": {r.state}")
    if r.spelling and r.spelling != r.scope:
        t.append(f" as {safe_text(r.spelling, 100)}")
    if r.description:
        t.append(" — " + safe_text(r.description, 300))
    if r.endpoints:
        t.append(f"\nneeded by {len(r.endpoints)}: " + safe_text(", ".join(r.endpoints[:8]), 400))
        if len(r.endpoints) > 8:
            t.append(", …")
    return t
