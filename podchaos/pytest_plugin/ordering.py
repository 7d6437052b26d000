"""Longest scenarios first under pytest-xdist, so that no worker starts a long one last.

xdist hands items out in collection order as workers free up. A catalogue's wall time is then set by
whichever worker picks a crash-loop back-off (about a minute) near the end; started first, it runs
while the others work through the short ones (longest-processing-time-first scheduling). The order
is a pure function of the scenario files, so every worker collects the same list, as xdist requires.
"""

from __future__ import annotations

import pytest

from podchaos.pytest_plugin.collection import ScenarioItem


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, put scenario items in the slots they hold, longest expected first."""
    if not hasattr(config, "workerinput"):
        return
    # Imported here: the plan's modules reach the Kubernetes client, which pytest start-up need not load.
    from podchaos.engine.plan import expected_seconds

    slots = [index for index, item in enumerate(items) if isinstance(item, ScenarioItem)]
    scenarios = sorted(
        (item for item in items if isinstance(item, ScenarioItem)),
        key=lambda item: -expected_seconds(item.scenario),
    )
    for index, item in zip(slots, scenarios, strict=True):
        items[index] = item
