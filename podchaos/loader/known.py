"""Open-ended Kubernetes vocabularies: a value close to a known one but not equal is a misspelling.

Termination and event reasons are free text in Kubernetes (runtimes, controllers and operators add their
own), so an unknown reason is accepted; only one that is nearly a known reason is refused, because an
expectation waiting for ``OOMKiled`` would fail every run without saying why.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

TERMINATION_REASONS = (
    "Completed",
    "Error",
    "OOMKilled",
    "ContainerCannotRun",
    "DeadlineExceeded",
    "StartError",
    "ContainerStatusUnknown",
)
"""``lastState.terminated.reason`` values set by kubelet and the container runtimes."""

EVENT_REASONS = (
    "Scheduled",
    "FailedScheduling",
    "Preempting",
    "Pulling",
    "Pulled",
    "Failed",
    "BackOff",
    "Created",
    "Started",
    "Killing",
    "ExceededGracePeriod",
    "Unhealthy",
    "ProbeWarning",
    "FailedMount",
    "FailedAttachVolume",
    "FailedCreatePodSandBox",
    "SandboxChanged",
    "FailedKillPod",
    "FailedPreStopHook",
    "FailedPostStartHook",
    "NodeNotReady",
    "Evicted",
    "TaintManagerEviction",
    "SuccessfulCreate",
    "SuccessfulDelete",
    "FailedCreate",
    "OOMKilling",
    "Completed",
    "BackoffLimitExceeded",
)
"""Pod event reasons of kubelet, the scheduler and the workload controllers."""

# One wrong, missing or extra letter in a reason of six letters or more scores above this.
_CUTOFF = 0.85


def misspelling_of(value: str, known: Iterable[str]) -> str | None:
    """The known value that ``value`` nearly is (other case, a letter off), or None."""
    known = tuple(known)
    if value in known:
        return None
    for candidate in known:
        if candidate.lower() == value.lower():
            return candidate
    close = difflib.get_close_matches(value, known, n=1, cutoff=_CUTOFF)
    return close[0] if close else None


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """'; did you mean X?' for a value close to one of ``choices``, else ''."""
    if not isinstance(value, str):
        return ""
    choices = tuple(choices)
    close = [c for c in choices if c.lower() == value.lower()] or difflib.get_close_matches(
        value, choices, n=1, cutoff=0.6
    )
    return f"; did you mean {close[0]}?" if close else ""
