"""The recorder's read interface: the target pods as the run's watches see them, and waits that the
watches answer. The stages after deploy (steady, triggers, faults) read the pods through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from podchaos.model.timeline import PodState

T = TypeVar("T")


class PodView(Protocol):
    """The target pods as the run's watches see them (the recorder)."""

    def clock(self) -> float: ...

    def live_pods(self) -> list[PodState]: ...

    def wait_until(
        self,
        what: str,
        condition: Callable[[], T | None],
        timeout: float,
        last_seen: Callable[[], str] | None = None,
    ) -> T: ...
