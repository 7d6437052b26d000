"""How long a run spends in each phase of the flow."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from podchaos.model import PhaseTimes

Phase = Literal["queued", "deploy", "steady", "inject", "observe", "settle", "restore", "cleanup"]


class PhaseClock:
    """Adds up wall-clock seconds per phase (a phase can be entered more than once: a test with two
    ``record`` blocks steadies twice)."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}

    @contextmanager
    def timing(self, phase: Phase) -> Iterator[None]:
        """Count the block's duration towards ``phase``, however the block ends."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(phase, time.monotonic() - started)

    def add(self, phase: Phase, seconds: float) -> None:
        """Count ``seconds`` towards ``phase``."""
        self._seconds[phase] = self._seconds.get(phase, 0.0) + seconds

    def times(self) -> PhaseTimes:
        """The totals so far, in milliseconds' precision."""
        return dataclasses.replace(
            PhaseTimes(), **{name: round(seconds, 3) for name, seconds in self._seconds.items()}
        )
