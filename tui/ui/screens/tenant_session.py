"""Compatibility path while the failed-jobs and permissions screens move to the composed
``tui.ui.widgets.tenant_session.TenantSession``; delete once nothing imports it."""

from __future__ import annotations

from tui.ui.widgets.tenant_session import SessionReady, TenantSession

__all__ = ["SessionReady", "TenantSession", "TenantSessionMixin"]


class TenantSessionMixin:
    """Deprecated: compose ``TenantSession(tenant_name, app.session_for)`` instead."""

    tenant_name: str

    def connect(self) -> None:
        self.mount(TenantSession(self.tenant_name, self.app.session_for))
