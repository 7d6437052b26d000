"""Scenario runs that end in an error still count: results.json, the metrics and JUnit all show them.

Real pytest sessions (pytester): a cluster that cannot be used (an existing-cluster kubeconfig whose
context the guard refuses), and a runner that raises something that is not a podchaos error.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import NO_CLUSTER, UNSAFE_KUBECONFIG_NAME

if TYPE_CHECKING:
    from conftest import ScenarioFiles

BROKEN_RUNNER = """
import podchaos.runner


def pytest_configure(config):
    def broken(connect, scenario, options):
        raise RuntimeError("boom in the runner")

    podchaos.runner.run_scenario = broken
"""
# Should the broken runner not be used, the run must still never reach a cluster.

ARGS = (
    "-p",
    "no:cacheprovider",
    "--podchaos-report-dir=out",
    "--podchaos-metrics-file=podchaos.prom",
    "--junitxml=junit.xml",
)


def results(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    document = json.loads((run_dir / "results.json").read_text())
    return {scenario["scenario"]: scenario for scenario in document["scenarios"]}


def runs_counter(pytester: pytest.Pytester) -> dict[tuple[tuple[str, str], ...], float]:
    text = (pytester.path / "podchaos.prom").read_text()
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "podchaos_scenario_runs"
        for sample in family.samples
    }


def junit_cases(pytester: pytest.Pytester) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.parse(pytester.path / "junit.xml").iter("testcase")}


def properties(case: ET.Element) -> dict[str, str]:
    return {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}


def test_a_cluster_that_does_not_come_up_is_an_errored_run_in_every_output(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("kill-one", "kill-two")
    result = pytester.runpytest_subprocess(
        *ARGS,
        f"--podchaos-scenario-dir={directory}",
        "--scenario=kill-*",
        "--podchaos-cluster=existing",
        f"--podchaos-kubeconfig={pytester.path / UNSAFE_KUBECONFIG_NAME}",
    )
    # A run that could not complete is a pytest error, not a failed verdict.
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of scenario: kill-one*",
            f"*error: UnsafeContext: *{UNSAFE_KUBECONFIG_NAME}*",
            "*nothing recorded*",
            "*short test summary info*",
            "ERROR my-scenarios/kill-one.scenario.yaml::kill-one - UnsafeContext: *",
        ]
    )
    assert "Traceback" not in result.stdout.str()

    runs = results(pytester)
    assert set(runs) == {"kill-one", "kill-two"}
    for name, run in runs.items():
        assert run["outcome"] == "error"
        # The second run quotes the first one's error instead of trying again.
        assert str(run["error"]).startswith(("UnsafeContext: ", "ClusterError: "))
        assert "UnsafeContext: refusing to run chaos on context 'prod'" in str(run["error"])
        assert str(run["namespace"]).startswith(f"pc-{name}-")
        faults: list[dict[str, str]] = run["faults"]  # type: ignore[assignment]
        assert [(f["type"], f["container"]) for f in faults] == [("container-kill", "c")]

    counted = runs_counter(pytester)
    for name in ("kill-one", "kill-two"):
        # The declared fault names the run although it was never injected.
        assert counted[(("fault", "container-kill"), ("outcome", "error"), ("scenario", name))] == 1
    assert sum(counted.values()) == 2

    cases = junit_cases(pytester)
    for name in ("kill-one", "kill-two"):
        case = cases[name]
        assert properties(case)["podchaos_outcome"] == "error"
        assert properties(case)["podchaos_namespace"] == runs[name]["namespace"]
        assert case.find("failure") is None
        error = case.find("error")
        assert error is not None
        assert "UnsafeContext" in error.get("message", "")


def test_an_unexpected_exception_is_an_errored_run_and_keeps_its_traceback(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("kill-one")
    pytester.makeconftest(BROKEN_RUNNER)
    result = pytester.runpytest_subprocess(
        *ARGS, *NO_CLUSTER, f"--podchaos-scenario-dir={directory}", "--scenario=kill-one"
    )
    result.assert_outcomes(errors=1)
    # Not podchaos's own error: pytest shows where it came from.
    result.stdout.fnmatch_lines(["*RuntimeError: boom in the runner*", "*conftest.py*"])

    run = results(pytester)["kill-one"]
    assert run["outcome"] == "error"
    assert run["error"] == "unexpected RuntimeError: boom in the runner"
    assert run["timeline"] == []
    assert runs_counter(pytester) == {
        (("fault", "container-kill"), ("outcome", "error"), ("scenario", "kill-one")): 1.0
    }
    assert properties(junit_cases(pytester)["kill-one"])["podchaos_outcome"] == "error"
