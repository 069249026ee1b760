"""Opening a tenant's API session off the UI thread, as a widget a screen composes.

Resolving a demo tenant starts the simulator (blocking), so a screen that needs a session yields
``TenantSession(tenant_name, open_session)`` and handles the ``SessionReady`` it posts (the session,
or the error to show). Its constructor arguments are its whole interface: it reads nothing from
the screen or the app, and it only posts messages (the screen owns the session once it arrives).
"""

from __future__ import annotations

from typing import Any, Callable

from textual import work
from textual.message import Message
from textual.widget import Widget

__all__ = ["SessionReady", "TenantSession"]


class SessionReady(Message):
    """The session for ``tenant_name`` is open (``error`` is None), or could not be (``session`` is None)."""

    def __init__(self, session: Any, error: BaseException | None = None, tenant_name: str = "") -> None:
        super().__init__()
        self.session, self.error, self.tenant_name = session, error, tenant_name


class TenantSession(Widget):
    """Opens ``open_session(tenant_name)`` in a thread worker when mounted; posts ``SessionReady``.

    ``connect()`` opens it again (after the tenant's settings changed, say); a newer call
    supersedes an older one (exclusive worker group).
    """

    DEFAULT_CSS = "TenantSession { display: none; }"

    def __init__(self, tenant_name: str, open_session: Callable[[str], Any], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tenant_name = tenant_name
        self._open_session = open_session

    def on_mount(self) -> None:
        self.connect()

    @work(thread=True, exclusive=True, group="session")
    def connect(self) -> None:
        try:
            session = self._open_session(self.tenant_name)
        except Exception as exc:  # config or demo start-up problem: shown, not raised
            self.post_message(SessionReady(None, exc, self.tenant_name))
            return
        self.post_message(SessionReady(session, None, self.tenant_name))
