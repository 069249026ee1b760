"""Opening a tenant's API session from a screen, off the UI thread.

Resolving a demo tenant starts the simulator (blocking), so every screen that needs a session
gets it from this thread worker and handles ``SessionReady`` (session, or the error to show).
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.message import Message


class SessionReady(Message):
    def __init__(self, session: Any, error: BaseException | None = None) -> None:
        super().__init__()
        self.session, self.error = session, error


class TenantSessionMixin:
    """Mixed into screens with a ``tenant_name``; call ``connect()`` on mount."""

    tenant_name: str

    @work(thread=True, exclusive=True, group="session")
    def connect(self) -> None:
        try:
            session = self.app.session_for(self.tenant_name)
        except Exception as exc:  # config or demo start-up problem: shown, not raised
            self.post_message(SessionReady(None, exc))
            return
        self.post_message(SessionReady(session))
