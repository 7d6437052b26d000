"""node-cordon: mark the target pod's node unschedulable; uncordon it when the run ends."""

from __future__ import annotations

from dataclasses import dataclass, field

from podchaos.inject.base import FaultContext, took_effect_at
from podchaos.inject.cordon import Cordon
from podchaos.model.faults import NodeCordon
from podchaos.model.timeline import FaultRecord


@dataclass
class NodeCordonFault:
    """Cordon the node the target pod runs on."""

    spec: NodeCordon
    _cordon: Cordon | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        target = context.target.pod
        self._cordon = Cordon(target.node)
        issued = context.journal.clock()
        self._cordon.apply(context)
        at = took_effect_at(context, issued)
        record = FaultRecord(at, NodeCordon.type, target.pod, target.pod_uid, "", f"cordoned {target.node}")
        context.journal.add(record)
        return record

    def restore(self, context: FaultContext) -> None:
        """Uncordon the node."""
        if self._cordon is not None:
            self._cordon.undo(context)
