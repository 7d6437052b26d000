"""What every rule returns, and the timeline helpers the rules share."""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.model.timeline import ContainerSnapshot, Timeline
from podchaos.model.verdict import Outcome


@dataclass(frozen=True)
class Judgement:
    """One rule's conclusion: outcome, and what was expected and seen, in words."""

    outcome: Outcome
    expected: str
    seen: str


def container_history(timeline: Timeline, pod_uid: str, container: str) -> list[ContainerSnapshot]:
    """One container's snapshots in one pod, in time order."""
    return [
        s for s in timeline.of_type(ContainerSnapshot) if s.pod_uid == pod_uid and s.container == container
    ]
