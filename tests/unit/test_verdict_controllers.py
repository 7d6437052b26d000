"""The controller expectations judged over small hand-built timelines: each passes for its one reason,
and its wrong variant (the other controller's behaviour) fails, saying what was seen."""

from __future__ import annotations

from podchaos.model.controllers import (
    DisruptionTarget,
    JobOutcome,
    JobSnapshot,
    OrderedRecreation,
    PodKept,
    PvcKept,
    SameIdentity,
    SameNode,
)
from podchaos.model.expectations import Expectation
from podchaos.model.timeline import FaultRecord, FileToken, PodGone, PodSnapshot, Timeline, TimelineEntry
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge, judge_all

FAULT_AT = 10.0


def pod(
    at: float,
    name: str,
    uid: str,
    *,
    node: str = "node-1",
    ready: bool = True,
    deleting: bool = False,
    owner: str = "StatefulSet/db",
    claims: tuple[str, ...] = (),
    disruption: str = "",
    phase: str = "Running",
) -> PodSnapshot:
    return PodSnapshot(at, name, uid, node, phase, ready, deleting, owner, claims, disruption)


def fault(name: str = "db-0", uid: str = "old", kind: str = "pod-delete") -> FaultRecord:
    return FaultRecord(FAULT_AT, kind, name, uid, "", "")


def timeline(*entries: TimelineEntry, name: str = "db-0", uid: str = "old") -> Timeline:
    return Timeline().plus(fault(name, uid), *entries)


def outcome(expectation: Expectation, tl: Timeline, now: float = 100.0) -> Outcome:
    return judge(expectation, tl, now).outcome


def token(at: float, name: str, uid: str, content: str | None, phase: str, error: str = "") -> FileToken:
    return FileToken(at, name, uid, "db", "/data/t", content, phase, error)  # type: ignore[arg-type]


# --- pvc-kept --------------------------------------------------------------------------------------


def statefulset_replaced(
    content: str | None, error: str = "", claims: tuple[str, ...] = ("data-db-0",)
) -> Timeline:
    return timeline(
        pod(1.0, "db-0", "old", claims=("data-db-0",)),
        token(2.0, "db-0", "old", "podchaos-abc", "before-fault"),
        pod(11.0, "db-0", "old", deleting=True, claims=("data-db-0",)),
        PodGone(13.0, "db-0", "old"),
        pod(14.0, "db-0", "new", claims=claims),
        token(15.0, "db-0", "new", content, "after-recovery", error),
    )


def test_pvc_kept_passes_when_the_new_pod_reads_the_token_on_the_same_claim() -> None:
    result = judge(PvcKept("db", "/data/t"), statefulset_replaced("podchaos-abc"), 20.0)
    assert result.outcome is Outcome.PASSED
    assert "new pod db-0" in result.seen
    assert "data-db-0" in result.seen


def test_pvc_kept_wrong_variant_fails_when_the_data_is_gone_or_unreadable() -> None:
    lost = judge(PvcKept("db", "/data/t"), statefulset_replaced(None), 20.0)
    assert lost.outcome is Outcome.FAILED
    assert "absent" in lost.seen
    unreadable = judge(PvcKept("db", "/data/t"), statefulset_replaced(None, error="exit code 126"), 20.0)
    assert unreadable.outcome is Outcome.FAILED
    assert unreadable.seen.startswith("could not read /data/t")


def test_pvc_kept_fails_without_a_claim_in_common_or_without_a_replacement() -> None:
    other_claim = judge(PvcKept("db", "/data/t"), statefulset_replaced("podchaos-abc", claims=("x",)), 20.0)
    assert other_claim.outcome is Outcome.FAILED
    assert "none of the claims" in other_claim.seen
    same_pod = timeline(
        pod(1.0, "db-0", "old", claims=("data-db-0",)),
        token(2.0, "db-0", "old", "podchaos-abc", "before-fault"),
        token(15.0, "db-0", "old", "podchaos-abc", "after-recovery"),
    )
    result = judge(PvcKept("db", "/data/t"), same_pod, 20.0)
    assert result.outcome is Outcome.FAILED
    assert "not replaced" in result.seen


def test_pvc_kept_is_pending_until_read_back() -> None:
    tl = timeline(pod(1.0, "db-0", "old"), token(2.0, "db-0", "old", "podchaos-abc", "before-fault"))
    assert outcome(PvcKept("db", "/data/t"), tl, 12.0) is Outcome.PENDING


# --- same-identity ---------------------------------------------------------------------------------


def test_same_identity_passes_for_a_statefulset_pod_back_with_its_name_and_claims() -> None:
    result = judge(SameIdentity(within=30), statefulset_replaced("x"), 20.0)
    assert result.outcome is Outcome.PASSED
    assert "db-0 Ready again as UID new" in result.seen


def test_same_identity_wrong_variant_fails_at_once_for_a_deployment_pod() -> None:
    tl = timeline(
        pod(1.0, "web-abc", "old", owner="ReplicaSet/web-1"),
        pod(11.0, "web-abc", "old", owner="ReplicaSet/web-1", deleting=True),
        pod(12.0, "web-xyz", "new", owner="ReplicaSet/web-1"),
        name="web-abc",
    )
    result = judge(SameIdentity(within=60), tl, 13.0)
    assert result.outcome is Outcome.FAILED
    assert "new name" in result.seen


def test_same_identity_fails_when_the_claims_differ_and_waits_while_in_time() -> None:
    assert outcome(SameIdentity(), statefulset_replaced("x", claims=("other",)), 20.0) is Outcome.FAILED
    waiting = timeline(pod(1.0, "db-0", "old", claims=("d",)), PodGone(12.0, "db-0", "old"))
    assert outcome(SameIdentity(within=30), waiting, 20.0) is Outcome.PENDING
    # No replacement ever came and the StatefulSet reported no failure: the control plane did not act
    # (see podchaos.verdict.stalls), so it is not the workload's failure.
    assert outcome(SameIdentity(within=30), waiting, 50.0) is Outcome.UNDECIDED
    late = waiting.plus(pod(45.0, "db-0", "new", claims=("d",)))
    assert outcome(SameIdentity(within=30), late, 50.0) is Outcome.FAILED


# --- ordered-recreation ----------------------------------------------------------------------------


def drained(*recreated: tuple[str, float, float]) -> Timeline:
    """db-0..db-2 deleted at the fault; each (name, created, ready) recreated as a new UID."""
    entries: list[TimelineEntry] = []
    for i in range(3):
        entries += [pod(1.0, f"db-{i}", f"old-{i}"), PodGone(11.0 + i / 10, f"db-{i}", f"old-{i}")]
    for name, created, ready in recreated:
        entries += [pod(created, name, f"new-{name}", ready=False), pod(ready, name, f"new-{name}")]
    return timeline(*entries, uid="old-0")


def test_ordered_recreation_passes_one_ordinal_at_a_time() -> None:
    tl = drained(("db-0", 12, 15), ("db-1", 15.1, 18), ("db-2", 18.1, 21))
    result = judge(OrderedRecreation(pods=3), tl, 25.0)
    assert result.outcome is Outcome.PASSED
    assert "db-0 created +2.0s, Ready +5.0s" in result.seen


def test_ordered_recreation_wrong_variant_fails_for_parallel_pod_management() -> None:
    parallel = drained(("db-2", 12, 15), ("db-0", 12.1, 15.2), ("db-1", 12.2, 15.1))
    result = judge(OrderedRecreation(pods=3), parallel, 25.0)
    assert result.outcome is Outcome.FAILED
    assert "not in ordinal order" in result.seen
    together = drained(("db-0", 12, 15), ("db-1", 12.1, 15.1), ("db-2", 12.2, 15.2))
    result = judge(OrderedRecreation(pods=3), together, 25.0)
    assert result.outcome is Outcome.FAILED
    assert "db-1 created before db-0 was Ready" in result.seen


def test_ordered_recreation_waits_for_every_pod_and_fails_with_too_few() -> None:
    partial = drained(("db-0", 12, 15))
    assert outcome(OrderedRecreation(pods=3, within=60), partial, 20.0) is Outcome.PENDING
    assert outcome(OrderedRecreation(pods=3, within=60), partial, 80.0) is Outcome.FAILED
    everything = drained(("db-0", 12, 15), ("db-1", 15.1, 18), ("db-2", 18.1, 21))
    assert outcome(OrderedRecreation(pods=4, within=60), everything, 80.0) is Outcome.FAILED


# --- job-outcome and disruption-target -------------------------------------------------------------


def job(at: float, failed: int, condition: str = "", reason: str = "") -> JobSnapshot:
    return JobSnapshot(at, "batch", "job-uid", 0, 0, failed, 2, condition, reason, "")


def job_timeline(*entries: TimelineEntry) -> Timeline:
    return timeline(pod(1.0, "batch-x", "old", owner="Job/batch"), *entries, name="batch-x")


def test_job_outcome_passes_on_the_condition_reason_and_failed_count() -> None:
    tl = job_timeline(job(2.0, 0), job(12.0, 1), job(30.0, 1, "Complete", "CompletionsReached"))
    assert outcome(JobOutcome("Complete", failed=1), tl) is Outcome.PASSED
    result = judge(JobOutcome("Failed"), tl, 40.0)
    assert result.outcome is Outcome.FAILED
    assert "Job batch: Complete (CompletionsReached), failed 1 of backoffLimit 2" in result.seen
    assert outcome(JobOutcome("Complete", failed=0), tl) is Outcome.FAILED


def test_job_outcome_reason_must_match_and_is_pending_while_the_job_runs() -> None:
    failed = job_timeline(job(20.0, 3, "Failed", "BackoffLimitExceeded"))
    assert outcome(JobOutcome("Failed", reason="BackoffLimitExceeded", failed=3), failed) is Outcome.PASSED
    assert outcome(JobOutcome("Failed", reason="PodFailurePolicy"), failed) is Outcome.FAILED
    assert outcome(JobOutcome("Complete"), job_timeline(job(12.0, 1))) is Outcome.PENDING
    not_a_job = timeline(pod(1.0, "db-0", "old"))
    assert outcome(JobOutcome("Complete"), not_a_job) is Outcome.FAILED


def test_disruption_target_passes_on_the_condition_and_its_reason() -> None:
    tl = job_timeline(pod(11.0, "batch-x", "old", owner="Job/batch", disruption="EvictionByEvictionAPI: x"))
    assert outcome(DisruptionTarget(), tl) is Outcome.PASSED
    assert outcome(DisruptionTarget(reason="EvictionByEvictionAPI"), tl) is Outcome.PASSED
    final = judge_all((DisruptionTarget(reason="PreemptionByScheduler"),), tl, 100.0, final=True)
    assert final.results[0].outcome is Outcome.FAILED
    killed = judge_all((DisruptionTarget(),), job_timeline(), 100.0, final=True)
    assert killed.results[0].outcome is Outcome.FAILED
    assert "no pod had it" in killed.results[0].seen


# --- pod-kept and same-node ------------------------------------------------------------------------


def daemonset(*entries: TimelineEntry) -> Timeline:
    return timeline(pod(1.0, "agent-a", "old", owner="DaemonSet/agent"), *entries, name="agent-a")


def test_pod_kept_passes_once_the_pod_stayed_long_enough() -> None:
    assert outcome(PodKept(during=5), daemonset(), 12.0) is Outcome.PENDING
    assert outcome(PodKept(during=5), daemonset(), 16.0) is Outcome.PASSED


def test_pod_kept_wrong_variant_fails_for_a_pod_that_was_evicted() -> None:
    evicted = daemonset(pod(11.0, "agent-a", "old", owner="DaemonSet/agent", deleting=True))
    result = judge(PodKept(during=5), evicted, 16.0)
    assert result.outcome is Outcome.FAILED
    assert "marked for deletion 1.0s after the fault" in result.seen
    assert outcome(PodKept(during=5), daemonset(PodGone(12.0, "agent-a", "old")), 16.0) is Outcome.FAILED


def test_same_node_passes_on_the_faulted_pods_node_and_fails_on_another() -> None:
    back = daemonset(PodGone(11.0, "agent-a", "old"), pod(13.0, "agent-b", "new", owner="DaemonSet/agent"))
    assert outcome(SameNode(within=30), back, 14.0) is Outcome.PASSED
    moved = daemonset(PodGone(11.0, "agent-a", "old"), pod(13.0, "web-b", "new", node="node-2"))
    result = judge(SameNode(within=30), moved, 14.0)
    assert result.outcome is Outcome.FAILED
    assert "another node, node-2" in result.seen
    assert outcome(SameNode(within=30), daemonset(), 50.0) is Outcome.FAILED
