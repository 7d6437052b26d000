"""What a scenario asserts Kubernetes does: one frozen spec per expectation, keyed by its YAML ``type``.

How each is judged against a timeline lives in :mod:`podchaos.verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class RestartCount:
    """The container's restartCount rose by exactly ``delta`` over the run (same pod UID)."""

    type: ClassVar[str] = "restart-count"
    container: str
    delta: int


@dataclass(frozen=True)
class LastTerminated:
    """The container's last termination had this reason and/or exit code."""

    type: ClassVar[str] = "last-terminated"
    container: str
    reason: str | None = None
    exit_code: int | None = None


@dataclass(frozen=True)
class PodReady:
    """After the fault, a target pod is Ready again within ``within`` seconds."""

    type: ClassVar[str] = "pod-ready"
    within: float


@dataclass(frozen=True)
class EmptyDirKept:
    """A file written before the fault is still readable afterwards in the same pod."""

    type: ClassVar[str] = "emptydir-kept"
    container: str
    path: str


@dataclass(frozen=True)
class EmptyDirLost:
    """A file written before the fault is absent in the replacement pod (new UID)."""

    type: ClassVar[str] = "emptydir-lost"
    container: str
    path: str


@dataclass(frozen=True)
class EventSeen:
    """A Kubernetes event with this reason was recorded for a target pod after the fault."""

    type: ClassVar[str] = "event-seen"
    reason: str


Expectation = RestartCount | LastTerminated | PodReady | EmptyDirKept | EmptyDirLost | EventSeen

EXPECTATION_TYPES: dict[str, type[Expectation]] = {
    cls.type: cls for cls in (RestartCount, LastTerminated, PodReady, EmptyDirKept, EmptyDirLost, EventSeen)
}
