"""Steady state: every target pod exists, is scheduled and Ready, before any fault."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from podchaos.errors import (
    ClusterError,
    PodchaosError,
    ScenarioError,
    Undecided,
    WaitTimeout,
    WorkloadNotSteady,
)
from podchaos.model.timeline import ApiOutage, EventRecord, PodGone, PodSnapshot, PodState, Timeline
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

# The default scheduler answers for every pod it sees within moments: a ``Scheduled`` event, or a
# ``FailedScheduling`` one saying why not (each failed attempt records one). A pod left unscheduled
# this long with neither waits on a scheduler that is not acting, not on the workload: seen for up
# to a minute after an apiserver restart, while the scheduler's watches back off, with no outage in
# the run's own recording.
SCHEDULER_SILENT_S = 20.0
SCHEDULER_EVENTS = frozenset({"Scheduled", "FailedScheduling"})


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


def unheard_by_scheduler(timeline: Timeline, now: float) -> list[str]:
    """The pods still unscheduled at ``now`` that the default scheduler said nothing about (no
    ``Scheduled`` or ``FailedScheduling`` event) for SCHEDULER_SILENT_S or longer, by name. Pods
    that name another scheduler or hold scheduling gates wait by design and are never listed."""
    first_seen: dict[str, float] = {}
    latest: dict[str, PodSnapshot] = {}
    for snapshot in timeline.of_type(PodSnapshot):
        first_seen.setdefault(snapshot.pod_uid, snapshot.at)
        latest[snapshot.pod_uid] = snapshot
    gone = {entry.pod_uid for entry in timeline.of_type(PodGone)}
    heard = {event.pod for event in timeline.of_type(EventRecord) if event.reason in SCHEDULER_EVENTS}
    return sorted(
        snapshot.pod
        for uid, snapshot in latest.items()
        if uid not in gone
        and not (snapshot.node or snapshot.deleting or snapshot.scheduler or snapshot.gates)
        and snapshot.pod not in heard
        and now - first_seen[uid] >= SCHEDULER_SILENT_S
    )


class Recording(Protocol):
    """What a steady phase recorded: its timeline, the API outages in it, and its clock."""

    def timeline(self) -> Timeline: ...

    def outages(self) -> list[ApiOutage]: ...

    def clock(self) -> float: ...


@contextmanager
def undecided_if_blind(recording: Recording, keep: Callable[[Timeline], None]) -> Iterator[None]:
    """A steady phase that failed hands what it recorded to ``keep`` (the run's result shows it), and
    is not blamed on the workload when the control plane was the cause:

    - one an API outage fell into is Undecided, naming the gap: pods the control plane could not
      schedule or serve meanwhile say nothing about the workload;
    - one that timed out on pods the scheduler never answered for (:func:`unheard_by_scheduler`) is
      a ClusterError naming them.
    """
    try:
        yield
    except PodchaosError as exc:
        timeline = recording.timeline()
        keep(timeline)
        if isinstance(exc, ScenarioError):
            raise
        gaps = recording.outages()
        if gaps:
            named = "; ".join(gap.describe() for gap in gaps)
            raise Undecided(
                f"steady state not reached while the API could not be used ({named}): {exc}"
            ) from exc
        unheard = unheard_by_scheduler(timeline, recording.clock()) if isinstance(exc, WaitTimeout) else []
        if unheard:
            raise ClusterError(
                f"steady state not reached: the scheduler said nothing of {', '.join(unheard)} for "
                f"{SCHEDULER_SILENT_S:g}s or more (no Scheduled or FailedScheduling event), so the control "
                f"plane was not acting: {exc}"
            ) from exc
        raise
