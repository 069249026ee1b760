"""The Probe tab's loader: the cheapest request per endpoint, each answer posted as it arrives.

Its constructor arguments are its whole interface; it posts ``ProbeStarted``, one ``ProbeRow`` per
endpoint and ``ProbeFinished`` (cancelled, or the reason it could not run) to ``receiver``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message_pump import MessagePump

from tui import perms
from tui.ui.permissions.messages import ProbeFinished, ProbeRow, ProbeStarted


class ProbeLoader:
    def __init__(self, receiver: MessagePump, session: Any, catalog: Any, *, run: int, concurrency: int) -> None:
        self.receiver, self.session, self.catalog = receiver, session, catalog
        self.run_number, self.concurrency = run, concurrency

    async def run(self) -> None:
        post, run = self.receiver.post_message, self.run_number
        try:
            plans, infos = await perms.prepare_probe(self.session, self.catalog)
            post(ProbeStarted(run, plans, infos))
            async for result in perms.iter_probe(self.session, plans, self.concurrency, preflight=False):
                post(ProbeRow(run, result))
        except asyncio.CancelledError:
            post(ProbeFinished(run, cancelled=True))
            raise
        except perms.ProbeAborted as exc:
            post(ProbeFinished(run, error=str(exc)))
            return
        except Exception as exc:  # anything unexpected: shown in place, never a crash
            post(ProbeFinished(run, error=f"{type(exc).__name__}: {exc}"))
            return
        post(ProbeFinished(run))
