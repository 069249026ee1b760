"""Command palette (Ctrl+P): jump to any endpoint, screen or tenant by fuzzy name."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider


class AvegraphCommands(Provider):
    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        screen = app.screen
        tenant = getattr(screen, "tenant_name", None)
        actions = []
        if tenant:
            actions += [("Failed jobs", "every failed job of this tenant", partial(app.open_failed_jobs, tenant)),
                        ("Permissions", "token, scope matrix, probe", partial(app.open_permissions, tenant))]
            if hasattr(screen, "action_history"):
                actions.append(("History", "every request, past sessions included", screen.action_history))
            if hasattr(screen, "action_exchanges"):
                actions.append(("Exchanges", "this session's requests and responses", screen.action_exchanges))
        actions.append(("Tenants", "back to the tenant list", app.action_tenants))
        for entry in app.directory.entries():
            actions.append((f"Open tenant {entry.name}", "DEMO" if entry.demo else entry.auth,
                            partial(app.open_explorer, entry.name)))
        if tenant and hasattr(screen, "open_saved"):        # the explorer opens a saved request
            for req in app.saved_requests(tenant):
                actions.append((f"Saved: @{req.name}", f"{req.endpoint} {req.params_text}".strip(),
                                partial(screen.open_saved, req)))
        if hasattr(screen, "open_endpoint"):
            for e in app.catalog:
                if e.read_only:
                    actions.append((f"{e.service}: {e.title}", e.path,
                                    partial(screen.open_endpoint, e, {}, {})))
        for name, help_text, callback in actions:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
