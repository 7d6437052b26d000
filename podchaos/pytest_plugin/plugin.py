"""The pytest plugin (entry point ``pytest11: podchaos``): options, scenario collection, fixtures.

With ``--scenario NAME`` pytest runs exactly the matching scenarios from the catalogue (other tests
are deselected); without it, scenario files are collected wherever pytest is pointed at a scenario
directory (``pytest scenarios/``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podchaos.catalogue import discover, is_scenario_file, select
from podchaos.errors import PodchaosError
from podchaos.pytest_plugin import hookspecs
from podchaos.pytest_plugin.collection import ScenarioFile, ScenarioItem
from podchaos.pytest_plugin.fixtures import (  # noqa: F401  (fixtures are registered by being module attributes)
    chaos,
    podchaos_cluster,
    podchaos_kube,
)
from podchaos.pytest_plugin.options import add_options, read_options
from podchaos.pytest_plugin.reporting import ReportingPlugin
from podchaos.pytest_plugin.session import ClusterSession
from podchaos.pytest_plugin.stash import OPTIONS_KEY, SELECTED_KEY, SESSION_KEY


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "podchaos_tag(name=TAG): a scenario's tag from its file")
    # Every scenario item carries it; registered here so projects using --strict-markers can run them.
    config.addinivalue_line("markers", "e2e: runs against a real Kubernetes cluster")
    options = read_options(config)
    config.stash[OPTIONS_KEY] = options
    config.stash[SESSION_KEY] = ClusterSession(options)
    config.pluginmanager.register(ReportingPlugin(config), "podchaos-reporting")
    selected: frozenset[Path] = frozenset()
    try:
        # Every scenario directory must exist and hold scenario files, and no two scenarios may share
        # a name: a usage error before anything is collected.
        available = discover(options.scenario_dirs)
        if options.scenarios:
            files = select(options.scenarios, available)
            selected = frozenset(path.resolve() for path in files)
            # Collect exactly the selected scenario files, whatever paths were given.
            config.args = [str(path) for path in files]
    except PodchaosError as exc:
        raise pytest.UsageError(str(exc)) from exc
    config.stash[SELECTED_KEY] = selected


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if not config.getoption("list_scenarios"):
        return None
    from podchaos.loader import load_scenario

    options = read_options(config)
    try:
        catalogue = discover(options.scenario_dirs)
        for name, path in catalogue.items():
            scenario = load_scenario(path)
            print(f"{name:<32} {scenario.description.splitlines()[0] if scenario.description else ''}")
    except PodchaosError as exc:
        print(f"podchaos: error: {exc}")
        return 4
    return 0


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    config = parent.config
    if not is_scenario_file(file_path):
        return None
    selected = config.stash[SELECTED_KEY]
    if not selected or file_path.resolve() in selected:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.stash[SELECTED_KEY]:
        return
    others = [item for item in items if not isinstance(item, ScenarioItem)]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = [item for item in items if isinstance(item, ScenarioItem)]


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
