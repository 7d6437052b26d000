"""termination-message, termination-order, not-ready-for and restart-rule over hand-built timelines
(pure: no cluster), and how the loader checks them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader import parse_scenario
from podchaos.model.lifecycle import NotReadyFor, RestartRule, TerminationMessage, TerminationOrder
from podchaos.model.timeline import (
    ContainerSnapshot,
    EndpointsSnapshot,
    EndpointState,
    FaultRecord,
    LogLine,
    PodGone,
    PodSnapshot,
    Termination,
    Timeline,
    TimelineEntry,
)
from podchaos.model.verdict import ExpectationResult, Outcome
from podchaos.verdict import judge

UID = "uid-1"
FAULT = FaultRecord(at=10.0, fault="pod-delete", pod="svc", pod_uid=UID, container="", detail="grace 15s")
RULES = "Never; Restart on exit codes In [42]"


def running(at: float, name: str, restarts: int = 0, rules: str = "") -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod="svc",
        pod_uid=UID,
        container=name,
        role="main",
        state="running",
        reason="",
        restart_count=restarts,
        ready=True,
        container_id=f"containerd://{name}-{restarts}",
        restart_rules=rules,
    )


def ended(
    at: float,
    name: str,
    finished: str,
    exit_code: int = 0,
    message: str = "",
    policy: str = "File",
    **kw: object,
) -> ContainerSnapshot:
    termination = Termination("Completed" if exit_code == 0 else "Error", exit_code, "", finished, message)
    return replace(
        running(at, name),
        state="terminated",
        ready=False,
        last_termination=termination,
        message=message,
        message_policy=policy,
        **kw,  # type: ignore[arg-type]
    )


def pod(at: float, ready: bool, phase: str = "Running") -> PodSnapshot:
    return PodSnapshot(at=at, pod="svc", pod_uid=UID, node="n1", phase=phase, ready=ready, deleting=False)


def slice_(at: float, ready: bool | None) -> EndpointsSnapshot:
    """The pod's endpoint ready or not, or (None) removed from the slice."""
    endpoints = () if ready is None else (EndpointState("svc", UID, "10.0.0.5", ready, ready, False),)
    return EndpointsSnapshot(at=at, slice="svc-abc", service="svc", endpoints=endpoints)


def judged(expectation: object, *entries: TimelineEntry, now: float = 40.0) -> ExpectationResult:
    return judge(expectation, Timeline((*entries, FAULT)).plus(), now)  # type: ignore[arg-type]


# --- termination-message -----------------------------------------------------------------------


def test_a_message_from_the_log_tail_passes_contains_and_names_the_policy() -> None:
    tail = "worker: started\nworker: 3 jobs still queued, giving up\n"
    entries = (running(1, "worker"), ended(12, "worker", "t", 1, tail, "FallbackToLogsOnError"))
    result = judged(TerminationMessage("worker", contains="3 jobs still queued"), *entries)
    assert result.outcome is Outcome.PASSED, result.seen
    assert "FallbackToLogsOnError" in result.seen
    assert "exit code 1" in result.seen


def test_a_message_that_ends_with_the_last_log_line_is_said_to_come_from_the_log() -> None:
    tail = "worker: started\nworker: 3 jobs still queued, giving up\n"
    printed = (
        LogLine(2, "svc", UID, "worker", "worker: started"),
        LogLine(11, "svc", UID, "worker", "worker: 3 jobs still queued, giving up"),
    )
    entries = (running(1, "worker"), *printed, ended(12, "worker", "t", 1, tail, "FallbackToLogsOnError"))
    seen = judged(TerminationMessage("worker", contains="queued"), *entries).seen
    assert seen.endswith("exit code 1: its log's last line, so the file was empty)")
    # The auditor's file won over its log: its last line is not the message, nothing is claimed.
    sealed = (
        running(1, "auditor"),
        LogLine(11, "svc", UID, "auditor", "auditor: stopping"),
        ended(12, "auditor", "t", 2, "audit log sealed\n", "FallbackToLogsOnError"),
    )
    seen = judged(TerminationMessage("auditor", equals="audit log sealed"), *sealed).seen
    assert seen == "'audit log sealed\\n' (terminationMessagePolicy FallbackToLogsOnError, exit code 2)"


def test_equals_ignores_the_trailing_newline_but_not_other_text() -> None:
    entries = (running(1, "auditor"), ended(12, "auditor", "t", 2, "audit log sealed\n"))
    assert (
        judged(TerminationMessage("auditor", equals="audit log sealed"), *entries).outcome is Outcome.PASSED
    )
    wrong = judged(TerminationMessage("auditor", equals="auditor: stopping"), *entries)
    assert wrong.outcome is Outcome.FAILED
    assert "'audit log sealed\\n'" in wrong.seen


def test_no_message_fails_and_no_termination_is_pending() -> None:
    entries = (running(1, "worker"), ended(12, "worker", "t", 1, ""))
    result = judged(TerminationMessage("worker", contains="queued"), *entries)
    assert result.outcome is Outcome.FAILED
    assert "no message" in result.seen
    assert judged(TerminationMessage("worker", contains="x"), running(1, "worker")).outcome is Outcome.PENDING


# --- termination-order ---------------------------------------------------------------------------

ORDER = TerminationOrder(("app", "db-proxy", "log-agent"))
STEADY = (running(1, "app"), running(1, "db-proxy"), running(1, "log-agent"))


def test_whole_second_finish_times_show_the_order() -> None:
    entries = (
        *STEADY,
        ended(15, "app", "2026-01-01T10:00:09+00:00"),
        ended(15, "db-proxy", "2026-01-01T10:00:11+00:00"),
        ended(15, "log-agent", "2026-01-01T10:00:12+00:00"),
    )
    result = judged(ORDER, *entries)
    assert result.outcome is Outcome.PASSED, result.seen
    assert "finishedAt 10:00:09 < 10:00:11" in result.seen


def test_a_sidecar_that_finished_first_fails_naming_both() -> None:
    entries = (
        *STEADY,
        ended(15, "app", "2026-01-01T10:00:09+00:00"),
        ended(15, "db-proxy", "2026-01-01T10:00:11+00:00"),
        ended(15, "log-agent", "2026-01-01T10:00:10+00:00"),
    )
    result = judged(ORDER, *entries)
    assert result.outcome is Outcome.FAILED
    assert result.seen.startswith("log-agent ended before db-proxy: finishedAt 10:00:10 < 10:00:11")


def test_the_same_second_in_one_status_update_cannot_be_told_and_fails() -> None:
    same = "2026-01-01T10:00:09+00:00"
    entries = (*STEADY, *(ended(15, name, same) for name in ("app", "db-proxy", "log-agent")))
    result = judged(ORDER, *entries)
    assert result.outcome is Outcome.FAILED
    assert "cannot tell the order: app and db-proxy both finished at 10:00:09" in result.seen


def test_an_update_reporting_one_terminated_while_the_next_runs_shows_the_order() -> None:
    same = "2026-01-01T10:00:09+00:00"
    entries = (
        *STEADY,
        ended(12, "app", same),
        ended(12.4, "db-proxy", same),
        ended(12.9, "log-agent", same),
    )
    result = judged(ORDER, *entries)
    assert result.outcome is Outcome.PASSED, result.seen
    assert "reported app terminated while db-proxy still ran" in result.seen


def test_order_is_pending_until_every_listed_container_ended() -> None:
    entries = (*STEADY, ended(12, "app", "2026-01-01T10:00:09+00:00"))
    result = judged(ORDER, *entries)
    assert result.outcome is Outcome.PENDING
    assert "db-proxy, log-agent" in result.seen


# --- not-ready-for -------------------------------------------------------------------------------


def test_a_pod_not_ready_for_a_stretch_is_measured_from_watch_times() -> None:
    entries = (pod(1, True), pod(10.5, False), pod(19.5, True))
    assert judged(NotReadyFor("pod", 6, 11), *entries).outcome is Outcome.PASSED
    short = judged(NotReadyFor("pod", at_most=3), *entries)
    assert short.outcome is Outcome.FAILED
    assert short.seen == "not ready from +0.5s to +9.5s after the fault: 9.0s"
    assert judged(NotReadyFor("pod", at_least=10), *entries).outcome is Outcome.FAILED


def test_an_open_stretch_passes_at_least_once_long_enough_and_fails_at_most_once_too_long() -> None:
    entries = (pod(1, True), pod(11, False), PodGone(12, "svc", UID))
    assert judged(NotReadyFor("pod", 5), *entries, now=14).outcome is Outcome.PENDING
    assert judged(NotReadyFor("pod", 5), *entries, now=17).outcome is Outcome.PASSED
    assert judged(NotReadyFor("pod", 0, 5), *entries, now=14).outcome is Outcome.PENDING
    assert judged(NotReadyFor("pod", 0, 5), *entries, now=17).outcome is Outcome.FAILED


def test_a_pod_that_stayed_ready_never_passes() -> None:
    result = judged(NotReadyFor("pod", 0, 5), pod(1, True), pod(12, True))
    assert result.outcome is Outcome.PENDING
    assert "ready throughout" in result.seen


def test_the_endpoint_counts_removed_as_not_ready() -> None:
    entries = (slice_(1, True), slice_(10.3, False), slice_(11, None), slice_(18.3, True))
    result = judged(NotReadyFor("endpoint", 6, 11), *entries)
    assert result.outcome is Outcome.PASSED, result.seen
    assert "8.0s" in result.seen
    assert judged(NotReadyFor("endpoint", 1), pod(1, True)).outcome is Outcome.PENDING


# --- restart-rule --------------------------------------------------------------------------------


def test_a_rule_matched_exit_code_restarts() -> None:
    entries = (
        running(1, "retrier", rules=RULES),
        ended(11, "retrier", "t", 42, restart_rules=RULES),
        running(12, "retrier", restarts=1, rules=RULES),
    )
    assert judged(RestartRule("retrier", 42, True), *entries).outcome is Outcome.PASSED
    wrong = judged(RestartRule("retrier", 42, False), *entries)
    assert wrong.outcome is Outcome.FAILED
    assert "running again 1.0s later (restartCount 0 -> 1)" in wrong.seen
    other_code = judged(RestartRule("retrier", 1, True), *entries)
    assert other_code.outcome is Outcome.FAILED
    assert "exit code 42" in other_code.seen


def test_no_restart_is_decided_after_within_or_when_the_pod_ended() -> None:
    entries = (running(1, "validator", rules=RULES), ended(11, "validator", "t", 3, restart_rules=RULES))
    rule = RestartRule("validator", 3, False, within=10)
    assert judged(rule, *entries, now=15).outcome is Outcome.PENDING
    assert judged(rule, *entries, now=22).outcome is Outcome.PASSED
    assert judged(replace(rule, restarted=True), *entries, now=22).outcome is Outcome.FAILED
    done = judged(rule, *entries, pod(12, False, "Failed"), now=13)
    assert done.outcome is Outcome.PASSED
    assert "the pod ended in phase Failed" in done.seen


def test_a_container_whose_rules_the_cluster_dropped_fails_at_once() -> None:
    entries = (running(1, "retrier"), ended(11, "retrier", "t", 42), running(12, "retrier", restarts=1))
    result = judged(RestartRule("retrier", 42, True), *entries)
    assert result.outcome is Outcome.FAILED
    assert "no restartPolicyRules for retrier" in result.seen


# --- loader --------------------------------------------------------------------------------------

POD = """\
name: lifecycle
workload:
  target: {app: w}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {name: w, labels: {app: w}}
      spec:
        initContainers: [{name: proxy, image: busybox, restartPolicy: Always}]
        containers:
          - {name: app, image: busybox}
          - name: worker
            image: busybox
            restartPolicy: Never
            restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]
faults: [{type: pod-delete}]
expect:
  - EXPECT
"""


def loaded(expect: str) -> object:
    return parse_scenario(POD.replace("EXPECT", expect), "x.scenario.yaml").expectations[0]


def refused(expect: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        loaded(expect)
    return str(caught.value)


def test_the_four_load_with_their_yaml_names() -> None:
    assert loaded("{type: termination-order, containers: [app, proxy]}") == TerminationOrder(("app", "proxy"))
    assert loaded("{type: termination-message, container: app, equals: bye}") == TerminationMessage(
        "app", equals="bye"
    )
    assert loaded("{type: not-ready-for, of: endpoint, atMost: 2s}") == NotReadyFor("endpoint", 0.0, 2.0)
    assert loaded("{type: restart-rule, container: worker, exitCode: 42, restarted: true}") == RestartRule(
        "worker", 42, True
    )


@pytest.mark.parametrize(
    ("expect", "problem"),
    [
        (
            "{type: termination-message, container: app}",
            "expect[0]: expected exactly one of 'contains' and 'equals'",
        ),
        (
            "{type: termination-message, container: app, contains: a, equals: b}",
            "expected exactly one of 'contains' and 'equals'",
        ),
        ("{type: termination-order, containers: [app]}", "expect[0].containers: expected at least two"),
        ("{type: termination-order, containers: [app, db]}", "expect[0].containers[1]: expected a container"),
        (
            "{type: termination-order, containers: [app, app]}",
            "expect[0].containers[1]: 'app' is listed twice",
        ),
        ("{type: termination-order, containers: app}", "expect[0].containers: expected a list"),
        (
            "{type: termination-order, containers: [app, 3]}",
            "expect[0].containers[1]: expected a non-empty string",
        ),
        ("{type: not-ready-for, of: pod}", "expected 'atLeast' (above 0) or 'atMost'"),
        ("{type: not-ready-for, atLeast: 5s, atMost: 2s}", "expect[0].atLeast: expected atLeast <= atMost"),
        ("{type: not-ready-for, of: service, atLeast: 1}", "expect[0].of: expected one of pod, endpoint"),
        (
            "{type: restart-rule, container: app, exitCode: 1, restarted: false}",
            "expect[0].container: 'app' has no restartPolicyRules",
        ),
        ("{type: restart-rule, container: worker, exitCode: 300, restarted: true}", "from 0 to 255"),
    ],
)
def test_impossible_lifecycle_expectations_are_refused(expect: str, problem: str) -> None:
    assert problem in refused(expect)
