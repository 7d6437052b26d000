"""A scenario whose ``requires:`` the cluster does not meet is skipped with the reason, never run, never
passed and never failed; one whose requirement holds runs.

Real pytest sessions (pytester) whose conftest reports a cluster version and replaces the runner with
one that says it ran, so the tests need no cluster: whether a scenario runs is the plugin's decision.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from conftest import NO_CLUSTER

if TYPE_CHECKING:
    from conftest import ScenarioFiles

CLUSTER_VERSION = """
import podchaos.runner
from podchaos.pytest_plugin import collection, session


def pytest_configure(config):
    session.ClusterSession.server_version = lambda self: "{version}"
    collection.session_services = lambda config: None

    def ran(connect, scenario, options):
        raise RuntimeError(f"the runner ran {{scenario.name}}")

    podchaos.runner.run_scenario = ran
"""
ARGS = ("-p", "no:cacheprovider", "-rs", "--podchaos-report-dir=out", "--podchaos-builtin=no")


def write(scenario_files: ScenarioFiles, requires: dict[str, str]) -> str:
    directory = scenario_files.write(*requires)
    for name, spec in requires.items():
        path = directory / f"{name}.scenario.yaml"
        if spec:
            path.write_text(path.read_text() + f"requires: {{kubernetes: {json.dumps(spec)}}}\n")
    return str(directory)


def test_a_scenario_for_newer_clusters_is_skipped_with_the_reason(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = write(scenario_files, {"needs-newer": ">=1.36", "needs-older": "<1.35", "any-version": ""})
    pytester.makeconftest(CLUSTER_VERSION.format(version="v1.35.4"))

    result = pytester.runpytest_subprocess(*ARGS, f"--podchaos-scenario-dir={directory}", "--scenario=*")

    # Skipped: no run, so the runner never said it ran; the one without requires: did run.
    result.assert_outcomes(skipped=2, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED [[]1[]] my-scenarios/needs-newer.scenario.yaml:1: "
            "requires Kubernetes >=1.36; the cluster runs v1.35.4",
            "SKIPPED [[]1[]] my-scenarios/needs-older.scenario.yaml:1: "
            "requires Kubernetes <1.35; the cluster runs v1.35.4",
            "*RuntimeError: the runner ran any-version*",
        ]
    )
    assert "the runner ran needs-" not in result.stdout.str()


def test_a_scenario_whose_requirement_holds_runs(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = write(scenario_files, {"needs-newer": ">=1.36", "needs-136": "1.36"})
    pytester.makeconftest(CLUSTER_VERSION.format(version="v1.36.3"))

    result = pytester.runpytest_subprocess(*ARGS, f"--podchaos-scenario-dir={directory}", "--scenario=*")

    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines_random(
        ["*RuntimeError: the runner ran needs-newer*", "*RuntimeError: the runner ran needs-136*"]
    )
    assert "SKIPPED" not in result.stdout.str()


def test_a_dry_run_shows_the_requirement_and_needs_no_cluster(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = write(scenario_files, {"needs-newer": ">=1.36"})

    result = pytester.runpytest_subprocess(
        *ARGS, "--podchaos-dry-run", f"--podchaos-scenario-dir={directory}", "--scenario=*"
    )

    result.assert_outcomes(skipped=1)  # a dry run's item: skipped, its plan the reason
    result.stdout.fnmatch_lines(["*requires: Kubernetes >=1.36 (skipped on other clusters)*"])


@pytest.mark.parametrize(
    ("args", "env", "problem"),
    [
        (
            ("--podchaos-kubernetes=banana",),
            {},
            "--podchaos-kubernetes: Kubernetes version 'banana': expected",
        ),
        (
            (),
            {"PODCHAOS_KUBERNETES": "1.20.0"},
            "PODCHAOS_KUBERNETES: Kubernetes version '1.20.0': the local",
        ),
        (
            ("--podchaos-kubernetes=1.36.3", *NO_CLUSTER),
            {},
            "--podchaos-kubernetes: picks the release of the embedded local cluster or of a kind "
            "cluster podchaos creates; an existing cluster runs its own",
        ),
    ],
)
def test_a_bad_kubernetes_option_is_a_usage_error(
    pytester: pytest.Pytester,
    scenario_files: ScenarioFiles,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: dict[str, str],
    problem: str,
) -> None:
    directory = write(scenario_files, {"any-version": ""})
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    result = pytester.runpytest_subprocess(*ARGS, *args, f"--podchaos-scenario-dir={directory}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problem in result.stderr.str()
