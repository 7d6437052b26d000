"""The controller expectations on the real cluster: each catalogue scenario's run passes, and the same
recorded timeline judged with the wrong variant of each new expectation (what another controller
would have done) fails, saying what was seen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from podchaos.engine import Services
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.model import Expectation, RunResult
from podchaos.model.controllers import (
    DisruptionTarget,
    JobOutcome,
    OrderedRecreation,
    PodKept,
    PvcKept,
    SameIdentity,
    SameNode,
)
from podchaos.model.scenario import freeze
from podchaos.model.verdict import Outcome
from podchaos.runner import run_scenario
from podchaos.verdict import judge_all

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run(kube: Kube, name: str, **changes: object) -> RunResult:
    scenario = load_scenario(SCENARIOS / f"{name}.scenario.yaml")
    if changes:
        scenario = dataclasses.replace(scenario, **changes)  # type: ignore[arg-type]
    result = run_scenario(lambda: Services(kube), scenario)
    assert not result.error, result.error
    return result


def rejudged(result: RunResult, *wrong: Expectation) -> dict[str, tuple[Outcome, str]]:
    """The wrong variants judged, as the run ended, against the run's own timeline."""
    end = max(entry.at for entry in result.timeline.entries)
    verdict = judge_all(tuple(wrong), result.timeline, end, final=True)
    return {r.expectation.type: (r.outcome, r.seen) for r in verdict.results}


def test_a_statefulset_pod_keeps_name_and_claim_a_deployment_pod_does_not(kube: Kube) -> None:
    statefulset = run(kube, "statefulset-pod-delete-keeps-claim")
    assert statefulset.passed, [(r.expectation.type, r.seen) for r in statefulset.verdict.results]
    # Wrong variants: the token on the emptyDir is not kept on a claim; the pod was not kept on its node.
    seen = rejudged(statefulset, PvcKept("db", "/scratch/podchaos-token"), PodKept(during=1))
    assert seen["pvc-kept"][0] is Outcome.FAILED
    assert "absent in new pod ledger-db-0" in seen["pvc-kept"][1]
    assert seen["pod-kept"][0] is Outcome.FAILED

    deployment = run(kube, "ledger-logs-on-emptydir")
    assert deployment.passed, [(r.expectation.type, r.seen) for r in deployment.verdict.results]
    seen = rejudged(deployment, SameIdentity(within=60), PvcKept("app", "/data/logs/podchaos-token"))
    assert seen["same-identity"][0] is Outcome.FAILED
    assert "a new name" in seen["same-identity"][1]
    assert seen["pvc-kept"][0] is Outcome.FAILED


def test_ordered_ready_recreates_in_order_and_parallel_does_not(kube: Kube) -> None:
    ordered = run(kube, "statefulset-drain-ordered")
    assert ordered.passed, [(r.expectation.type, r.seen) for r in ordered.verdict.results]
    seen = rejudged(ordered, SameNode(within=60))
    assert seen["same-node"][0] is Outcome.FAILED  # drained: the pod came back on the other node

    scenario = load_scenario(SCENARIOS / "statefulset-drain-ordered.scenario.yaml")
    manifest = scenario.workload.manifests[0]
    body = manifest.to_dict()
    body["spec"]["podManagementPolicy"] = "Parallel"
    parallel_workload = dataclasses.replace(
        scenario.workload, manifests=(dataclasses.replace(manifest, body=freeze(body)),)
    )
    parallel = run(
        kube,
        "statefulset-drain-ordered",
        workload=parallel_workload,
        expectations=(OrderedRecreation(pods=3, within=90),),
    )
    [result] = parallel.verdict.results
    assert result.outcome is Outcome.FAILED, result.seen
    assert "created before" in result.seen or "not in ordinal order" in result.seen


def test_a_jobs_outcome_and_its_wrong_variants(kube: Kube) -> None:
    retried = run(kube, "job-pod-killed-retried")
    assert retried.passed, [(r.expectation.type, r.seen) for r in retried.verdict.results]
    seen = rejudged(
        retried,
        JobOutcome("Failed", reason="BackoffLimitExceeded"),
        DisruptionTarget(),
    )
    assert seen["job-outcome"][0] is Outcome.FAILED
    assert "Complete" in seen["job-outcome"][1]
    assert "failed 1 of backoffLimit 2" in seen["job-outcome"][1]
    assert seen["disruption-target"][0] is Outcome.FAILED  # a killed container is no disruption
    assert rejudged(retried, JobOutcome("Complete", failed=0))["job-outcome"][0] is Outcome.FAILED

    policy = run(kube, "job-pod-failure-policy")
    assert policy.passed, [(r.expectation.type, r.seen) for r in policy.verdict.results]
    # The evicted pod is not counted: a failed count of 2 would mean the policy did not ignore it.
    seen = rejudged(policy, JobOutcome("Failed", reason="PodFailurePolicy", failed=2))
    assert seen["job-outcome"][0] is Outcome.FAILED


def test_a_drain_leaves_a_daemonset_pod_and_a_deleted_one_comes_back_on_its_node(kube: Kube) -> None:
    drained = run(kube, "daemonset-drain-leaves-pod")
    assert drained.passed, [(r.expectation.type, r.seen) for r in drained.verdict.results]
    skipped = [e for e in drained.timeline.entries if getattr(e, "outcome", None) == "skipped"]
    assert skipped, "the drain did not say it left the DaemonSet pod"
    seen = rejudged(drained, SameNode(within=30))
    assert seen["same-node"][0] is Outcome.FAILED  # no replacement on the agent's node: it stayed

    deleted = run(kube, "daemonset-pod-deleted-same-node")
    assert deleted.passed, [(r.expectation.type, r.seen) for r in deleted.verdict.results]
    seen = rejudged(deleted, PodKept(during=5))
    assert seen["pod-kept"][0] is Outcome.FAILED
