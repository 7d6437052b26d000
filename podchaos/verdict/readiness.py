"""Rules about how long the faulted pod, or its endpoint, stayed not ready.

The stretch runs from the first moment after the fault the watches saw it not ready (the pod's Ready
condition false, or deleted; its EndpointSlice endpoint ready=false or removed) to the next moment
they saw it ready. Both are watch times on the run's clock, so the duration is what a client of the
API saw, within the few milliseconds a watch event takes; for the pod, the Ready condition's kubelet
stamps place each end where an API outage made the watch hear of it late.
"""

from __future__ import annotations

from podchaos.model.lifecycle import NotReadyFor
from podchaos.model.timeline import EndpointsSnapshot, FaultRecord, PodGone, PodSnapshot, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict import kubelet_moments
from podchaos.verdict.common import Judgement


def not_ready_for(e: NotReadyFor, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    bounds = [f"at least {e.at_least:g}s"] if e.at_least else []
    bounds += [f"at most {e.at_most:g}s"] if e.at_most is not None else []
    what = f"pod {fault.pod}" if e.of == "pod" else f"the endpoint of pod {fault.pod}"
    expected = f"{what} not ready for {' and '.join(bounds) or 'a while'} after the fault"
    changes = readiness_changes(e, timeline, fault)
    if changes is None:
        return Judgement(
            Outcome.PENDING, expected, "no EndpointSlice with the pod's endpoint (is there a Service?)"
        )
    start = next((at for at, ready in changes if not ready and at >= fault.at), None)
    ready_at_fault = next((ready for at, ready in reversed(changes) if at < fault.at), True)
    if not ready_at_fault:
        start = fault.at  # already not ready when the fault came: the stretch counts from the fault
    if start is None:
        return Judgement(
            Outcome.PENDING, expected, f"ready throughout the {now - fault.at:.1f}s since the fault"
        )
    end = next((at for at, ready in changes if ready and at > start), None)
    since = f"not ready from +{start - fault.at:.1f}s"
    if end is None:
        lasted = now - start
        seen = f"{since}, still not ready {lasted:.1f}s later"
        if e.at_most is not None and lasted > e.at_most:
            return Judgement(Outcome.FAILED, expected, seen)
        if e.at_most is None and lasted >= e.at_least:
            return Judgement(Outcome.PASSED, expected, seen)
        return Judgement(Outcome.PENDING, expected, seen)
    if e.of == "pod":
        return _by_the_kubelet(e, timeline, fault, start, end, expected)
    lasted = end - start
    seen = f"{since} to +{end - fault.at:.1f}s after the fault: {lasted:.1f}s"
    ok = lasted >= e.at_least and (e.at_most is None or lasted <= e.at_most)
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen)


def _by_the_kubelet(
    e: NotReadyFor, timeline: Timeline, fault: FaultRecord, start: float, end: float, expected: str
) -> Judgement:
    """The pod's not-ready stretch with each end placed by the Ready condition's kubelet stamp where
    the watch heard late (an API outage), or widened over a gap without one."""
    snapshots = {s.at: s for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid}
    began = (
        kubelet_moments.Moment(start, start)
        if start == fault.at or start not in snapshots
        else kubelet_moments.pod_change(timeline, snapshots[start], fault)
    )
    ended = kubelet_moments.pod_change(timeline, snapshots[end], fault) if end in snapshots else None
    if ended is None:
        ended = kubelet_moments.Moment(end, end)
    notes = "; ".join(m.how for m in (began, ended) if m.how)
    shortest, longest = ended.earliest - began.latest, ended.latest - began.earliest
    span = f"{shortest:.1f}s" if longest - shortest < 0.05 else f"{shortest:.1f}s to {longest:.1f}s"
    seen = f"not ready from +{began.after(fault)} to +{ended.after(fault)} after the fault: {span}"
    seen += f" ({notes})" if notes else ""
    inside = kubelet_moments.lasted(began, ended, e.at_least, e.at_most)
    outcome = {True: Outcome.PASSED, False: Outcome.FAILED, None: Outcome.UNDECIDED}[inside]
    return Judgement(outcome, expected, seen)


def readiness_changes(
    e: NotReadyFor, timeline: Timeline, fault: FaultRecord
) -> list[tuple[float, bool]] | None:
    """(time, ready) of the faulted pod or its endpoint, each time the watches saw it; None for an
    endpoint when no EndpointSlice ever held the pod's."""
    if e.of == "pod":
        return [
            (entry.at, isinstance(entry, PodSnapshot) and entry.ready)
            for entry in timeline.entries
            if isinstance(entry, PodSnapshot | PodGone) and entry.pod_uid == fault.pod_uid
        ]
    snapshots = timeline.of_type(EndpointsSnapshot)
    own_slices = {s.slice for s in snapshots if s.of_pod(fault.pod_uid) is not None}
    if not own_slices:
        return None
    # Ready only while every slice that held the pod's endpoint has it ready (one per Service).
    in_slice: dict[str, bool] = {}
    changes = []
    for snapshot in (s for s in snapshots if s.slice in own_slices):
        own = None if snapshot.deleted else snapshot.of_pod(fault.pod_uid)
        in_slice[snapshot.slice] = own is not None and own.ready
        changes.append((snapshot.at, all(in_slice.values())))
    return changes
