"""A controller that never replaced the pod a fault deleted is the control plane not acting: the
expectations about the replacement are undecided, never failed (pure: recorded timelines)."""

from __future__ import annotations

from podchaos.model import FaultRecord, PodReady, Timeline
from podchaos.model.expectations import EmptyDirLost, RestartCount
from podchaos.model.timeline import EventRecord, PodGone, PodSnapshot, TimelineEntry
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge_all

FAULT = FaultRecord(
    at=10.0, fault="pod-delete", pod="scratch-a", pod_uid="old", container="", detail="delete"
)


def pod(at: float, uid: str, owner: str, ready: bool = True, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(
        at=at,
        pod=f"scratch-{uid}",
        pod_uid=uid,
        node="n1",
        phase="Running",
        ready=ready,
        deleting=deleting,
        owner=owner,
    )


def deleted(owner: str, *after: TimelineEntry) -> Timeline:
    # Seen under apiserver restarts: the pod went at +13.8 s, and no replacement came for 80 s.
    return Timeline().plus(
        pod(1.0, "old", owner),
        FAULT,
        pod(10.1, "old", owner, deleting=True),
        PodGone(13.8, "scratch-old", "old"),
        *after,
    )


def test_no_replacement_and_no_failure_reported_is_the_control_planes_stall() -> None:
    line = deleted("ReplicaSet/scratch-5bb9")
    results = judge_all((PodReady(within=30.0), EmptyDirLost("worker", "/scratch")), line, 92.0, True).results
    assert [r.outcome for r in results] == [Outcome.UNDECIDED, Outcome.UNDECIDED], [r.seen for r in results]
    assert "ReplicaSet/scratch-5bb9 created no replacement pod in the 82s after the fault" in results[0].seen


def test_a_replacement_that_came_late_is_judged() -> None:
    line = deleted("ReplicaSet/scratch-5bb9", pod(50.0, "new", "ReplicaSet/scratch-5bb9"))
    (result,) = judge_all((PodReady(within=30.0),), line, 92.0, True).results
    assert result.outcome is Outcome.FAILED, result.seen


def test_a_controller_that_said_why_it_could_not_is_judged() -> None:
    refused = EventRecord(12.0, "scratch-old", "FailedCreate", "exceeded quota", "Warning", "uid-e", 1)
    (result,) = judge_all(
        (PodReady(within=30.0),), deleted("ReplicaSet/scratch-5bb9", refused), 92.0, True
    ).results
    assert result.outcome is Outcome.FAILED, result.seen


def test_a_bare_pod_is_nobodys_to_replace() -> None:
    (result,) = judge_all((PodReady(within=30.0),), deleted(""), 92.0, True).results
    assert result.outcome is Outcome.FAILED, result.seen


def test_expectations_about_the_old_pod_are_not_touched() -> None:
    (result,) = judge_all(
        (RestartCount(container="worker", delta=1),), deleted("ReplicaSet/s"), 92.0, True
    ).results
    assert result.outcome is not Outcome.UNDECIDED
