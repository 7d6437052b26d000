"""An API outage is charged to the cluster, never to the workload: a fault whose call waited for the
API is timed from when the API took it, and an expectation that waits on the control plane is undecided
when an outage fell in its window (pure: recorded timelines and a fake API)."""

from __future__ import annotations

from dataclasses import dataclass, field

from journal import FakeJournal

from podchaos.inject.base import HELD_UP_S, FaultContext
from podchaos.inject.pod_delete import PodDeleteFault
from podchaos.model import ApiOutage, FaultRecord, PodReady, Timeline
from podchaos.model.expectations import Endpoint, FailedRequests, TerminationDuration
from podchaos.model.faults import PodDelete
from podchaos.model.timeline import (
    EndpointsSnapshot,
    EndpointState,
    PodGone,
    PodSnapshot,
    PodState,
    TimelineEntry,
)
from podchaos.model.traffic import RequestRecord
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge_all

UID = "uid-1"
TARGET = PodState(
    PodSnapshot(at=1, pod="web", pod_uid=UID, node="n1", phase="Running", ready=True, deleting=False), ()
)
FAULT = FaultRecord(at=10.0, fault="pod-delete", pod="web", pod_uid=UID, container="", detail="deleted")


@dataclass
class HeldUpKube:
    """A delete that returns only after ``held_s`` on the journal's clock, as the client's retries across
    an outage do; the pod is gone afterwards."""

    journal: FakeJournal
    held_s: float
    deletes: list[str] = field(default_factory=list)

    def delete_pod(self, namespace: str, name: str, grace_period: int | None, force: bool = False) -> None:
        self.journal.ticks += self.held_s
        self.deletes.append(name)

    def pod(self, namespace: str, name: str) -> PodState:
        from podchaos.errors import ObjectNotFound

        raise ObjectNotFound(f"read pod {namespace}/{name}", 404, "NotFound", "gone")


def delete_held_for(held_s: float) -> FaultRecord:
    journal = FakeJournal(step=0.0)
    kube = HeldUpKube(journal, held_s)
    journal.kube = kube
    context = FaultContext(kube, "ns", "app=web", (TARGET,), journal, None)  # type: ignore[arg-type]
    return PodDeleteFault(PodDelete()).inject(context)


def test_a_delete_that_waited_for_the_api_is_timed_from_when_the_api_took_it() -> None:
    # Seen in CI: the delete was first tried 4 s into a 61 s apiserver stop and taken when it came back;
    # timed from the first try, the pod was "not Ready since 57.3 s after the fault".
    held = delete_held_for(57.3)
    assert held.at == 10.0 + 57.3
    prompt = delete_held_for(HELD_UP_S / 2)
    assert prompt.at == 10.0


def timeline(*entries: TimelineEntry) -> Timeline:
    return Timeline().plus(*entries)


def pod(at: float, ready: bool, uid: str = UID, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(
        at=at, pod=uid, pod_uid=uid, node="n1", phase="Running", ready=ready, deleting=deleting
    )


def test_a_replacement_late_across_an_outage_in_its_window_is_undecided() -> None:
    # The replacement could not be created while the API was away (+12 to +30 s): Ready at +32 s is late
    # against 15 s, but the outage, not the workload, may have made it so.
    line = timeline(
        pod(1.0, True), FAULT, pod(10.5, False, deleting=True), ApiOutage(12.0, 30.0, 40, "refused")
    )
    line = line.plus(PodGone(30.5, "web", UID), pod(32.0, True, uid="uid-2"))
    (result,) = judge_all((PodReady(within=15.0),), line, 40.0, final=True).results
    assert result.outcome is Outcome.UNDECIDED, result.seen
    assert "API unreachable +12.0 s to +30.0 s" in result.seen
    # The same lateness with no outage is the workload's: a failure.
    calm = timeline(pod(1.0, True), FAULT, pod(10.5, False, deleting=True), PodGone(30.5, "web", UID))
    (failed,) = judge_all(
        (PodReady(within=15.0),), calm.plus(pod(32.0, True, uid="uid-2")), 40.0, True
    ).results
    assert failed.outcome is Outcome.FAILED, failed.seen


def test_requests_failing_during_an_outage_are_not_the_workloads_fault() -> None:
    # While the API was away the endpoint of the deleted pod could not be removed: requests failed.
    records = [
        RequestRecord(
            round(10 + i / 10, 2),
            i,
            "refused" if 12 <= 10 + i / 10 < 14 else "ok",
            0 if 12 <= 10 + i / 10 < 14 else 200,
            2.0,
        )
        for i in range(100)
    ]
    line = timeline(pod(1.0, True), FAULT, ApiOutage(11.0, 15.0, 9, "refused"), *records)
    (result,) = judge_all((FailedRequests(at_most=0),), line, 20.0, final=True).results
    assert result.outcome is Outcome.UNDECIDED, result.seen
    (failed,) = judge_all(
        (FailedRequests(at_most=0),), timeline(pod(1.0, True), FAULT, *records), 20.0, True
    ).results
    assert failed.outcome is Outcome.FAILED, failed.seen


def test_the_kubelets_own_work_is_still_judged_by_its_stamps_across_an_outage() -> None:
    # A termination runs on the node without the API: an outage does not make its failure undecided.
    line = timeline(
        pod(1.0, True), FAULT, pod(20.0, True, deleting=True), ApiOutage(21.0, 30.0, 3, "refused")
    )
    (result,) = judge_all(
        (TerminationDuration(at_least=2.5, at_most=6.5),), line.plus(PodGone(31.0, "web", UID)), 40.0, True
    ).results
    assert result.outcome is Outcome.FAILED, result.seen


def test_an_endpoint_not_updated_right_after_an_outage_is_undecided_not_failed() -> None:
    # Seen in a whole-catalogue run across apiserver restarts: the API came back at +49.9 s, the sidecar
    # was killed at +50.9 s and the pod went not Ready at +51.0 s, but the EndpointSlice controller,
    # still catching up with the restarted API, never marked its endpoint not ready within the 10 s.
    ready = EndpointState("web", UID, "10.251.1.138", True, True, False)
    slice_ = EndpointsSnapshot(26.0, "web-x1", "web", (ready,))
    kill = FaultRecord(at=50.9, fault="container-kill", pod="web", pod_uid=UID, container="proxy", detail="")
    expectation = Endpoint(condition="not-ready", within=10.0)
    seen = (pod(1.0, True), slice_, kill, pod(51.0, False), pod(54.2, True))
    after_outage = timeline(ApiOutage(28.5, 49.9, 30, "refused"), *seen)
    (result,) = judge_all((expectation,), after_outage, 62.0, final=True).results
    assert result.outcome is Outcome.UNDECIDED, result.seen
    assert "ended 1.0s before the fault (API unreachable +28.5 s to +49.9 s" in result.seen
    # The same endpoint left ready with the last outage long past, or none, is the workload's failure.
    for calm in (timeline(*seen), timeline(ApiOutage(-40.0, -10.0, 30, "refused"), *seen)):
        (failed,) = judge_all((expectation,), calm, 62.0, final=True).results
        assert failed.outcome is Outcome.FAILED, failed.seen
