"""node-cordon: mark the target pod's node unschedulable; uncordon it when the run ends."""

from __future__ import annotations

from dataclasses import dataclass, field

from podchaos.errors import FaultError, WaitTimeout
from podchaos.faults import node_lease
from podchaos.faults.base import CONFIRM_TIMEOUT_S, FaultContext
from podchaos.model.faults import NodeCordon
from podchaos.model.timeline import FaultRecord
from podchaos.waiting import wait_for


@dataclass
class Cordon:
    """Cordons one node under the cluster's node-fault lease and always gives both back."""

    node: str
    _cordoned: bool = field(default=False, init=False)
    _leased: bool = field(default=False, init=False)

    def apply(self, context: FaultContext) -> None:
        """Take the lease, cordon, confirm; a node someone else cordoned is an error, not a no-op."""
        node_lease.acquire(context.kube, context.namespace)
        self._leased = True
        if context.kube.node_unschedulable(self.node):
            raise FaultError(f"node {self.node} is already cordoned: cordoning it would change nothing")
        context.kube.set_unschedulable(self.node, True)
        self._cordoned = True
        try:
            wait_for(
                f"node {self.node} unschedulable",
                lambda: True if context.kube.node_unschedulable(self.node) else None,
                CONFIRM_TIMEOUT_S,
            )
        except WaitTimeout as exc:
            raise FaultError(f"cordon did nothing: {exc}") from exc

    def undo(self, context: FaultContext) -> None:
        """Uncordon (if this cordoned) and release the lease."""
        try:
            if self._cordoned:
                context.kube.set_unschedulable(self.node, False)
                self._cordoned = False
        finally:
            if self._leased:
                node_lease.release(context.kube, context.namespace)
                self._leased = False


@dataclass
class NodeCordonFault:
    """Cordon the node the target pod runs on."""

    spec: NodeCordon
    _cordon: Cordon | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        target = context.target.pod
        self._cordon = Cordon(target.node)
        at = context.journal.clock()
        self._cordon.apply(context)
        record = FaultRecord(at, NodeCordon.type, target.pod, target.pod_uid, "", f"cordoned {target.node}")
        context.journal.add(record)
        return record

    def restore(self, context: FaultContext) -> None:
        """Uncordon the node."""
        if self._cordon is not None:
            self._cordon.undo(context)
