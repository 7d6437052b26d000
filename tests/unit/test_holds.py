"""The readers-writer protocol of the holds (podchaos.inject.holds), over an in-memory store of Leases:
runs without node faults share, a node fault excludes them, a waiting writer keeps new readers out, and
a killed run's hold does not block anyone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from podchaos.engine.hold import NodeHold
from podchaos.errors import Conflict, FaultError, ObjectNotFound
from podchaos.inject import holds, node_lease, shared_hold
from podchaos.k8s.client import Kube
from podchaos.k8s.leases import LeaseInfo
from podchaos.model import FaultSpec
from podchaos.model.faults import ContainerKill, EmptyDirFill, NodeCordon, PodDelete, ProbeFail
from podchaos.model.timeline import PodSnapshot, PodState

WRITER, READER, OTHER = "pc-node-drain-w1", "pc-anti-affinity-r1", "pc-sidecar-kill-r2"


@dataclass
class FakeLeases:
    """Leases by name: (holder, seconds left, labels); namespaces that exist. ``on_list`` runs before a
    list answers, so a test can act "meanwhile"."""

    leases: dict[str, tuple[str, float, dict[str, str]]] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=lambda: {WRITER, READER, OTHER})
    on_list: list[Any] = field(default_factory=list)

    def create_lease(
        self, namespace: str, name: str, holder: str, duration_s: int, labels: Any = None
    ) -> None:
        if name in self.leases:
            raise Conflict("create lease", 409, "AlreadyExists", "exists")
        self.leases[name] = (holder, float(duration_s), dict(labels or {}))

    def lease_holder(self, namespace: str, name: str) -> tuple[str, float, str]:
        if name not in self.leases:
            raise ObjectNotFound("read lease", 404, "NotFound", "absent")
        holder, left, _labels = self.leases[name]
        return holder, left, "1"

    def leases_labelled(self, namespace: str, selector: str) -> list[LeaseInfo]:
        key, _, value = selector.partition("=")
        while self.on_list and value == "shared":  # a writer looking for readers
            self.on_list.pop(0)()
        return [
            LeaseInfo(name, holder, left, "1")
            for name, (holder, left, labels) in sorted(self.leases.items())
            if labels.get(key) == value
        ]

    def renew_lease(self, namespace: str, name: str, holder: str) -> bool:
        if name not in self.leases or self.leases[name][0] != holder:
            return False
        self.leases[name] = (holder, 120.0, self.leases[name][2])
        return True

    def delete_lease(self, namespace: str, name: str, resource_version: str = "") -> None:
        if self.leases.pop(name, None) is None:
            raise ObjectNotFound("delete lease", 404, "NotFound", "absent")

    def namespace_exists(self, name: str) -> bool:
        assert name, "asked whether namespace '' exists"
        return name in self.namespaces


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (node_lease, shared_hold):
        monkeypatch.setattr(module, "ACQUIRE_INTERVAL_S", 0.01)
        monkeypatch.setattr(module, "ACQUIRE_TIMEOUT_S", 0.2)


def test_readers_share_and_a_writer_waits_for_them_holding_its_lease() -> None:
    fake = FakeLeases()
    kube = cast(Kube, fake)
    shared_hold.acquire(kube, READER)
    shared_hold.acquire(kube, OTHER)
    assert set(fake.leases) == {holds.shared_name(READER), holds.shared_name(OTHER)}
    with pytest.raises(FaultError, match=f"2 run\\(s\\) without node faults .*{READER}"):
        node_lease.acquire(kube, WRITER)
    assert node_lease.LEASE_NAME not in fake.leases  # given up: new readers are not kept out
    shared_hold.release(kube, READER)
    shared_hold.release(kube, OTHER)
    node_lease.acquire(kube, WRITER)
    assert fake.leases[node_lease.LEASE_NAME][0] == WRITER


def test_a_waiting_writer_keeps_new_readers_out() -> None:
    fake = FakeLeases()
    kube = cast(Kube, fake)
    shared_hold.acquire(kube, READER)
    # The writer takes its Lease, then waits; meanwhile another reader arrives and must back off.
    arrived: list[str] = []

    def reader_arrives() -> None:
        with pytest.raises(FaultError, match=f"node faults of {WRITER}"):
            shared_hold.acquire(kube, OTHER)
        arrived.append(OTHER)
        shared_hold.release(kube, READER)  # the first reader finishes

    fake.on_list.append(reader_arrives)
    node_lease.acquire(kube, WRITER)
    assert arrived == [OTHER]
    assert set(fake.leases) == {node_lease.LEASE_NAME}  # the late reader left no hold behind


def test_a_reader_that_added_its_lease_as_a_writer_came_backs_off() -> None:
    fake = FakeLeases()
    kube = cast(Kube, fake)
    real_create = fake.create_lease

    def create_then_writer_arrives(
        namespace: str, name: str, holder: str, duration_s: int, labels: Any = None
    ) -> None:
        real_create(namespace, name, holder, duration_s, labels)
        if holder == READER and node_lease.LEASE_NAME not in fake.leases:
            fake.leases[node_lease.LEASE_NAME] = (WRITER, 100.0, {})

    fake.create_lease = create_then_writer_arrives  # type: ignore[method-assign]
    with pytest.raises(FaultError, match=f"node faults of {WRITER}"):
        shared_hold.acquire(kube, READER)
    assert set(fake.leases) == {node_lease.LEASE_NAME}  # it took its shared Lease back


def test_a_killed_runs_holds_block_no_one_and_sweep_removes_them() -> None:
    fake = FakeLeases(namespaces={WRITER, READER})
    kube = cast(Kube, fake)
    fake.leases[holds.shared_name("pc-gone-run")] = ("pc-gone-run", 100.0, {holds.HOLD_LABEL: "shared"})
    fake.leases[holds.shared_name(READER)] = (READER, -1.0, {holds.HOLD_LABEL: "shared"})  # expired
    fake.leases[node_lease.LEASE_NAME] = (WRITER, -5.0, {})
    assert shared_hold.release_leftovers(kube) == sorted(["pc-gone-run", READER])
    assert node_lease.release_leftover(kube) == WRITER
    assert fake.leases == {}
    # Met on the way, they are ignored too.
    fake.leases[node_lease.LEASE_NAME] = ("pc-gone-run", 100.0, {})
    shared_hold.acquire(kube, READER)
    fake.leases[holds.shared_name("pc-gone-run")] = ("pc-gone-run", 100.0, {holds.HOLD_LABEL: "shared"})
    shared_hold.release(kube, READER)
    node_lease.acquire(kube, WRITER)
    assert set(fake.leases) == {node_lease.LEASE_NAME}


def test_a_live_writer_makes_a_reader_wait_and_says_whose_node_fault() -> None:
    fake = FakeLeases()
    kube = cast(Kube, fake)
    node_lease.acquire(kube, WRITER)
    with pytest.raises(FaultError, match=f"node faults of {WRITER} for up to"):
        shared_hold.acquire(kube, READER)
    node_lease.release(kube, WRITER)
    shared_hold.acquire(kube, READER)
    assert set(fake.leases) == {holds.shared_name(READER)}


def test_a_waiting_reader_goes_before_the_next_writer() -> None:
    fake = FakeLeases(namespaces={WRITER, READER, OTHER})
    kube = cast(Kube, fake)
    node_lease.acquire(kube, WRITER)
    with pytest.raises(FaultError, match=f"node faults of {WRITER}"):
        shared_hold.acquire(kube, READER)
    assert holds.waiting_name(READER) not in fake.leases  # given up: no longer waiting
    # While it waits (one attempt leaves its mark), the writer finishes and another comes.
    assert shared_hold._take(kube, READER, [""]) is None
    assert fake.leases[holds.waiting_name(READER)][0] == READER
    node_lease.release(kube, WRITER)
    with pytest.raises(
        FaultError, match=f"letting 1 waiting run\\(s\\) without node faults go first: {READER}"
    ):
        node_lease.acquire(kube, OTHER)
    shared_hold.acquire(kube, READER)
    assert set(fake.leases) == {holds.shared_name(READER)}  # its wait is over
    shared_hold.release(kube, READER)
    node_lease.acquire(kube, OTHER)


def steady(owner: str = "ReplicaSet/web-7c9") -> list[PodState]:
    pod = PodSnapshot(1.0, "web-1", "u1", "node-1", "Running", True, False, owner)
    return [PodState(pod, ())]


KILL = ContainerKill(container="app")


def test_a_run_whose_faults_act_in_place_gives_its_shared_hold_back_once_steady() -> None:
    fake = FakeLeases()
    kube = cast(Kube, fake)
    hold = NodeHold.for_faults(
        kube, READER, [KILL, ProbeFail(container="app", path="/healthz", probe="liveness")]
    )
    hold.acquire()
    with pytest.raises(FaultError):  # the node fault waits while the reader deploys and steadies
        node_lease.acquire(kube, WRITER)
    assert hold.release_when_steady([KILL], steady())
    assert holds.shared_name(READER) not in fake.leases
    node_lease.acquire(kube, WRITER)  # the reader's pods stay where they are, whatever is cordoned
    hold.release()  # when the run ends: nothing left to give back
    assert fake.leases[node_lease.LEASE_NAME][0] == WRITER


@pytest.mark.parametrize(
    ("faults", "owner", "why"),
    [
        ([KILL, PodDelete()], "ReplicaSet/web-7c9", "the deleted pod's replacement is scheduled"),
        ([EmptyDirFill(container="app", path="/data", size="1Gi")], "", "the evicted pod is replaced"),
        ([KILL], "Job/batch", "a Job replaces a pod that failed with a new one"),
    ],
)
def test_a_run_that_may_still_need_the_scheduler_keeps_its_shared_hold(
    faults: list[FaultSpec], owner: str, why: str
) -> None:
    fake = FakeLeases()
    hold = NodeHold.for_faults(cast(Kube, fake), READER, faults)
    hold.acquire()
    assert not hold.release_when_steady(faults, steady(owner)), why
    assert holds.shared_name(READER) in fake.leases
    hold.release()
    assert not fake.leases


def test_a_node_fault_run_keeps_its_exclusive_hold_until_it_ends() -> None:
    fake = FakeLeases()
    faults: list[FaultSpec] = [NodeCordon()]
    hold = NodeHold.for_faults(cast(Kube, fake), WRITER, faults)
    assert hold.exclusive
    hold.acquire()
    assert not hold.release_when_steady(faults, steady())
    assert fake.leases[node_lease.LEASE_NAME][0] == WRITER
    hold.release()
    assert node_lease.LEASE_NAME not in fake.leases
