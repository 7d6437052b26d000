"""Verdict: judge expectations against a timeline. Pure functions, no I/O.

While observing, an expectation that could still come true is PENDING; the final judgement
(``final=True``) turns what is still pending into FAILED with what was seen, or UNDECIDED where an API
outage hid the evidence (see :mod:`podchaos.verdict.undecided`). Each expectation type
has one rule, grouped by what it is about: containers, pods, endpoints, files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podchaos.model.controllers import (
    DisruptionTarget,
    JobOutcome,
    OrderedRecreation,
    PodKept,
    PvcKept,
    Replaced,
    SameIdentity,
    SameNode,
)
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
    RestartBackoff,
    RestartCount,
    TerminationDuration,
)
from podchaos.model.lifecycle import NotReadyFor, RestartRule, TerminationMessage, TerminationOrder
from podchaos.model.timeline import FaultRecord, Timeline
from podchaos.model.verdict import ExpectationResult, Outcome, Verdict
from podchaos.verdict import (
    containers,
    controllers,
    endpoints,
    files,
    gaps,
    pods,
    readiness,
    replaced,
    restart_rules,
    stalls,
    termination,
    traffic,
    undecided,
)
from podchaos.verdict.common import Judgement
from podchaos.verdict.containers import backoff_delays

Rule = Callable[[Any, Timeline, FaultRecord, float], Judgement]

# Expectation type -> rule(expectation, timeline, first fault, now). Every Expectation has one.
RULES: dict[type[Expectation], Rule] = {
    RestartCount: lambda e, t, f, _now: containers.restart_count(e, t, f),
    LastTerminated: lambda e, t, f, _now: containers.last_terminated(e, t, f),
    OomKilled: lambda e, t, f, _now: containers.oom_killed(e, t, f),
    RestartBackoff: lambda e, t, f, _now: containers.restart_backoff(e, t, f),
    LogSeen: lambda e, t, f, _now: containers.log_seen(e, t, f),
    PodReady: pods.pod_ready,
    PodPhase: lambda e, t, f, _now: pods.pod_phase(e, t, f),
    TerminationDuration: lambda e, t, f, _now: pods.termination_duration(e, t, f),
    Rescheduled: pods.rescheduled,
    MinAvailable: lambda e, t, f, _now: pods.min_available(e, t, f),
    EventSeen: lambda e, t, f, _now: pods.event_seen(e, t, f),
    Eviction: lambda e, t, _f, _now: pods.eviction(e, t),
    Endpoint: lambda e, t, f, _now: endpoints.endpoint(e, t, f),
    EmptyDirKept: lambda e, t, _f, _now: files.emptydir(e, t),
    EmptyDirLost: lambda e, t, _f, _now: files.emptydir(e, t),
    Availability: traffic.availability,
    FailedRequests: traffic.failed_requests,
    LongestOutage: traffic.longest_outage,
    Latency: traffic.latency,
    PvcKept: lambda e, t, _f, _now: controllers.pvc_kept(e, t),
    SameIdentity: controllers.same_identity,
    OrderedRecreation: controllers.ordered_recreation,
    JobOutcome: lambda e, t, f, _now: controllers.job_outcome(e, t, f),
    DisruptionTarget: lambda e, t, f, _now: controllers.disruption_target(e, t, f),
    PodKept: controllers.pod_kept,
    SameNode: controllers.same_node,
    Replaced: replaced.replaced,
    TerminationMessage: lambda e, t, f, _now: termination.termination_message(e, t, f),
    TerminationOrder: lambda e, t, f, _now: termination.termination_order(e, t, f),
    NotReadyFor: readiness.not_ready_for,
    RestartRule: restart_rules.restart_rule,
}


def _first_fault(timeline: Timeline) -> FaultRecord | None:
    faults = timeline.of_type(FaultRecord)
    return faults[0] if faults else None


def judge(expectation: Expectation, timeline: Timeline, now: float) -> ExpectationResult:
    """One expectation against the timeline as of ``now`` (seconds on the timeline's clock)."""
    fault = _first_fault(timeline)
    if fault is None:
        return ExpectationResult(
            expectation, Outcome.FAILED, "a fault to be injected", "no fault was injected"
        )
    j = RULES[type(expectation)](expectation, timeline, fault, now)
    result = gaps.held_while_blind(
        ExpectationResult(expectation, j.outcome, j.expected, j.seen), timeline, fault, now
    )
    result = gaps.undecided_if_overran(result, timeline, fault, now)
    return gaps.noted(_undecided_if_control_plane(result, timeline, fault, now), timeline, fault, now)


def _undecided_if_control_plane(
    result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float
) -> ExpectationResult:
    """A failure the control plane may have caused (an outage in or just before its window, or a
    controller that never acted) is undecided, saying why."""
    result = gaps.undecided_if_hidden(result, timeline, fault, now)
    return stalls.undecided_if_stalled(result, timeline, fault, now)


def judge_all(expectations: tuple[Expectation, ...], timeline: Timeline, now: float, final: bool) -> Verdict:
    """Every expectation; with ``final`` nothing stays pending."""
    results = []
    fault = _first_fault(timeline)
    for expectation in expectations:
        result = judge(expectation, timeline, now)
        # Results judge() decided went through the control-plane rules already; a pending one is
        # decided only now.
        if final and fault is not None and result.outcome is Outcome.PENDING:
            result = undecided.finalised(result, timeline, fault, now)
            result = _undecided_if_control_plane(result, timeline, fault, now)
        results.append(result)
    return Verdict(tuple(results))


__all__ = ["RULES", "backoff_delays", "judge", "judge_all"]
