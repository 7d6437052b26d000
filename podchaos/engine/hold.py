"""A run's hold on the cluster's nodes (see :mod:`podchaos.inject.holds`): exclusive for a run with a
node fault, shared otherwise. A shared hold only keeps other runs' cordons away while this run's pods
may still be scheduled, so it is given back once they are steady when nothing the run does needs the
scheduler again: every fault acts in place (the kubelet restarts the container on its node) and no
target pod belongs to a Job, which replaces a failed pod with a new one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from podchaos.inject import node_lease, shared_hold
from podchaos.inject.holds import Renewal, shared_name
from podchaos.inject.node_lease import LEASE_NAME
from podchaos.k8s.client import Kube
from podchaos.model import FaultSpec
from podchaos.model.faults import IN_PLACE_FAULTS, NODE_FAULTS
from podchaos.model.timeline import PodState

JOB_OWNER = "Job/"


def needs_scheduler_after_steady(faults: Sequence[FaultSpec], targets: Sequence[PodState]) -> bool:
    """Whether a pod of the run may still be scheduled once its targets are steady: a fault that
    removes a pod (delete, eviction, a node fault), or a Job's pod, which a Job replaces on failure."""
    if not all(isinstance(fault, IN_PLACE_FAULTS) for fault in faults):
        return True
    return any(state.pod.owner.startswith(JOB_OWNER) for state in targets)


@dataclass
class NodeHold:
    """The hold a run takes before it deploys and gives back when its faults are undone."""

    kube: Kube
    holder: str
    exclusive: bool
    _renewal: Renewal | None = field(default=None, init=False)

    @classmethod
    def for_faults(cls, kube: Kube, holder: str, faults: Sequence[FaultSpec]) -> NodeHold:
        """Exclusive when any of ``faults`` is a node fault, shared otherwise."""
        return cls(kube, holder, any(isinstance(fault, NODE_FAULTS) for fault in faults))

    @property
    def held(self) -> bool:
        """Whether the hold is taken and not given back yet."""
        return self._renewal is not None

    def acquire(self) -> None:
        """Take the hold (waiting while other runs' holds keep it), then renew it until released."""
        (node_lease if self.exclusive else shared_hold).acquire(self.kube, self.holder)
        name = LEASE_NAME if self.exclusive else shared_name(self.holder)
        self._renewal = Renewal(self.kube, name, self.holder).start()

    def release(self) -> None:
        """Give the hold back; nothing when it is not held."""
        renewal, self._renewal = self._renewal, None
        if renewal is None:
            return
        renewal.stop()
        (node_lease if self.exclusive else shared_hold).release(self.kube, self.holder)

    def release_when_steady(self, faults: Sequence[FaultSpec], targets: Sequence[PodState]) -> bool:
        """Give a shared hold back now that ``targets`` are steady, unless the run may still need the
        scheduler (:func:`needs_scheduler_after_steady`); True when it did. An exclusive hold is kept:
        its node faults are still to come."""
        if self.exclusive or not self.held or needs_scheduler_after_steady(faults, targets):
            return False
        self.release()
        return True
