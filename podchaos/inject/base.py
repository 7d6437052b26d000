"""What every fault gets and must do: inject, confirm it took effect, leave nothing behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from podchaos.errors import FaultError, PodchaosError, WaitTimeout
from podchaos.inject.agent import AgentPool
from podchaos.k8s.client import Kube
from podchaos.model.timeline import ContainerSnapshot, FaultRecord, PodState, TimelineEntry
from podchaos.observe.view import PodView

CONFIRM_TIMEOUT_S = 60.0
# Longest kubelet crash-loop back-off (300 s) plus slack: how long a restarted container may take.
RESTART_WAIT_S = 320.0
# A call to the API (or through it, to a node agent) answers in well under this; one that took longer
# was retried across an outage, and the API could act on it only once it was back.
HELD_UP_S = 3.0


T = TypeVar("T")


class Journal(PodView, Protocol):
    """Where a fault stamps and records what it did, and watches what followed (the run's recorder,
    whose watches see the target pods: confirmations wait on them instead of polling the API)."""

    def clock(self) -> float: ...

    def add(self, *entries: TimelineEntry) -> None: ...

    def pod(self, name: str) -> PodState | None: ...


@dataclass(frozen=True)
class FaultContext:
    """The run a fault acts on."""

    kube: Kube
    namespace: str
    selector: str
    targets: tuple[PodState, ...]
    journal: Journal
    agents: AgentPool
    owner: str = ""
    """The run's own namespace when the pods live in another (an attached workload's): what the
    run's holds and cordon marks name, so ``podchaos sweep`` knows a killed run's leftovers."""

    @property
    def holder(self) -> str:
        """The namespace that names this run in holds and marks."""
        return self.owner or self.namespace

    @property
    def target(self) -> PodState:
        """The pod a single-pod fault acts on: the first Ready target pod by name."""
        return self.targets[0]


class Fault(Protocol):
    """A fault kind. ``inject`` returns only once the fault is confirmed, else raises FaultError;
    ``restore`` undoes whatever the fault left in place (a cordon, a hidden file, a lease) and is
    called once the run is over whatever happened, also after a failed ``inject``."""

    def inject(self, context: FaultContext) -> FaultRecord: ...

    def restore(self, context: FaultContext) -> None: ...


class NothingToRestore:
    """For faults whose effect Kubernetes itself repairs (a killed container, a deleted pod)."""

    def restore(self, context: FaultContext) -> None:
        """Nothing was left in place."""


def running_container(context: FaultContext, container: str) -> tuple[PodState, ContainerSnapshot]:
    """The target pod as it is now and its named container, which must be running."""
    target = context.kube.pod(context.namespace, context.target.pod.pod)
    current = target.container(container)
    if current is None or current.state != "running" or not current.container_id:
        have = ", ".join(f"{c.container} ({c.state})" for c in target.containers)
        raise FaultError(f"pod {target.pod.pod} has no running container {container!r}; it has: {have}")
    return target, current


def confirm(
    context: FaultContext,
    what: str,
    condition: Callable[[], T | None],
    failure: Callable[[WaitTimeout], str],
    last_seen: Callable[[], str] | None = None,
    timeout: float = CONFIRM_TIMEOUT_S,
) -> T:
    """Wait on the run's watches until ``condition`` confirms the fault took effect; a FaultError saying
    ``failure(timeout)`` when it did not."""
    try:
        return context.journal.wait_until(what, condition, timeout, last_seen)
    except WaitTimeout as exc:
        raise FaultError(failure(exc)) from exc


def took_effect_at(context: FaultContext, issued: float) -> float:
    """When the call issued at ``issued``, which has just returned, took effect: at once, unless it was
    held up (retried while the API could not be reached), then when it returned. Timing a fault from its
    first attempt would charge the outage to the workload: a pod deleted once the API came back a minute
    later would be "not Ready for a minute after the fault"."""
    returned = context.journal.clock()
    return issued if returned - issued <= HELD_UP_S else returned


def record_fault(
    context: FaultContext, at: float, fault: str, target: PodState, container: str, detail: str
) -> FaultRecord:
    """Record in the run's timeline what a fault did to the target pod at ``at``, and return it."""
    record = FaultRecord(
        at=at, fault=fault, pod=target.pod.pod, pod_uid=target.pod.pod_uid, container=container, detail=detail
    )
    context.journal.add(record)
    return record


def restore_all(faults: Sequence[Fault], context: FaultContext) -> None:
    """Undo what the faults left in place, last first; every fault is restored even if one fails."""
    errors: list[PodchaosError] = []
    for fault in reversed(faults):
        try:
            fault.restore(context)
        except PodchaosError as exc:
            errors.append(exc)
    if errors:
        raise FaultError(f"could not restore after the faults: {'; '.join(map(str, errors))}") from errors[0]
