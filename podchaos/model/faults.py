"""What a scenario asks to break: one frozen spec per fault kind, keyed by its YAML ``type``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from podchaos.model.triggers import Trigger

Signal = Literal["SIGKILL", "SIGTERM"]
Probe = Literal["readiness", "liveness"]


@dataclass(frozen=True)
class Triggered:
    """What every fault has: ``when``, the timeline moment it waits for (None: it fires at once)."""

    when: Trigger | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class ContainerKill(Triggered):
    """Send a signal to one container's main process from the node side (works without a shell)."""

    type: ClassVar[str] = "container-kill"
    container: str
    signal: Signal = "SIGKILL"
    repeat: int = 1
    """Kill each new instance again as soon as it runs, ``repeat`` times in all (drives a crash loop)."""


@dataclass(frozen=True)
class PodDelete(Triggered):
    """Delete the target pod; ``grace_period`` overrides the pod's own, ``force`` removes it at once."""

    type: ClassVar[str] = "pod-delete"
    grace_period: float | None = None
    force: bool = False

    def grace_problem(self) -> str | None:
        """Why ``grace_period`` cannot be sent as given, or None when it can.

        The API takes whole seconds, and 0 means an immediate (force) delete, so a fraction would be
        rounded into another fault: 0.4 would become a force delete.
        """
        grace = self.grace_period
        if grace is None:
            return None
        if grace != int(grace):
            return f"expected a whole number of seconds, got {grace:g}s (the API takes whole seconds)"
        if self.force and grace != 0:
            return f"force deletes with grace 0; got {grace:g}s (leave gracePeriod out, or drop force)"
        if not self.force and grace < 1:
            return "expected at least 1s; grace 0 is a force delete: write force: true"
        return None


@dataclass(frozen=True)
class OomKill(Triggered):
    """Make the kernel OOM-kill one container: a memory hog joins the container's memory cgroup and the
    container's processes are made the preferred OOM victims. The container needs a memory limit."""

    type: ClassVar[str] = "oom-kill"
    container: str


@dataclass(frozen=True)
class ProbeFail(Triggered):
    """Make a container's readiness or liveness probe fail by hiding the file it checks (``path``, e.g.
    the page an httpGet probe fetches or the file an exec probe tests) for ``duration``, then restore it."""

    type: ClassVar[str] = "probe-fail"
    container: str
    path: str
    probe: Probe = "readiness"
    duration: float = 20.0


@dataclass(frozen=True)
class NodeCordon(Triggered):
    """Cordon the target pod's node (spec.unschedulable); it is uncordoned when the run ends."""

    type: ClassVar[str] = "node-cordon"


@dataclass(frozen=True)
class NodeDrain(Triggered):
    """Drain the run's pods from the target pod's node: cordon, then the Eviction API per pod, retrying
    HTTP 429 (a PodDisruptionBudget) until ``timeout``; the node is uncordoned when the run ends.

    Pods of other namespaces are left alone so that parallel runs do not disturb each other.
    """

    type: ClassVar[str] = "node-drain"
    timeout: float = 60.0


@dataclass(frozen=True)
class StartupProbeFail(Triggered):
    """Fail a new container instance's startup probe: the file it checks (``path``) is hidden from that
    instance (as soon as it appears) until kubelet kills the instance after the probe's
    failureThreshold; the next instance finds it again. Needs ``when: {moment: container-started}``."""

    type: ClassVar[str] = "startup-probe-fail"
    container: str
    path: str


@dataclass(frozen=True)
class ContainerFreeze(Triggered):
    """Freeze every process of one container (the cgroup freezer) for ``duration``, then thaw it: a
    hung app. A liveness probe may restart it meanwhile; otherwise it resumes where it stopped."""

    type: ClassVar[str] = "container-freeze"
    container: str
    duration: float = 10.0


@dataclass(frozen=True)
class EmptyDirFill(Triggered):
    """Write ``size`` (a Kubernetes quantity, e.g. ``48Mi``) of data into the emptyDir mounted at
    ``path`` in ``container``, from the node side: past the volume's ``sizeLimit``, kubelet evicts the pod."""

    type: ClassVar[str] = "emptydir-fill"
    container: str
    path: str
    size: str


FaultSpec = (
    ContainerKill
    | PodDelete
    | OomKill
    | ProbeFail
    | NodeCordon
    | NodeDrain
    | StartupProbeFail
    | ContainerFreeze
    | EmptyDirFill
)

FAULT_TYPES: dict[str, type[FaultSpec]] = {
    cls.type: cls
    for cls in (
        ContainerKill,
        PodDelete,
        OomKill,
        ProbeFail,
        NodeCordon,
        NodeDrain,
        StartupProbeFail,
        ContainerFreeze,
        EmptyDirFill,
    )
}


# Faults that take a node away from the scheduler. One runs at a time on a cluster: a cordon moves
# where every run's new pods go, so a run with one deploys only once no other run has a node away.
NODE_FAULTS: tuple[type[Triggered], ...] = (NodeCordon, NodeDrain)

# Faults that leave the target pod on its node: the kubelet restarts or resumes its containers in
# place, and no pod of the run is scheduled again because of them (unless a Job replaces a failed
# pod). A run whose faults are all of these needs no other run to keep its cordons away after steady.
IN_PLACE_FAULTS: tuple[type[Triggered], ...] = (
    ContainerKill,
    OomKill,
    ProbeFail,
    StartupProbeFail,
    ContainerFreeze,
)
