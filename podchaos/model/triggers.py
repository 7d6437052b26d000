"""When a fault fires: at once, or at a moment of the target pod's recorded timeline.

A fault with ``when`` waits until the run's timeline shows the moment in the target pod, then fires.
The moment is looked for from the previous fault on (from the steady state for the first fault), so
a moment that fault caused is not missed however quickly it came. A moment that does not come within
``within`` fails the run: a fault that never fired has tested nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Moment = Literal["container-started", "init-running", "pod-terminating", "restarted"]

MOMENT_NEEDS_CONTAINER: frozenset[str] = frozenset({"container-started", "init-running", "restarted"})


@dataclass(frozen=True)
class Trigger:
    """Wait for a moment of the target pod before the fault fires.

    ``container-started``: a new instance of ``container`` is running (its container ID differs from
    the one that ran when the wait began). ``init-running``: the init container ``container`` is
    running now (before the pod is Ready). ``pod-terminating``: the pod's deletion began and kubelet
    has begun stopping ``container`` (its Killing event: the preStop hook, then TERM, within the grace
    period), which still runs; without ``container``, any of the pod's. ``restarted``: ``container``
    has restarted at least ``restarts`` times (its restartCount).
    """

    moment: Moment
    container: str | None = None
    restarts: int | None = None
    within: float = 120.0
    """How long to wait for the moment; the run fails when it has not come by then."""

    @property
    def before_ready(self) -> bool:
        """The moment comes before the pod is Ready: a first fault waiting for it cannot let the steady
        phase wait for Ready."""
        return self.moment == "init-running"

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """The moment in words: ``container app started (a new instance)``."""
        who = self.container or "the pod"
        match self.moment:
            case "container-started":
                return f"container {who} started (a new instance)"
            case "init-running":
                return f"init container {who} running"
            case "pod-terminating":
                return f"pod terminating, kubelet stopping {self.container or 'its containers'}"
            case "restarted":
                return f"container {who} restarted {self.restarts or 1} times"


@dataclass(frozen=True)
class TriggerRecord:
    """A fault's trigger fired: the moment was seen in the timeline at ``seen_at`` and the fault was
    released at ``at`` (both on the run's clock), after waiting since ``since``."""

    at: float
    fault: str
    moment: str
    pod: str
    pod_uid: str
    container: str
    since: float
    seen_at: float
    detail: str
