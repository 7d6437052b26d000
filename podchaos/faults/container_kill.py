"""container-kill: signal one container's init process from the node side, then confirm it died."""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.errors import FaultError, ObjectNotFound, WaitTimeout
from podchaos.faults.agent import NodeAgent
from podchaos.faults.base import (
    CONFIRM_TIMEOUT_S,
    RESTART_WAIT_S,
    FaultContext,
    NothingToRestore,
    running_container,
)
from podchaos.model.faults import ContainerKill
from podchaos.model.timeline import ContainerSnapshot, FaultRecord
from podchaos.waiting import wait_for


def _took_effect(before: ContainerSnapshot, now: ContainerSnapshot | None) -> bool:
    """The container instance we signalled is gone: restarted, replaced or terminated."""
    if now is None:
        return False
    return (
        now.restart_count > before.restart_count
        or now.container_id != before.container_id
        or now.state == "terminated"
    )


@dataclass(frozen=True)
class ContainerKillFault(NothingToRestore):
    """Kill (or TERM) one container of the target pod; works on images without a shell."""

    spec: ContainerKill

    def inject(self, context: FaultContext) -> FaultRecord:
        killed = self._running_instance(context, killed_id=None)
        first = self._kill_once(context, killed)
        for _ in range(self.spec.repeat - 1):
            killed = self._running_instance(context, killed_id=killed.container_id)
            self._kill_once(context, killed)
        return first

    def _running_instance(self, context: FaultContext, killed_id: str | None) -> ContainerSnapshot:
        """The container instance to kill: the current one, or (repeating) the next one once it runs."""
        name = context.target.pod.pod
        if killed_id is None:
            return running_container(context, self.spec.container)[1]
        seen: list[str] = []

        def next_running() -> ContainerSnapshot | None:
            now = context.kube.pod(context.namespace, name).container(self.spec.container)
            seen[:] = [
                f"state={now.state} reason={now.reason} restartCount={now.restart_count}" if now else ""
            ]
            fresh = now is not None and now.state == "running" and now.container_id != killed_id
            return now if fresh else None

        try:
            return wait_for(
                f"container {self.spec.container} to run again",
                next_running,
                RESTART_WAIT_S,
                last_seen=lambda: seen[0] if seen else "",
            )
        except WaitTimeout as exc:
            raise FaultError(f"container-kill repeat: {exc}") from exc

    def _kill_once(self, context: FaultContext, before: ContainerSnapshot) -> FaultRecord:
        target = context.kube.pod(context.namespace, before.pod)
        agent = NodeAgent(context, target.pod.node).ensure()
        pid = agent.container_init_pid(before.container_id)
        signal_name = self.spec.signal.removeprefix("SIG")
        at = context.journal.clock()
        result = agent.run('kill -s "$1" "$2"', signal_name, str(pid))
        if result.exit_code != 0:
            raise FaultError(
                f"kill -s {signal_name} {pid} on {target.pod.node} failed: {result.stderr.strip()}"
            )
        record = FaultRecord(
            at=at,
            fault=ContainerKill.type,
            pod=target.pod.pod,
            pod_uid=target.pod.pod_uid,
            container=self.spec.container,
            detail=f"{self.spec.signal} to host PID {pid} (container {before.container_id.split('://')[-1][:12]})"
            f" on {target.pod.node}",
        )
        context.journal.add(record)
        self._confirm(context, before)
        return record

    def _confirm(self, context: FaultContext, before: ContainerSnapshot) -> None:
        last: list[str] = []

        def probe() -> bool | None:
            try:
                now = context.kube.pod(context.namespace, before.pod).container(before.container)
            except ObjectNotFound:
                return True  # the pod itself is gone: the container certainly is
            last[:] = [f"restartCount={now.restart_count} state={now.state}" if now else "no status"]
            return True if _took_effect(before, now) else None

        try:
            wait_for(
                f"{self.spec.signal} to end container {before.container}",
                probe,
                CONFIRM_TIMEOUT_S,
                last_seen=lambda: last[0] if last else "",
            )
        except WaitTimeout as exc:
            raise FaultError(
                f"container-kill did nothing: {before.container} in {before.pod} still runs after "
                f"{self.spec.signal} ({exc}); a process that ignores {self.spec.signal} survives it, and so"
                " does a container's PID 1 that has no handler for it (see pid_namespaces(7))"
            ) from exc
