"""Termination and Ready times from the kubelet's stamps when the watch heard late, and an end that
fell in a gap without a stamp judged by its whole span: never a failure the evidence does not show."""

from __future__ import annotations

import dataclasses
import datetime

from podchaos.model import ApiOutage, FaultRecord, PodReady, Timeline
from podchaos.model.expectations import TerminationDuration
from podchaos.model.lifecycle import NotReadyFor
from podchaos.model.timeline import ContainerSnapshot, ContainerState, PodGone, PodSnapshot, Termination
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge

ORIGIN = 1_800_000_000.0  # the wall-clock time of the run clock's zero
UID = "uid-1"
FAULT = FaultRecord(at=10.0, fault="pod-delete", pod="web", pod_uid=UID, container="", detail="grace 5")


def stamp(at: float) -> str:
    """The kubelet's whole-second stamp of run-clock time ``at``."""
    return datetime.datetime.fromtimestamp(int(ORIGIN + at), datetime.UTC).isoformat()


def app(at: float, state: ContainerState, finished: float | None = None) -> ContainerSnapshot:
    ended = Termination("Completed", 0, stamp(0), stamp(finished)) if finished is not None else None
    return ContainerSnapshot(at, "web", UID, "app", "main", state, "", 0, state == "running", "c", ended)


def pod(at: float, ready: bool, deleting: bool = False, since: float | None = None) -> PodSnapshot:
    return PodSnapshot(
        at,
        "web",
        UID,
        "n1",
        "Running",
        ready,
        deleting,
        ready_since=stamp(since) if since is not None else "",
    )


def timeline(*entries: object) -> Timeline:
    return Timeline((), ORIGIN).plus(*entries)  # type: ignore[arg-type]


# The catalogue under apiserver restarts: the termination fell in a gap (+5.8 to +23.3 s after the
# fault), the pod seen gone 29.2 s after it; the expectation wanted 2.5 to 6.5 s.
GAP = ApiOutage(15.8, 33.3, 7, "connection refused")
TERMINATING = (app(1.0, "running"), pod(1.0, True), FAULT, pod(10.4, False, deleting=True))
WINDOW = TerminationDuration(at_least=2.5, at_most=6.5)


def test_an_end_inside_a_gap_without_a_stamp_is_undecided_not_failed() -> None:
    result = judge(WINDOW, timeline(*TERMINATING, GAP, PodGone(39.2, "web", UID)), 40.0)
    assert result.outcome is Outcome.UNDECIDED
    assert result.seen.startswith("terminated between 5.8s and 29.2s after the fault (it fell in a gap (")


def test_the_kubelets_finished_at_decides_it_and_the_verdict_says_so() -> None:
    relisted = app(33.3, "terminated", finished=14.0)  # finishedAt: 4 s after the fault
    result = judge(WINDOW, timeline(*TERMINATING, GAP, relisted, PodGone(39.2, "web", UID)), 40.0)
    assert result.outcome is Outcome.PASSED, result.seen
    assert result.seen.startswith(
        "terminated between 4.0s and 5.0s after the fault (by the kubelet's time; the watch heard of it"
        " 23.3s after the fault) [evidence may have fallen into a gap (API unreachable +15.8 s"
    )
    late = app(33.3, "terminated", finished=30.0)  # it really took 20 s
    failed = judge(WINDOW, timeline(*TERMINATING, GAP, late), 40.0)
    assert failed.outcome is Outcome.FAILED
    assert failed.seen.startswith("terminated between 20.0s and 21.0s after the fault (by the kubelet's")


def test_an_end_whose_whole_span_is_outside_the_window_still_fails() -> None:
    # Seen running 10 s after the fault, then a gap: however it fell, it was late.
    entries = (
        *TERMINATING,
        app(20.0, "running"),
        ApiOutage(21.0, 30.0, 3, "refused"),
        PodGone(31.0, "web", UID),
    )
    result = judge(WINDOW, timeline(*entries), 40.0)
    assert result.outcome is Outcome.FAILED
    assert result.seen.startswith("terminated between 11.0s and 21.0s after the fault")


def test_a_stamp_straddling_a_bound_is_judged_within_its_precision() -> None:
    # Seen on the local cluster across a 45 s apiserver stop: finishedAt put the end 2.2 to 3.2 s after
    # the fault against at least 3 s; the stamp cannot say more, and that is the measurement's precision.
    at_least_3 = TerminationDuration(at_least=3.0, at_most=6.0)
    relisted = app(80.0, "terminated", finished=12.0)
    line = timeline(
        *TERMINATING[:2], FaultRecord(9.8, "pod-delete", "web", UID, "", "grace 5"), GAP, relisted
    )
    result = judge(at_least_3, line, 81.0)
    assert result.outcome is Outcome.PASSED, result.seen
    assert result.seen.startswith("terminated between 2.2s and 3.2s after the fault (by the kubelet's time;")
    assert "API unreachable +15.8 s to +33.3 s" in result.seen


def test_the_watchs_time_stands_when_the_stamp_agrees() -> None:
    result = judge(WINDOW, timeline(*TERMINATING, app(14.3, "terminated", finished=14.0)), 20.0)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "terminated 4.3s after the fault"


def test_ready_again_by_the_kubelets_transition_time_across_a_gap() -> None:
    base = (
        pod(1.0, True, since=0.0),
        FAULT,
        pod(11.0, False, since=11.0),
        ApiOutage(12.0, 45.0, 9, "refused"),
    )
    stamped = judge(PodReady(within=30.0), timeline(*base, pod(45.0, True, since=18.0)), 50.0)
    assert stamped.outcome is Outcome.PASSED, stamped.seen
    assert "Ready again between 8.0s and 9.0s after the fault" in stamped.seen
    assert "by the kubelet's time; the watch heard of it 35.0s after the fault" in stamped.seen
    unstamped = judge(PodReady(within=30.0), timeline(*base, pod(45.0, True)), 50.0)
    assert unstamped.outcome is Outcome.UNDECIDED
    assert "Ready again between 2.0s and 35.0s after the fault" in unstamped.seen


def test_not_ready_for_takes_each_end_from_the_ready_conditions_stamp() -> None:
    # readiness-flap under an apiserver restart (catalogue subset, -n 4): the probe failed for 8 s
    # from the fault, all inside a gap; the re-list showed the pod not Ready, and Ready 1.7 s later,
    # so by the watch alone it was "not ready for 1.7s" against 6 to 12 s.
    flap = FaultRecord(at=16.7, fault="probe-fail", pod="web", pod_uid=UID, container="web", detail="8s")
    gap = ApiOutage(17.4, 39.1, 51, "connection refused")
    stamped = (
        pod(1.0, True, since=1.0),
        flap,
        gap,
        pod(39.7, False, since=18.0),  # kubelet: not Ready at 18 (its second)
        pod(41.4, True, since=25.0),  # kubelet: Ready again at 25
    )
    expectation = NotReadyFor(of="pod", at_least=6.0, at_most=12.0)
    result = judge(expectation, timeline(*stamped), 50.0)
    assert result.outcome is Outcome.PASSED, result.seen
    assert (
        "not ready from +between 1.3s and 2.3s to +between 8.3s and 9.3s after the fault: 6.0s to 8.0s"
        in (result.seen)
    )
    unstamped = (pod(1.0, True), flap, gap, pod(39.7, False), pod(41.4, True))
    undecided = judge(expectation, timeline(*unstamped), 50.0)
    assert undecided.outcome is Outcome.UNDECIDED, undecided.seen


def test_a_probe_fail_whose_undo_waited_for_the_api_leaves_its_length_undecided() -> None:
    # The same catalogue subset, another run: the 8 s probe-fail was put back only at +40.7 s (its
    # agent's exec goes through the API, down from +16.5 to +39.2 s); the pod, by its kubelet stamps,
    # was not ready for 24 s: right for the fault it got, not for the one the scenario asked.
    from podchaos.report.json_report import entry_from_dict, entry_to_dict

    hidden = FaultRecord(
        16.279, "probe-fail", "web", UID, "web", "readiness probe: /www/ready hidden for 8s", 8.0
    )
    assert entry_from_dict(entry_to_dict(hidden)) == hidden
    put_back = FaultRecord(40.675, "probe-fail", "web", UID, "web", "recover: /www/ready put back")
    entries = (
        pod(12.9, True, since=12.0),
        hidden,
        ApiOutage(16.5, 39.2, 62, "connection refused"),
        pod(39.9, False, since=21.0),
        put_back,
        pod(40.9, True, since=45.0),
    )
    expectation = NotReadyFor(of="pod", at_least=6.0, at_most=12.0)
    result = judge(expectation, timeline(*entries), 50.0)
    assert result.outcome is Outcome.UNDECIDED, result.seen
    assert (
        "[undecided: the probe-fail fault lasted 24.4s, not the 8s asked: undoing it waited for the API"
        in (result.seen)
    )
    # Undone on time, a pod back within 3.5 s is a real failure, whatever the gap was.
    on_time = (
        *entries[:3],
        pod(39.9, False, since=17.0),
        dataclasses.replace(put_back, at=24.4),
        pod(40.0, True, since=20.0),
    )
    assert judge(expectation, timeline(*on_time), 50.0).outcome is Outcome.FAILED
