"""Longest scenarios first under pytest-xdist, so that no worker starts a long one last.

xdist hands items out in collection order as workers free up. A catalogue's wall time is then set by
whichever worker picks a crash-loop back-off (about a minute) near the end; started first, it runs
while the others work through the short ones (longest-processing-time-first scheduling). The order
is a pure function of the scenario files, so every worker collects the same list, as xdist requires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from podchaos.pytest_plugin.collection import ScenarioItem

if TYPE_CHECKING:
    from podchaos.model import Scenario

BACKOFF_S = 10.0
BACKOFF_CAP_S = 300.0


def backoff_seconds(restarts: int, cap: float = BACKOFF_CAP_S) -> float:
    """The kubelet's crash-loop waits before ``restarts`` restarts (the first is immediate) under a
    back-off ``cap``."""
    first = min(BACKOFF_S, cap)
    return float(sum(min(first * 2**index, cap) for index in range(max(0, restarts - 1))))


def expected_seconds(scenario: Scenario) -> float:
    """A rough duration: what the scenario makes Kubernetes wait for, above a few seconds of start-up."""
    from podchaos.model.expectations import RestartBackoff, TerminationDuration
    from podchaos.model.faults import ContainerKill, EmptyDirFill, NodeDrain, ProbeFail

    seconds = 5.0 + (scenario.traffic.steady + 2.0 if scenario.traffic else 0.0)
    # A back-off cap the scenario states is the nodes' (restart-backoff checks it).
    caps = [e.cap for e in scenario.expectations if isinstance(e, RestartBackoff) and e.cap is not None]
    cap = min(caps, default=BACKOFF_CAP_S)
    for fault in scenario.faults:
        if isinstance(fault, ContainerKill):
            seconds += backoff_seconds(fault.repeat, cap)
        elif isinstance(fault, ProbeFail):
            # A failed liveness probe restarts the container after its failure threshold.
            seconds += fault.duration + (20.0 if fault.probe == "liveness" else 0.0)
        elif isinstance(fault, NodeDrain):
            seconds += 10.0
        elif isinstance(fault, EmptyDirFill):
            # kubelet evicts once it has measured the volume, which it does once a minute: 8 to 58 s.
            seconds += 40.0
    for expectation in scenario.expectations:
        if isinstance(expectation, RestartBackoff):
            seconds += backoff_seconds(expectation.restarts, cap)
        elif isinstance(expectation, TerminationDuration):
            seconds += expectation.at_least
    return seconds


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, put scenario items in the slots they hold, longest expected first."""
    if not hasattr(config, "workerinput"):
        return
    slots = [index for index, item in enumerate(items) if isinstance(item, ScenarioItem)]
    scenarios = sorted(
        (item for item in items if isinstance(item, ScenarioItem)),
        key=lambda item: -expected_seconds(item.scenario),
    )
    for index, item in zip(slots, scenarios, strict=True):
        items[index] = item
