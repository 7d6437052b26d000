"""What a scenario asserts Kubernetes does: one frozen spec per expectation, keyed by its YAML ``type``.

How each is judged against a timeline lives in :mod:`podchaos.verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from podchaos.model.controllers import (
    DisruptionTarget,
    JobOutcome,
    OrderedRecreation,
    PodKept,
    PvcKept,
    Replaced,
    SameIdentity,
    SameNode,
)
from podchaos.model.lifecycle import NotReadyFor, RestartRule, TerminationMessage, TerminationOrder

EndpointCondition = Literal["not-ready", "terminating", "ready"]
PodPhaseName = Literal["Pending", "Running", "Succeeded", "Failed"]
"""The phases of a pod (``Unknown``, deprecated, is never reached on purpose)."""


@dataclass(frozen=True)
class RestartCount:
    """The container's restartCount rose by exactly ``delta`` over the run (same pod UID)."""

    type: ClassVar[str] = "restart-count"
    container: str
    delta: int


@dataclass(frozen=True)
class LastTerminated:
    """The container's last termination had this reason and/or exit code."""

    type: ClassVar[str] = "last-terminated"
    container: str
    reason: str | None = None
    exit_code: int | None = None


@dataclass(frozen=True)
class OomKilled:
    """The container was OOM-killed after the fault: its termination has reason OOMKilled, or (containerd
    does not always report that reason) exit code 137 while the OOM-kill counter of its memory cgroup
    rose, as the oom-kill fault recorded it. The verdict says which evidence it used."""

    type: ClassVar[str] = "oom-killed"
    container: str


@dataclass(frozen=True)
class PodReady:
    """After the fault, a target pod is Ready again within ``within`` seconds."""

    type: ClassVar[str] = "pod-ready"
    within: float


@dataclass(frozen=True)
class EmptyDirKept:
    """A file written before the fault is still readable afterwards in the same pod."""

    type: ClassVar[str] = "emptydir-kept"
    container: str
    path: str


@dataclass(frozen=True)
class EmptyDirLost:
    """A file written before the fault is absent in the replacement pod (new UID)."""

    type: ClassVar[str] = "emptydir-lost"
    container: str
    path: str


@dataclass(frozen=True)
class EventSeen:
    """A Kubernetes event with this reason was recorded for a target pod after the fault."""

    type: ClassVar[str] = "event-seen"
    reason: str


@dataclass(frozen=True)
class PodPhase:
    """The faulted pod reaches this phase (Succeeded, Failed, Running ...) after the fault."""

    type: ClassVar[str] = "pod-phase"
    phase: PodPhaseName


@dataclass(frozen=True)
class TerminationDuration:
    """The faulted pod took between ``at_least`` and ``at_most`` seconds from the fault until all its
    containers had terminated (or the pod was gone): the grace period, preStop included, at work."""

    type: ClassVar[str] = "termination-duration"
    at_least: float = 0.0
    at_most: float = 3600.0


@dataclass(frozen=True)
class LogSeen:
    """The container printed a line containing ``contains`` after the fault (a TERM handler or a preStop
    hook writing to the container's stdout, for instance)."""

    type: ClassVar[str] = "log-seen"
    container: str
    contains: str


@dataclass(frozen=True)
class Endpoint:
    """The target pods' EndpointSlice endpoints: after the fault the faulted pod's endpoint is seen
    ``not-ready`` (ready=false, or removed) or ``terminating`` (terminating=true; ``serving`` as given),
    or a target pod's endpoint is ``ready`` again after having dropped; within ``within`` seconds."""

    type: ClassVar[str] = "endpoint"
    condition: EndpointCondition
    within: float = 60.0
    serving: bool | None = None


@dataclass(frozen=True)
class Rescheduled:
    """A new target pod (not there at fault time) is Ready on another node than the faulted pod's."""

    type: ClassVar[str] = "rescheduled"
    within: float = 60.0


@dataclass(frozen=True)
class MinAvailable:
    """At no moment after the fault were fewer than ``count`` target pods Ready (a PDB honoured)."""

    type: ClassVar[str] = "min-available"
    count: int


@dataclass(frozen=True)
class RestartBackoff:
    """The container restarted ``restarts`` times after the fault with kubelet's exponential back-off:
    from the second restart on, each wait before the restart is at least 4/3 of the previous one (the
    kubelet doubles the wait and requeues the pod up to 50 % late; 1 s tolerance) and the second is at
    least 5 s (or about the cap, if smaller), until the waits reach the node's cap; from then on every
    wait stays on the cap (from 10 % under it to 1.5 times it).

    ``cap`` is the node's back-off cap (kubelet ``crashLoopBackOff.maxContainerRestartPeriod``); it
    is then also checked: at least two waits must sit on it. Without it, the kubelet's default of 300 s
    is allowed for and need not be reached.
    """

    type: ClassVar[str] = "restart-backoff"
    container: str
    restarts: int = 3
    cap: float | None = None


@dataclass(frozen=True)
class Eviction:
    """A drain's eviction of a target pod was ``evicted`` (allowed) or ``refused`` (HTTP 429 from its
    PodDisruptionBudget at every attempt until the drain gave up).

    With ``evicted``, ``refused_first`` (YAML ``refusedFirst``) asks for a pod whose eviction the budget
    refused at least once before it was allowed (True), or one allowed at the first attempt (False).
    """

    type: ClassVar[str] = "eviction"
    outcome: Literal["evicted", "refused"]
    refused_first: bool | None = None


@dataclass(frozen=True)
class Availability:
    """The traffic probe's requests succeeded at least ``at_least`` of the time (a share, 0 to 1) over
    ``window``: the whole ``observation`` after the first fault, or from the fault until the target
    pods had ``recovered`` (all Ready, none terminating)."""

    type: ClassVar[str] = "availability"
    at_least: float
    window: Literal["observation", "recovered"] = "observation"


@dataclass(frozen=True)
class FailedRequests:
    """At most ``at_most`` of the traffic probe's requests failed after the first fault."""

    type: ClassVar[str] = "failed-requests"
    at_most: int


@dataclass(frozen=True)
class LongestOutage:
    """The longest run of consecutive failed requests lasted at most ``at_most`` seconds (from the first
    failed request's send until the next successful one's)."""

    type: ClassVar[str] = "longest-outage"
    at_most: float


@dataclass(frozen=True)
class Latency:
    """The ``quantile`` (0 to 1, e.g. 0.99) of the successful requests' latency after the first fault
    is at most ``at_most`` seconds."""

    type: ClassVar[str] = "latency"
    quantile: float
    at_most: float


Expectation = (
    RestartCount
    | LastTerminated
    | OomKilled
    | PodReady
    | EmptyDirKept
    | EmptyDirLost
    | EventSeen
    | PodPhase
    | TerminationDuration
    | LogSeen
    | Endpoint
    | Rescheduled
    | MinAvailable
    | RestartBackoff
    | Eviction
    | Availability
    | FailedRequests
    | LongestOutage
    | Latency
    | PvcKept
    | SameIdentity
    | OrderedRecreation
    | JobOutcome
    | DisruptionTarget
    | PodKept
    | SameNode
    | Replaced
    | TerminationMessage
    | TerminationOrder
    | NotReadyFor
    | RestartRule
)

TRAFFIC_EXPECTATIONS = (Availability, FailedRequests, LongestOutage, Latency)
"""Expectations judged on what the traffic probe saw: a scenario with one needs ``traffic:``."""

EXPECTATION_TYPES: dict[str, type[Expectation]] = {
    cls.type: cls
    for cls in (
        RestartCount,
        LastTerminated,
        OomKilled,
        PodReady,
        EmptyDirKept,
        EmptyDirLost,
        EventSeen,
        PodPhase,
        TerminationDuration,
        LogSeen,
        Endpoint,
        Rescheduled,
        MinAvailable,
        RestartBackoff,
        Eviction,
        Availability,
        FailedRequests,
        LongestOutage,
        Latency,
        PvcKept,
        SameIdentity,
        OrderedRecreation,
        JobOutcome,
        DisruptionTarget,
        PodKept,
        SameNode,
        Replaced,
        TerminationMessage,
        TerminationOrder,
        NotReadyFor,
        RestartRule,
    )
}
