"""What the Failed jobs screen's workers post; the screen's handlers own what they carry.

``token`` is the number of the scan that posted the message: a handler drops the messages of a
scan that a newer one has superseded. ``DetailLoaded`` is dropped unless its job is still the one
shown.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from tui.triage import FailedJob, ScanEvent


class ScanUpdate(Message):
    """The scan queued events (``event`` is set for the last one, ``done``)."""

    def __init__(self, token: int, event: ScanEvent | None) -> None:
        super().__init__()
        self.token, self.event = token, event


class ScanCrashed(Message):
    def __init__(self, token: int, error: BaseException) -> None:
        super().__init__()
        self.token, self.error = token, error


class DetailLoaded(Message):
    def __init__(self, job: FailedJob, exchange: Any, error: BaseException | None) -> None:
        super().__init__()
        self.job, self.exchange, self.error = job, exchange, error


class SeenFailed(Message):
    """The seen state could not be written (the marks of this visit stay on screen)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
