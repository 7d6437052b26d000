"""When a pod turned Ready again or finished terminating, by the kubelet's own stamps where the watch
heard of it late (an API outage), and what an end that fell in a gap still allows to conclude.

The kubelet stamps a pod's Ready condition (``lastTransitionTime``) and each container's end
(``state.terminated.finishedAt``), whole seconds; the timeline's wall origin places them on the run's
clock. The watch's time refines the kubelet's when it lies within the stamp's second (half a second
of slack either side for the two clocks and the watch's lag); otherwise the kubelet's time is used and
the verdict says so. Without a stamp, a change first seen right after a gap happened somewhere between
the last sight before the gap and that first sight after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.model.timeline import ApiOutage, ContainerSnapshot, FaultRecord, PodSnapshot, Timeline
from podchaos.verdict.kubelet_times import epoch

SLACK_S = 0.5


def on_run_clock(timeline: Timeline, stamp: str) -> float | None:
    """A kubelet stamp on the run's clock; None without a stamp or the timeline's wall origin."""
    moment = epoch(stamp)
    if moment is None or timeline.wall_origin is None:
        return None
    return round(moment - timeline.wall_origin, 3)


@dataclass(frozen=True)
class Moment:
    """When something happened: between ``earliest`` and ``latest`` on the run's clock (equal when
    known to the millisecond), and how that was known, in words (empty: the watch's own time)."""

    earliest: float
    latest: float
    how: str = ""
    stamped: bool = False
    """The span is the kubelet stamp's own second (a measurement's precision, not missing evidence)."""

    def after(self, fault: FaultRecord) -> str:
        """``4.2s`` or ``between 4.0s and 5.0s``, after the fault."""
        low, high = self.earliest - fault.at, self.latest - fault.at
        return f"{low:.1f}s" if high - low < 0.05 else f"between {low:.1f}s and {high:.1f}s"

    def within(self, fault: FaultRecord, at_least: float, at_most: float) -> bool | None:
        """True when the whole span lies in ``[at_least, at_most]`` after the fault, False when none of
        it does; a span that straddles a bound is None (undecided) when a gap made it, and True for a
        stamp's own second: the window is judged within the precision the kubelet gives."""
        low, high = self.earliest - fault.at, self.latest - fault.at
        if at_least <= low and high <= at_most:
            return True
        if high < at_least or low > at_most:
            return False
        return True if self.stamped else None


def refined(timeline: Timeline, watched: float, stamp: str, fault: FaultRecord) -> Moment:
    """The watch's time ``watched`` where the kubelet's ``stamp`` agrees (or there is none), else the
    kubelet's whole second, saying so."""
    stamped = on_run_clock(timeline, stamp)
    if stamped is None or stamped - SLACK_S <= watched <= stamped + 1 + SLACK_S:
        return Moment(watched, watched)
    if watched < stamped - SLACK_S:
        # Stamped after it was heard of: the node's clock runs ahead of this machine's.
        return Moment(watched, watched, "the watch's time: the node's stamp is later, its clock ahead?")
    how = f"by the kubelet's time; the watch heard of it {watched - fault.at:.1f}s after the fault"
    return Moment(stamped, stamped + 1, how, stamped=True)


def seen_late(timeline: Timeline, last_before: float, first_seen: float) -> Moment | None:
    """When a change first seen at ``first_seen`` (last seen otherwise at ``last_before``) happened,
    if a gap between the two hid it: from the gap's start (or the last sight, if later) to the first
    sight. None when no gap lies between."""
    gaps = [
        g
        for g in timeline.of_type(ApiOutage)
        if g.at <= first_seen and (g.until is None or g.until >= last_before)
    ]
    if not gaps:
        return None
    start = max(last_before, min(g.at for g in gaps))
    named = "; ".join(g.describe() for g in gaps)
    return Moment(start, first_seen, f"it fell in a gap ({named}): no kubelet time for it")


def termination_stamp(timeline: Timeline, fault: FaultRecord) -> str:
    """The latest ``finishedAt`` of the faulted pod's containers (init ones aside) once all were seen
    terminated after the fault; empty when that was never seen with stamps."""
    latest: dict[str, ContainerSnapshot] = {}
    for snapshot in timeline.of_type(ContainerSnapshot):
        if snapshot.pod_uid == fault.pod_uid and snapshot.role != "init":
            latest[snapshot.container] = snapshot
    ends = [s.last_termination.finished_at for s in latest.values() if s.last_termination is not None]
    if not latest or any(s.state != "terminated" for s in latest.values()) or len(ends) != len(latest):
        return ""
    return max(ends, key=lambda stamp: epoch(stamp) or 0.0)


def last_seen_running(timeline: Timeline, pod_uid: str, before: float) -> float:
    """The last moment before ``before`` the watch saw the pod not yet finished (a container not
    terminated); 0 when never."""
    moments = [
        s.at
        for s in timeline.of_type(ContainerSnapshot)
        if s.pod_uid == pod_uid and s.at < before and s.role != "init" and s.state != "terminated"
    ]
    return max(moments, default=0.0)


def ready_moment(timeline: Timeline, ready: PodSnapshot, lost_at: float, fault: FaultRecord) -> Moment:
    """When ``ready`` (the first Ready snapshot after the loss at ``lost_at``) turned Ready: its
    kubelet stamp refines it; without one, a gap before it widens it back to the loss."""
    if ready.ready_since and timeline.wall_origin is not None:
        return refined(timeline, ready.at, ready.ready_since, fault)
    late = seen_late(timeline, lost_at, ready.at)
    return late if late is not None else Moment(ready.at, ready.at)


def pod_change(timeline: Timeline, snapshot: PodSnapshot, fault: FaultRecord) -> Moment:
    """When the pod's readiness changed to what ``snapshot`` shows: its Ready condition's kubelet
    stamp refines the watch's time; without one, a gap since the pod's previous sighting widens it."""
    if snapshot.ready_since and timeline.wall_origin is not None:
        return refined(timeline, snapshot.at, snapshot.ready_since, fault)
    previous = max(
        (s.at for s in timeline.of_type(PodSnapshot) if s.pod_uid == snapshot.pod_uid and s.at < snapshot.at),
        default=fault.at,
    )
    late = seen_late(timeline, previous, snapshot.at)
    return late if late is not None else Moment(snapshot.at, snapshot.at)


def lasted(start: Moment, end: Moment, at_least: float, at_most: float | None) -> bool | None:
    """Whether the stretch from ``start`` to ``end`` lasted within the bounds: True, False, or None
    when a gap leaves it either way (a stamp's own second is judged within its precision)."""
    shortest, longest = end.earliest - start.latest, end.latest - start.earliest
    top = float("inf") if at_most is None else at_most
    if at_least <= shortest and longest <= top:
        return True
    if longest < at_least or shortest > top:
        return False
    # Straddling by no more than a stamp's own second is the measurement's precision, not a gap.
    precise = all(m.stamped or m.earliest == m.latest for m in (start, end))
    return True if precise else None
