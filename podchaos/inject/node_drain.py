"""node-drain: cordon the target pod's node and evict the run's pods on it through the Eviction API.

Like ``kubectl drain --ignore-daemonsets`` it leaves DaemonSet pods in place (an ``EvictionRecord``
``skipped`` says so for each) and retries an eviction refused with HTTP 429 (a PodDisruptionBudget) every
few seconds. Every answer goes into the timeline: each refusal with the API's reason (the budget's own
words when a PodDisruptionBudget refused), the acceptance, or ``gave-up`` when the drain's timeout
passed while still refused, which is what a scenario about a blocking PDB asserts. Only the run's
namespace is drained, so parallel runs are not disturbed; the node is uncordoned when the run ends,
whatever happened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from podchaos.errors import FaultError, ObjectNotFound, TooManyRequests
from podchaos.inject.base import FaultContext, confirm, took_effect_at
from podchaos.inject.cordon import Cordon
from podchaos.model.faults import NodeDrain
from podchaos.model.timeline import DISRUPTION_BUDGET_CAUSE, EvictionRecord, FaultRecord, PodState

DAEMONSET_OWNER = "DaemonSet/"
# kubectl drain waits 5 s between attempts; shorter shows the budget's window more precisely.
RETRY_429_S = 2.0


def refusal(at: float, state: PodState, exc: TooManyRequests) -> EvictionRecord:
    """A 429 answer as a timeline entry: a budget refusal carries the budget's cause and its words."""
    budget = [message for reason, message in exc.causes if reason == DISRUPTION_BUDGET_CAUSE]
    message = exc.message + (f" ({'; '.join(budget)})" if budget else "")
    cause = DISRUPTION_BUDGET_CAUSE if budget else ""
    return EvictionRecord(at, state.pod.pod, state.pod.pod_uid, "refused", message, cause)


@dataclass
class NodeDrainFault:
    """Drain the run's pods from the target pod's node."""

    spec: NodeDrain
    _cordon: Cordon | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        node = context.target.pod.node
        self._cordon = Cordon(node)
        issued = context.journal.clock()
        self._cordon.apply(context)
        at = took_effect_at(context, issued)
        here = [
            state
            for state in context.journal.live_pods()
            if state.pod.node == node and not state.pod.deleting
        ]
        if not here:
            raise FaultError(f"node-drain found none of the run's pods on {node}")
        # As `kubectl drain --ignore-daemonsets`: a DaemonSet's pod belongs on its node (it tolerates
        # the cordon, and evicting it would only bring it back there).
        daemons = [state for state in here if state.pod.owner.startswith(DAEMONSET_OWNER)]
        on_node = [state for state in here if state not in daemons]
        detail = f"cordoned {node}; evicting {', '.join(s.pod.pod for s in on_node) or 'no pod'}"
        if daemons:
            detail += f"; leaving DaemonSet pods {', '.join(s.pod.pod for s in daemons)} in place"
        record = FaultRecord(
            at, NodeDrain.type, context.target.pod.pod, context.target.pod.pod_uid, "", detail
        )
        context.journal.add(record)
        for state in daemons:
            context.journal.add(
                EvictionRecord(
                    context.journal.clock(),
                    state.pod.pod,
                    state.pod.pod_uid,
                    "skipped",
                    f"{state.pod.owner} pod left in place (as kubectl drain --ignore-daemonsets)",
                )
            )
        deadline = time.monotonic() + self.spec.timeout
        for state in on_node:
            self._evict(context, state, deadline)
        return record

    def _evict(self, context: FaultContext, state: PodState, deadline: float) -> None:
        """Evict one pod, retrying 429s until ``deadline``; each answer goes into the timeline."""
        journal = context.journal
        name, uid = state.pod.pod, state.pod.pod_uid
        while True:
            try:
                context.kube.evict(context.namespace, name)
                break
            except ObjectNotFound:
                journal.add(EvictionRecord(journal.clock(), name, uid, "gone", "the pod no longer exists"))
                return
            except TooManyRequests as exc:
                journal.add(refusal(journal.clock(), state, exc))
                left = deadline - time.monotonic()
                if left <= 0:
                    journal.add(
                        EvictionRecord(
                            journal.clock(),
                            name,
                            uid,
                            "gave-up",
                            f"still refused when the drain's {self.spec.timeout:g}s timeout passed",
                        )
                    )
                    return
                time.sleep(min(RETRY_429_S, left))
        journal.add(EvictionRecord(journal.clock(), name, uid, "evicted", "eviction accepted"))

        def deleting() -> bool | None:
            now = context.journal.pod(name)
            if now is None:
                return True
            return True if now.pod.deleting or now.pod.pod_uid != uid else None

        confirm(
            context,
            f"evicted pod {name} to terminate",
            deleting,
            lambda exc: f"eviction of {name} was accepted but did nothing: {exc}",
        )

    def restore(self, context: FaultContext) -> None:
        """Uncordon the node."""
        if self._cordon is not None:
            self._cordon.undo(context)
