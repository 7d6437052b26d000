"""What every fault gets and must do: inject, confirm it took effect, leave nothing behind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from podchaos.k8s.client import Kube
from podchaos.model.timeline import FaultRecord, PodState, TimelineEntry

CONFIRM_TIMEOUT_S = 60.0


class Journal(Protocol):
    """Where a fault stamps and records what it did (the observer's recorder)."""

    def clock(self) -> float: ...

    def add(self, *entries: TimelineEntry) -> None: ...


@dataclass(frozen=True)
class FaultContext:
    """The run a fault acts on."""

    kube: Kube
    namespace: str
    selector: str
    targets: tuple[PodState, ...]
    journal: Journal

    @property
    def target(self) -> PodState:
        """The pod a single-pod fault acts on: the first Ready target pod by name."""
        return self.targets[0]


class Fault(Protocol):
    """A fault kind. ``inject`` returns only once the fault is confirmed, else raises FaultError."""

    def inject(self, context: FaultContext) -> FaultRecord: ...
