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
def pytest_podchaos_scenario_finished(item: pytest.Item, scenario: Scenario, result: RunResult) -> None:
    """Called after each scenario run (passed or not), before the test outcome is decided.

    :param item: the pytest item of the scenario.
    :param scenario: the validated scenario.
    :param result: verdict, timeline, faults and diagnostics of the run.
    """
