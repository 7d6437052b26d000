"""pod-delete: delete the target pod gracefully (own or given grace period) or by force."""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.errors import FaultError
from podchaos.inject.base import FaultContext, NothingToRestore, confirm, took_effect_at
from podchaos.model.faults import PodDelete
from podchaos.model.timeline import FaultRecord


@dataclass(frozen=True)
class PodDeleteFault(NothingToRestore):
    """Delete the target pod and confirm the API marked it for deletion (or removed it)."""

    spec: PodDelete

    def inject(self, context: FaultContext) -> FaultRecord:
        target = context.target.pod
        problem = self.spec.grace_problem()
        if problem is not None:
            raise FaultError(f"pod-delete gracePeriod: {problem}")
        grace = None if self.spec.grace_period is None else int(self.spec.grace_period)
        issued = context.journal.clock()
        context.kube.delete_pod(context.namespace, target.pod, grace, force=self.spec.force)
        at = took_effect_at(context, issued)
        how = (
            "force (grace 0)"
            if self.spec.force
            else f"grace {grace}s"
            if grace is not None
            else "pod's own grace"
        )
        record = FaultRecord(
            at=at,
            fault=PodDelete.type,
            pod=target.pod,
            pod_uid=target.pod_uid,
            container="",
            detail=f"delete {how}",
        )
        context.journal.add(record)

        def marked() -> bool | None:
            state = context.journal.pod(target.pod)
            if state is None:
                return True
            return True if state.pod.deleting or state.pod.pod_uid != target.pod_uid else None

        confirm(
            context,
            f"pod {target.pod} marked for deletion",
            marked,
            lambda exc: f"pod-delete did nothing: {exc}",
        )
        return record
