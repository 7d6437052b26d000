"""A steady phase that timed out on pods the default scheduler never answered for (no Scheduled or
FailedScheduling event) is the control plane's failure, named as such; pods that wait by design, or
that the scheduler did answer for, leave the failure as it was (pure: recorded timelines)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from kubernetes import client

from podchaos.deploy.steady import SCHEDULER_SILENT_S, undecided_if_blind, unheard_by_scheduler
from podchaos.errors import ClusterError, WaitTimeout, WorkloadNotSteady
from podchaos.k8s.convert import pod_snapshot
from podchaos.model import ApiOutage, Timeline
from podchaos.model.timeline import EventRecord, PodSnapshot, TimelineEntry

TIMEOUT = WaitTimeout("target pods (app=web) Ready", 60.0, "web-1 Pending ready=False")


def pending(pod: str, at: float, scheduler: str = "", gates: tuple[str, ...] = ()) -> PodSnapshot:
    return PodSnapshot(
        at,
        pod,
        f"uid-{pod}",
        "",
        "Pending",
        False,
        False,
        "ReplicaSet/web-1a",
        scheduler=scheduler,
        gates=gates,
    )


@dataclass
class Recorded:
    entries: list[TimelineEntry] = field(default_factory=list)
    now: float = 61.0

    def timeline(self) -> Timeline:
        return Timeline().plus(*self.entries)

    def outages(self) -> list[ApiOutage]:
        return list(self.timeline().of_type(ApiOutage))

    def clock(self) -> float:
        return self.now


def test_pods_the_scheduler_never_answered_for_are_the_control_planes_failure() -> None:
    kept: list[Timeline] = []
    recorded = Recorded([pending("web-1", 1.0), pending("web-2", 1.2)])
    with pytest.raises(ClusterError) as raised, undecided_if_blind(recorded, kept.append):
        raise TIMEOUT
    message = str(raised.value)
    assert "the scheduler said nothing of web-1, web-2" in message
    assert "no Scheduled or FailedScheduling event" in message
    assert "web-1 Pending ready=False" in message
    assert kept == [recorded.timeline()]


def test_a_failed_scheduling_event_leaves_the_verdict_to_the_workload() -> None:
    refused = EventRecord(2.0, "web-1", "FailedScheduling", "0/2 nodes are available", "Warning")
    with pytest.raises(WaitTimeout), undecided_if_blind(Recorded([pending("web-1", 1.0), refused]), print):
        raise TIMEOUT


def test_pods_that_wait_by_design_are_never_blamed_on_the_scheduler() -> None:
    other_scheduler = pending("web-1", 1.0, scheduler="my-scheduler")
    gated = pending("web-2", 1.0, gates=("example.com/quota",))
    assert unheard_by_scheduler(Timeline().plus(other_scheduler, gated), 61.0) == []


def test_silence_shorter_than_the_threshold_or_a_scheduled_pod_is_not_attributed() -> None:
    young = pending("web-1", 61.0 - SCHEDULER_SILENT_S + 1.0)
    bound = PodSnapshot(1.0, "web-2", "uid-web-2", "node-1", "Pending", False, False, "ReplicaSet/web-1a")
    assert unheard_by_scheduler(Timeline().plus(young, bound), 61.0) == []
    assert unheard_by_scheduler(Timeline().plus(pending("web-1", 1.0)), 61.0) == ["web-1"]


def test_only_a_timeout_is_attributed_not_a_workload_that_cannot_start() -> None:
    with pytest.raises(WorkloadNotSteady), undecided_if_blind(Recorded([pending("web-1", 1.0)]), print):
        raise WorkloadNotSteady("the workload cannot start: ErrImagePull")


def test_the_snapshot_carries_a_named_scheduler_and_gates_but_not_the_default() -> None:
    def pod(scheduler: str, gates: list[client.V1PodSchedulingGate] | None = None) -> client.V1Pod:
        return client.V1Pod(
            metadata=client.V1ObjectMeta(name="web-1", uid="u1"),
            spec=client.V1PodSpec(
                containers=[client.V1Container(name="app")], scheduler_name=scheduler, scheduling_gates=gates
            ),
            status=client.V1PodStatus(phase="Pending"),
        )

    assert pod_snapshot(pod("default-scheduler"), 0.0).scheduler == ""
    named = pod_snapshot(pod("batch", [client.V1PodSchedulingGate(name="quota")]), 0.0)
    assert (named.scheduler, named.gates) == ("batch", ("quota",))
