"""pod-delete sends the grace period it was given, whole, and never rounds a fraction into a force delete
(pure: a fake API, no cluster)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from journal import FakeJournal

from podchaos.errors import FaultError, ObjectNotFound
from podchaos.inject.base import FaultContext
from podchaos.inject.pod_delete import PodDeleteFault
from podchaos.model.faults import PodDelete
from podchaos.model.timeline import PodSnapshot, PodState

TARGET = PodState(
    PodSnapshot(at=1, pod="web", pod_uid="uid-1", node="n1", phase="Running", ready=True, deleting=False), ()
)


@dataclass
class FakeKube:
    """Records delete requests; the pod is gone once deleted."""

    deletes: list[tuple[str, int | None, bool]] = field(default_factory=list)

    def delete_pod(self, namespace: str, name: str, grace_period: int | None, force: bool = False) -> None:
        self.deletes.append((name, grace_period, force))

    def pod(self, namespace: str, name: str) -> PodState:
        raise ObjectNotFound(f"read pod {namespace}/{name}", 404, "NotFound", "gone")


def inject(spec: PodDelete) -> tuple[FakeKube, FakeJournal]:
    kube = FakeKube()
    journal = FakeJournal(kube, step=0.0)
    context = FaultContext(kube, "ns", "app=web", (TARGET,), journal, None)  # type: ignore[arg-type]
    PodDeleteFault(spec).inject(context)
    return kube, journal


@pytest.mark.parametrize(
    ("spec", "sent", "detail"),
    [
        (PodDelete(grace_period=3.0), ("web", 3, False), "delete grace 3s"),
        (PodDelete(), ("web", None, False), "delete pod's own grace"),
        (PodDelete(force=True), ("web", None, True), "delete force (grace 0)"),
    ],
)
def test_the_given_grace_period_is_sent_whole(
    spec: PodDelete, sent: tuple[str, int | None, bool], detail: str
) -> None:
    kube, journal = inject(spec)
    assert kube.deletes == [sent]
    assert [getattr(e, "detail", None) for e in journal.entries] == [detail]


@pytest.mark.parametrize("grace", [0.4, 2.5, 0.0])
def test_a_grace_period_the_api_would_change_is_refused_before_deleting(grace: float) -> None:
    kube = FakeKube()
    journal = FakeJournal(kube, step=0.0)
    context = FaultContext(kube, "ns", "app=web", (TARGET,), journal, None)  # type: ignore[arg-type]
    with pytest.raises(FaultError, match="pod-delete gracePeriod: "):
        PodDeleteFault(PodDelete(grace_period=grace)).inject(context)
    assert kube.deletes == []
    assert journal.entries == []
