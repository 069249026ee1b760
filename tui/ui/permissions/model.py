"""The Permissions screen's state and its pure transitions (no Textual, no widgets).

The token (``apply_tokens``), the scope matrix built from it, and one ``Run`` each for the probe
and the discovery: ``start`` numbers a run, and the loaders' messages of an older run are dropped
(``apply_*`` return False for them). Actions asked for before the session is open wait in
``pending``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui import perms


@dataclass
class Run:
    """One probe or discovery: its number, whether it runs, what it found, a note when it stopped."""
    number: int = 0
    running: bool = False
    results: list = field(default_factory=list)
    total: int = 0
    note: str | None = None

    def start(self) -> int:
        self.number += 1
        self.running, self.results, self.total, self.note = True, [], 0, None
        return self.number

    def current(self, number: int) -> bool:
        return number == self.number

    def finish(self, *, cancelled: bool, error: str | None, stopped: str, failed_prefix: str = "") -> None:
        self.running = False
        if cancelled:
            self.note = stopped
        elif error:
            self.note = failed_prefix + error


@dataclass
class PermissionsModel:
    tenant_name: str
    focus_endpoint: str | None = None
    session_error: BaseException | None = None
    infos: list[perms.TokenInfo] | None = None
    granted: dict[str, str] | None = None
    matrix: list[perms.MatrixRow] = field(default_factory=list)
    revealed: bool = False
    pending: list[str] = field(default_factory=list)
    probe: Run = field(default_factory=Run)
    discovery: Run = field(default_factory=Run)

    # -- the token and the matrix ------------------------------------------------------------------
    def apply_tokens(self, infos: list[perms.TokenInfo]) -> bool:
        """The tokens' decoded state; True when the scopes held changed (the matrix is rebuilt)."""
        self.infos = infos
        granted = perms.granted_of(infos)
        changed = granted != self.granted
        self.granted = granted
        return changed

    def build_matrix(self, catalog: Any) -> list[dict]:
        """Every catalogued endpoint against the scopes held: the matrix table's rows."""
        self.matrix = perms.scope_matrix(catalog, self.granted)
        return [r.to_row() for r in self.matrix]

    def focus_in(self, catalog: Any) -> str | None:
        """The endpoint the screen was opened for, when the catalogue knows it."""
        return self.focus_endpoint if self.focus_endpoint and catalog.find(self.focus_endpoint) else None

    @property
    def has_token(self) -> bool:
        return bool(self.infos) and any(i.claims is not None for i in self.infos)

    # -- actions waiting for the session ------------------------------------------------------------------
    def defer(self, action: str) -> None:
        """``action`` runs once the session is open (not when opening it failed)."""
        if self.session_error is None and action not in self.pending:
            self.pending.append(action)

    def take_pending(self) -> list[str]:
        pending, self.pending = self.pending, []
        return pending

    # -- the probe -------------------------------------------------------------------------------------------
    def probe_started(self, run: int, plans: list, infos: list) -> bool | None:
        """The plan is made: None for an old run, else whether the scopes held changed."""
        if not self.probe.current(run):
            return None
        self.probe.total = sum(1 for p in plans if not p.skip)
        return self.apply_tokens(infos) if infos else False

    def probe_row(self, run: int, result: perms.ProbeResult) -> dict | None:
        """One answer: its table row, or None for an old run."""
        if not self.probe.current(run):
            return None
        self.probe.results.append(result)
        state, _ = perms.holds(result.endpoint, self.granted)
        return result.to_row(state)

    def probe_finished(self, run: int, *, cancelled: bool, error: str | None) -> bool:
        if not self.probe.current(run):
            return False
        self.probe.finish(cancelled=cancelled, error=error, stopped="stopped (Esc); press p to probe again",
                          failed_prefix="not run: ")
        return True

    def probe_result_at(self, index: int | None) -> perms.ProbeResult | None:
        results = self.probe.results
        return results[index] if index is not None and 0 <= index < len(results) else None

    # -- the discovery ------------------------------------------------------------------------------------------
    def discovery_row(self, run: int, result: perms.DiscoveryResult) -> dict | None:
        if not self.discovery.current(run):
            return None
        self.discovery.results.append(result)
        return result.to_row()

    def discovery_finished(self, run: int, *, cancelled: bool, error: str | None) -> bool:
        if not self.discovery.current(run):
            return False
        self.discovery.finish(cancelled=cancelled, error=error, stopped="stopped (Esc); press d to ask again")
        return True

    def discovery_result_at(self, index: int) -> perms.DiscoveryResult | None:
        results = self.discovery.results
        return results[index] if 0 <= index < len(results) else None

    # -- Esc ------------------------------------------------------------------------------------------------------
    def to_cancel(self, tab: str) -> str | None:
        """What Esc stops on ``tab``: "probe", "discovery" or nothing (then it goes back)."""
        if self.probe.running and (tab == "probe" or not self.discovery.running):
            return "probe"
        if self.discovery.running:
            return "discovery"
        return None
