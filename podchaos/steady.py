"""Steady state: every target pod exists, is scheduled and Ready, before any fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from podchaos.errors import WorkloadNotSteady
from podchaos.model.timeline import PodState

T = TypeVar("T")

# Waiting reasons that will not fix themselves: fail at once instead of waiting out the timeout.
HOPELESS_REASONS = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
}


# A StatefulSet with OrderedReady creates its next pod only once the previous one is Ready: for a
# moment every pod that exists is Ready while the set is still growing. Its pods are steady once no
# pod has changed for this long (the controller creates the next one within milliseconds).
ORDERED_QUIET_S = 1.0


class PodView(Protocol):
    """The target pods as the run's watches see them (the recorder)."""

    def clock(self) -> float: ...

    def live_pods(self) -> list[PodState]: ...

    def wait_until(
        self,
        what: str,
        condition: Callable[[], T | None],
        timeout: float,
        last_seen: Callable[[], str] | None = None,
    ) -> T: ...


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


def wait_steady(view: PodView, selector: str, timeout: float) -> list[PodState]:
    """Wait until at least one target pod exists and all are Ready; returns them, by name.

    The watches answer: each change they record is checked at once, with no polling of the API.
    """
    seen: list[PodState] = []

    def all_ready() -> list[PodState] | None:
        pods = [state for state in view.live_pods() if not state.pod.deleting]
        seen[:] = pods
        problem = _hopeless(pods)
        if problem:
            raise WorkloadNotSteady(f"the workload cannot start: {problem}")
        if pods and all(state.pod.ready for state in pods) and not _growing(view, pods):
            return sorted(pods, key=lambda state: state.pod.pod)
        return None

    return view.wait_until(
        f"target pods ({selector}) Ready", all_ready, timeout, last_seen=lambda: describe(seen)
    )


def _growing(view: PodView, pods: list[PodState]) -> bool:
    """A StatefulSet's pods all Ready may be a set still creating its next pod: wait until none of
    them changed for ORDERED_QUIET_S."""
    if not any(state.pod.owner.startswith("StatefulSet/") for state in pods):
        return False
    return view.clock() - max(state.pod.at for state in pods) < ORDERED_QUIET_S
