"""probe-fail: make a readiness or liveness probe fail for a while, then let it recover.

The probe's own check is left alone; what it checks is taken away: the node agent renames the file the
probe reads (the page an httpGet probe fetches, the file an exec probe tests) inside the container's
filesystem, seen from the node through /proc/<pid>/root, so images without a shell work too. After
``duration`` the file is put back (unless the container, restarted by a liveness failure, made a new
one). ``restore`` puts it back in any case when the run ends.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field

from podchaos.errors import FaultError, ObjectNotFound, PodchaosError, WaitTimeout
from podchaos.inject.base import CONFIRM_TIMEOUT_S, FaultContext, running_container, took_effect_at
from podchaos.inject.hidden_file import HIDE, PUT_BACK
from podchaos.model.faults import ProbeFail
from podchaos.model.timeline import ContainerSnapshot, FaultRecord


def _failing(spec: ProbeFail, before: ContainerSnapshot, now: ContainerSnapshot | None) -> bool:
    if now is None:
        return False
    if spec.probe == "readiness":
        return not now.ready
    return now.restart_count > before.restart_count or now.state != "running"


@dataclass
class ProbeFailFault:
    """Fail one container's readiness or liveness probe for ``duration`` seconds."""

    spec: ProbeFail
    _timer: threading.Timer | None = field(default=None, init=False)
    _restored: threading.Event = field(default_factory=threading.Event, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        if not self.spec.path.startswith("/"):
            raise FaultError(f"probe-fail path must be absolute, got {self.spec.path!r}")
        target, before = running_container(context, self.spec.container)
        agent = context.agents.on(target.pod.node)
        pid = agent.container_init_pid(before.container_id)
        issued = context.journal.clock()
        result = agent.run(HIDE, str(pid), self.spec.path)
        at = took_effect_at(context, issued)
        if result.exit_code != 0:
            raise FaultError(f"probe-fail could not hide {self.spec.path}: {result.stderr.strip()}")
        record = FaultRecord(
            at=at,
            fault=ProbeFail.type,
            pod=target.pod.pod,
            pod_uid=target.pod.pod_uid,
            container=self.spec.container,
            detail=f"{self.spec.probe} probe: {self.spec.path} hidden for {self.spec.duration:g}s",
            planned_s=self.spec.duration,
        )
        context.journal.add(record)
        self._confirm(context, before)
        remaining = max(0.0, at + self.spec.duration - context.journal.clock())
        self._timer = threading.Timer(remaining, self._put_back_quietly, args=(context,))
        self._timer.daemon = True
        self._timer.start()
        return record

    def _confirm(self, context: FaultContext, before: ContainerSnapshot) -> None:
        seen: list[str] = [""]

        def failing() -> bool | None:
            pod = context.journal.pod(before.pod)
            now = pod.container(before.container) if pod is not None else None
            seen[0] = f"ready={now.ready} restartCount={now.restart_count} state={now.state}" if now else ""
            return True if _failing(self.spec, before, now) else None

        try:
            context.journal.wait_until(
                f"{self.spec.probe} probe of {before.container} to fail",
                failing,
                CONFIRM_TIMEOUT_S,
                last_seen=lambda: seen[0],
            )
        except WaitTimeout as exc:
            self.restore(context)
            raise FaultError(
                f"probe-fail did nothing: hiding {self.spec.path} did not fail the {self.spec.probe} probe"
                f" of {before.container} ({exc}); does the probe check that file?"
            ) from exc

    def _put_back(self, context: FaultContext) -> None:
        if self._restored.is_set():
            return
        try:
            state = context.kube.pod(context.namespace, context.target.pod.pod)
        except ObjectNotFound:
            self._restored.set()  # the pod and its files are gone
            return
        current = state.container(self.spec.container)
        if current is None or current.state != "running":
            return  # between instances; restore() tries again at the end
        agent = context.agents.on(state.pod.node)
        result = agent.run(PUT_BACK, str(agent.container_init_pid(current.container_id)), self.spec.path)
        if result.exit_code == 0:
            self._restored.set()
            context.journal.add(
                FaultRecord(
                    at=context.journal.clock(),
                    fault=ProbeFail.type,
                    pod=state.pod.pod,
                    pod_uid=state.pod.pod_uid,
                    container=self.spec.container,
                    detail=f"recover: {self.spec.path} put back",
                )
            )

    def restore(self, context: FaultContext) -> None:
        """Cancel the timer and put the file back now if that has not happened yet."""
        if self._timer is not None:
            self._timer.cancel()
        self._put_back_quietly(context)

    def _put_back_quietly(self, context: FaultContext) -> None:
        # The pod may be going away with its namespace: then nothing of the fault outlives it.
        with contextlib.suppress(PodchaosError):
            self._put_back(context)
