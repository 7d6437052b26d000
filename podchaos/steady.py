"""Steady state: every target pod exists, is scheduled and Ready, before any fault."""

from __future__ import annotations

from podchaos.errors import PodchaosError
from podchaos.k8s.client import Kube
from podchaos.model.timeline import PodState
from podchaos.waiting import wait_for

# Waiting reasons that will not fix themselves: fail at once instead of waiting out the timeout.
HOPELESS_REASONS = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
}


class WorkloadNotSteady(PodchaosError):
    """The workload never reached its steady state, so no fault was injected."""


def _hopeless(pods: list[PodState]) -> str:
    for state in pods:
        for container in state.containers:
            if container.state == "waiting" and container.reason in HOPELESS_REASONS:
                where = f"pod {state.pod.pod} container {container.container}"
                return f"{where}: {container.reason}: {container.message}"
    return ""


def describe(pods: list[PodState]) -> str:
    """One line per pod: phase, readiness and waiting reasons."""
    if not pods:
        return "no pod matches the target labels"
    parts = []
    for state in pods:
        waiting = [f"{c.container}={c.reason}" for c in state.containers if c.state == "waiting"]
        parts.append(f"{state.pod.pod} {state.pod.phase} ready={state.pod.ready} {' '.join(waiting)}".strip())
    return "; ".join(parts)


def wait_steady(kube: Kube, namespace: str, selector: str, timeout: float) -> list[PodState]:
    """Wait until at least one target pod exists and all are Ready; returns them."""
    seen: list[PodState] = []

    def probe() -> list[PodState] | None:
        pods = [state for state in kube.pods(namespace, selector) if not state.pod.deleting]
        seen[:] = pods
        problem = _hopeless(pods)
        if problem:
            raise WorkloadNotSteady(f"the workload cannot start: {problem}")
        if pods and all(state.pod.ready for state in pods):
            return sorted(pods, key=lambda state: state.pod.pod)
        return None

    return wait_for(
        f"target pods ({selector}) Ready", probe, timeout, interval=0.5, last_seen=lambda: describe(seen)
    )
