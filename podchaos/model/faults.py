"""What a scenario asks to break: one frozen spec per fault kind, keyed by its YAML ``type``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

Signal = Literal["SIGKILL", "SIGTERM"]


@dataclass(frozen=True)
class ContainerKill:
    """Send a signal to one container's main process from the node side (works without a shell)."""

    type: ClassVar[str] = "container-kill"
    container: str
    signal: Signal = "SIGKILL"


@dataclass(frozen=True)
class PodDelete:
    """Delete the target pod; ``grace_period`` overrides the pod's own, ``force`` removes it at once."""

    type: ClassVar[str] = "pod-delete"
    grace_period: float | None = None
    force: bool = False


FaultSpec = ContainerKill | PodDelete

FAULT_TYPES: dict[str, type[FaultSpec]] = {cls.type: cls for cls in (ContainerKill, PodDelete)}
