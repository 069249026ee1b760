"""The Permissions screen's loaders: the tokens, the probe and the discovery.

Each one's constructor arguments are its whole interface; ``run()`` (awaited in a worker of the
screen) does the I/O and only posts messages to ``receiver``. A probe or discovery is numbered
(``run``): the messages carry the number, and its last one says whether it was cancelled (Esc) or
why it could not run.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from tui import perms
from tui.ui.permissions.messages import (DiscoveryFinished, DiscoveryProgress, DiscoveryRow, ProbeFinished, ProbeRow,
                                         ProbeStarted, TokensLoaded)


class TokenLoader:
    """The session's tokens, decoded (``refresh``: new ones first); posts ``TokensLoaded``."""

    def __init__(self, receiver: MessagePump, session: Any, *, refresh: bool = False) -> None:
        self.receiver, self.session, self.refresh = receiver, session, refresh

    async def run(self) -> None:
        if self.refresh:
            for b in self.session.bundles:
                try:
                    await self.session.token(b, force=True)
                except Exception:  # noqa: BLE001, S110 - shown by token_infos below, per bundle
                    pass
        infos = await perms.token_infos(self.session)
        self.receiver.post_message(TokensLoaded(infos))


class _NumberedRun:
    """A run numbered ``run`` over ``session`` and ``catalog``; ends with one ``Finished`` message."""

    Finished: type[Message]
    Aborted: type[Exception]

    def __init__(self, receiver: MessagePump, session: Any, catalog: Any, *, run: int, concurrency: int) -> None:
        self.receiver, self.session, self.catalog = receiver, session, catalog
        self.run_number, self.concurrency = run, concurrency

    def post(self, message: Message) -> None:
        self.receiver.post_message(message)

    async def run(self) -> None:
        finished, run = self.Finished, self.run_number
        try:
            await self.steps()
        except asyncio.CancelledError:
            self.post(finished(run, cancelled=True))
            raise
        except self.Aborted as exc:
            self.post(finished(run, error=self.reason(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - anything unexpected: shown in place, never a crash
            self.post(finished(run, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post(finished(run))

    async def steps(self) -> None:
        raise NotImplementedError

    def reason(self, exc: Exception) -> str:
        return str(exc)


class ProbeLoader(_NumberedRun):
    """The cheapest request per endpoint: ``ProbeStarted``, a ``ProbeRow`` per answer, ``ProbeFinished``."""

    Finished, Aborted = ProbeFinished, perms.ProbeAborted

    async def steps(self) -> None:
        plans, infos = await perms.prepare_probe(self.session, self.catalog)
        self.post(ProbeStarted(self.run_number, plans, infos))
        async for result in perms.iter_probe(self.session, plans, self.concurrency, preflight=False):
            self.post(ProbeRow(self.run_number, result))


class DiscoveryLoader(_NumberedRun):
    """A token request per catalogue scope: ``DiscoveryProgress``, a ``DiscoveryRow`` per scope,
    ``DiscoveryFinished``."""

    Finished, Aborted = DiscoveryFinished, perms.DiscoveryAborted

    async def steps(self) -> None:
        run = self.run_number

        def progress(done: int, total: int) -> None:
            self.post(DiscoveryProgress(run, done, total))
        async for result in perms.iter_discover(self.session, self.catalog, concurrency=self.concurrency,
                                                progress=progress):
            self.post(DiscoveryRow(run, result))

    def reason(self, exc: Exception) -> str:
        return exc.message  # type: ignore[attr-defined]  # DiscoveryAborted says it for the user
