"""The shop's own test setup, next to podchaos: its own --kubeconfig option (podchaos's options all
start with --podchaos-, so they do not clash), a fixture that reads the web tier's manifests, and a hook
that lists each chaos run's outcome at the end of the session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WEB_MANIFESTS = Path(__file__).parent / "chaos" / "web.yaml"
OUTCOMES = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--kubeconfig", default=None, help="the shop's staging cluster, for its smoke tests")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[OUTCOMES] = []


@pytest.fixture(scope="session")
def web_manifests() -> list[dict[str, Any]]:
    """The Kubernetes objects of chaos/web.yaml, as the scenarios deploy them."""
    return [document for document in yaml.safe_load_all(WEB_MANIFESTS.read_text()) if document]


def pytest_podchaos_scenario_finished(item: pytest.Item, scenario: Any, result: Any) -> None:
    outcome = "passed" if not result.error and result.verdict.passed else "did not pass"
    item.config.stash[OUTCOMES].append(f"{result.scenario}: {outcome} in {result.duration_s:.0f} s")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.stash[OUTCOMES]:
        terminalreporter.write_sep("-", "chaos runs")
        for line in config.stash[OUTCOMES]:
            terminalreporter.write_line(line)
