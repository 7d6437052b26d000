"""The newer expectation rules judged over small hand-built timelines (pure: no cluster)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from podchaos.model.expectations import (
    EmptyDirKept,
    EmptyDirLost,
    Endpoint,
    Eviction,
    LogSeen,
    MinAvailable,
    OomKilled,
    PodPhase,
    Rescheduled,
    RestartBackoff,
    TerminationDuration,
)
from podchaos.model.timeline import (
    DISRUPTION_BUDGET_CAUSE,
    CgroupOomKills,
    ContainerSnapshot,
    EndpointsSnapshot,
    EndpointState,
    EvictionRecord,
    FaultRecord,
    FileToken,
    LogLine,
    PodGone,
    PodSnapshot,
    Termination,
    Timeline,
    TimelineEntry,
)
from podchaos.model.verdict import ExpectationResult, Outcome
from podchaos.verdict import backoff_delays, judge, judge_all

UID = "uid-1"
FAULT = FaultRecord(at=10.0, fault="pod-delete", pod="web", pod_uid=UID, container="", detail="grace 5s")


def container(
    at: float,
    state: str = "running",
    restarts: int = 0,
    name: str = "app",
    role: str = "main",
    uid: str = UID,
) -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod="web",
        pod_uid=uid,
        container=name,
        role=role,  # type: ignore[arg-type]
        state=state,  # type: ignore[arg-type]
        reason="",
        restart_count=restarts,
        ready=state == "running",
        container_id=f"containerd://{restarts}",
    )


def pod(
    at: float,
    ready: bool = True,
    uid: str = UID,
    name: str = "web",
    node: str = "n1",
    phase: str = "Running",
    deleting: bool = False,
) -> PodSnapshot:
    return PodSnapshot(at=at, pod=name, pod_uid=uid, node=node, phase=phase, ready=ready, deleting=deleting)


def endpoint(
    ready: bool = True,
    serving: bool | None = None,
    terminating: bool = False,
    uid: str = UID,
    name: str = "web",
) -> EndpointState:
    return EndpointState(
        pod=name,
        pod_uid=uid,
        address="10.0.0.1",
        ready=ready,
        serving=ready if serving is None else serving,
        terminating=terminating,
    )


def endpoints(
    at: float, *states: EndpointState, deleted: bool = False, slice_name: str = "web-x1"
) -> EndpointsSnapshot:
    return EndpointsSnapshot(at=at, slice=slice_name, service="web", endpoints=states, deleted=deleted)


def log(at: float, text: str, name: str = "app") -> LogLine:
    return LogLine(at=at, pod="web", pod_uid=UID, container=name, text=text)


def timeline(*entries: TimelineEntry) -> Timeline:
    return Timeline().plus(*entries)


# --- pod-phase -------------------------------------------------------------------------------------------


def test_pod_phase_reached_after_the_fault_passes() -> None:
    entries = timeline(pod(1), FAULT, pod(11), pod(12, ready=False, phase="Succeeded"))
    result = judge(PodPhase("Succeeded"), entries, 13)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "phases after the fault: Running -> Succeeded"


def test_pod_phase_other_terminal_phase_fails() -> None:
    entries = timeline(pod(1), FAULT, pod(11), pod(12, ready=False, phase="Failed"))
    result = judge(PodPhase("Succeeded"), entries, 13)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "phases after the fault: Running -> Failed"


def test_pod_phase_non_terminal_pends_and_earlier_phases_do_not_count() -> None:
    running = judge(PodPhase("Failed"), timeline(pod(1), FAULT, pod(11, ready=False)), 12)
    assert running.outcome is Outcome.PENDING
    assert running.seen == "phases after the fault: Running"
    nothing = judge(PodPhase("Running"), timeline(pod(1), FAULT), 12)
    assert nothing.outcome is Outcome.PENDING
    assert nothing.seen == "phases after the fault: (no change seen)"


# --- termination-duration --------------------------------------------------------------------------------


def deleted_after(seconds: float) -> Timeline:
    return timeline(
        pod(1), container(1), FAULT, pod(10.1, deleting=True), PodGone(FAULT.at + seconds, "web", UID)
    )


def test_termination_duration_pod_gone_within_bounds_passes() -> None:
    result = judge(TerminationDuration(at_least=2, at_most=10), deleted_after(5), 16)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "terminated 5.0s after the fault"


@pytest.mark.parametrize(("at_least", "at_most"), [(6, 10), (0, 3)])
def test_termination_duration_outside_bounds_fails(at_least: float, at_most: float) -> None:
    result = judge(TerminationDuration(at_least=at_least, at_most=at_most), deleted_after(5), 16)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "terminated 5.0s after the fault"


def test_termination_ends_when_every_non_init_container_terminated() -> None:
    entries = timeline(
        container(1, "waiting", name="setup", role="init"),  # ignored whatever its state
        container(1, name="app"),
        container(1, name="proxy", role="sidecar"),
        FAULT,
        container(12, "terminated", name="app"),
        container(14, "terminated", name="proxy", role="sidecar"),
        PodGone(20, "web", UID),
    )
    result = judge(TerminationDuration(at_least=3, at_most=5), entries, 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "terminated 4.0s after the fault"


def test_termination_still_terminating_pends() -> None:
    entries = timeline(
        container(1, name="app"),
        container(1, name="proxy", role="sidecar"),
        FAULT,
        pod(10.1, deleting=True),
        container(12, "terminated", name="app"),
        PodGone(13, "web", "uid-other"),  # another pod's deletion is not ours
    )
    result = judge(TerminationDuration(at_most=30), entries, 14)
    assert result.outcome is Outcome.PENDING
    assert result.seen == "still terminating"


# --- log-seen --------------------------------------------------------------------------------------------


def test_log_seen_after_the_fault_passes() -> None:
    entries = timeline(FAULT, log(11, "shutting down"), log(12, "caught TERM, draining"))
    result = judge(LogSeen("app", "caught TERM"), entries, 13)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "web printed 'caught TERM, draining'"


def test_log_seen_before_the_fault_or_in_another_container_does_not_count() -> None:
    entries = timeline(log(5, "caught TERM"), FAULT, log(11, "caught TERM", name="proxy"), log(12, "bye"))
    result = judge(LogSeen("app", "caught TERM"), entries, 13)
    assert result.outcome is Outcome.PENDING
    assert result.seen == "1 lines since the fault: bye"


# --- endpoint --------------------------------------------------------------------------------------------


BEFORE = endpoints(5, endpoint())


def test_endpoint_not_ready_with_serving_filter() -> None:
    entries = timeline(
        BEFORE,
        FAULT,
        endpoints(11, endpoint(ready=False, serving=True, terminating=True)),
        endpoints(13, endpoint(ready=False, serving=False)),
    )
    filtered = judge(Endpoint("not-ready", within=10, serving=False), entries, 14)
    assert filtered.outcome is Outcome.PASSED
    assert filtered.seen == "endpoint of web ready=false serving=false 3.0s after the fault"
    unfiltered = judge(Endpoint("not-ready", within=10), entries, 14)
    assert unfiltered.outcome is Outcome.PASSED
    assert unfiltered.seen == "endpoint of web ready=false serving=true 1.0s after the fault"


@pytest.mark.parametrize(
    "gone",
    [
        endpoints(12, endpoint(uid="uid-2", name="web-2")),
        endpoints(12, endpoint(), deleted=True),
    ],
    ids=["endpoint-absent", "slice-deleted"],
)
def test_endpoint_removed_counts_as_not_ready(gone: EndpointsSnapshot) -> None:
    result = judge(Endpoint("not-ready", within=10, serving=False), timeline(BEFORE, FAULT, gone), 13)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "endpoint of web removed 2.0s after the fault"


def test_endpoint_not_ready_later_than_within_fails() -> None:
    entries = timeline(BEFORE, FAULT, endpoints(11, endpoint()), endpoints(13, endpoint(ready=False)))
    result = judge(Endpoint("not-ready", within=2), entries, 14)
    assert result.outcome is Outcome.FAILED
    assert "3.0s after the fault" in result.seen


def test_endpoint_not_ready_pends_while_still_ready() -> None:
    result = judge(Endpoint("not-ready"), timeline(BEFORE, FAULT, endpoints(11, endpoint())), 12)
    assert result.outcome is Outcome.PENDING
    assert result.seen == "last seen: web ready=True serving=True terminating=False"


def test_endpoint_terminating_respects_serving() -> None:
    entries = timeline(BEFORE, FAULT, endpoints(12, endpoint(ready=False, serving=True, terminating=True)))
    serving = judge(Endpoint("terminating", serving=True), entries, 13)
    assert serving.outcome is Outcome.PASSED
    assert serving.seen == "endpoint of web terminating serving=true 2.0s after the fault"
    not_serving = judge(Endpoint("terminating", serving=False), entries, 13)
    assert not_serving.outcome is Outcome.PENDING
    assert "terminating=True" in not_serving.seen


def test_endpoint_ready_only_counts_after_a_drop() -> None:
    never_dropped = timeline(BEFORE, FAULT, endpoints(11, endpoint()), endpoints(12, endpoint()))
    pending = judge(Endpoint("ready", within=30), never_dropped, 13)
    assert pending.outcome is Outcome.PENDING
    assert pending.seen.startswith("last seen: web ready=True")
    flapped = timeline(
        BEFORE,
        FAULT,
        endpoints(11, endpoint()),
        endpoints(12, endpoint(ready=False)),
        endpoints(20, endpoint()),
    )
    result = judge(Endpoint("ready", within=30), flapped, 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "endpoint of web ready again 10.0s after the fault"
    late = judge(Endpoint("ready", within=5), flapped, 21)
    assert late.outcome is Outcome.FAILED
    assert late.seen == "endpoint of web ready again 10.0s after the fault"


def test_endpoint_without_any_slice_pends() -> None:
    result = judge(Endpoint("not-ready"), timeline(pod(1), FAULT, pod(11, ready=False)), 12)
    assert result.outcome is Outcome.PENDING
    assert result.seen == "no EndpointSlice with the pod's endpoint (is there a Service?)"


def test_endpoint_unrelated_slice_is_not_a_removal() -> None:
    other_service = endpoints(12, endpoint(uid="uid-9", name="db"), slice_name="db-x1")
    entries = timeline(BEFORE, FAULT, endpoints(11, endpoint()), other_service)
    assert judge(Endpoint("not-ready"), entries, 13).outcome is Outcome.PENDING


def test_endpoint_ready_again_ignores_a_replica_that_never_dropped() -> None:
    other = endpoint(uid="uid-b", name="web-b")
    entries = timeline(
        endpoints(5, endpoint(), other),
        FAULT,
        endpoints(12, endpoint(ready=False), other),
        endpoints(13, endpoint(ready=False), other),
    )
    assert judge(Endpoint("ready", within=30), entries, 14).outcome is Outcome.PENDING


# --- rescheduled -----------------------------------------------------------------------------------------


def replaced_on(node: str, at: float = 20) -> Timeline:
    return timeline(
        pod(1, node="n1"),
        pod(1, uid="uid-b", name="web-b", node="n2"),  # a replica there before the fault is not new
        FAULT,
        pod(11, deleting=True),
        PodGone(12, "web", UID),
        pod(13, uid="uid-b", name="web-b", node="n2"),
        pod(14, ready=False, uid="uid-2", name="web-2", node=node),
        pod(at, uid="uid-2", name="web-2", node=node),
    )


def test_rescheduled_on_another_node_passes() -> None:
    result = judge(Rescheduled(within=60), replaced_on("n2"), 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "web-2 Ready on n2 10.0s after"


def test_rescheduled_on_the_same_node_fails() -> None:
    result = judge(Rescheduled(within=60), replaced_on("n1"), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "web-2 Ready on the same node n1"


def test_rescheduled_too_late_fails() -> None:
    result = judge(Rescheduled(within=5), replaced_on("n2"), 21)
    assert result.outcome is Outcome.FAILED
    assert "10.0s after" in result.seen


def test_rescheduled_none_yet_pends_within_the_window_then_fails() -> None:
    entries = timeline(
        pod(1, node="n1"),
        pod(1, uid="uid-b", name="web-b", node="n2"),
        FAULT,
        PodGone(12, "web", UID),
        pod(13, uid="uid-b", name="web-b", node="n2"),
        pod(14, ready=False, uid="uid-2", name="web-2", node="n2"),
    )
    pending = judge(Rescheduled(within=60), entries, 30)
    assert pending.outcome is Outcome.PENDING
    assert pending.seen == "no new pod Ready yet"
    assert "another node than n1" in pending.expected
    late = judge(Rescheduled(within=60), entries, 71)
    assert late.outcome is Outcome.FAILED
    assert late.seen == "no new pod Ready yet"


# --- min-available ---------------------------------------------------------------------------------------


def two_replicas(*after: TimelineEntry) -> Timeline:
    return timeline(pod(1, uid="a", name="web-a"), pod(1, uid="b", name="web-b"), FAULT, *after)


def test_min_available_never_below_count_passes() -> None:
    entries = two_replicas(
        pod(11, uid="a", name="web-a", deleting=True),
        PodGone(12, "web-a", "a"),
        pod(15, uid="c", name="web-c"),
    )
    result = judge(MinAvailable(1), entries, 16)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "fewest Ready: 1, 1.0s after the fault"
    assert judge(MinAvailable(2), entries, 16).outcome is Outcome.FAILED


def test_min_available_pod_gone_counts_as_not_ready() -> None:
    entries = two_replicas(PodGone(12, "web-a", "a"), pod(15, uid="c", name="web-c"))
    result = judge(MinAvailable(2), entries, 16)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "fewest Ready: 1, 2.0s after the fault"


def test_min_available_without_changes_after_the_fault() -> None:
    entries = two_replicas()
    passed = judge(MinAvailable(2), entries, 16)
    assert passed.outcome is Outcome.PASSED
    assert passed.seen == "2 Ready"
    failed = judge(MinAvailable(3), entries, 16)
    assert failed.outcome is Outcome.FAILED
    assert failed.seen == "2 Ready"


def test_min_available_dip_before_the_fault_does_not_count() -> None:
    entries = timeline(
        pod(1, uid="a", name="web-a"),
        pod(2, ready=False, uid="b", name="web-b"),
        pod(5, uid="b", name="web-b"),
        FAULT,
        pod(12, uid="b", name="web-b"),
    )
    result = judge(MinAvailable(2), entries, 13)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "fewest Ready: 2, 2.0s after the fault"


# --- restart-backoff -------------------------------------------------------------------------------------


def crash_loop(*delays: float, uid: str = UID) -> list[ContainerSnapshot]:
    """The container killed at 10.2 s and then crashing, each restart waiting the given seconds."""
    snapshots = [container(1, uid=uid), container(3, "terminated", uid=uid), container(4, uid=uid)]
    at = FAULT.at + 0.2
    for restarts, delay in enumerate(delays):
        snapshots += [
            container(at, "terminated", restarts, uid=uid),
            container(at + 0.1, "waiting", restarts, uid=uid),  # CrashLoopBackOff
            container(at + delay, "running", restarts + 1, uid=uid),
        ]
        at += delay + 1.0
    return snapshots


def test_backoff_delays_measured_after_the_fault_from_first_non_running_to_running() -> None:
    assert backoff_delays(crash_loop(0.5, 10, 20), since=FAULT.at) == [0.5, 10.0, 20.0]
    assert backoff_delays(crash_loop(0.5, 10, 20), since=0) == [1.0, 0.5, 10.0, 20.0]
    assert backoff_delays(crash_loop(0.5, 10)[:-1], since=FAULT.at) == [0.5]


def test_restart_backoff_growing_delays_pass() -> None:
    result = judge(RestartBackoff("app", restarts=3), timeline(FAULT, *crash_loop(0.5, 10, 20)), 50)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "back-off delays 0.5s, 10s, 20s"


@pytest.mark.parametrize(
    ("delays", "seen"),
    [
        ((1, 1, 1), "1s, 1s, 1s: the 2nd restart waited only 1s: not backed off"),
        (
            (0.5, 10, 10),
            "0.5s, 10s, 10s: the 3rd back-off 10s did not grow from the previous 10s and is below the"
            " cap 300s (does the node cap its back-off lower? say so with `cap`)",
        ),
    ],
    ids=["flat", "stops-growing"],
)
def test_restart_backoff_without_growing_delays_fails(delays: tuple[float, ...], seen: str) -> None:
    result = judge(RestartBackoff("app", restarts=3), timeline(FAULT, *crash_loop(*delays)), 50)
    assert result.outcome is Outcome.FAILED
    assert result.seen == f"back-off delays {seen}"


def test_restart_backoff_fewer_restarts_than_asked_pends() -> None:
    result = judge(RestartBackoff("app", restarts=4), timeline(FAULT, *crash_loop(0.5, 10, 20)), 50)
    assert result.outcome is Outcome.PENDING
    assert result.seen == "back-off delays 0.5s, 10s, 20s"
    other_pod = judge(RestartBackoff("app"), timeline(FAULT, *crash_loop(0.5, 10, 20, uid="uid-2")), 50)
    assert other_pod.outcome is Outcome.PENDING
    assert other_pod.seen == "back-off delays none yet"


# --- eviction --------------------------------------------------------------------------------------------


BUDGET = (
    "Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget web needs 1)"
)
REFUSED = EvictionRecord(12, "web", UID, "refused", BUDGET, DISRUPTION_BUDGET_CAUSE)
THROTTLED = EvictionRecord(12, "web", UID, "refused", "Too many requests, please try again later.")
GAVE_UP = EvictionRecord(14, "web", UID, "gave-up", "still refused when the drain's 2s timeout passed")
EVICTED = EvictionRecord(20, "web", UID, "evicted", "eviction accepted")
OTHER_EVICTED = EvictionRecord(11, "web-2", "uid-2", "evicted", "eviction accepted")


def test_eviction_evicted_passes_on_an_accepted_eviction() -> None:
    result = judge(Eviction("evicted"), timeline(FAULT, OTHER_EVICTED), 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "web-2: evicted"


def test_eviction_refused_first_needs_a_budget_refusal_before_the_eviction() -> None:
    entries = timeline(FAULT, OTHER_EVICTED, REFUSED, EVICTED)
    result = judge(Eviction("evicted", refused_first=True), entries, 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen.startswith("web: refused 1x by the disruption budget over 0.0s (Cannot evict pod")
    assert result.seen.endswith("then evicted")
    at_once = judge(Eviction("evicted", refused_first=False), entries, 21)
    assert at_once.outcome is Outcome.PASSED
    assert at_once.seen == "web-2: evicted"


def test_eviction_refused_first_fails_when_every_eviction_was_allowed_at_once() -> None:
    result = judge(Eviction("evicted", refused_first=True), timeline(FAULT, OTHER_EVICTED), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "web-2: evicted"


def test_eviction_refused_first_ignores_a_throttling_429() -> None:
    result = judge(Eviction("evicted", refused_first=True), timeline(FAULT, THROTTLED, EVICTED), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen.startswith("web: refused 1x (HTTP 429, not by a disruption budget)")


def test_eviction_refused_passes_when_the_budget_refused_until_the_drain_gave_up() -> None:
    result = judge(Eviction("refused"), timeline(FAULT, REFUSED, GAVE_UP), 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen.startswith("web: refused 1x by the disruption budget")
    assert result.seen.endswith(", then the drain gave up")


def test_eviction_refused_fails_when_the_429_was_not_the_budget() -> None:
    result = judge(Eviction("refused"), timeline(FAULT, THROTTLED, GAVE_UP), 21)
    assert result.outcome is Outcome.FAILED
    assert "not by a disruption budget" in result.seen


def test_eviction_refused_fails_when_later_allowed() -> None:
    result = judge(Eviction("refused"), timeline(FAULT, REFUSED, EVICTED), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen.endswith("then evicted")


def test_eviction_still_being_retried_pends() -> None:
    result = judge(Eviction("refused"), timeline(FAULT, REFUSED), 13)
    assert result.outcome is Outcome.PENDING
    assert result.seen.endswith("then still retrying")


def test_eviction_of_a_pod_already_gone_is_no_eviction() -> None:
    gone = EvictionRecord(12, "web", UID, "gone", "the pod no longer exists")
    result = judge(Eviction("evicted"), timeline(FAULT, gone), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "web: gone before its eviction"


def test_eviction_none_attempted_pends() -> None:
    result = judge(Eviction("refused"), timeline(FAULT), 21)
    assert result.outcome is Outcome.PENDING
    assert result.seen == "no eviction attempted"


# --- final judgement -------------------------------------------------------------------------------------


def test_judge_all_final_turns_pending_into_failed() -> None:
    entries = timeline(pod(1), FAULT, log(11, "bye"), REFUSED, GAVE_UP)
    expectations = (LogSeen("app", "caught TERM"), Eviction("refused"), Rescheduled(within=60))
    observing = judge_all(expectations, entries, 30, final=False)
    assert [r.outcome for r in observing.results] == [Outcome.PENDING, Outcome.PASSED, Outcome.PENDING]
    assert observing.pending
    final = judge_all(expectations, entries, 30, final=True)
    assert [r.outcome for r in final.results] == [Outcome.FAILED, Outcome.PASSED, Outcome.FAILED]
    assert final.results[0].seen == "1 lines since the fault: bye (when observation ended)"
    assert final.results[2].seen == "no new pod Ready yet (when observation ended)"
    assert not final.results[1].seen.endswith("(when observation ended)")
    assert not final.pending
    assert not final.passed


# --- emptydir-kept / emptydir-lost: pass for the right reason only ---------------------------------------

TOKEN = "podchaos-0123456789abcdef"


def file_probe(
    at: float, phase: str, content: str | None, uid: str = UID, error: str = "", pod_name: str = "web"
) -> FileToken:
    return FileToken(
        at=at,
        pod=pod_name,
        pod_uid=uid,
        container="app",
        path="/data/t",
        content=content,
        phase=phase,  # type: ignore[arg-type]
        error=error,
    )


def read_back(after: FileToken) -> Timeline:
    return timeline(file_probe(5, "before-fault", TOKEN), FAULT, after)


def test_emptydir_lost_passes_only_when_absent_in_a_new_pod() -> None:
    result = judge(
        EmptyDirLost("app", "/data/t"), read_back(file_probe(20, "after-recovery", None, "uid-2")), 21
    )
    assert result.outcome is Outcome.PASSED
    assert result.seen.startswith("absent in new pod web (new UID) uid-2")


def test_emptydir_lost_fails_when_the_file_could_not_be_read() -> None:
    unreadable = file_probe(20, "after-recovery", None, "uid-2", error="exit code 126: no sh")
    result = judge(EmptyDirLost("app", "/data/t"), read_back(unreadable), 21)
    assert result.outcome is Outcome.FAILED
    assert "could not read /data/t in new pod web" in result.seen
    assert "exit code 126: no sh" in result.seen


def test_emptydir_lost_fails_when_absent_in_the_same_pod() -> None:
    result = judge(EmptyDirLost("app", "/data/t"), read_back(file_probe(20, "after-recovery", None)), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "absent in the same pod web (UID uid-1): the pod was not replaced"


@pytest.mark.parametrize("content", [TOKEN, "written by the app"])
def test_emptydir_lost_fails_when_a_file_is_in_the_new_pod(content: str) -> None:
    result = judge(
        EmptyDirLost("app", "/data/t"), read_back(file_probe(20, "after-recovery", content, "uid-2")), 21
    )
    assert result.outcome is Outcome.FAILED
    assert "content in new pod web" in result.seen


def test_emptydir_kept_passes_only_with_the_token_in_the_same_pod() -> None:
    result = judge(EmptyDirKept("app", "/data/t"), read_back(file_probe(20, "after-recovery", TOKEN)), 21)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "same content in the same pod web (UID uid-1)"


def test_emptydir_kept_fails_when_the_token_is_read_in_another_pod() -> None:
    # A hostPath or a PersistentVolume keeps the file across pods: that is not emptyDir behaviour.
    result = judge(
        EmptyDirKept("app", "/data/t"), read_back(file_probe(20, "after-recovery", TOKEN, "uid-2")), 21
    )
    assert result.outcome is Outcome.FAILED
    assert result.seen.endswith("not the pod the token was written in")


def test_emptydir_kept_fails_when_the_file_could_not_be_read() -> None:
    unreadable = file_probe(20, "after-recovery", None, error="exec timed out")
    result = judge(EmptyDirKept("app", "/data/t"), read_back(unreadable), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen == "could not read /data/t in the same pod web (UID uid-1): exec timed out"


def test_emptydir_token_that_could_not_be_written_fails_with_the_reason() -> None:
    unwritten = file_probe(5, "before-fault", None, error="exit code 1: read-only file system")
    after = file_probe(20, "after-recovery", None, "uid-2")
    result = judge(EmptyDirLost("app", "/data/t"), timeline(unwritten, FAULT, after), 21)
    assert result.outcome is Outcome.FAILED
    assert result.seen == (
        "podchaos could not write /data/t before the fault: exit code 1: read-only file system"
    )


# --- oom-killed: reason OOMKilled, or exit code 137 with the cgroup counter risen -----------------------

OOM_FAULT = FaultRecord(at=10.0, fault="oom-kill", pod="web", pod_uid=UID, container="app", detail="hog")


def terminated_as(reason: str, exit_code: int, uid: str = UID) -> list[TimelineEntry]:
    """The container running before the fault, then restarted with this last termination."""
    ended = Termination(reason=reason, exit_code=exit_code, finished_at="t1")
    restarted = replace(container(14, restarts=1, uid=uid), last_termination=ended)
    return [container(5, uid=uid), OOM_FAULT, restarted]


def oom_counter(
    before: int | None, after: int | None, scope: str = "container", uid: str = UID, name: str = "app"
) -> CgroupOomKills:
    return CgroupOomKills(
        at=13,
        pod="web",
        pod_uid=uid,
        container=name,
        scope=scope,  # type: ignore[arg-type]
        source=f"/sys/fs/cgroup/memory/kubepods/pod{uid}/c1/memory.oom_control",
        before=before,
        after=after,
    )


def oom_result(*entries: TimelineEntry) -> ExpectationResult:
    return judge(OomKilled("app"), timeline(*entries), 20)


def test_oom_killed_by_reason_passes_and_says_so() -> None:
    result = oom_result(*terminated_as("OOMKilled", 137), oom_counter(0, 0))
    assert result.outcome is Outcome.PASSED
    assert result.seen.startswith("by reason OOMKilled (exit code 137) as the runtime reported it; ")
    assert "container cgroup oom_kill 0 -> 0 (memory.oom_control)" in result.seen


def test_oom_killed_without_the_reason_passes_on_exit_137_and_a_risen_counter() -> None:
    result = oom_result(*terminated_as("Error", 137), oom_counter(0, 2), oom_counter(0, 0, "pod"))
    assert result.outcome is Outcome.PASSED
    assert result.seen == (
        "by exit code 137 and the cgroup counter (container cgroup oom_kill 0 -> 2 (memory.oom_control);"
        " pod cgroup oom_kill 0 -> 0 (memory.oom_control)); the runtime gave reason Error, not OOMKilled"
    )


def test_oom_killed_a_risen_pod_cgroup_counter_is_evidence_too() -> None:
    result = oom_result(*terminated_as("", 137), oom_counter(1, 1), oom_counter(3, 4, "pod"))
    assert result.outcome is Outcome.PASSED
    assert "reason (none), not OOMKilled" in result.seen


@pytest.mark.parametrize(
    ("before", "after"),
    [(0, 0), (2, 2), (None, 3), (0, None)],
    ids=["unchanged", "unchanged-nonzero", "no-before", "no-after"],
)
def test_oom_killed_exit_137_without_a_risen_counter_fails(before: int | None, after: int | None) -> None:
    result = oom_result(*terminated_as("Error", 137), oom_counter(before, after))
    assert result.outcome is Outcome.FAILED
    assert result.seen.startswith("reason Error, exit code 137; container cgroup oom_kill ")


def test_oom_killed_exit_137_without_any_counter_read_fails() -> None:
    result = oom_result(*terminated_as("Error", 137))
    assert result.outcome is Outcome.FAILED
    assert result.seen == "reason Error, exit code 137; no cgroup OOM-kill counter was read"


def test_oom_killed_risen_counter_with_another_exit_code_fails() -> None:
    result = oom_result(*terminated_as("Error", 143), oom_counter(0, 1))
    assert result.outcome is Outcome.FAILED
    assert result.seen.startswith("reason Error, exit code 143; ")


def test_oom_killed_counters_of_another_pod_or_container_do_not_count() -> None:
    elsewhere = [oom_counter(0, 1, uid="uid-2"), oom_counter(0, 1, name="sidecar")]
    result = oom_result(*terminated_as("Error", 137), *elsewhere)
    assert result.outcome is Outcome.FAILED
    assert result.seen.endswith("no cgroup OOM-kill counter was read")


def test_oom_killed_pends_until_a_termination_after_the_fault() -> None:
    earlier = replace(container(5), last_termination=Termination("OOMKilled", 137, finished_at="t0"))
    result = oom_result(earlier, OOM_FAULT, container(12, restarts=0), oom_counter(0, 1))
    assert result.outcome is Outcome.PENDING
    final = judge_all((OomKilled("app"),), timeline(earlier, OOM_FAULT, oom_counter(0, 1)), 90, final=True)
    assert final.results[0].outcome is Outcome.FAILED
