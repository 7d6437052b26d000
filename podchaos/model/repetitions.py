"""Expectations judged over every repetition of a scenario in one pytest run (``repetitions:``).

A scenario's ``expect:`` is judged on each run alone; these are judged once all its runs ended, on
their distribution, for teams whose SLOs are percentiles or pass rates::

    repeat: 20
    repetitions:
      - {type: pass-rate, atLeast: 0.9}                              # 18 of 20 runs passed
      - {type: recovery-within, step: ready, within: 10s, share: 0.95}  # Ready again <= 10 s in 95 %

Pure data; :mod:`podchaos.report.repetitions` judges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

# The recovery times a run measures (podchaos.model.measure), and the traffic probe's longest outage.
RecoveryStep = Literal[
    "not_ready",
    "container_restart",
    "ready",
    "endpoint_removed",
    "endpoint_returned",
    "rescheduled",
    "service_restored",
    "longest_outage",
]

# The recovery times a run measures, as reports name them.
RECOVERY_STEP_LABELS: dict[str, str] = {
    "not_ready": "not Ready",
    "container_restart": "container restarted",
    "ready": "Ready again",
    "endpoint_removed": "out of endpoints",
    "endpoint_returned": "back in endpoints",
    "rescheduled": "rescheduled",
    "service_restored": "service restored",
}
STEP_LABELS: dict[str, str] = {**RECOVERY_STEP_LABELS, "longest_outage": "longest outage"}


@dataclass(frozen=True)
class PassRate:
    """At least ``at_least`` (a share, 0 to 1) of the scenario's runs passed; a run that ended in an
    error counts as not passed."""

    type: ClassVar[str] = "pass-rate"
    at_least: float


@dataclass(frozen=True)
class RecoveryWithin:
    """In at least ``share`` (0 to 1) of the scenario's runs the recovery ``step`` was seen within
    ``within`` seconds of the first fault. A run that did not show the step (or ended in an error)
    does not count as within: "Ready again within 10 s in 95 % of runs" is then the nearest-rank p95
    of every run's time being at most 10 s."""

    type: ClassVar[str] = "recovery-within"
    step: RecoveryStep
    within: float
    share: float = 1.0


RepetitionExpectation = PassRate | RecoveryWithin

REPETITION_TYPES: dict[str, type[RepetitionExpectation]] = {
    cls.type: cls for cls in (PassRate, RecoveryWithin)
}
