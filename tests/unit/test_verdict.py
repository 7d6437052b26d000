"""Expectations judged over recorded timelines (pure: no cluster)."""

from __future__ import annotations

from typing import Literal

from podchaos.model import (
    ContainerSnapshot,
    EmptyDirKept,
    EmptyDirLost,
    EventRecord,
    EventSeen,
    FaultRecord,
    FileToken,
    LastTerminated,
    Outcome,
    PodGone,
    PodReady,
    PodSnapshot,
    RestartCount,
    Timeline,
    TimelineEntry,
)
from podchaos.model.timeline import Termination
from podchaos.verdict import judge, judge_all

UID = "uid-1"


def container(
    at: float,
    restarts: int,
    state: str = "running",
    last: Termination | None = None,
    name: str = "agent",
    uid: str = UID,
    cid: str = "containerd://a",
) -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod="web",
        pod_uid=uid,
        container=name,
        role="main",
        state=state,  # type: ignore[arg-type]
        reason="",
        restart_count=restarts,
        ready=state == "running",
        container_id=cid,
        last_termination=last,
    )


def pod(at: float, ready: bool, uid: str = UID, name: str = "web", deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(
        at=at, pod=name, pod_uid=uid, node="n1", phase="Running", ready=ready, deleting=deleting
    )


FAULT = FaultRecord(
    at=10.0, fault="container-kill", pod="web", pod_uid=UID, container="agent", detail="SIGKILL"
)
KILLED = Termination(reason="Error", exit_code=137)


def timeline(*entries: TimelineEntry) -> Timeline:
    return Timeline().plus(*entries)


def test_restart_count_passes_pends_and_fails() -> None:
    base: list[TimelineEntry] = [container(1, 0), pod(1, True), FAULT]
    expectation = RestartCount("agent", 1)
    assert judge(expectation, timeline(*base), 11).outcome is Outcome.PENDING
    restarted = judge(expectation, timeline(*base, container(12, 1, last=KILLED)), 12)
    assert restarted.outcome is Outcome.PASSED
    assert restarted.seen == "restartCount 0 -> 1 (+1)"
    too_many = judge(expectation, timeline(*base, container(12, 1), container(14, 2)), 14)
    assert too_many.outcome is Outcome.FAILED


def test_restart_count_counts_from_the_value_at_fault_time() -> None:
    entries: list[TimelineEntry] = [container(1, 3), FAULT, container(12, 4)]
    assert judge(RestartCount("agent", 1), timeline(*entries), 12).outcome is Outcome.PASSED


def test_last_terminated_ignores_terminations_before_the_fault() -> None:
    old = Termination(reason="Completed", exit_code=0)
    entries: list[TimelineEntry] = [container(1, 1, last=old), FAULT]
    expectation = LastTerminated("agent", reason="Error", exit_code=137)
    assert judge(expectation, timeline(*entries), 11).outcome is Outcome.PENDING
    result = judge(expectation, timeline(*entries, container(12, 2, last=KILLED)), 12)
    assert result.outcome is Outcome.PASSED
    wrong = judge(expectation, timeline(*entries, container(12, 2, last=Termination("OOMKilled", 137))), 12)
    assert wrong.outcome is Outcome.FAILED
    assert wrong.seen == "reason OOMKilled, exit code 137"


def test_pod_ready_measures_recovery_time() -> None:
    entries: list[TimelineEntry] = [pod(1, True), FAULT, pod(10.5, False), pod(13.0, True)]
    result = judge(PodReady(within=5), timeline(*entries), 14)
    assert result.outcome is Outcome.PASSED
    assert "3.0s after the fault" in result.seen
    slow = judge(PodReady(within=2), timeline(*entries), 14)
    assert slow.outcome is Outcome.FAILED


def test_pod_ready_counts_a_replacement_pod() -> None:
    entries: list[TimelineEntry] = [
        pod(1, True),
        FAULT,
        pod(10.2, False, deleting=True),
        PodGone(11, "web", UID),
        pod(12, True, uid="uid-2", name="web-2"),
    ]
    assert judge(PodReady(within=5), timeline(*entries), 13).outcome is Outcome.PASSED


def test_pod_ready_that_never_drops_passes_only_after_the_window() -> None:
    entries: list[TimelineEntry] = [pod(1, True), FAULT]
    assert judge(PodReady(within=5), timeline(*entries), 12).outcome is Outcome.PENDING
    assert judge(PodReady(within=5), timeline(*entries), 16).outcome is Outcome.PASSED


def test_pod_not_ready_again_fails_once_the_window_is_over() -> None:
    entries: list[TimelineEntry] = [pod(1, True), FAULT, pod(11, False)]
    assert judge(PodReady(within=5), timeline(*entries), 13).outcome is Outcome.PENDING
    assert judge(PodReady(within=5), timeline(*entries), 16).outcome is Outcome.FAILED


def probe(
    at: float, phase: Literal["before-fault", "after-recovery"], content: str | None, uid: str = UID
) -> FileToken:
    return FileToken(
        at=at, pod="web", pod_uid=uid, container="app", path="/data/t", content=content, phase=phase
    )


def test_emptydir_kept_and_lost() -> None:
    before = probe(5, "before-fault", "tok")
    kept = timeline(before, FAULT, probe(20, "after-recovery", "tok"))
    lost = timeline(before, FAULT, probe(20, "after-recovery", None, uid="uid-2"))
    assert judge(EmptyDirKept("app", "/data/t"), kept, 21).outcome is Outcome.PASSED
    assert judge(EmptyDirKept("app", "/data/t"), lost, 21).outcome is Outcome.FAILED
    assert judge(EmptyDirLost("app", "/data/t"), lost, 21).outcome is Outcome.PASSED
    assert judge(EmptyDirLost("app", "/data/t"), kept, 21).outcome is Outcome.FAILED
    assert "new pod web (new UID)" in judge(EmptyDirLost("app", "/data/t"), lost, 21).seen


def test_emptydir_without_a_token_written_fails() -> None:
    entries = timeline(probe(5, "before-fault", None), FAULT, probe(20, "after-recovery", None))
    result = judge(EmptyDirKept("app", "/data/t"), entries, 21)
    assert result.outcome is Outcome.FAILED
    assert "could not write" in result.seen


def test_event_seen_only_after_the_fault_and_for_target_pods() -> None:
    early = EventRecord(at=2, pod="web", reason="Killing", message="", type="Normal")
    other = EventRecord(at=12, pod="someone-else", reason="Killing", message="", type="Normal")
    entries: list[TimelineEntry] = [pod(1, True), early, FAULT, other]
    assert judge(EventSeen("Killing"), timeline(*entries), 13).outcome is Outcome.PENDING
    later = EventRecord(at=13, pod="web", reason="Killing", message="Stopping container agent", type="Normal")
    assert judge(EventSeen("Killing"), timeline(*entries, later), 14).outcome is Outcome.PASSED


def test_no_fault_fails_every_expectation() -> None:
    result = judge(RestartCount("agent", 1), timeline(container(1, 0)), 5)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "no fault was injected"


def test_final_judgement_turns_pending_into_failed() -> None:
    entries = timeline(container(1, 0), FAULT)
    verdict = judge_all((RestartCount("agent", 1),), entries, 70, final=True)
    assert not verdict.passed
    assert verdict.results[0].outcome is Outcome.FAILED
    assert verdict.results[0].seen.endswith("(when observation ended)")
    assert judge_all((RestartCount("agent", 1),), entries, 70, final=False).pending
