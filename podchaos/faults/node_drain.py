"""node-drain: cordon the target pod's node and evict the run's pods on it through the Eviction API.

Like ``kubectl drain`` it retries an eviction refused with HTTP 429 (a PodDisruptionBudget) every few
seconds; an eviction still refused at the drain's timeout is recorded as refused, which is what a
scenario about a blocking PDB asserts. Only the run's namespace is drained, so parallel runs are not
disturbed; the node is uncordoned when the run ends, whatever happened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from podchaos.errors import FaultError, ObjectNotFound, TooManyRequests, WaitTimeout
from podchaos.faults.base import CONFIRM_TIMEOUT_S, FaultContext
from podchaos.faults.node_cordon import Cordon
from podchaos.model.faults import NodeDrain
from podchaos.model.timeline import EvictionRecord, FaultRecord, PodState
from podchaos.waiting import wait_for

RETRY_429_S = 2.0


@dataclass
class NodeDrainFault:
    """Drain the run's pods from the target pod's node."""

    spec: NodeDrain
    _cordon: Cordon | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        node = context.target.pod.node
        self._cordon = Cordon(node)
        at = context.journal.clock()
        self._cordon.apply(context)
        on_node = [
            state
            for state in context.kube.pods(context.namespace, context.selector)
            if state.pod.node == node and not state.pod.deleting
        ]
        if not on_node:
            raise FaultError(f"node-drain found none of the run's pods on {node}")
        record = FaultRecord(
            at,
            NodeDrain.type,
            context.target.pod.pod,
            context.target.pod.pod_uid,
            "",
            f"cordoned {node}; evicting {', '.join(s.pod.pod for s in on_node)}",
        )
        context.journal.add(record)
        deadline = time.monotonic() + self.spec.timeout
        for state in on_node:
            self._evict(context, state, deadline)
        return record

    def _evict(self, context: FaultContext, state: PodState, deadline: float) -> None:
        name, uid = state.pod.pod, state.pod.pod_uid
        while True:
            try:
                context.kube.evict(context.namespace, name)
                break
            except ObjectNotFound:
                return  # gone already
            except TooManyRequests as exc:
                if time.monotonic() >= deadline:
                    context.journal.add(
                        EvictionRecord(context.journal.clock(), name, uid, "refused", str(exc))
                    )
                    return
                time.sleep(RETRY_429_S)
        context.journal.add(
            EvictionRecord(context.journal.clock(), name, uid, "evicted", "eviction accepted")
        )

        def deleting() -> bool | None:
            try:
                now = context.kube.pod(context.namespace, name)
            except ObjectNotFound:
                return True
            return True if now.pod.deleting or now.pod.pod_uid != uid else None

        try:
            wait_for(f"evicted pod {name} to terminate", deleting, CONFIRM_TIMEOUT_S)
        except WaitTimeout as exc:
            raise FaultError(f"eviction of {name} was accepted but did nothing: {exc}") from exc

    def restore(self, context: FaultContext) -> None:
        """Uncordon the node."""
        if self._cordon is not None:
            self._cordon.undo(context)
