"""Lanes of a run's timeline drawing, from the timeline alone: pure data, no drawing here.

A readiness band per pod, a lane per container coloured by its state, a lane per endpoint, and the
events' own lane; faults, restarts, terminations and file tokens as marks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from podchaos.model import (
    ApiOutage,
    ContainerSnapshot,
    EndpointsSnapshot,
    EventRecord,
    FileToken,
    PodGone,
    PodSnapshot,
    RequestRecord,
    Timeline,
)
from podchaos.model.traffic import TrafficSummary
from podchaos.report.text import QUIET_EVENTS

LaneKind = Literal["api", "pod", "container", "endpoint", "traffic", "events"]

TRAFFIC_BUCKET_S = 0.5
"""Width of a traffic lane segment: requests are drawn per half second, not one by one."""
MAX_REQUEST_MARKS = 30


@dataclass(frozen=True)
class Segment:
    """A stretch of time a lane spent in one state."""

    start: float
    end: float
    state: str
    title: str


@dataclass(frozen=True)
class Mark:
    """Something that happened at one moment on a lane."""

    at: float
    kind: str
    title: str


@dataclass(frozen=True)
class Lane:
    """One horizontal lane of the drawing."""

    kind: LaneKind
    key: str
    label: str
    segments: tuple[Segment, ...]
    marks: tuple[Mark, ...]


def _merge(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    """Join neighbouring segments in the same state: watch events repeat states a lot."""
    merged: list[Segment] = []
    for segment in segments:
        if segment.end <= segment.start:
            continue
        if merged and merged[-1].state == segment.state and math.isclose(merged[-1].end, segment.start):
            last = merged[-1]
            merged[-1] = Segment(last.start, segment.end, last.state, last.title)
        else:
            merged.append(segment)
    return tuple(merged)


def _stretches(times: Sequence[float], states: Sequence[tuple[str, str]], end: float) -> tuple[Segment, ...]:
    bounds = [*times[1:], end]
    return _merge(
        Segment(start, max(start, stop), state, title)
        for start, stop, (state, title) in zip(times, bounds, states, strict=True)
    )


def _pod_state(snapshot: PodSnapshot) -> tuple[str, str]:
    if snapshot.deleting:
        return "deleting", f"{snapshot.pod} terminating ({snapshot.phase})"
    if snapshot.ready:
        return "ready", f"{snapshot.pod} Ready ({snapshot.phase}) on {snapshot.node or 'no node'}"
    return "not-ready", f"{snapshot.pod} not Ready ({snapshot.phase}) on {snapshot.node or 'no node'}"


def _container_state(snapshot: ContainerSnapshot) -> tuple[str, str]:
    reason = f" {snapshot.reason}" if snapshot.reason else ""
    title = f"{snapshot.container}: {snapshot.state}{reason}, restarts {snapshot.restart_count}"
    if snapshot.state == "running":
        return ("running" if snapshot.ready else "running-unready"), title + (
            "" if snapshot.ready else ", not ready"
        )
    return snapshot.state, title


def _container_marks(history: Sequence[ContainerSnapshot]) -> list[Mark]:
    marks: list[Mark] = []
    for before, now in itertools.pairwise(history):
        if now.restart_count > before.restart_count:
            marks.append(
                Mark(now.at, "restart", f"{now.container} restarted (restartCount {now.restart_count})")
            )
        entered = now.state == "terminated" and before.state != "terminated"
        # A termination seen only through lastState (the watch missed the terminated state).
        missed = (
            now.last_termination is not None
            and now.last_termination != before.last_termination
            and before.state != "terminated"
            and now.state != "terminated"
        )
        if entered or missed:
            ended = now.last_termination if missed else None
            what = f"{ended.reason}, exit code {ended.exit_code}" if ended else (now.reason or "terminated")
            marks.append(Mark(now.at, "terminated", f"{now.container} terminated: {what}"))
    return marks


def _endpoint_state(snapshot: EndpointsSnapshot, uid: str, name: str) -> tuple[str, str]:
    endpoint = None if snapshot.deleted else snapshot.of_pod(uid)
    where = f"endpoint of {name} in {snapshot.service or snapshot.slice}"
    if endpoint is None:
        return "absent", f"{where}: removed"
    if endpoint.terminating:
        return "deleting", f"{where}: terminating, serving={endpoint.serving}"
    if endpoint.ready:
        return "ready", f"{where}: ready"
    return "not-ready", f"{where}: not ready, serving={endpoint.serving}"


def _endpoint_lanes(timeline: Timeline, names: dict[str, str], end: float) -> list[Lane]:
    """Per pod that had an endpoint: its EndpointSlice state (ready, not ready, terminating, removed)."""
    snapshots = timeline.of_type(EndpointsSnapshot)
    lanes = []
    for uid in dict.fromkeys(e.pod_uid for s in snapshots for e in s.endpoints):
        own = [s for s in snapshots if s.of_pod(uid) is not None]
        slices = {s.slice for s in own}
        mine = [s for s in snapshots if s.slice in slices and s.at >= own[0].at]
        name = names.get(uid) or next(e.pod for s in mine for e in s.endpoints if e.pod_uid == uid)
        states = [_endpoint_state(s, uid, name) for s in mine]
        lanes.append(
            Lane(
                kind="endpoint",
                key=f"endpoint/{uid}",
                label=f"endpoint {name}",
                segments=_stretches([s.at for s in mine], states, end),
                marks=(),
            )
        )
    return lanes


def traffic_lane(requests: Sequence[RequestRecord]) -> Lane:
    """What the traffic probe saw, half a second per segment: all succeeded, some failed, all failed;
    each failed request is a mark, with its outcome, while there are few."""
    summary = TrafficSummary.of(tuple(requests), -math.inf)
    segments = []
    for start, succeeded, lost in summary.buckets(TRAFFIC_BUCKET_S):
        state = "s-traffic-ok" if not lost else "s-traffic-failed" if not succeeded else "s-traffic-mixed"
        title = f"{succeeded} succeeded, {lost} failed"
        segments.append(Segment(start, start + TRAFFIC_BUCKET_S, state, title))
    # A mark per failed request while they are few; a long outage shows in its segments alone.
    failed = summary.failed if len(summary.failed) <= MAX_REQUEST_MARKS else ()
    marks = tuple(Mark(r.at, "request", f"request {r.seq}: {r.outcome} {r.error}".strip()) for r in failed)
    return Lane(
        kind="traffic", key="traffic", label="traffic (requests)", segments=tuple(segments), marks=marks
    )


def api_lane(outages: Sequence[ApiOutage], end: float) -> Lane:
    """The stretches when the API could not be used: what the other lanes show there was re-listed
    afterwards, not watched as it happened."""
    segments = tuple(
        Segment(o.at, max(o.at, end if o.until is None else o.until), "s-api-down", o.describe())
        for o in outages
    )
    return Lane(kind="api", key="api", label="Kubernetes API", segments=segments, marks=())


def build_lanes(timeline: Timeline, until: float | None = None) -> tuple[Lane, ...]:
    """The lanes of a timeline: per pod (in order of appearance) its readiness band, then its containers.

    A lane's last state lasts until the pod is deleted, else until ``until`` (default: the last entry).
    """
    last = max((entry.at for entry in timeline.entries), default=0.0)
    end = last if until is None else max(until, last)
    pods: dict[str, list[PodSnapshot]] = {}
    containers: dict[str, dict[str, list[ContainerSnapshot]]] = {}
    gone: dict[str, float] = {}
    names: dict[str, str] = {}
    for entry in timeline.entries:
        if isinstance(entry, PodSnapshot):
            pods.setdefault(entry.pod_uid, []).append(entry)
            names.setdefault(entry.pod_uid, entry.pod)
        elif isinstance(entry, ContainerSnapshot):
            containers.setdefault(entry.pod_uid, {}).setdefault(entry.container, []).append(entry)
            names.setdefault(entry.pod_uid, entry.pod)
        elif isinstance(entry, PodGone):
            gone.setdefault(entry.pod_uid, entry.at)
            names.setdefault(entry.pod_uid, entry.pod)
    # A replacement pod may reuse its predecessor's name (StatefulSet, bare pod re-created).
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    probes = timeline.of_type(FileToken)
    lanes: list[Lane] = []
    outages = timeline.of_type(ApiOutage)
    if outages:
        lanes.append(api_lane(outages, end))
    for uid, name in names.items():
        label = f"{name} ({uid[:8]})" if name in repeated else name
        stop = gone.get(uid, end)
        history = pods.get(uid, [])
        node = next((s.node for s in reversed(history) if s.node), "")
        marks = [Mark(gone[uid], "gone", f"pod {name} deleted from the API")] if uid in gone else []
        lanes.append(
            Lane(
                kind="pod",
                key=uid,
                label=f"pod {label}" + (f" @ {node}" if node else ""),
                segments=_stretches([s.at for s in history], [_pod_state(s) for s in history], stop),
                marks=tuple(marks),
            )
        )
        for container, snapshots in containers.get(uid, {}).items():
            role = snapshots[-1].role
            probe_marks = [
                Mark(
                    p.at,
                    "probe",
                    f"{p.phase}: {p.path} "
                    + ("unreadable" if p.error else "absent" if p.content is None else "present"),
                )
                for p in probes
                if p.pod_uid == uid and p.container == container
            ]
            lanes.append(
                Lane(
                    kind="container",
                    key=f"{uid}/{container}",
                    label=f"{label}/{container}" + ("" if role == "main" else f" [{role}]"),
                    segments=_stretches(
                        [s.at for s in snapshots], [_container_state(s) for s in snapshots], stop
                    ),
                    marks=tuple(sorted(_container_marks(snapshots) + probe_marks, key=lambda m: m.at)),
                )
            )
    lanes += _endpoint_lanes(timeline, names, end)
    requests = timeline.of_type(RequestRecord)
    if requests:
        lanes.append(traffic_lane(requests))
    events = [e for e in timeline.of_type(EventRecord) if e.reason not in QUIET_EVENTS]
    if events:
        ticks = tuple(Mark(e.at, "event", f"{e.type} {e.reason} {e.pod}: {e.message}") for e in events)
        lanes.append(Lane(kind="events", key="events", label="events", segments=(), marks=ticks))
    return tuple(lanes)
