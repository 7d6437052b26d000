"""Verdict: judge expectations against a timeline. Pure functions, no I/O.

While observing, an expectation that could still come true is PENDING; the final judgement
(``final=True``) turns what is still pending into FAILED with what was seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.model.expectations import (
    EmptyDirKept,
    EmptyDirLost,
    EventSeen,
    Expectation,
    LastTerminated,
    PodReady,
    RestartCount,
)
from podchaos.model.timeline import (
    ContainerSnapshot,
    EventRecord,
    FaultRecord,
    FileProbe,
    PodGone,
    PodSnapshot,
    Termination,
    Timeline,
)
from podchaos.model.verdict import ExpectationResult, Outcome, Verdict


@dataclass(frozen=True)
class _Judgement:
    outcome: Outcome
    expected: str
    seen: str


def _first_fault(timeline: Timeline) -> FaultRecord | None:
    faults = timeline.of_type(FaultRecord)
    return faults[0] if faults else None


def _container_history(timeline: Timeline, pod_uid: str, container: str) -> list[ContainerSnapshot]:
    return [
        s for s in timeline.of_type(ContainerSnapshot) if s.pod_uid == pod_uid and s.container == container
    ]


def _restart_count(e: RestartCount, timeline: Timeline, fault: FaultRecord) -> _Judgement:
    expected = f"{e.container} restartCount +{e.delta} in pod {fault.pod}"
    history = _container_history(timeline, fault.pod_uid, e.container)
    if not history:
        return _Judgement(Outcome.FAILED, expected, f"no status of container {e.container} was observed")
    before = [s for s in history if s.at <= fault.at] or history[:1]
    base = before[-1].restart_count
    latest = history[-1].restart_count
    delta = latest - base
    seen = f"restartCount {base} -> {latest} (+{delta})"
    if delta == e.delta:
        return _Judgement(Outcome.PASSED, expected, seen)
    return _Judgement(Outcome.PENDING if delta < e.delta else Outcome.FAILED, expected, seen)


def _describe_termination(termination: Termination) -> str:
    return f"reason {termination.reason or '(none)'}, exit code {termination.exit_code}"


def _last_terminated(e: LastTerminated, timeline: Timeline, fault: FaultRecord) -> _Judgement:
    wanted = [f"reason {e.reason}"] if e.reason is not None else []
    wanted += [f"exit code {e.exit_code}"] if e.exit_code is not None else []
    expected = f"{e.container} last terminated with {', '.join(wanted) or 'any termination'}"
    history = _container_history(timeline, fault.pod_uid, e.container)
    before = {s.last_termination for s in history if s.at <= fault.at}
    after = [s.last_termination for s in history if s.at > fault.at and s.last_termination is not None]
    fresh = [t for t in after if t not in before]
    if not fresh:
        return _Judgement(Outcome.PENDING, expected, "no termination after the fault yet")
    termination = fresh[0]
    ok = (e.reason is None or termination.reason == e.reason) and (
        e.exit_code is None or termination.exit_code == e.exit_code
    )
    return _Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, _describe_termination(termination))


def _pod_ready(e: PodReady, timeline: Timeline, fault: FaultRecord, now: float) -> _Judgement:
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
            return _Judgement(
                Outcome.PASSED, expected, f"stayed Ready for {now - fault.at:.1f}s after the fault"
            )
        return _Judgement(Outcome.PENDING, expected, "Ready, watching for a drop")
    ready = next(
        (s for s in after if isinstance(s, PodSnapshot) and s.at >= lost_at and s.ready and not s.deleting),
        None,
    )
    if ready is None:
        seen = f"not Ready since {lost_at - fault.at:.1f}s after the fault"
        late = now - fault.at > e.within
        return _Judgement(Outcome.FAILED if late else Outcome.PENDING, expected, seen)
    took = ready.at - fault.at
    seen = f"pod {ready.pod} Ready again {took:.1f}s after the fault (not Ready at {lost_at - fault.at:.1f}s)"
    return _Judgement(Outcome.PASSED if took <= e.within else Outcome.FAILED, expected, seen)


def _probes(timeline: Timeline, container: str, path: str) -> tuple[FileProbe | None, FileProbe | None]:
    probes = [p for p in timeline.of_type(FileProbe) if p.container == container and p.path == path]
    before = next((p for p in probes if p.phase == "before-fault"), None)
    after = next((p for p in reversed(probes) if p.phase == "after-recovery"), None)
    return before, after


def _emptydir(e: EmptyDirKept | EmptyDirLost, timeline: Timeline) -> _Judgement:
    keep = isinstance(e, EmptyDirKept)
    expected = f"{e.path} in {e.container} {'kept' if keep else 'gone'} after recovery"
    before, after = _probes(timeline, e.container, e.path)
    if before is None or before.content is None:
        return _Judgement(Outcome.FAILED, expected, f"podchaos could not write {e.path} before the fault")
    if after is None:
        return _Judgement(Outcome.PENDING, expected, "not read back yet")
    where = "same pod" if after.pod_uid == before.pod_uid else f"new pod {after.pod} (new UID)"
    if after.content is None:
        seen = f"absent in {where}"
    elif after.content == before.content:
        seen = f"same content in {where}"
    else:
        seen = f"different content in {where}: {after.content[:60]!r}"
    kept = after.content == before.content
    return _Judgement(Outcome.PASSED if kept == keep else Outcome.FAILED, expected, seen)


def _event_seen(e: EventSeen, timeline: Timeline, fault: FaultRecord) -> _Judgement:
    expected = f"event {e.reason} for a target pod after the fault"
    pods = {s.pod for s in timeline.of_type(PodSnapshot)}
    events = [ev for ev in timeline.of_type(EventRecord) if ev.pod in pods and ev.at >= fault.at]
    match = next((ev for ev in events if ev.reason == e.reason), None)
    if match is not None:
        return _Judgement(Outcome.PASSED, expected, f"{match.reason} on {match.pod}: {match.message}")
    reasons = sorted({ev.reason for ev in events})
    return _Judgement(Outcome.PENDING, expected, f"events since the fault: {', '.join(reasons) or 'none'}")


def judge(expectation: Expectation, timeline: Timeline, now: float) -> ExpectationResult:
    """One expectation against the timeline as of ``now`` (seconds on the timeline's clock)."""
    fault = _first_fault(timeline)
    if fault is None:
        return ExpectationResult(
            expectation, Outcome.FAILED, "a fault to be injected", "no fault was injected"
        )
    match expectation:
        case RestartCount():
            j = _restart_count(expectation, timeline, fault)
        case LastTerminated():
            j = _last_terminated(expectation, timeline, fault)
        case PodReady():
            j = _pod_ready(expectation, timeline, fault, now)
        case EmptyDirKept() | EmptyDirLost():
            j = _emptydir(expectation, timeline)
        case EventSeen():
            j = _event_seen(expectation, timeline, fault)
    return ExpectationResult(expectation, j.outcome, j.expected, j.seen)


def judge_all(expectations: tuple[Expectation, ...], timeline: Timeline, now: float, final: bool) -> Verdict:
    """Every expectation; with ``final`` nothing stays pending."""
    results = []
    for expectation in expectations:
        result = judge(expectation, timeline, now)
        if final and result.outcome is Outcome.PENDING:
            result = ExpectationResult(
                expectation, Outcome.FAILED, result.expected, f"{result.seen} (when observation ended)"
            )
        results.append(result)
    return Verdict(tuple(results))
