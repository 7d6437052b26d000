"""Time from the kubelet: when a container instance started and ended, by the kubelet's own stamps.

The watch tells when podchaos heard of a change; across an API outage that is when the outage ended,
and a restart that began and ended inside the gap is not heard of at all. The kubelet stamps each
instance: ``state.running.startedAt``, and once it died ``lastState.terminated.startedAt`` and
``finishedAt``, whole seconds, re-listed with the pod after the gap. So the wait before each restart is
known from the kubelet even when the watch missed it.

The watch's times are finer (milliseconds) and refine the kubelet's when the two agree within the
stamps' precision (``AGREE_S``: each stamp is truncated to the second, so the kubelet's wait is within
1 s of the true one, and the watch hears of each change a little late). When they disagree, the
kubelet's wait is used and the verdict says so. Pure: container snapshots in, waits out.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from podchaos.model.timeline import ContainerSnapshot

AGREE_S = 1.5
"""The watch's wait and the kubelet's agree when this close: 1 s of whole-second truncation, and
0.5 s for the watch hearing of the two changes at different lags."""


def epoch(stamp: str) -> float | None:
    """Seconds since the epoch of an RFC 3339 stamp as the API gives it; None for an empty or bad one."""
    if not stamp:
        return None
    try:
        moment = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


@dataclass(frozen=True)
class Instance:
    """One container instance as the kubelet stamped it: ``index`` is its place in the container's
    life (0 for the first, the restartCount it ran under); epoch seconds, ``finished`` None while it
    runs."""

    index: int
    started: float
    finished: float | None


def _index_of_termination(snapshot: ContainerSnapshot) -> int:
    # A running instance's snapshot carries the previous instance's end (lastState); a dead or waiting
    # one carries the end of the instance its restartCount names (its own, or the one it waits to
    # replace).
    return snapshot.restart_count - 1 if snapshot.state == "running" else snapshot.restart_count


def instances(history: list[ContainerSnapshot]) -> list[Instance]:
    """Every instance of one container the snapshots stamp, by its index (restartCount), in order.

    Instances are told apart by their index, not by their start: two instances often start within
    the same whole second. An index whose stamps disagree between snapshots is left out, so a wait
    is never computed from another instance's stamps."""
    starts: dict[int, set[float]] = defaultdict(set)
    ends: dict[int, set[float | None]] = defaultdict(set)
    for snapshot in history:
        last = snapshot.last_termination
        begun = epoch(last.started_at) if last is not None else None
        index = _index_of_termination(snapshot)
        if last is not None and begun is not None and index >= 0:
            starts[index].add(begun)
            ends[index].add(epoch(last.finished_at))
        running = epoch(snapshot.running_since)
        if snapshot.state == "running" and running is not None:
            starts[snapshot.restart_count].add(running)
    found = []
    for index in sorted(starts):
        started, finished = starts[index], ends.get(index, set())
        if len(started) == 1 and len(finished) <= 1:
            found.append(Instance(index, min(started), next(iter(finished), None)))
    return found


def restarts_seen(
    history: list[ContainerSnapshot], since: float
) -> Iterator[tuple[ContainerSnapshot, float]]:
    """Each restart the watch saw from ``since`` on: the snapshot of the instance running again, and
    the seconds from the snapshot not running before it (rounded to 0.1 s)."""
    ended_at: float | None = None
    for snapshot in history:
        if snapshot.at < since:
            continue
        if snapshot.state != "running" and ended_at is None:
            ended_at = snapshot.at
        elif snapshot.state == "running" and ended_at is not None:
            yield snapshot, round(snapshot.at - ended_at, 1)
            ended_at = None


def watch_waits(history: list[ContainerSnapshot], since: float) -> dict[int, float]:
    """restartCount -> seconds the watch saw the container down before the instance with that count
    ran, from ``since`` on."""
    return {snapshot.restart_count: wait for snapshot, wait in restarts_seen(history, since)}


def kubelet_waits(history: list[ContainerSnapshot], fault_at: float) -> dict[int, float]:
    """restartCount -> seconds between the previous instance's end and this one's start, by the
    kubelet's stamps, for the restarts after the fault (from the instance that ran when it came)."""
    before = [s for s in history if s.at <= fault_at]
    if not before:
        return {}
    base = before[-1].restart_count
    by_index = {instance.index: instance for instance in instances(history)}
    waits: dict[int, float] = {}
    for index, current in sorted(by_index.items()):
        previous = by_index.get(index - 1)
        if index > base and previous is not None and previous.finished is not None:
            waits[index] = round(current.started - previous.finished, 1)
    return waits


@dataclass(frozen=True)
class Waits:
    """The waits before each restart after the fault, in order, and what they were taken from."""

    delays: list[float]
    notes: list[str]


def restart_waits(history: list[ContainerSnapshot], fault_at: float) -> Waits:
    """The wait before each restart after the fault: the watch's where it agrees with the kubelet's
    stamps (or there are none), else the kubelet's, with a note; the sequence ends at the first restart
    neither saw."""
    watched = watch_waits(history, fault_at)
    stamped = kubelet_waits(history, fault_at)
    delays: list[float] = []
    notes: list[str] = []
    for count in sorted(set(watched) | set(stamped)):
        if delays and count - 1 not in watched and count - 1 not in stamped:
            break  # a restart neither the watch nor the kubelet's stamps account for
        seen, kubelet = watched.get(count), stamped.get(count)
        if kubelet is None and seen is not None:
            delays.append(seen)
        elif seen is None and kubelet is not None:
            delays.append(kubelet)
            notes.append(f"restart {count}: {kubelet:g}s by the kubelet's times (the watch missed it)")
        elif seen is not None and kubelet is not None and abs(seen - kubelet) <= AGREE_S:
            delays.append(seen)
        elif kubelet is not None:
            delays.append(kubelet)
            notes.append(f"restart {count}: {kubelet:g}s by the kubelet's times, the watch saw {seen:g}s")
    return Waits(delays, notes)
