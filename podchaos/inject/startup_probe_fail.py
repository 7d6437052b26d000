"""startup-probe-fail: a new container instance never passes its startup probe; kubelet restarts it.

The fault fires on a trigger (``when: {moment: container-started}``): the instance it acts on has
just started and its startup probe has not passed yet. The node agent hides the file the probe checks
from that instance (renamed inside its filesystem through /proc/<pid>/root, waiting for the file if
the instance makes it while it starts), so every probe fails until failureThreshold is reached and
kubelet kills the instance. The next instance finds the file again: only this one was denied it.

Confirmed when the instance is gone (restarted or terminated). An instance whose startup probe passes
anyway (the file was hidden too late, or the probe checks something else) fails the fault at once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from podchaos.errors import FaultError, PodchaosError
from podchaos.inject.base import FaultContext, confirm, record_fault, running_container, took_effect_at
from podchaos.inject.hidden_file import HIDE_ONCE_THERE, PUT_BACK
from podchaos.model.faults import StartupProbeFail
from podchaos.model.timeline import ContainerSnapshot, FaultRecord

# How long to wait for the file to appear in the new instance, in tenths of a second.
APPEAR_TENTHS = 100
# initialDelaySeconds + failureThreshold x periodSeconds + the kill's grace period: two minutes covers
# probes well beyond the defaults (3 x 10 s) without leaving a run waiting on a fault that did nothing.
KILL_TIMEOUT_S = 120.0


@dataclass
class StartupProbeFailFault:
    """Hide the startup probe's file from the container instance that just started."""

    spec: StartupProbeFail
    _hidden_in: str = field(default="", init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        target, instance = running_container(context, self.spec.container)
        agent = context.agents.on(target.pod.node)
        pid = agent.container_init_pid(instance.container_id)
        issued = context.journal.clock()
        result = agent.run(HIDE_ONCE_THERE, str(pid), self.spec.path, str(APPEAR_TENTHS))
        at = took_effect_at(context, issued)
        if result.exit_code != 0:
            raise FaultError(f"startup-probe-fail could not hide {self.spec.path}: {result.stderr.strip()}")
        self._hidden_in = target.pod.pod
        short = instance.container_id.split("://")[-1][:12]
        record = record_fault(
            context,
            at,
            StartupProbeFail.type,
            target,
            self.spec.container,
            f"startup probe: {self.spec.path} hidden from instance {short} (host PID {pid},"
            f" restartCount {instance.restart_count}) on {target.pod.node}",
        )
        self._confirm(context, instance)
        return record

    def _confirm(self, context: FaultContext, instance: ContainerSnapshot) -> None:
        seen: list[str] = [""]

        def killed() -> bool | None:
            pod = context.journal.pod(instance.pod)
            if pod is None:
                return True  # the pod is gone, and the instance with it
            now = pod.container(instance.container)
            if now is None:
                return None
            seen[0] = f"state={now.state} started={now.started} restartCount={now.restart_count}"
            if now.restart_count > instance.restart_count or now.container_id != instance.container_id:
                return True
            if now.state == "terminated":
                return True
            if now.started:
                raise FaultError(
                    f"startup-probe-fail did nothing: the startup probe of {instance.container} passed"
                    f" although {self.spec.path} was hidden (hidden too late, or the probe checks"
                    " something else)"
                )
            return None

        confirm(
            context,
            f"kubelet to kill {instance.container} for its failing startup probe",
            killed,
            lambda exc: (
                f"startup-probe-fail did nothing: {instance.container} in {instance.pod} was not killed"
                f" ({exc}); has it a startupProbe that checks {self.spec.path}?"
            ),
            last_seen=lambda: seen[0],
            timeout=KILL_TIMEOUT_S,
        )

    def restore(self, context: FaultContext) -> None:
        """Put the file back for the instance running now, in case it lives on a volume the next
        instance shares (in the instance's own filesystem it went with the instance)."""
        if not self._hidden_in:
            return
        # The pod may be gone with its namespace: then nothing of the fault outlives it.
        with contextlib.suppress(PodchaosError):
            target, current = running_container(context, self.spec.container)
            agent = context.agents.on(target.pod.node)
            agent.run(PUT_BACK, str(agent.container_init_pid(current.container_id)), self.spec.path)
