"""A fault's journal over in-memory pods, for fault tests without a cluster or a recorder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from podchaos.errors import ObjectNotFound, WaitTimeout
from podchaos.model.timeline import EvictionRecord, PodState, TimelineEntry

T = TypeVar("T")


@dataclass
class FakeJournal:
    """Records what faults add; answers ``pod``/``live_pods`` from ``kube`` (a fake with ``pod`` and
    ``pods``); ``wait_until`` asks its condition once, as the pods never change by themselves here."""

    kube: Any = None
    namespace: str = "ns"
    entries: list[TimelineEntry] = field(default_factory=list)
    ticks: float = 10.0
    step: float = 0.5

    def clock(self) -> float:
        self.ticks += self.step
        return self.ticks

    def add(self, *entries: TimelineEntry) -> None:
        self.entries.extend(entries)

    def pod(self, name: str) -> PodState | None:
        try:
            state: PodState = self.kube.pod(self.namespace, name)
        except ObjectNotFound:
            return None
        return state

    def live_pods(self) -> list[PodState]:
        pods: list[PodState] = self.kube.pods(self.namespace)
        return pods

    def wait_until(
        self,
        what: str,
        condition: Callable[[], T | None],
        timeout: float,
        last_seen: Callable[[], str] | None = None,
    ) -> T:
        value = condition()
        if value is None:
            raise WaitTimeout(what, timeout, last_seen() if last_seen else "")
        return value

    def evictions(self) -> list[tuple[str, str, str]]:
        return [(e.pod, e.outcome, e.cause) for e in self.entries if isinstance(e, EvictionRecord)]
