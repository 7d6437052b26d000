"""What the workload controllers do when one of their pods dies, as expectations, and the Job status
podchaos records to judge them.

A StatefulSet brings a pod back with the same name and the same PersistentVolumeClaims (and, with
``podManagementPolicy: OrderedReady``, one ordinal at a time); a Job counts failed pods against its
``backoffLimit`` and may ignore disruptions or fail at once by its ``podFailurePolicy``; a drain leaves a
DaemonSet's pods where they are, and a DaemonSet pod that is deleted comes back on its node. How each is
judged lives in :mod:`podchaos.verdict.controllers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

JobCondition = Literal["Complete", "Failed"]

JOB_REASONS = (
    "BackoffLimitExceeded",
    "PodFailurePolicy",
    "DeadlineExceeded",
    "MaxFailedIndexesExceeded",
    "FailedIndexes",
    "SuccessPolicy",
    "CompletionsReached",
)
"""Reasons of a Job's Complete and Failed conditions (batch/v1 JobReason... constants)."""


@dataclass(frozen=True)
class JobSnapshot:
    """A Job's status as a watch event reported it: pod counts and its terminal condition, if any.

    ``condition`` is ``Complete`` or ``Failed`` once the Job has one (status True), with its ``reason``
    and ``message``; the interim ``FailureTarget`` / ``SuccessCriteriaMet`` are not terminal.
    ``failed`` is the Job's own count of failed pods, the one ``backoff_limit`` is weighed against (a
    pod whose failure a ``podFailurePolicy`` rule ignored is not counted).
    """

    at: float
    job: str
    job_uid: str
    active: int
    succeeded: int
    failed: int
    backoff_limit: int | None
    condition: str = ""
    reason: str = ""
    message: str = ""

    def describe(self) -> str:
        """``Failed (BackoffLimitExceeded: ...), failed 2 of backoffLimit 1, succeeded 0, active 0``."""
        state = self.condition or "running"
        if self.reason:
            state += f" ({self.reason}{': ' + self.message[:120] if self.message else ''})"
        limit = f" of backoffLimit {self.backoff_limit}" if self.backoff_limit is not None else ""
        return f"{state}, failed {self.failed}{limit}, succeeded {self.succeeded}, active {self.active}"


@dataclass(frozen=True)
class PvcKept:
    """A token podchaos wrote to ``path`` before the fault is read back unchanged in a replacement pod
    (new UID) that mounts the same PersistentVolumeClaim: data on a claim outlives its pod."""

    type: ClassVar[str] = "pvc-kept"
    container: str
    path: str


@dataclass(frozen=True)
class SameIdentity:
    """The faulted pod is replaced (new UID) by a pod with its name and its PersistentVolumeClaims,
    Ready within ``within`` seconds: a StatefulSet pod's stable identity."""

    type: ClassVar[str] = "same-identity"
    within: float = 60.0


@dataclass(frozen=True)
class OrderedRecreation:
    """At least ``pods`` StatefulSet pods were replaced after the fault, in ordinal order, each
    replacement created only once the one before it was Ready (``podManagementPolicy: OrderedReady``),
    all Ready within ``within`` seconds."""

    type: ClassVar[str] = "ordered-recreation"
    pods: int = 2
    within: float = 120.0


@dataclass(frozen=True)
class JobOutcome:
    """The Job of the faulted pod ends ``Complete`` or ``Failed``; with ``reason`` its condition had that
    reason (``BackoffLimitExceeded``, ``PodFailurePolicy`` ...), with ``failed`` the Job counted exactly
    that many failed pods."""

    type: ClassVar[str] = "job-outcome"
    condition: JobCondition
    reason: str | None = None
    failed: int | None = None


@dataclass(frozen=True)
class DisruptionTarget:
    """A target pod carried the ``DisruptionTarget`` condition after the fault (set by an eviction, a
    preemption, a taint eviction), with ``reason`` when given (``EvictionByEvictionAPI`` ...)."""

    type: ClassVar[str] = "disruption-target"
    reason: str | None = None


@dataclass(frozen=True)
class PodKept:
    """The faulted pod itself (same UID) stayed on its node, not deleted and Ready, for ``during``
    seconds after the fault (a DaemonSet pod a drain left in place)."""

    type: ClassVar[str] = "pod-kept"
    during: float = 10.0


@dataclass(frozen=True)
class Replaced:
    """The pods the faults deleted or evicted were replaced by their controller: within ``within``
    seconds of the fault, as many target pods Ready (and not terminating) as at the fault, after at
    least one of those pods went. An attached run with a pod-delete or node-drain is judged on it
    even when the scenario does not ask: the pods were the controller's to replace."""

    type: ClassVar[str] = "replaced"
    within: float = 120.0


@dataclass(frozen=True)
class SameNode:
    """A replacement pod (new UID) is Ready on the faulted pod's node within ``within`` seconds (a
    DaemonSet pod, bound to its node)."""

    type: ClassVar[str] = "same-node"
    within: float = 60.0


CONTROLLER_EXPECTATIONS = (
    PvcKept,
    SameIdentity,
    OrderedRecreation,
    JobOutcome,
    DisruptionTarget,
    PodKept,
    SameNode,
)
