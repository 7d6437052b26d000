"""Rules about EndpointSlice endpoints: not ready or removed, terminating, ready again."""

from __future__ import annotations

from podchaos.model.expectations import Endpoint
from podchaos.model.timeline import EndpointsSnapshot, FaultRecord, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement


def endpoint(e: Endpoint, timeline: Timeline, fault: FaultRecord) -> Judgement:
    what = {"not-ready": "not ready or removed", "terminating": "terminating", "ready": "ready again"}[
        e.condition
    ]
    serving = "" if e.serving is None else f" with serving={str(e.serving).lower()}"
    expected = f"the pod's endpoint {what}{serving} within {e.within:g}s of the fault"
    slices = [s for s in timeline.of_type(EndpointsSnapshot) if s.at >= fault.at]
    before = [s for s in timeline.of_type(EndpointsSnapshot) if s.at < fault.at]
    if not slices and not before:
        return Judgement(Outcome.PENDING, expected, "no EndpointSlice observed (is there a Service?)")
    dropped_at: float | None = None
    for snapshot in slices:
        mine = None if snapshot.deleted else snapshot.of_pod(fault.pod_uid)
        if mine is None or not mine.ready:
            dropped_at = snapshot.at if dropped_at is None else dropped_at
        hit = endpoint_hit(e, snapshot, fault, dropped_at)
        if hit:
            took = snapshot.at - fault.at
            outcome = Outcome.PASSED if took <= e.within else Outcome.FAILED
            return Judgement(outcome, expected, f"{hit} {took:.1f}s after the fault")
    last = slices[-1] if slices else before[-1]
    seen = ", ".join(
        f"{p.pod} ready={p.ready} serving={p.serving} terminating={p.terminating}" for p in last.endpoints
    )
    return Judgement(Outcome.PENDING, expected, f"last seen: {seen or 'no endpoints'}")


def endpoint_hit(
    e: Endpoint, snapshot: EndpointsSnapshot, fault: FaultRecord, dropped_at: float | None
) -> str:
    """What matched in this snapshot, or ""."""
    own = snapshot.of_pod(fault.pod_uid) if not snapshot.deleted else None
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
    if dropped_at is None or snapshot.at <= dropped_at:
        return ""
    ready = [p for p in snapshot.endpoints if p.ready and not snapshot.deleted]
    return f"endpoint of {ready[0].pod} ready again" if ready else ""
