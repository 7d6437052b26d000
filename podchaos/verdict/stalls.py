"""Stalls: a controller that never replaced a deleted pod is the control plane not acting.

A pod a controller owns (a ReplicaSet, StatefulSet, DaemonSet or Job) that was deleted or evicted is
replaced by that controller within moments, or the controller reports why not (a ``FailedCreate``
event: quota, admission). When no new pod appeared for the whole observation and no such event came,
the controller-manager did not act: seen after apiserver restarts, while its watches were still
backing off, with no outage in the run's own recording. Expectations about the replacement then
judged the control plane, not the workload, and are undecided, saying so.
"""

from __future__ import annotations

from podchaos.model.expectations import EmptyDirKept, EmptyDirLost, Expectation
from podchaos.model.timeline import EventRecord, FaultRecord, PodGone, PodSnapshot, Timeline
from podchaos.model.verdict import ExpectationResult, Outcome
from podchaos.verdict.gaps import WAITS_ON_CONTROL_PLANE

# Expectations that need the replacement pod: the control plane's, and file tokens read back in it.
NEED_REPLACEMENT: frozenset[type[Expectation]] = WAITS_ON_CONTROL_PLANE | {EmptyDirKept, EmptyDirLost}

ALWAYS_REPLACING = ("ReplicaSet/", "StatefulSet/", "DaemonSet/")


def idle_controller(timeline: Timeline, fault: FaultRecord, now: float) -> str:
    """The target's controller, described, when the target went away after the fault and no new pod
    nor a ``FailedCreate`` event followed until ``now``; empty otherwise."""
    pods = timeline.of_type(PodSnapshot)
    owner = next((s.owner for s in pods if s.pod_uid == fault.pod_uid and s.owner), "")
    # A bare pod is nobody's to replace (its loss is the workload's design); a Job may rightly stop
    # creating pods (its back-off limit reached). These controllers always replace a pod they lost.
    if not owner.startswith(ALWAYS_REPLACING):
        return ""
    gone = any(
        isinstance(entry, PodGone) and entry.pod_uid == fault.pod_uid and entry.at >= fault.at
        for entry in timeline.entries
    )
    deleting = any(s.pod_uid == fault.pod_uid and s.deleting and s.at >= fault.at for s in pods)
    if not (gone or deleting):
        return ""
    existed = {s.pod_uid for s in pods if s.at <= fault.at}
    if any(s.pod_uid not in existed for s in pods):
        return ""
    if any(e.reason == "FailedCreate" and e.at >= fault.at for e in timeline.of_type(EventRecord)):
        return ""
    return (
        f"{owner} created no replacement pod in the {now - fault.at:.0f}s after the fault and reported"
        " no failure to create one: the control plane did not act"
    )


def undecided_if_stalled(
    result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float
) -> ExpectationResult:
    """A failure of an expectation about the replacement pod is undecided when its controller never
    acted (:func:`idle_controller`)."""
    if result.outcome is not Outcome.FAILED or type(result.expectation) not in NEED_REPLACEMENT:
        return result
    why = idle_controller(timeline, fault, now)
    if not why:
        return result
    return result.undecided(why)
