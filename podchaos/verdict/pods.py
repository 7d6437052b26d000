"""Rules about pods: readiness, phases, termination time, rescheduling, availability, events, evictions."""

from __future__ import annotations

from podchaos.model.expectations import (
    EventSeen,
    Eviction,
    MinAvailable,
    PodPhase,
    PodReady,
    Rescheduled,
    TerminationDuration,
)
from podchaos.model.timeline import (
    ContainerSnapshot,
    EventRecord,
    EvictionRecord,
    FaultRecord,
    PodGone,
    PodSnapshot,
    Timeline,
)
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement, event_after


def pod_ready(e: PodReady, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    expected = f"a target pod Ready again within {e.within:g}s of the fault"
    after = [entry for entry in timeline.entries if entry.at > fault.at]
    lost_at = next(
        (
            entry.at
            for entry in after
            if (isinstance(entry, PodSnapshot) and (not entry.ready or entry.deleting))
            or (isinstance(entry, PodGone))
        ),
        None,
    )
    if lost_at is None:
        if now - fault.at >= e.within:
            return Judgement(
                Outcome.PASSED, expected, f"stayed Ready for {now - fault.at:.1f}s after the fault"
            )
        return Judgement(Outcome.PENDING, expected, "Ready, watching for a drop")
    ready = next(
        (s for s in after if isinstance(s, PodSnapshot) and s.at >= lost_at and s.ready and not s.deleting),
        None,
    )
    if ready is None:
        seen = f"not Ready since {lost_at - fault.at:.1f}s after the fault"
        late = now - fault.at > e.within
        return Judgement(Outcome.FAILED if late else Outcome.PENDING, expected, seen)
    took = ready.at - fault.at
    seen = f"pod {ready.pod} Ready again {took:.1f}s after the fault (not Ready at {lost_at - fault.at:.1f}s)"
    return Judgement(Outcome.PASSED if took <= e.within else Outcome.FAILED, expected, seen)


def pod_phase(e: PodPhase, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"pod {fault.pod} reaches phase {e.phase}"
    phases = [
        s.phase for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid and s.at >= fault.at
    ]
    if e.phase in phases:
        return Judgement(Outcome.PASSED, expected, f"phases after the fault: {' -> '.join(runs(phases))}")
    final = phases[-1] if phases else "(no change seen)"
    outcome = Outcome.FAILED if final in {"Succeeded", "Failed"} else Outcome.PENDING
    return Judgement(outcome, expected, f"phases after the fault: {' -> '.join(runs(phases)) or final}")


def runs(values: list[str]) -> list[str]:
    """Consecutive duplicates collapsed: [a, a, b, a] -> [a, b, a]."""
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


def termination_duration(e: TerminationDuration, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"pod {fault.pod} terminated {e.at_least:g}s to {e.at_most:g}s after the fault"
    ended_at = None
    for entry in timeline.entries:
        if entry.at < fault.at or getattr(entry, "pod_uid", None) != fault.pod_uid:
            continue
        if isinstance(entry, PodGone):
            ended_at = entry.at
            break
    latest: dict[str, ContainerSnapshot] = {}
    for snapshot in timeline.of_type(ContainerSnapshot):
        if snapshot.pod_uid == fault.pod_uid and snapshot.role != "init":
            latest[snapshot.container] = snapshot
            all_done = all(s.state == "terminated" for s in latest.values())
            if all_done and snapshot.at >= fault.at and (ended_at is None or snapshot.at < ended_at):
                ended_at = snapshot.at
                break
    if ended_at is None:
        return Judgement(Outcome.PENDING, expected, "still terminating")
    took = ended_at - fault.at
    ok = e.at_least <= took <= e.at_most
    return Judgement(
        Outcome.PASSED if ok else Outcome.FAILED, expected, f"terminated {took:.1f}s after the fault"
    )


def rescheduled(e: Rescheduled, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    origin = next(
        (s.node for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid and s.node), ""
    )
    expected = f"a new target pod Ready on another node than {origin or '(unknown)'} within {e.within:g}s"
    old = {s.pod_uid for s in timeline.of_type(PodSnapshot) if s.at <= fault.at}
    for snapshot in timeline.of_type(PodSnapshot):
        if snapshot.pod_uid in old or not snapshot.ready or snapshot.deleting or snapshot.at < fault.at:
            continue
        took = snapshot.at - fault.at
        if snapshot.node and snapshot.node != origin:
            outcome = Outcome.PASSED if took <= e.within else Outcome.FAILED
            return Judgement(outcome, expected, f"{snapshot.pod} Ready on {snapshot.node} {took:.1f}s after")
        return Judgement(Outcome.FAILED, expected, f"{snapshot.pod} Ready on the same node {snapshot.node}")
    late = now - fault.at > e.within
    return Judgement(Outcome.FAILED if late else Outcome.PENDING, expected, "no new pod Ready yet")


def min_available(e: MinAvailable, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"at least {e.count} target pods Ready at every moment after the fault"
    ready: dict[str, bool] = {}
    lowest: tuple[int, float] | None = None
    for entry in timeline.entries:
        if isinstance(entry, PodSnapshot):
            ready[entry.pod_uid] = entry.ready and not entry.deleting
        elif isinstance(entry, PodGone):
            ready[entry.pod_uid] = False
        else:
            continue
        count = sum(ready.values())
        if entry.at >= fault.at and (lowest is None or count < lowest[0]):
            lowest = (count, entry.at)
    if lowest is None:
        count = sum(ready.values())
        return Judgement(Outcome.PASSED if count >= e.count else Outcome.FAILED, expected, f"{count} Ready")
    count, at = lowest
    seen = f"fewest Ready: {count}, {at - fault.at:.1f}s after the fault"
    return Judgement(Outcome.PASSED if count >= e.count else Outcome.FAILED, expected, seen)


def event_seen(e: EventSeen, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"event {e.reason} for a target pod after the fault"
    pods = {s.pod for s in timeline.of_type(PodSnapshot)}
    events = [ev for ev in timeline.of_type(EventRecord) if ev.pod in pods and event_after(ev, fault.at)]
    match = next((ev for ev in events if ev.reason == e.reason), None)
    if match is not None:
        # The event's own time relative to the fault: a window for a whole-second time.
        when = f"{match.at - fault.at:+.1f}s"
        when += f" to {match.until - fault.at:+.1f}s" if match.until is not None else ""
        seen = f"{match.reason} on {match.pod} at {when} from the fault: {match.message}"
        return Judgement(Outcome.PASSED, expected, seen)
    reasons = sorted({ev.reason for ev in events})
    return Judgement(Outcome.PENDING, expected, f"events since the fault: {', '.join(reasons) or 'none'}")


def eviction(e: Eviction, timeline: Timeline) -> Judgement:
    expected = f"an eviction {e.outcome}"
    records = timeline.of_type(EvictionRecord)
    match = next((r for r in records if r.outcome == e.outcome), None)
    if match is not None:
        return Judgement(Outcome.PASSED, expected, f"{match.pod}: {match.outcome} ({match.message[:120]})")
    seen = "; ".join(f"{r.pod}: {r.outcome}" for r in records) or "no eviction attempted"
    return Judgement(Outcome.FAILED if records else Outcome.PENDING, expected, seen)
