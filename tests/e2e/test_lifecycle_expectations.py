"""termination-message, termination-order, not-ready-for and restart-rule on the real cluster: each
catalogue scenario's run passes; the same recorded timeline judged with a wrong variant fails; and a
variant of the workload that Kubernetes treats differently (another terminationMessagePolicy, classic
instead of native sidecars, restart rules a cluster dropped) fails the scenario's own expectation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podchaos.engine import Services
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.model import Expectation, RunResult, Scenario
from podchaos.model.lifecycle import NotReadyFor, RestartRule, TerminationMessage, TerminationOrder
from podchaos.model.scenario import freeze
from podchaos.model.verdict import Outcome
from podchaos.runner import run_scenario
from podchaos.verdict import judge_all

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def scenario(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.scenario.yaml")


def with_pod_spec(original: Scenario, change: Callable[[dict[str, Any]], None]) -> Scenario:
    """The scenario with its (only) Pod's spec changed in place by ``change``."""
    manifests = []
    for manifest in original.workload.manifests:
        body = manifest.to_dict()
        if manifest.kind == "Pod":
            change(body["spec"])
        manifests.append(dataclasses.replace(manifest, body=freeze(body)))
    workload = dataclasses.replace(original.workload, manifests=tuple(manifests))
    return dataclasses.replace(original, workload=workload)


def run(kube: Kube, chosen: Scenario) -> RunResult:
    result = run_scenario(lambda: Services(kube), chosen)
    assert not result.error, result.error
    return result


def passed(result: RunResult) -> None:
    assert result.passed, [(r.expectation.type, r.outcome, r.seen) for r in result.verdict.results]


def rejudged(result: RunResult, *wrong: Expectation) -> list[tuple[Outcome, str]]:
    """The wrong variants judged, as the run ended, against the run's own timeline."""
    end = max(entry.at for entry in result.timeline.entries)
    return [(r.outcome, r.seen) for r in judge_all(tuple(wrong), result.timeline, end, final=True).results]


def result_of(result: RunResult, expectation: Expectation) -> tuple[Outcome, str]:
    found = next(r for r in result.verdict.results if r.expectation == expectation)
    return found.outcome, found.seen


def test_termination_messages_follow_the_policy(kube: Kube) -> None:
    original = scenario("termination-message-policy")
    result = run(kube, original)
    passed(result)
    # The auditor failed but wrote its file: the file wins, its log line is not the message.
    (auditor, auditor_seen), (exporter, _) = rejudged(
        result,
        TerminationMessage("auditor", contains="auditor: stopping"),
        TerminationMessage("exporter", equals="exported 0 rows"),
    )
    assert auditor is Outcome.FAILED
    assert "'audit log sealed\\n'" in auditor_seen
    assert exporter is Outcome.FAILED

    def worker_policy_file(spec: dict[str, Any]) -> None:
        spec["containers"][1]["terminationMessagePolicy"] = "File"

    # With policy File the worker's empty file stays the message: its last log line is not used.
    as_file = run(kube, with_pod_spec(original, worker_policy_file))
    outcome, seen = result_of(as_file, TerminationMessage("worker", contains="3 jobs still queued"))
    assert outcome is Outcome.FAILED, seen
    assert seen == "no message (terminationMessagePolicy File, exit code 1)"


def test_native_sidecars_stop_after_the_app_in_reverse_start_order(kube: Kube) -> None:
    original = scenario("sidecar-shutdown-order")
    result = run(kube, original)
    passed(result)
    [(reversed_order, seen)] = rejudged(result, TerminationOrder(("log-agent", "db-proxy", "app")))
    assert reversed_order is Outcome.FAILED
    assert seen.startswith("db-proxy ended before log-agent: finishedAt")

    def classic_sidecars(spec: dict[str, Any]) -> None:
        sidecars = spec.pop("initContainers")
        for sidecar in sidecars:
            sidecar.pop("restartPolicy")
        spec["containers"] = [*spec["containers"], *sidecars]

    # As regular containers all three get SIGTERM at once: the log agent's 1.2 s flush ends before
    # the proxy's 2 s drain, so the order is contradicted or, within one second, cannot be told.
    classic = run(kube, with_pod_spec(original, classic_sidecars))
    outcome, seen = result_of(classic, TerminationOrder(("app", "db-proxy", "log-agent")))
    assert outcome is Outcome.FAILED, seen
    assert (
        "log-agent ended before db-proxy" in seen or "cannot tell the order: db-proxy and log-agent" in seen
    )


def test_not_ready_stretches_of_pod_and_endpoint(kube: Kube) -> None:
    result = run(kube, scenario("readiness-flap"))
    passed(result)
    (endpoint_short, seen), (pod_long, _), (pod_right, _) = rejudged(
        result,
        NotReadyFor("endpoint", at_most=3),
        NotReadyFor("pod", at_least=20),
        NotReadyFor("pod", 6, 12),
    )
    assert endpoint_short is Outcome.FAILED
    assert seen.startswith("not ready from +")
    assert pod_long is Outcome.FAILED
    assert pod_right is Outcome.PASSED


def test_restart_rules_decide_by_exit_code_and_dropped_rules_fail(kube: Kube) -> None:
    original = scenario("restart-rules-exit-code")
    result = run(kube, original)
    passed(result)
    (retrier, _), (validator, seen) = rejudged(
        result, RestartRule("retrier", 42, restarted=False), RestartRule("validator", 3, restarted=True)
    )
    assert retrier is Outcome.FAILED
    assert validator is Outcome.FAILED
    assert "not restarted" in seen

    def without_rules(spec: dict[str, Any]) -> None:
        for container in spec["containers"]:
            container.pop("restartPolicy")
            container.pop("restartPolicyRules")

    # What a cluster without ContainerRestartRules stores: the pod's restartPolicy Always then
    # restarts the validator too, and restart-rule says why it does not judge that.
    dropped = run(kube, with_pod_spec(original, without_rules))
    outcome, seen = result_of(dropped, RestartRule("validator", 3, restarted=False, within=10))
    assert outcome is Outcome.FAILED
    assert "has no restartPolicyRules for validator" in seen
    count = next(
        r
        for r in dropped.verdict.results
        if r.expectation.type == "restart-count" and "validator" in str(r.expectation)
    )
    assert count.outcome is Outcome.FAILED, count.seen  # the pod's policy restarted it
