"""Node faults over a fake API (pure logic, no cluster): the drain's eviction retries, the cordon mark,
the node-fault lease, and what ``sweep`` cleans up after a killed run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from journal import FakeJournal

from podchaos import cleanup
from podchaos.errors import Conflict, FaultError, ObjectNotFound, ScenarioError, TooManyRequests
from podchaos.inject import holds, node_drain, node_lease
from podchaos.inject.agent import AgentPool
from podchaos.inject.base import FaultContext
from podchaos.inject.cordon import CORDONED_BY
from podchaos.inject.node_cordon import NodeCordonFault
from podchaos.inject.node_drain import NodeDrainFault
from podchaos.k8s.client import Kube
from podchaos.k8s.convert import NodeInfo
from podchaos.loader import parse_scenario
from podchaos.model.expectations import Eviction
from podchaos.model.faults import NodeCordon, NodeDrain
from podchaos.model.timeline import (
    DISRUPTION_BUDGET_CAUSE,
    EvictionRecord,
    PodSnapshot,
    PodState,
    Timeline,
)
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge

NAMESPACE = "pc-node-drain-1a2b3c4d"
BUDGET_WORDS = "The disruption budget web needs 1 healthy pods and has 1 currently"


def budget_429() -> TooManyRequests:
    return TooManyRequests(
        "evict pod",
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
        ((DISRUPTION_BUDGET_CAUSE, BUDGET_WORDS),),
    )


def throttled_429() -> TooManyRequests:
    return TooManyRequests("evict pod", 429, "TooManyRequests", "Too many requests, please try again later.")


def state(name: str, node: str = "n1", deleting: bool = False) -> PodState:
    snapshot = PodSnapshot(0.0, name, f"uid-{name}", node, "Running", not deleting, deleting)
    return PodState(snapshot, ())


@dataclass
class FakeKube:
    """The few Kube calls node faults and sweep make, over in-memory state."""

    pods_on: dict[str, str] = field(default_factory=lambda: {"web-1": "n1", "web-2": "n1"})
    # Per pod: answers the Eviction API gives in turn (an exception to raise, or None: accepted);
    # once used up, the last answer repeats.
    answers: dict[str, list[Exception | None]] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=lambda: {NAMESPACE})
    labelled: set[str] = field(default_factory=set)
    ages: dict[str, float] = field(default_factory=dict)  # seconds; an hour when not given
    unschedulable: dict[str, bool] = field(default_factory=lambda: {"n1": False, "n2": False})
    annotations: dict[str, dict[str, str]] = field(default_factory=lambda: {"n1": {}, "n2": {}})
    lease: tuple[str, float] | None = None
    evicting: set[str] = field(default_factory=set)
    evictions: list[str] = field(default_factory=list)

    # --- nodes
    def nodes(self) -> list[NodeInfo]:
        return [self.node(name) for name in sorted(self.unschedulable)]

    def node(self, name: str) -> NodeInfo:
        return NodeInfo(name, self.unschedulable[name], dict(self.annotations[name]))

    def set_unschedulable(
        self, node: str, unschedulable: bool, annotations: dict[str, str | None] | None = None
    ) -> None:
        self.unschedulable[node] = unschedulable
        for key, value in (annotations or {}).items():
            if value is None:
                self.annotations[node].pop(key, None)
            else:
                self.annotations[node][key] = value

    # --- lease
    def create_lease(
        self, namespace: str, name: str, holder: str, duration_s: int, labels: Any = None
    ) -> None:
        assert name == node_lease.LEASE_NAME, "node faults take only the exclusive hold"
        if self.lease is not None:
            raise Conflict("create lease", 409, "AlreadyExists", "exists")
        self.lease = (holder, float(duration_s))

    def lease_holder(self, namespace: str, name: str) -> tuple[str, float, str]:
        if self.lease is None:
            raise ObjectNotFound("read lease", 404, "NotFound", "absent")
        return self.lease[0], self.lease[1], "1"

    def delete_lease(self, namespace: str, name: str, resource_version: str = "") -> None:
        if self.lease is None:
            raise ObjectNotFound("delete lease", 404, "NotFound", "absent")
        self.lease = None

    def leases_labelled(self, namespace: str, selector: str) -> list[Any]:
        return []  # no run without node faults holds a shared hold here (see test_holds.py)

    def renew_lease(self, namespace: str, name: str, holder: str) -> bool:
        return self.lease is not None and self.lease[0] == holder

    # --- namespaces
    def namespace_exists(self, name: str) -> bool:
        # The real API answers a read of namespace "" with the namespace list: it would "exist".
        assert name, "asked whether namespace '' exists"
        return name in self.namespaces

    def namespaces_labelled(self, selector: str) -> dict[str, float]:
        return {name: self.ages.get(name, 3600.0) for name in sorted(self.labelled)}

    def namespace_annotations(self, name: str) -> dict[str, str]:
        # Runs of deployed workloads: no attach restore mark.
        if name not in self.namespaces:
            raise ObjectNotFound("read namespace", 404, "NotFound", name)
        return {}

    def delete_namespace(self, name: str) -> None:
        if name not in self.namespaces:
            raise ObjectNotFound("delete namespace", 404, "NotFound", name)
        self.namespaces.discard(name)
        self.labelled.discard(name)

    def delete_pods_now(self, namespace: str) -> None:
        pass

    def wait_namespaces_gone(self, names: list[str], selector: str, timeout: float) -> tuple[str, ...]:
        return tuple(sorted(set(names) & self.namespaces))

    # --- pods
    def pods(self, namespace: str, selector: str = "", at: float = 0.0) -> list[PodState]:
        return [state(name, node, name in self.evicting) for name, node in sorted(self.pods_on.items())]

    def pod(self, namespace: str, name: str, at: float = 0.0) -> PodState:
        if name not in self.pods_on:
            raise ObjectNotFound("read pod", 404, "NotFound", name)
        return state(name, self.pods_on[name], name in self.evicting)

    def evict(self, namespace: str, name: str) -> None:
        queue = self.answers.get(name, [None])
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        self.evictions.append(name)
        if answer is not None:
            raise answer
        self.evicting.add(name)


def context_for(kube: FakeKube, journal: FakeJournal, target: str = "web-1") -> FaultContext:
    journal.kube, journal.namespace = kube, NAMESPACE
    targets = tuple(s for s in kube.pods(NAMESPACE) if s.pod.pod == target)
    return FaultContext(cast(Kube, kube), NAMESPACE, "app=web", targets, journal, cast(AgentPool, None))


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node_drain, "RETRY_429_S", 0.01)
    monkeypatch.setattr(node_lease, "ACQUIRE_INTERVAL_S", 0.01)


def drain(kube: FakeKube, journal: FakeJournal, timeout: float = 5.0) -> NodeDrainFault:
    fault = NodeDrainFault(NodeDrain(timeout=timeout))
    fault.inject(context_for(kube, journal))
    return fault


def test_drain_retries_a_budget_refusal_until_the_eviction_is_allowed() -> None:
    kube = FakeKube(answers={"web-2": [budget_429(), budget_429(), None]})
    journal = FakeJournal()
    fault = drain(kube, journal)
    assert journal.evictions() == [
        ("web-1", "evicted", ""),
        ("web-2", "refused", DISRUPTION_BUDGET_CAUSE),
        ("web-2", "refused", DISRUPTION_BUDGET_CAUSE),
        ("web-2", "evicted", ""),
    ]
    refusal = next(e for e in journal.entries if isinstance(e, EvictionRecord) and e.outcome == "refused")
    assert refusal.message.endswith(f"disruption budget. ({BUDGET_WORDS})")
    assert kube.unschedulable["n1"]
    assert kube.annotations["n1"] == {CORDONED_BY: NAMESPACE}
    fault.restore(context_for(kube, journal))
    assert not kube.unschedulable["n1"]
    assert kube.annotations["n1"] == {}
    assert kube.lease is None
    timeline = Timeline(tuple(journal.entries))
    assert judge(Eviction("evicted", refused_first=True), timeline, 30).outcome is Outcome.PASSED
    assert judge(Eviction("evicted", refused_first=False), timeline, 30).outcome is Outcome.PASSED
    assert judge(Eviction("refused"), timeline, 30).outcome is Outcome.FAILED


def test_drain_gives_up_when_the_budget_refuses_until_the_timeout() -> None:
    kube = FakeKube(pods_on={"web-1": "n1"}, answers={"web-1": [budget_429()]})
    journal = FakeJournal()
    drain(kube, journal, timeout=0.1)
    outcomes = [outcome for _pod, outcome, _cause in journal.evictions()]
    assert outcomes[-1] == "gave-up"
    assert set(outcomes[:-1]) == {"refused"}
    assert len(outcomes) >= 3  # retried, not refused once and abandoned
    assert "web-1" not in kube.evicting
    timeline = Timeline(tuple(journal.entries))
    assert judge(Eviction("refused"), timeline, 30).outcome is Outcome.PASSED
    assert judge(Eviction("evicted"), timeline, 30).outcome is Outcome.FAILED


def test_drain_throttled_until_the_timeout_is_not_a_budget_refusal() -> None:
    kube = FakeKube(pods_on={"web-1": "n1"}, answers={"web-1": [throttled_429()]})
    journal = FakeJournal()
    drain(kube, journal, timeout=0.05)
    assert {cause for _pod, _outcome, cause in journal.evictions()} == {""}
    result = judge(Eviction("refused"), Timeline(tuple(journal.entries)), 30)
    assert result.outcome is Outcome.FAILED
    assert "not by a disruption budget" in result.seen


def test_drain_records_a_pod_already_gone() -> None:
    kube = FakeKube(answers={"web-1": [ObjectNotFound("evict pod", 404, "NotFound", "web-1")]})
    journal = FakeJournal()
    drain(kube, journal)
    assert journal.evictions() == [("web-1", "gone", ""), ("web-2", "evicted", "")]


def test_drain_of_an_eviction_that_did_nothing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    kube = FakeKube(pods_on={"web-1": "n1"})
    kube.evict = lambda namespace, name: None  # type: ignore[method-assign]  # accepted, pod untouched
    with pytest.raises(FaultError, match="eviction of web-1 was accepted but did nothing"):
        drain(kube, FakeJournal())


def test_cordon_refuses_a_node_cordoned_by_someone_else_and_leaves_it() -> None:
    kube = FakeKube(unschedulable={"n1": True, "n2": False})
    fault = NodeCordonFault(NodeCordon())
    context = context_for(kube, FakeJournal())
    with pytest.raises(FaultError, match=r"node n1 is already cordoned \(not by podchaos\)"):
        fault.inject(context)
    fault.restore(context)
    assert kube.unschedulable["n1"]  # not ours to uncordon
    assert kube.lease is None


def test_cordon_refuses_a_node_a_live_run_cordoned() -> None:
    kube = FakeKube(
        namespaces={NAMESPACE, "pc-other-run-9"},
        unschedulable={"n1": True, "n2": False},
        annotations={"n1": {CORDONED_BY: "pc-other-run-9"}, "n2": {}},
    )
    with pytest.raises(FaultError, match="by the podchaos run in namespace pc-other-run-9"):
        NodeCordonFault(NodeCordon()).inject(context_for(kube, FakeJournal()))


def test_cordon_takes_over_a_cordon_a_killed_run_left() -> None:
    kube = FakeKube(
        unschedulable={"n1": True, "n2": True},
        annotations={"n1": {CORDONED_BY: "pc-killed-run"}, "n2": {CORDONED_BY: "pc-killed-run"}},
    )
    fault = NodeCordonFault(NodeCordon())
    context = context_for(kube, FakeJournal())
    fault.inject(context)
    assert kube.unschedulable == {"n1": True, "n2": False}
    assert kube.annotations == {"n1": {CORDONED_BY: NAMESPACE}, "n2": {}}
    fault.restore(context)
    assert kube.unschedulable == {"n1": False, "n2": False}


def test_sweep_cleans_up_what_a_killed_run_left_and_nothing_else() -> None:
    killed = "pc-node-drain-dead0001"
    kube = FakeKube(
        namespaces={killed, "team-app"},
        labelled={killed},
        unschedulable={"n1": True, "n2": True},
        annotations={"n1": {CORDONED_BY: killed}, "n2": {"owner": "admin"}},
        lease=(killed, 500.0),
    )
    swept = cleanup.sweep(cast(Kube, kube))
    assert swept == cleanup.Swept((killed,), ("n1",), killed)
    assert kube.unschedulable == {"n1": False, "n2": True}  # the admin's cordon stays
    assert kube.annotations["n1"] == {}
    assert kube.lease is None
    assert swept.lines() == [
        f"namespace {killed} deleted",
        "node n1 uncordoned",
        f"lease default/podchaos-node-faults released (held by {killed})",
    ]
    assert cleanup.sweep(cast(Kube, kube)).lines() == []


def test_a_dry_run_sweep_names_what_a_sweep_would_clean_up_and_changes_nothing() -> None:
    killed = "pc-node-drain-dead0001"
    kube = FakeKube(
        namespaces={"team-app"},
        labelled=set(),
        unschedulable={"n1": True, "n2": True},
        annotations={"n1": {CORDONED_BY: killed}, "n2": {"owner": "admin"}},
        lease=(killed, 500.0),
    )
    swept = cleanup.sweep(cast(Kube, kube), dry_run=True)
    assert swept == cleanup.Swept((), ("n1",), killed, dry_run=True)
    assert kube.unschedulable == {"n1": True, "n2": True}
    assert kube.annotations["n1"] == {CORDONED_BY: killed}
    assert kube.lease is not None
    assert swept.lines() == [
        "node n1 would be uncordoned",
        f"lease default/podchaos-node-faults would be released (held by {killed})",
    ]
    assert swept.items()[0] == {"kind": "node", "name": "n1", "action": "would be uncordoned"}


def test_sweep_older_than_leaves_runs_that_may_still_be_going() -> None:
    young, old = "pc-sidecar-kill-young001", "pc-sidecar-kill-old00001"
    kube = FakeKube(namespaces={young, old}, labelled={young, old}, ages={young: 59.0, old: 7201.0})
    swept = cleanup.sweep(cast(Kube, kube), older_than=3600.0)
    assert swept.namespaces == (old,)
    assert kube.namespaces == {young}


@pytest.mark.parametrize(
    ("holder", "left", "released"),
    [("team-app", 300.0, False), ("team-app", -1.0, True), ("gone-namespace", 300.0, True)],
)
def test_sweep_releases_only_a_dead_or_expired_lease(holder: str, left: float, released: bool) -> None:
    kube = FakeKube(namespaces={"team-app"}, lease=(holder, left))
    assert (node_lease.release_leftover(cast(Kube, kube)) == holder) is released
    assert (kube.lease is None) is released


def test_a_lease_without_holder_is_released_by_sweep_and_taken_over_by_a_run() -> None:
    # Kubernetes leader election clears the holder to release a Lease; podchaos always names one.
    kube = FakeKube(lease=("", 300.0))
    assert node_lease.release_leftover(cast(Kube, kube)) == "(no holder)"
    assert kube.lease is None
    kube.lease = ("", 300.0)
    node_lease.acquire(cast(Kube, kube), NAMESPACE)
    assert kube.lease == (NAMESPACE, float(holds.LEASE_DURATION_S))


def test_acquire_waits_for_a_live_holder_and_takes_over_an_expired_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(node_lease, "ACQUIRE_TIMEOUT_S", 0.1)
    kube = FakeKube(namespaces={NAMESPACE, "pc-other-run-9"}, lease=("pc-other-run-9", 300.0))
    with pytest.raises(FaultError, match="node faults of pc-other-run-9"):
        node_lease.acquire(cast(Kube, kube), NAMESPACE)
    assert kube.lease == ("pc-other-run-9", 300.0)
    kube.lease = ("pc-other-run-9", -1.0)
    node_lease.acquire(cast(Kube, kube), NAMESPACE)
    assert kube.lease == (NAMESPACE, float(holds.LEASE_DURATION_S))


def test_refused_first_with_outcome_refused_is_a_scenario_error() -> None:
    text = """
name: bad
workload:
  target: {app: web}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec: {containers: [{name: app}]}
faults: [{type: node-drain}]
expect: [{type: eviction, outcome: refused, refusedFirst: true}]
"""
    with pytest.raises(ScenarioError, match=r"expect\[0\]\.refusedFirst"):
        parse_scenario(text, "bad.yaml")


def test_refused_first_is_read_from_yaml() -> None:
    text = """
name: good
workload:
  target: {app: web}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec: {containers: [{name: app}]}
faults: [{type: node-drain}]
expect: [{type: eviction, outcome: evicted, refusedFirst: true}, {type: eviction, outcome: refused}]
"""
    expectations: tuple[Any, ...] = parse_scenario(text, "good.yaml").expectations
    assert expectations == (Eviction("evicted", refused_first=True), Eviction("refused"))
