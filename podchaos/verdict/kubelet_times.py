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
import itertools
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
    """One container instance as the kubelet stamped it (epoch seconds; ``finished`` None while it runs)."""

    started: float
    finished: float | None


def instances(history: list[ContainerSnapshot]) -> list[Instance]:
    """Every instance of one container the snapshots name (the running one by ``running_since``, dead
    ones by their last termination), in the order they started."""
    found: dict[float, float | None] = {}
    for snapshot in history:
        last = snapshot.last_termination
        started = epoch(last.started_at) if last is not None else None
        if started is not None and last is not None:
            found[started] = epoch(last.finished_at)
        running = epoch(snapshot.running_since)
        if snapshot.state == "running" and running is not None:
            found.setdefault(running, None)
    return [Instance(started, found[started]) for started in sorted(found)]


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
    kubelet's stamps, for the restarts after the fault: from the instance that ran when the fault came
    (its restartCount the last one seen by then)."""
    before = [s for s in history if s.at <= fault_at]
    after = [s for s in history if s.at > fault_at]
    if not before:
        return {}
    base = before[-1].restart_count
    known_before = {s.last_termination for s in before}
    # The instance the fault ended: the first termination after it that was not there before.
    ended = next(
        (s.last_termination for s in after if s.last_termination and s.last_termination not in known_before),
        None,
    )
    first = epoch(ended.started_at) if ended is not None else None
    if first is None:
        return {}
    chain = [i for i in instances(history) if i.started >= first]
    waits: dict[int, float] = {}
    for offset, (previous, current) in enumerate(itertools.pairwise(chain), start=1):
        if previous.finished is not None:
            waits[base + offset] = round(current.started - previous.finished, 1)
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
