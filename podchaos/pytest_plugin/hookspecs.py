"""Hooks podchaos calls, for conftest.py files and plugins (reports, metrics, notifications).

Implement them in a ``conftest.py`` or a plugin module, as with any pytest hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from podchaos.cluster.provider import ClusterAccess
    from podchaos.model import RunResult, Scenario

hookspec = pytest.hookspec


@hookspec
def pytest_podchaos_cluster_ready(config: pytest.Config, access: ClusterAccess) -> None:
    """Called once per process (each xdist worker too) when the cluster is ready for chaos.

    :param config: the pytest config.
    :param access: which provider made the cluster ready and how to reach it.
    """


@hookspec
def pytest_podchaos_scenario_finished(
    item: pytest.Item, scenario: Scenario | None, result: RunResult
) -> None:
    """Called after each scenario run (passed or not), and for each test that used the ``chaos`` fixture.

    A scenario file's item calls it at the end of its run, before the test outcome is decided. A test
    using the ``chaos`` fixture calls it at the fixture's teardown, after the test's outcome, when its
    ``record`` blocks recorded something; the result is then named by the test's node id.

    :param item: the scenario file's item, or the test function's item.
    :param scenario: the validated scenario of a scenario file; None for a ``chaos`` fixture test.
    :param result: verdict, timeline, diagnostics, phase times, and what the run was asked: faults,
        expectations, target labels.
    """
