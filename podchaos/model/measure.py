"""Recovery times derived from a run's timeline, in seconds after the first injected fault. Pure functions.

Each time is ``None`` when the timeline does not show that step (a pod that never lost readiness has
no time to Ready again; a container-kill has no rescheduling), so metrics observe nothing for it
rather than a made-up zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

from podchaos.model.timeline import (
    ContainerSnapshot,
    EndpointsSnapshot,
    FaultRecord,
    PodGone,
    PodSnapshot,
    Timeline,
)
from podchaos.model.traffic import RequestRecord, TrafficSummary


@dataclass(frozen=True)
class EndpointObservation:
    """Whether a pod's address was serving in its Service endpoints at one moment.

    Derived from the EndpointSlice snapshots the observer records (:func:`endpoint_observations`).
    """

    at: float
    pod_uid: str
    serving: bool


@dataclass(frozen=True)
class Measurements:
    """Seconds from the first fault to each recovery step, ``None`` where the step was not seen."""

    not_ready_s: float | None = None
    container_restart_s: float | None = None
    ready_s: float | None = None
    endpoint_removed_s: float | None = None
    endpoint_returned_s: float | None = None
    rescheduled_s: float | None = None
    service_restored_s: float | None = None

    # JUnit property names, part of the public interface: CI dashboards parse them.
    PROPERTY_PREFIX: ClassVar[str] = "podchaos_recovery_"

    def items(self) -> tuple[tuple[str, float | None], ...]:
        """``(field name without the _s suffix, value)`` for every step, in a fixed order."""
        return tuple((f.name.removesuffix("_s"), getattr(self, f.name)) for f in fields(self))

    def properties(self) -> tuple[tuple[str, float], ...]:
        """JUnit properties (``podchaos_recovery_ready_s`` ...) for the steps that were seen."""
        return tuple(
            (f"{self.PROPERTY_PREFIX}{name}_s", value) for name, value in self.items() if value is not None
        )


def _since(fault: FaultRecord, at: float | None) -> float | None:
    return None if at is None else round(at - fault.at, 3)


def _pods_at_fault(timeline: Timeline, fault: FaultRecord) -> frozenset[str]:
    return frozenset(s.pod_uid for s in timeline.of_type(PodSnapshot) if s.at <= fault.at)


def _affected(fault: FaultRecord, uid: str) -> bool:
    # A fault record without a pod (none today) concerns every target pod.
    return not fault.pod_uid or uid == fault.pod_uid


def not_ready_at(timeline: Timeline, fault: FaultRecord) -> float | None:
    """When the faulted pod stopped counting as Ready: not Ready, terminating, or deleted.

    Terminating counts as lost for the same reason the ``pod-ready`` expectation counts it: a
    terminating pod no longer receives Service traffic.
    """
    for entry in timeline.entries:
        if entry.at <= fault.at or not isinstance(entry, PodSnapshot | PodGone):
            continue
        if not _affected(fault, entry.pod_uid):
            continue
        if isinstance(entry, PodGone) or not entry.ready or entry.deleting:
            return entry.at
    return None


def container_restart_at(timeline: Timeline, fault: FaultRecord) -> float | None:
    """When the kubelet reported a restart (restartCount rose) of the faulted container in the same pod.

    A fault without a container (pod-delete) looks at every container of the faulted pod.
    """
    baseline: dict[str, int] = {}
    for snapshot in timeline.of_type(ContainerSnapshot):
        if not _affected(fault, snapshot.pod_uid):
            continue
        if fault.container and snapshot.container != fault.container:
            continue
        key = f"{snapshot.pod_uid}/{snapshot.container}"
        if snapshot.at <= fault.at:
            baseline[key] = snapshot.restart_count
            continue
        # Without a status from before the fault (a late watch), count from the first one seen.
        if snapshot.restart_count > baseline.setdefault(key, snapshot.restart_count):
            return snapshot.at
    return None


def ready_again_at(timeline: Timeline, fault: FaultRecord) -> float | None:
    """When the faulted pod, or a replacement created after the fault, was Ready again after losing it.

    Other replicas that were Ready all along do not count: they say nothing about recovery.
    """
    lost = not_ready_at(timeline, fault)
    if lost is None:
        return None
    before = _pods_at_fault(timeline, fault)
    for snapshot in timeline.of_type(PodSnapshot):
        if snapshot.at < lost or not snapshot.ready or snapshot.deleting:
            continue
        if _affected(fault, snapshot.pod_uid) or snapshot.pod_uid not in before:
            return snapshot.at
    return None


def rescheduled_at(timeline: Timeline, fault: FaultRecord) -> float | None:
    """When a replacement pod (created after the fault) was bound to a node other than the faulted pod's."""
    if not fault.pod_uid:
        return None
    own = [s for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid and s.node]
    placed = [s for s in own if s.at <= fault.at] or own
    if not placed:
        return None
    original = placed[-1].node
    before = _pods_at_fault(timeline, fault)
    for snapshot in timeline.of_type(PodSnapshot):
        if snapshot.at <= fault.at or snapshot.pod_uid in before:
            continue
        if snapshot.node and snapshot.node != original:
            return snapshot.at
    return None


def endpoint_times(
    observations: Sequence[EndpointObservation], fault: FaultRecord, replacements: Iterable[str] = ()
) -> tuple[float | None, float | None]:
    """When the faulted pod left the Service endpoints, and when it (or a replacement) served again."""
    fresh = frozenset(replacements)
    removed: float | None = None
    for observation in observations:
        if observation.at <= fault.at:
            continue
        if removed is None:
            if _affected(fault, observation.pod_uid) and not observation.serving:
                removed = observation.at
        elif observation.serving and (_affected(fault, observation.pod_uid) or observation.pod_uid in fresh):
            return removed, observation.at
    return removed, None


def endpoint_observations(timeline: Timeline) -> tuple[EndpointObservation, ...]:
    """Per EndpointSlice change, whether each pod it held was taking traffic (endpoint present and ready);
    a pod that disappeared from a slice is observed as not serving."""
    known: dict[str, set[str]] = {}
    observations: list[EndpointObservation] = []
    for snapshot in timeline.of_type(EndpointsSnapshot):
        present = {} if snapshot.deleted else {e.pod_uid: e.ready for e in snapshot.endpoints}
        pods = known.setdefault(snapshot.slice, set())
        pods.update(present)
        observations += [
            EndpointObservation(snapshot.at, uid, present.get(uid, False)) for uid in sorted(pods)
        ]
    return tuple(observations)


def measure(timeline: Timeline) -> Measurements:
    """Every recovery time of a run, relative to its first fault (all ``None`` without a fault)."""
    faults = timeline.of_type(FaultRecord)
    if not faults:
        return Measurements()
    fault = faults[0]
    before = _pods_at_fault(timeline, fault)
    replacements = {s.pod_uid for s in timeline.of_type(PodSnapshot) if s.pod_uid not in before}
    removed, returned = endpoint_times(endpoint_observations(timeline), fault, replacements)
    return Measurements(
        not_ready_s=_since(fault, not_ready_at(timeline, fault)),
        container_restart_s=_since(fault, container_restart_at(timeline, fault)),
        ready_s=_since(fault, ready_again_at(timeline, fault)),
        endpoint_removed_s=_since(fault, removed),
        endpoint_returned_s=_since(fault, returned),
        rescheduled_s=_since(fault, rescheduled_at(timeline, fault)),
        service_restored_s=_since(fault, service_restored_at(timeline, fault)),
    )


def service_restored_at(timeline: Timeline, fault: FaultRecord) -> float | None:
    """When the traffic probe's requests succeeded again after the last failed one since the fault
    (None without traffic, or when no request failed)."""
    outages = TrafficSummary.of(timeline.of_type(RequestRecord), fault.at).outages()
    return outages[-1].end if outages else None
