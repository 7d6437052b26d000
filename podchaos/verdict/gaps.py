"""Gaps: an expectation whose evidence may have fallen into an API outage says so.

While the API could not be used, nothing was watched as it happened; afterwards the watches listed the
state again. Expectations judged from such a state (a restart counter, the last termination, a phase,
recorded events, files, evictions) see through the gap. Those judged from when something happened or
from a moment in between (readiness times, a dip in availability, endpoint transitions, log lines,
back-off delays) may have missed it, and their result names the gap.
"""

from __future__ import annotations

from podchaos.model.controllers import OrderedRecreation, Replaced, SameIdentity
from podchaos.model.expectations import (
    Availability,
    EmptyDirKept,
    EmptyDirLost,
    Endpoint,
    EventSeen,
    Eviction,
    Expectation,
    FailedRequests,
    LastTerminated,
    Latency,
    LogSeen,
    LongestOutage,
    MinAvailable,
    OomKilled,
    PodPhase,
    PodReady,
    Rescheduled,
    RestartCount,
)
from podchaos.model.lifecycle import TerminationMessage
from podchaos.model.timeline import ApiOutage, FaultRecord, Timeline
from podchaos.model.verdict import ExpectationResult, Outcome

# Judged from state a re-list restores, or from what podchaos itself recorded (files, evictions).
SEEN_THROUGH_GAPS: frozenset[type[Expectation]] = frozenset(
    {
        RestartCount,
        LastTerminated,
        OomKilled,
        PodPhase,
        EventSeen,
        Eviction,
        EmptyDirKept,
        EmptyDirLost,
        TerminationMessage,
    }
)

# Judged from what controllers, the scheduler, the endpoints controller or a log stream must do through
# the API in time: an outage delays it, whatever the workload does.
WAITS_ON_CONTROL_PLANE: frozenset[type[Expectation]] = frozenset(
    {
        PodReady,
        Rescheduled,
        Endpoint,
        MinAvailable,
        LogSeen,
        Availability,
        FailedRequests,
        LongestOutage,
        Latency,
        SameIdentity,
        OrderedRecreation,
        Replaced,
    }
)


# After an outage the API's clients catch up only gradually: a restarted apiserver refuses their
# watches until its caches fill, and client-go backs off meanwhile. Measured on the local cluster: the
# EndpointSlice controller had not reflected a pod's readiness 10 s after a fault that came 1 s after a
# gap; the scheduler and the Job controller stayed silent for up to a minute. An outage that ended this
# long before the fault may still delay what an expectation waits on.
CATCH_UP_S = 60.0

# Pending results are noted when judged final (``undecided``), with the gaps named there; undecided
# ones already name them.
UNNOTED = frozenset({Outcome.PENDING, Outcome.UNDECIDED})


def gaps_in(timeline: Timeline, since: float, now: float) -> tuple[ApiOutage, ...]:
    """The API outages that overlap ``[since, now]``."""
    return tuple(
        outage
        for outage in timeline.of_type(ApiOutage)
        if outage.at <= now and (outage.until is None or outage.until >= since)
    )


def noted(result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float) -> ExpectationResult:
    """``result``, its ``seen`` naming the gaps after the fault its evidence may have fallen into."""
    if type(result.expectation) in SEEN_THROUGH_GAPS or result.outcome in UNNOTED:
        return result
    gaps = gaps_in(timeline, fault.at, now)
    if not gaps:
        return result
    named = "; ".join(gap.describe() for gap in gaps)
    note = f"evidence may have fallen into a gap ({named}): what happened then was only re-listed afterwards"
    return ExpectationResult(result.expectation, result.outcome, result.expected, f"{result.seen} [{note}]")


def undecided_if_hidden(
    result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float
) -> ExpectationResult:
    """A failure of an expectation that waits on the control plane is undecided when an outage fell in
    its window (from the fault to ``within`` after it, else to ``now``), or ended less than
    :data:`CATCH_UP_S` before the fault: while the API was away, and while its clients caught up after,
    no replacement pod could be created or scheduled, no endpoint updated, and requests went on reaching
    a pod that was going away. The outage may have caused the failure, so the run ends as an error naming
    the gap instead of blaming the workload. The kubelet's own work (a termination, a restart, a probe)
    goes on without the API and is judged by its own timestamps instead; an outage still going on is
    left to :func:`held_while_blind`."""
    if result.outcome is not Outcome.FAILED or type(result.expectation) not in WAITS_ON_CONTROL_PLANE:
        return result
    within = getattr(result.expectation, "within", None)
    window_end = now if within is None else min(now, fault.at + float(within))
    closed = [
        (gap, gap.until)
        for gap in gaps_in(timeline, fault.at - CATCH_UP_S, window_end)
        if gap.until is not None
    ]
    during = [gap for gap, until in closed if until >= fault.at]
    before = [(gap, until) for gap, until in closed if until < fault.at]
    reasons = []
    if during:
        named = "; ".join(gap.describe() for gap in during)
        reasons.append(f"the API could not be used in this expectation's window ({named})")
    if before:
        gap, until = before[-1]
        reasons.append(
            f"the API's clients were still catching up after an outage that ended {fault.at - until:.1f}s"
            f" before the fault ({gap.describe()}; controllers and the scheduler can lag for up to"
            f" {CATCH_UP_S:g}s after one)"
        )
    if not reasons:
        return result
    return result.undecided(", and ".join(reasons) + ", which may have delayed what it waits for")


def gap_seconds(timeline: Timeline, since: float, now: float) -> float:
    """How long, within ``[since, now]``, the API could not be used (an outage still going on counts
    up to ``now``): what observation deadlines are extended by."""
    total = 0.0
    for gap in gaps_in(timeline, since, now):
        end = now if gap.until is None else min(gap.until, now)
        total += max(0.0, end - max(gap.at, since))
    return round(total, 3)


def hidden_by_gaps(result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float) -> str:
    """The gaps after the fault that may have hidden ``result``'s evidence, described; empty when
    there were none, or when the expectation is judged from state a re-list restores."""
    if type(result.expectation) in SEEN_THROUGH_GAPS:
        return ""
    return "; ".join(gap.describe() for gap in gaps_in(timeline, fault.at, now))


def held_while_blind(
    result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float
) -> ExpectationResult:
    """A failure of a time-judged expectation is not concluded while an outage since the fault is
    still going on: what the re-list after it shows (a pod Ready meanwhile, by the kubelet's stamp)
    may decide otherwise. Pending until then; still pending when observation ends, it is undecided."""
    if result.outcome is not Outcome.FAILED or type(result.expectation) in SEEN_THROUGH_GAPS:
        return result
    ongoing = [gap for gap in gaps_in(timeline, fault.at, now) if gap.until is None]
    if not ongoing:
        return result
    return ExpectationResult(
        result.expectation,
        Outcome.PENDING,
        result.expected,
        f"{result.seen} (not concluded while the API cannot be used: {ongoing[0].describe()})",
    )


OVERRUN_SLACK_S = 2.0
"""A timed fault undone this much later than asked has overrun (the undo itself takes a moment)."""


def overran(timeline: Timeline, now: float) -> str:
    """A timed fault whose undo came late because the API could not be used (an agent's command goes
    through it), described; empty when none did. Expectations timed against the fault's length (how
    long a pod stayed not ready) then judge a longer fault than the scenario asked for."""
    faults = timeline.of_type(FaultRecord)
    for index, fault in enumerate(faults):
        if fault.planned_s is None:
            continue
        undo = next(
            (
                later
                for later in faults[index + 1 :]
                if later.fault == fault.fault
                and later.pod_uid == fault.pod_uid
                and later.detail.startswith("recover")
            ),
            None,
        )
        planned_end = fault.at + fault.planned_s
        ended = undo.at if undo is not None else now
        if ended - planned_end <= OVERRUN_SLACK_S:
            continue
        gaps = gaps_in(timeline, planned_end, ended)
        if gaps:
            named = "; ".join(gap.describe() for gap in gaps)
            return (
                f"the {fault.fault} fault lasted {ended - fault.at:.1f}s, not the {fault.planned_s:g}s asked:"
                f" undoing it waited for the API ({named})"
            )
    return ""


def undecided_if_overran(
    result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float
) -> ExpectationResult:
    """A failure of a time-judged expectation is undecided when a timed fault overran because of an
    outage: the workload was judged against a fault the scenario did not ask for."""
    if result.outcome is not Outcome.FAILED or type(result.expectation) in SEEN_THROUGH_GAPS:
        return result
    why = overran(timeline, now)
    if not why:
        return result
    return result.undecided(why)
