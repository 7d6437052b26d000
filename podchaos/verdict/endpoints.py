"""Rules about EndpointSlice endpoints: not ready or removed, terminating, ready again.

Only the slices that held the faulted pod's endpoint count (a namespace may have several Services).
"Ready again" means the faulted pod's own endpoint, or a replacement pod's (one that had no endpoint
before the fault), turning ready after the faulted pod's endpoint dropped; a replica that never
dropped does not count.
"""

from __future__ import annotations

from podchaos.model.expectations import Endpoint
from podchaos.model.timeline import EndpointsSnapshot, FaultRecord, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement

_WHAT = {"not-ready": "not ready or removed", "terminating": "terminating", "ready": "ready again"}


def endpoint(e: Endpoint, timeline: Timeline, fault: FaultRecord) -> Judgement:
    serving = "" if e.serving is None else f" with serving={str(e.serving).lower()}"
    expected = f"the pod's endpoint {_WHAT[e.condition]}{serving} within {e.within:g}s of the fault"
    snapshots = timeline.of_type(EndpointsSnapshot)
    own_slices = {s.slice for s in snapshots if s.of_pod(fault.pod_uid) is not None}
    if not own_slices:
        return Judgement(
            Outcome.PENDING, expected, "no EndpointSlice with the pod's endpoint (is there a Service?)"
        )
    relevant = [s for s in snapshots if s.slice in own_slices]
    known_before = {p.pod_uid for s in relevant if s.at < fault.at for p in s.endpoints}
    dropped_at: float | None = None
    for snapshot in (s for s in relevant if s.at >= fault.at):
        own = None if snapshot.deleted else snapshot.of_pod(fault.pod_uid)
        if dropped_at is None and (own is None or not own.ready):
            dropped_at = snapshot.at
        hit = endpoint_hit(e, snapshot, fault, dropped_at, known_before)
        if hit:
            took = snapshot.at - fault.at
            outcome = Outcome.PASSED if took <= e.within else Outcome.FAILED
            return Judgement(outcome, expected, f"{hit} {took:.1f}s after the fault")
    last = relevant[-1]
    seen = ", ".join(
        f"{p.pod} ready={p.ready} serving={p.serving} terminating={p.terminating}" for p in last.endpoints
    )
    return Judgement(Outcome.PENDING, expected, f"last seen: {seen or 'no endpoints'}")


def endpoint_hit(
    e: Endpoint,
    snapshot: EndpointsSnapshot,
    fault: FaultRecord,
    dropped_at: float | None,
    known_before: set[str],
) -> str:
    """What matched in this snapshot of one of the pod's slices, or ""."""
    own = None if snapshot.deleted else snapshot.of_pod(fault.pod_uid)
    if e.condition == "not-ready":
        if own is None:
            return f"endpoint of {fault.pod} removed"
        if not own.ready and (e.serving is None or own.serving == e.serving):
            return f"endpoint of {fault.pod} ready=false serving={str(own.serving).lower()}"
        return ""
    if e.condition == "terminating":
        if own is not None and own.terminating and (e.serving is None or own.serving == e.serving):
            return f"endpoint of {fault.pod} terminating serving={str(own.serving).lower()}"
        return ""
    if dropped_at is None or snapshot.at <= dropped_at or snapshot.deleted:
        return ""
    back = [
        p
        for p in snapshot.endpoints
        if p.ready and (p.pod_uid == fault.pod_uid or p.pod_uid not in known_before)
    ]
    return f"endpoint of {back[0].pod} ready again" if back else ""
