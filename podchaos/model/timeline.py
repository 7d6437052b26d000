"""What was observed during a run, in order, each entry stamped with seconds since the run started."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from podchaos.model.controllers import JobSnapshot
from podchaos.model.traffic import RequestRecord
from podchaos.model.triggers import TriggerRecord

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
    message: str = ""
    """The termination message Kubernetes reported (``terminationMessagePolicy`` decides its source)."""


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
    started: bool | None = None
    """Kubernetes's ``started``: the instance passed its startup probe (None: not reported)."""
    message_policy: str = ""
    """The container's ``terminationMessagePolicy`` as the API holds it (``File``,
    ``FallbackToLogsOnError``)."""
    restart_rules: str = ""
    """The container's own ``restartPolicy`` and ``restartPolicyRules`` as the API holds them
    (``Never; Restart on exit codes In [42]``); empty when it has none, as when a cluster without
    ContainerRestartRules dropped them."""
    running_since: str = ""
    """The kubelet's ``state.running.startedAt`` of the running instance (RFC 3339, whole seconds);
    empty when not running or not reported."""


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
    owner: str = ""
    """The controller that owns the pod, as ``Kind/name`` (``StatefulSet/web``); empty for a bare pod."""
    claims: tuple[str, ...] = ()
    """The PersistentVolumeClaims the pod mounts, by name."""
    disruption: str = ""
    """The pod's ``DisruptionTarget`` condition when True, as ``Reason: message`` (an eviction, a
    preemption): Kubernetes is about to end the pod for a reason other than its own failure."""
    ready_since: str = ""
    """The ``lastTransitionTime`` of the pod's Ready condition as the kubelet set it (RFC 3339, whole
    seconds): when it last turned Ready or not Ready."""
    scheduler: str = ""
    """The pod's ``schedulerName`` when it names a scheduler other than the default one."""
    gates: tuple[str, ...] = ()
    """The pod's ``schedulingGates``: while any remains, no scheduler considers the pod."""


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
    planned_s: float | None = None
    """How long a timed fault was to last (probe-fail's ``duration``); its undo is recorded as a later
    record of the same fault whose detail begins with ``recover``."""


@dataclass(frozen=True)
class CgroupOomKills:
    """The kernel's count of OOM kills in one memory cgroup of a container (the ``oom_kill`` line of
    cgroup v1 ``memory.oom_control`` or v2 ``memory.events``), as the oom-kill fault read it before its
    memory hog started and after the container died.

    ``scope`` ``container``: the container's own cgroup, which the runtime removes once the container is
    gone, so ``after`` is the last value seen while it existed (sampled every 50 ms). ``pod``: the pod's
    cgroup, read again at the end (on cgroup v1 it counts only kills its own limit caused; on v2 it
    includes its containers'). ``None`` where the kernel does not provide the counter.
    """

    at: float
    pod: str
    pod_uid: str
    container: str
    scope: Literal["container", "pod"]
    source: str
    before: int | None
    after: int | None

    @property
    def rose(self) -> bool:
        """The counter went up between the two readings."""
        return self.before is not None and self.after is not None and self.after > self.before

    def describe(self) -> str:
        """``container cgroup oom_kill 0 -> 2 (memory.oom_control)``; ``?`` for a missing counter."""
        before, after = ("?" if v is None else str(v) for v in (self.before, self.after))
        return f"{self.scope} cgroup oom_kill {before} -> {after} ({self.source.rsplit('/', 1)[-1]})"


@dataclass(frozen=True)
class FileToken:
    """The result of writing or reading a file inside a container.

    ``content`` is None when the file is absent, or when podchaos could not write or read it: then
    ``error`` says why (no shell in the image, exec refused, not a readable file). An empty ``error``
    with None content means the file really does not exist. ``via`` says how the file was reached:
    ``node agent`` (the container's root seen from its node) or ``exec`` (a shell in the container).
    """

    at: float
    pod: str
    pod_uid: str
    container: str
    path: str
    content: str | None
    phase: Literal["before-fault", "after-recovery"]
    error: str = ""
    via: str = ""

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


EvictionOutcome = Literal["evicted", "refused", "gave-up", "gone", "skipped"]
# The Status cause the API gives a 429 eviction that a PodDisruptionBudget forbids (policy/v1
# DisruptionBudgetCause); other 429s (API priority and fairness throttling) carry none.
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"


@dataclass(frozen=True)
class EvictionRecord:
    """One answer of the Eviction API during a drain, or how the drain ended for the pod.

    ``evicted``: accepted. ``refused``: HTTP 429, to be retried; ``cause`` is ``DisruptionBudget`` when a
    PodDisruptionBudget forbade it (``message`` then has the budget's own words), empty for another 429.
    ``gave-up``: still refused when the drain's timeout passed. ``gone``: the pod no longer existed.
    ``skipped``: a DaemonSet's pod, left in place as ``kubectl drain --ignore-daemonsets`` does.
    """

    at: float
    pod: str
    pod_uid: str
    outcome: EvictionOutcome
    message: str
    cause: str = ""

    @property
    def budget_refusal(self) -> bool:
        """A 429 that a PodDisruptionBudget gave (not throttling)."""
        return self.outcome == "refused" and self.cause == DISRUPTION_BUDGET_CAUSE


@dataclass(frozen=True)
class ApiOutage:
    """A stretch when the Kubernetes API could not be used, and podchaos retried its calls and watches
    until it could: from ``at`` to ``until`` (None: the recording ended first). What happened in
    between was only seen afterwards, from re-listed state. ``failures`` counts the failed attempts,
    ``error`` is what the first said; ``unreachable`` is False when the API answered, but with 5xx or
    throttling."""

    at: float
    until: float | None
    failures: int
    error: str
    unreachable: bool = True

    def describe(self) -> str:
        """``API unreachable +12.1 s to +15.3 s (4 failed attempts: ...)``."""
        what = "API unreachable" if self.unreachable else "API failing"
        end = f"+{self.until:.1f} s" if self.until is not None else "the end of the recording"
        detail = f"{self.failures} failed attempts: {self.error}" if self.failures else self.error
        return f"{what} +{self.at:.1f} s to {end} ({detail})"


TimelineEntry = (
    ApiOutage
    | RequestRecord
    | ContainerSnapshot
    | PodSnapshot
    | PodGone
    | EventRecord
    | FaultRecord
    | FileToken
    | CgroupOomKills
    | EndpointsSnapshot
    | LogLine
    | EvictionRecord
    | JobSnapshot
    | TriggerRecord
)


@dataclass(frozen=True)
class Timeline:
    """An ordered, immutable record of a run."""

    entries: tuple[TimelineEntry, ...] = ()
    wall_origin: float | None = None
    """The wall-clock time (epoch seconds) of the clock's zero, when known: the kubelet's own stamps
    (``startedAt``, ``finishedAt``, ``lastTransitionTime``) are placed on the timeline through it."""

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
        ordered = tuple(sorted((*self.entries, *entries), key=lambda entry: entry.at))
        return Timeline(ordered, self.wall_origin)
