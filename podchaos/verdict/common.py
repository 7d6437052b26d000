"""What every rule returns, and the timeline helpers the rules share."""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.model.timeline import ContainerSnapshot, EventRecord, Timeline
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


def event_after(event: EventRecord, moment: float) -> bool:
    """Whether the event occurrence can have happened at or after ``moment`` by its own time.

    A whole-second event time leaves the occurrence anywhere in ``[at, until)``: it counts when any
    of that window lies after the moment. One whose window ended before (an Unhealthy from start-up
    delivered again by a re-list) does not, whenever it was received.
    """
    return event.at >= moment or (event.until is not None and event.until > moment)
