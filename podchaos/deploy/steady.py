"""Steady state: every target pod exists, is scheduled and Ready, before any fault."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from podchaos.errors import PodchaosError, ScenarioError, Undecided, WaitTimeout, WorkloadNotSteady
from podchaos.model.timeline import ApiOutage, PodState, Timeline
from podchaos.observe.view import PodView

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


def describe_existing(labels: Mapping[str, Mapping[str, str]]) -> str:
    """The namespace's pods with their labels: ``web-0 {app=web, tier=front}; ...``."""
    if not labels:
        return "the namespace has no pod at all (did the workload create any?)"
    shown = [
        f"{pod} {{{', '.join(f'{k}={v}' for k, v in sorted(pod_labels.items()))}}}"
        for pod, pod_labels in sorted(labels.items())
    ]
    return "the namespace has: " + "; ".join(shown)


def wait_steady(
    view: PodView,
    selector: str,
    timeout: float,
    existing: Callable[[], Mapping[str, Mapping[str, str]]] | None = None,
    *,
    ready: bool = True,
) -> list[PodState]:
    """Wait until at least one target pod exists and all are Ready; returns them, by name.

    With ``ready=False``, until they are all scheduled on a node: a scenario whose first fault waits
    for a moment before Ready (an init container running) cannot wait for Ready first.

    The watches answer: each change they record is checked at once, with no polling of the API.
    When no pod ever matched the target labels, the error says which pods do exist, with their
    labels (``existing``: pod name -> labels of every pod in the namespace), so a misspelt label
    shows at once.
    """
    seen: list[PodState] = []

    def all_ready() -> list[PodState] | None:
        pods = [state for state in view.live_pods() if not state.pod.deleting]
        seen[:] = pods
        problem = _hopeless(pods)
        if problem:
            raise WorkloadNotSteady(f"the workload cannot start: {problem}")
        if not ready and pods and all(state.pod.node for state in pods):
            return sorted(pods, key=lambda state: state.pod.pod)
        if pods and all(state.pod.ready for state in pods) and not _growing(view, pods):
            return sorted(pods, key=lambda state: state.pod.pod)
        return None

    try:
        return view.wait_until(
            f"target pods ({selector}) {'Ready' if ready else 'scheduled'}",
            all_ready,
            timeout,
            last_seen=lambda: describe(seen),
        )
    except WaitTimeout as exc:
        if seen or existing is None:
            raise
        found = describe_existing(existing())
        raise WorkloadNotSteady(
            f"no pod matches the target labels ({selector}) after {timeout:g}s; {found}"
        ) from exc


def _growing(view: PodView, pods: list[PodState]) -> bool:
    """A StatefulSet's pods all Ready may be a set still creating its next pod: wait until none of
    them changed for ORDERED_QUIET_S."""
    if not any(state.pod.owner.startswith("StatefulSet/") for state in pods):
        return False
    return view.clock() - max(state.pod.at for state in pods) < ORDERED_QUIET_S


class Recording(Protocol):
    """What a steady phase recorded: its timeline, and the API outages in it."""

    def timeline(self) -> Timeline: ...

    def outages(self) -> list[ApiOutage]: ...


@contextmanager
def undecided_if_blind(recording: Recording, keep: Callable[[Timeline], None]) -> Iterator[None]:
    """A steady phase that failed hands what it recorded to ``keep`` (the run's result shows it); one
    an API outage fell into is Undecided, naming the gap: pods the control plane could not schedule or
    serve meanwhile say nothing about the workload."""
    try:
        yield
    except PodchaosError as exc:
        keep(recording.timeline())
        gaps = recording.outages()
        if not gaps or isinstance(exc, ScenarioError):
            raise
        named = "; ".join(gap.describe() for gap in gaps)
        raise Undecided(f"steady state not reached while the API could not be used ({named}): {exc}") from exc
