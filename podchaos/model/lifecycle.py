"""Expectations about how containers end and whether they come back: the termination message, the
order containers stop in, how long a pod stays not Ready, and restarts decided per container by
``restartPolicyRules``. How each is judged lives in :mod:`podchaos.verdict.termination`,
:mod:`podchaos.verdict.readiness` and :mod:`podchaos.verdict.restart_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

ReadinessOf = Literal["pod", "endpoint"]


@dataclass(frozen=True)
class TerminationMessage:
    """The container's termination after the fault carried a message that ``contains`` this text, or
    ``equals`` it (surrounding whitespace ignored): the message Kubernetes reports, which follows the
    container's ``terminationMessagePolicy``: the content of its termination-message file, or with
    ``FallbackToLogsOnError`` and an empty file after a failure, the tail of its log."""

    type: ClassVar[str] = "termination-message"
    container: str
    contains: str | None = None
    equals: str | None = None


@dataclass(frozen=True)
class TerminationOrder:
    """After the fault the listed containers of the faulted pod terminated in this order, each before
    the next: on a pod's deletion main containers stop before native sidecars, and native sidecars in
    the reverse of their start order. The order must be shown by the evidence (whole-second
    ``finishedAt`` times, or a status update that reported one terminated while the next still ran);
    a pair it cannot tell apart fails."""

    type: ClassVar[str] = "termination-order"
    containers: tuple[str, ...]


@dataclass(frozen=True)
class NotReadyFor:
    """After the fault the faulted pod (``of: pod``, its Ready condition) or its EndpointSlice endpoint
    (``of: endpoint``, ready false or removed) went not ready, and its first such stretch lasted at
    least ``at_least`` and at most ``at_most`` seconds (YAML ``atLeast``, ``atMost``), measured on the
    recorded timeline from the first not-ready to the next ready state the watches saw."""

    type: ClassVar[str] = "not-ready-for"
    of: ReadinessOf = "pod"
    at_least: float = 0.0
    at_most: float | None = None


@dataclass(frozen=True)
class RestartRule:
    """The container's first termination after the fault had exit code ``exit_code``, and kubelet then
    ``restarted`` it (True: a new instance ran within ``within`` seconds) or not (False: no new
    instance within ``within`` seconds, or the pod ended), as its ``restartPolicyRules`` decide
    (Kubernetes 1.34 alpha, 1.35 beta: ContainerRestartRules). A container whose pod, as the API holds
    it, has no restart rules for it fails: on a cluster without the feature the API drops the rules,
    and the pod's restartPolicy decides instead."""

    type: ClassVar[str] = "restart-rule"
    container: str
    exit_code: int
    restarted: bool
    within: float = 30.0
