"""container-kill: signal one container's init process from the node side, then confirm it died."""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.errors import FaultError
from podchaos.inject.base import (
    RESTART_WAIT_S,
    FaultContext,
    NothingToRestore,
    confirm,
    running_container,
    took_effect_at,
)
from podchaos.model.faults import ContainerKill
from podchaos.model.timeline import ContainerSnapshot, FaultRecord


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
            pod = context.journal.pod(name)
            if pod is None:
                raise FaultError(f"container-kill repeat: pod {name} is gone")
            now = pod.container(self.spec.container)
            seen[:] = [
                f"state={now.state} reason={now.reason} restartCount={now.restart_count}" if now else ""
            ]
            fresh = now is not None and now.state == "running" and now.container_id != killed_id
            return now if fresh else None

        return confirm(
            context,
            f"container {self.spec.container} to run again",
            next_running,
            lambda exc: f"container-kill repeat: {exc}",
            last_seen=lambda: seen[0] if seen else "",
            timeout=RESTART_WAIT_S,
        )

    def _kill_once(self, context: FaultContext, before: ContainerSnapshot) -> FaultRecord:
        target = context.journal.pod(before.pod) or context.kube.pod(context.namespace, before.pod)
        agent = context.agents.on(target.pod.node)
        pid = agent.container_init_pid(before.container_id)
        signal_name = self.spec.signal.removeprefix("SIG")
        issued = context.journal.clock()
        result = agent.run('kill -s "$1" "$2"', signal_name, str(pid))
        at = took_effect_at(context, issued)
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
            pod = context.journal.pod(before.pod)
            if pod is None:
                return True  # the pod itself is gone: the container certainly is
            now = pod.container(before.container)
            last[:] = [f"restartCount={now.restart_count} state={now.state}" if now else "no status"]
            return True if _took_effect(before, now) else None

        confirm(
            context,
            f"{self.spec.signal} to end container {before.container}",
            probe,
            lambda exc: (
                f"container-kill did nothing: {before.container} in {before.pod} still runs after "
                f"{self.spec.signal} ({exc}); a process that ignores {self.spec.signal} survives it, and so"
                " does a container's PID 1 that has no handler for it (see pid_namespaces(7))"
            ),
            last_seen=lambda: last[0] if last else "",
        )
