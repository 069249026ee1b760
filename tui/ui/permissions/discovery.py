"""The Discovery tab's loader: a token request per catalogue scope (which can this app obtain?).

Its constructor arguments are its whole interface; it posts ``DiscoveryProgress``, one
``DiscoveryRow`` per scope and ``DiscoveryFinished`` (cancelled, or why it could not ask).
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message_pump import MessagePump

from tui import perms
from tui.ui.permissions.messages import DiscoveryFinished, DiscoveryProgress, DiscoveryRow


class DiscoveryLoader:
    def __init__(self, receiver: MessagePump, session: Any, catalog: Any, *, run: int, concurrency: int) -> None:
        self.receiver, self.session, self.catalog = receiver, session, catalog
        self.run_number, self.concurrency = run, concurrency

    async def run(self) -> None:
        post, run = self.receiver.post_message, self.run_number

        def progress(done: int, total: int) -> None:
            post(DiscoveryProgress(run, done, total))
        try:
            async for result in perms.iter_discover(self.session, self.catalog, concurrency=self.concurrency,
                                                    progress=progress):
                post(DiscoveryRow(run, result))
        except asyncio.CancelledError:
            post(DiscoveryFinished(run, cancelled=True))
            raise
        except perms.DiscoveryAborted as exc:
            post(DiscoveryFinished(run, error=exc.message))
            return
        except Exception as exc:  # anything unexpected: shown in place, never a crash
            post(DiscoveryFinished(run, error=f"{type(exc).__name__}: {exc}"))
            return
        post(DiscoveryFinished(run))
