"""What the Permissions screen's workers post; the screen's handlers own what they carry.

``run`` is the number of the probe or discovery that posted the message: a handler drops the
messages of a run that a newer one (or a cancel) has superseded.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class TokensLoaded(Message):
    def __init__(self, infos: list) -> None:
        super().__init__()
        self.infos = infos


class ProbeStarted(Message):
    def __init__(self, run: int, plans: list, infos: list) -> None:
        super().__init__()
        self.run, self.plans, self.infos = run, plans, infos


class ProbeRow(Message):
    def __init__(self, run: int, result: Any) -> None:
        super().__init__()
        self.run, self.result = run, result


class ProbeFinished(Message):
    def __init__(self, run: int, cancelled: bool = False, error: str | None = None) -> None:
        super().__init__()
        self.run, self.cancelled, self.error = run, cancelled, error


class DiscoveryRow(Message):
    def __init__(self, run: int, result: Any) -> None:
        super().__init__()
        self.run, self.result = run, result


class DiscoveryProgress(Message):
    def __init__(self, run: int, done: int, total: int) -> None:
        super().__init__()
        self.run, self.done, self.total = run, done, total


class DiscoveryFinished(Message):
    def __init__(self, run: int, cancelled: bool = False, error: str | None = None) -> None:
        super().__init__()
        self.run, self.cancelled, self.error = run, cancelled, error
