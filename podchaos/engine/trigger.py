"""Wait for a fault's trigger: the moment its ``when`` names, seen in the target pod's recorded timeline.

The moments are read from what the recorder's watches recorded, so nothing is polled: a
``container-started`` is a running container snapshot with a new container ID after the wait's start
(the previous fault's injection, so a restart that fault caused is not missed however quickly it came);
``init-running`` and ``restarted`` are states of the pod as it is now; ``pod-terminating`` is a pod
being deleted whose kubelet has begun stopping the container (its ``Killing`` event). A moment that
does not come within the trigger's ``within`` fails the run (:class:`TriggerNotReached`), as does a
target pod that is gone before its moment came.

Why kubelet's event and not the deletionTimestamp alone: the API marks the pod at once, kubelet acts
on it a moment later, and a container that dies in between is restarted like any other (measured on
the local cluster: a sidecar killed 0.6 s after the deletion, 1.1 s before kubelet's Killing, came
back with restartCount 1 and then shut down with the pod).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from podchaos.errors import TriggerNotReached, WaitTimeout
from podchaos.model.timeline import ContainerSnapshot, EventRecord, PodState, Timeline
from podchaos.model.triggers import Trigger, TriggerRecord
from podchaos.observe.view import PodView
from podchaos.verdict.common import event_after


class TriggerView(PodView, Protocol):
    """What the wait reads: the target pods now, and the timeline recorded so far (the recorder)."""

    def timeline(self) -> Timeline: ...


@dataclass(frozen=True)
class Seen:
    """The moment came: when the timeline showed it, and what it showed."""

    at: float
    detail: str


def _history(timeline: Timeline, pod_uid: str, container: str) -> list[ContainerSnapshot]:
    return [
        s for s in timeline.of_type(ContainerSnapshot) if s.pod_uid == pod_uid and s.container == container
    ]


def _started(history: Sequence[ContainerSnapshot], since: float) -> Seen | None:
    """A running instance whose ID differs from the one known when the wait began."""
    known = [s.container_id for s in history if s.at <= since and s.container_id]
    before = known[-1] if known else ""
    for snapshot in history:
        if snapshot.at > since and snapshot.state == "running" and snapshot.container_id not in {"", before}:
            was = f" (was {before.split('://')[-1][:12]})" if before else ""
            return Seen(
                snapshot.at,
                f"instance {snapshot.container_id.split('://')[-1][:12]} running{was},"
                f" restartCount {snapshot.restart_count}",
            )
    return None


def _stopping(timeline: Timeline, pod: str, container: str | None, since: float) -> EventRecord | None:
    """Kubelet's Killing event for the pod (for ``container``, when named) from ``since`` on: it has
    begun stopping it (preStop hook, then TERM)."""
    wanted = f"Stopping container {container}" if container else ""
    return next(
        (
            e
            for e in timeline.of_type(EventRecord)
            if e.pod == pod and e.reason == "Killing" and wanted in e.message and event_after(e, since)
        ),
        None,
    )


def moment_seen(trigger: Trigger, timeline: Timeline, now: PodState, since: float) -> Seen | None:
    """Whether the target pod (``now``: its latest state; ``timeline``: what was recorded) has reached
    the trigger's moment, looking from ``since`` on; None while it has not."""
    container = now.container(trigger.container) if trigger.container else None
    match trigger.moment:
        case "container-started":
            return _started(_history(timeline, now.pod.pod_uid, trigger.container or ""), since)
        case "init-running":
            if container is not None and container.state == "running":
                return Seen(container.at, f"init container running, restartCount {container.restart_count}")
        case "pod-terminating":
            still = trigger.container is None or (container is not None and container.state == "running")
            stopping = _stopping(timeline, now.pod.pod, trigger.container, since)
            if now.pod.deleting and still and stopping is not None:
                running = f", {trigger.container} still running" if trigger.container else ""
                return Seen(stopping.at, f"deletion began, kubelet: {stopping.message}{running}")
        case "restarted":
            wanted = trigger.restarts or 1
            if container is not None and container.restart_count >= wanted:
                return Seen(container.at, f"restartCount {container.restart_count} (>= {wanted})")
    return None


def _describe(state: PodState | None, trigger: Trigger) -> str:
    if state is None:
        return "the pod is gone"
    shown = [f"pod {state.pod.phase} ready={state.pod.ready}{' deleting' if state.pod.deleting else ''}"]
    shown += [
        f"{c.container} {c.state}{' ' + c.reason if c.reason else ''} restartCount={c.restart_count}"
        for c in state.containers
        if trigger.container is None or c.container == trigger.container
    ]
    return ", ".join(shown)


def await_trigger(
    view: TriggerView, fault: str, target: PodState, trigger: Trigger, since: float
) -> TriggerRecord:
    """Wait until the target pod reaches the trigger's moment (seen from ``since`` on); the record of it
    firing. TriggerNotReached when it does not come within ``trigger.within`` or the pod goes first."""
    uid = target.pod.pod_uid
    last: list[PodState | None] = [target]

    def reached() -> Seen | None:
        now = next((state for state in view.live_pods() if state.pod.pod_uid == uid), None)
        last[0] = now
        if now is None:
            raise TriggerNotReached(
                f"trigger never happened: {fault} waited for {trigger.describe()} in pod {target.pod.pod},"
                " but the pod is gone"
            )
        return moment_seen(trigger, view.timeline(), now, since)

    try:
        seen = view.wait_until(
            f"{trigger.describe()} in pod {target.pod.pod}",
            reached,
            trigger.within,
            last_seen=lambda: _describe(last[0], trigger),
        )
    except WaitTimeout as exc:
        raise TriggerNotReached(
            f"trigger never happened: {fault} waited {trigger.within:g}s for {trigger.describe()} in pod"
            f" {target.pod.pod}, so it never fired; last seen: {exc.last_seen or 'nothing'}"
        ) from exc
    return TriggerRecord(
        at=view.clock(),
        fault=fault,
        moment=trigger.moment,
        pod=target.pod.pod,
        pod_uid=uid,
        container=trigger.container or "",
        since=since,
        seen_at=seen.at,
        detail=f"{trigger.describe()}: {seen.detail}",
    )
