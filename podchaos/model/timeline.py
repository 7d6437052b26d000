"""What was observed during a run, in order, each entry stamped with seconds since the run started."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

ContainerState = Literal["waiting", "running", "terminated", "unknown"]
ContainerRole = Literal["init", "sidecar", "main"]
T = TypeVar("T")


@dataclass(frozen=True)
class Termination:
    """How a container instance ended."""

    reason: str
    exit_code: int
    started_at: str = ""
    finished_at: str = ""


@dataclass(frozen=True)
class ContainerSnapshot:
    """One container's status as a watch event reported it."""

    at: float
    pod: str
    pod_uid: str
    container: str
    role: ContainerRole
    state: ContainerState
    reason: str
    restart_count: int
    ready: bool
    container_id: str
    last_termination: Termination | None = None
    message: str = ""


@dataclass(frozen=True)
class PodSnapshot:
    """A pod's phase and readiness as a watch event reported it."""

    at: float
    pod: str
    pod_uid: str
    node: str
    phase: str
    ready: bool
    deleting: bool


@dataclass(frozen=True)
class PodState:
    """A pod and all its containers at one moment (not a timeline entry itself)."""

    pod: PodSnapshot
    containers: tuple[ContainerSnapshot, ...]

    def container(self, name: str) -> ContainerSnapshot | None:
        """The named container's snapshot, if the pod reports it yet."""
        return next((c for c in self.containers if c.container == name), None)


@dataclass(frozen=True)
class PodGone:
    """The pod object was deleted from the API."""

    at: float
    pod: str
    pod_uid: str


@dataclass(frozen=True)
class EventRecord:
    """One occurrence of a Kubernetes event about a pod, stamped with the event's own time.

    ``at`` is when it happened on the run's clock (the event's own time, never later than when
    podchaos received it). Kubelet events carry whole-second times, so the occurrence lies somewhere
    in ``[at, until)``; ``until`` is None when ``at`` is exact. ``uid`` and ``count`` (the occurrence
    number of a repeated event) tell occurrences apart: the same pair is the same occurrence.
    """

    at: float
    pod: str
    reason: str
    message: str
    type: str
    uid: str = ""
    count: int = 1
    until: float | None = None


@dataclass(frozen=True)
class FaultRecord:
    """A fault podchaos injected, with the evidence that it took effect."""

    at: float
    fault: str
    pod: str
    pod_uid: str
    container: str
    detail: str


@dataclass(frozen=True)
class FileProbe:
    """The result of writing or reading a file inside a container.

    ``content`` is None when the file is absent, or when podchaos could not write or read it: then
    ``error`` says why (no shell in the image, exec refused, not a readable file). An empty ``error``
    with None content means the file really does not exist.
    """

    at: float
    pod: str
    pod_uid: str
    container: str
    path: str
    content: str | None
    phase: Literal["before-fault", "after-recovery"]
    error: str = ""

    @property
    def absent(self) -> bool:
        """The file was looked for and does not exist (not merely unreadable)."""
        return self.content is None and not self.error


@dataclass(frozen=True)
class EndpointState:
    """One endpoint of an EndpointSlice (conditions as the EndpointSlice controller set them)."""

    pod: str
    pod_uid: str
    address: str
    ready: bool
    serving: bool
    terminating: bool


@dataclass(frozen=True)
class EndpointsSnapshot:
    """The endpoints of one EndpointSlice as a watch event reported them (``deleted`` when it went away)."""

    at: float
    slice: str
    service: str
    endpoints: tuple[EndpointState, ...]
    deleted: bool = False

    def of_pod(self, pod_uid: str) -> EndpointState | None:
        """The pod's endpoint in this slice, if it has one."""
        return next((e for e in self.endpoints if e.pod_uid == pod_uid), None)


@dataclass(frozen=True)
class LogLine:
    """A line a target container printed, stamped with the time the container runtime recorded it
    (never later than when podchaos read it)."""

    at: float
    pod: str
    pod_uid: str
    container: str
    text: str


@dataclass(frozen=True)
class EvictionRecord:
    """What the Eviction API answered for one pod during a drain (``refused``: HTTP 429 until the
    drain's timeout, a PodDisruptionBudget at work)."""

    at: float
    pod: str
    pod_uid: str
    outcome: Literal["evicted", "refused"]
    message: str


TimelineEntry = (
    ContainerSnapshot
    | PodSnapshot
    | PodGone
    | EventRecord
    | FaultRecord
    | FileProbe
    | EndpointsSnapshot
    | LogLine
    | EvictionRecord
)


@dataclass(frozen=True)
class Timeline:
    """An ordered, immutable record of a run."""

    entries: tuple[TimelineEntry, ...] = ()

    def of_type(self, kind: type[T]) -> tuple[T, ...]:
        """Entries of one kind, in order."""
        return tuple(entry for entry in self.entries if isinstance(entry, kind))

    @property
    def first_fault_at(self) -> float | None:
        """When the first fault was injected, if any."""
        faults = self.of_type(FaultRecord)
        return faults[0].at if faults else None

    def plus(self, *entries: TimelineEntry) -> Timeline:
        """A new timeline with entries appended, kept in time order."""
        return Timeline(tuple(sorted((*self.entries, *entries), key=lambda entry: entry.at)))
