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
from podchaos.verdict import kubelet_moments
from podchaos.verdict.common import Judgement, event_after


def pod_ready(e: PodReady, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    expected = f"a target pod Ready again within {e.within:g}s of the fault"
    after = [entry for entry in timeline.entries if entry.at > fault.at]
    # A pod not Ready when the fault came (a fault fired while an init container ran) has not stayed Ready.
    at_fault = [s for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid and s.at <= fault.at]
    lost_at = (
        fault.at
        if at_fault and not at_fault[-1].ready
        else next(
            (
                entry.at
                for entry in after
                if (isinstance(entry, PodSnapshot) and (not entry.ready or entry.deleting))
                or (isinstance(entry, PodGone))
            ),
            None,
        )
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
    before = max(
        (s.at for s in timeline.of_type(PodSnapshot) if s.pod_uid == ready.pod_uid and s.at < ready.at),
        default=lost_at,
    )
    moment = kubelet_moments.ready_moment(timeline, ready, max(before, lost_at), fault)
    how = f"; {moment.how}" if moment.how else ""
    seen = (
        f"pod {ready.pod} Ready again {moment.after(fault)} after the fault"
        f" (not Ready at {lost_at - fault.at:.1f}s{how})"
    )
    inside = moment.within(fault, 0.0, e.within)
    outcome = {True: Outcome.PASSED, False: Outcome.FAILED, None: Outcome.UNDECIDED}[inside]
    return Judgement(outcome, expected, seen)


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
    return _judged_end(e, timeline, fault, ended_at, expected)


def _judged_end(
    e: TerminationDuration, timeline: Timeline, fault: FaultRecord, ended_at: float, expected: str
) -> Judgement:
    """The end the watch saw at ``ended_at``, refined or corrected by the kubelet's ``finishedAt``; an
    end that fell in a gap with no stamp is judged by its whole span: undecided if it straddles."""
    stamp = kubelet_moments.termination_stamp(timeline, fault)
    if stamp and timeline.wall_origin is not None:
        moment = kubelet_moments.refined(timeline, ended_at, stamp, fault)
    else:
        before = kubelet_moments.last_seen_running(timeline, fault.pod_uid, ended_at)
        late = kubelet_moments.seen_late(timeline, max(before, fault.at), ended_at)
        moment = late if late is not None else kubelet_moments.Moment(ended_at, ended_at)
    seen = f"terminated {moment.after(fault)} after the fault" + (f" ({moment.how})" if moment.how else "")
    inside = moment.within(fault, e.at_least, e.at_most)
    outcome = {True: Outcome.PASSED, False: Outcome.FAILED, None: Outcome.UNDECIDED}[inside]
    return Judgement(outcome, expected, seen)


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
    expected = _eviction_expected(e)
    by_pod: dict[str, list[EvictionRecord]] = {}
    for record in timeline.of_type(EvictionRecord):
        if record.outcome != "skipped":  # a DaemonSet pod the drain left alone was never evicted
            by_pod.setdefault(record.pod_uid, []).append(record)
    if not by_pod:
        return Judgement(Outcome.PENDING, expected, "no eviction attempted")
    stories = "; ".join(_eviction_story(records) for records in by_pod.values())
    for records in by_pod.values():
        if _eviction_matches(e, records):
            return Judgement(Outcome.PASSED, expected, _eviction_story(records))
    # A pod still being retried (no final answer yet) may still come out as expected.
    undecided = any(records[-1].outcome == "refused" for records in by_pod.values())
    return Judgement(Outcome.PENDING if undecided else Outcome.FAILED, expected, stories)


def _eviction_expected(e: Eviction) -> str:
    if e.outcome == "refused":
        return "a target pod's eviction refused by its disruption budget (HTTP 429) until the drain gave up"
    if e.refused_first is None:
        return "a target pod evicted"
    if e.refused_first:
        return "a target pod's eviction refused by its disruption budget (HTTP 429), then allowed"
    return "a target pod evicted at the first attempt"


def _eviction_matches(e: Eviction, records: list[EvictionRecord]) -> bool:
    refusals = [r for r in records if r.outcome == "refused"]
    last = records[-1].outcome
    if e.outcome == "refused":
        # Every refusal must be the budget's: a throttling 429 says nothing about the PDB.
        return last == "gave-up" and bool(refusals) and all(r.budget_refusal for r in refusals)
    if last != "evicted":
        return False
    if e.refused_first is None:
        return True
    if e.refused_first:
        return any(r.budget_refusal for r in refusals)
    return not refusals


def _eviction_story(records: list[EvictionRecord]) -> str:
    """One pod's evictions in a line: ``web-1: refused 3x by the disruption budget over 6.1s (...),
    then evicted``."""
    pod = records[0].pod
    refusals = [r for r in records if r.outcome == "refused"]
    parts = []
    if refusals:
        budget = [r for r in refusals if r.budget_refusal]
        other = len(refusals) - len(budget)
        span = refusals[-1].at - refusals[0].at
        words = f"refused {len(refusals)}x"
        if budget:
            words += f" ({len(budget)} by the disruption budget)" if other else " by the disruption budget"
        else:
            words += " (HTTP 429, not by a disruption budget)"
        parts.append(f"{words} over {span:.1f}s ({refusals[-1].message[:200]})")
    final = records[-1]
    endings = {"evicted": "evicted", "gave-up": "the drain gave up", "gone": "gone before its eviction"}
    parts.append(endings.get(final.outcome, "still retrying"))
    return f"{pod}: {', then '.join(parts)}"
