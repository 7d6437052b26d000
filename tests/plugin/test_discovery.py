"""The discovery rule: only ``<name>.scenario.yaml`` files are scenarios; a scenario directory that is
missing or holds none, and two scenarios with one name, are usage errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import ScenarioFiles

WORKLOAD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: c, image: "docker.io/library/busybox:1.35", imagePullPolicy: IfNotPresent}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
"""


def test_a_workload_file_next_to_its_scenario_is_not_collected(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("web-kill")
    (directory / "workload.yaml").write_text(WORKLOAD)
    path = directory / "web-kill.scenario.yaml"
    text = path.read_text()
    manifests = text[text.index("  manifests:") : text.index("faults:")]
    path.write_text(text.replace(manifests, "  files: [workload.yaml]\n"))
    result = pytester.runpytest_subprocess(str(directory), "--co", "-q")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["my-scenarios/web-kill.scenario.yaml::web-kill", "1 test collected*"])
    listed = pytester.runpytest_subprocess(
        f"--podchaos-scenario-dir={directory}", "--podchaos-list-scenarios"
    )
    assert listed.ret == 0, listed.stderr.str()
    listed.stdout.fnmatch_lines(["web-kill *"])


def test_scenario_files_are_collected_wherever_pytest_looks(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    scenario_files.write("deep-one", folder="checks")
    (pytester.path / "checks" / "values.yaml").write_text("replicas: [1\n")  # not YAML, not a scenario
    result = pytester.runpytest_subprocess("--co", "-q")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["checks/deep-one.scenario.yaml::deep-one"])


def test_a_missing_scenario_dir_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--podchaos-scenario-dir=nowhere", "--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # Named relative to the rootdir, as pytest names files.
    result.stderr.fnmatch_lines(["*scenario directory nowhere does not exist*"])


def test_a_scenario_dir_without_scenario_files_is_a_usage_error_naming_the_rule(
    pytester: pytest.Pytester,
) -> None:
    directory = pytester.mkdir("old-style")
    (directory / "sidecar.yaml").write_text("name: sidecar\n")
    result = pytester.runpytest_subprocess(f"--podchaos-scenario-dir={directory}", "--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*old-style holds no scenario files (found sidecar.yaml: *named <name>.scenario.yaml)*"]
    )


def test_two_scenarios_with_one_name_are_a_usage_error_naming_both_files(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("twice")
    (directory / "twice.scenario.yml").write_text(scenario_files.text("twice"))
    result = pytester.runpytest_subprocess(f"--podchaos-scenario-dir={directory}", "--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*two scenarios are named 'twice': */twice.scenario.yaml and */twice.scenario.yml*"]
    )


def test_a_scenario_named_like_a_builtin_one_is_a_usage_error(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("sidecar-kill")
    result = pytester.runpytest_subprocess(
        f"--podchaos-scenario-dir={directory}", "--scenario=sidecar-kill", "--co"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*two scenarios are named 'sidecar-kill': */scenarios/sidecar-kill.scenario.yaml and *"]
    )


def test_a_misnamed_scenario_file_is_warned_about_not_skipped_silently(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("kill-one")
    (directory / "kill-two.yaml").write_text(scenario_files.text("kill-two"))

    result = pytester.runpytest_subprocess("--podchaos-builtin=no", "--co", "-q", str(directory))

    result.stdout.fnmatch_lines(
        [
            "my-scenarios/kill-one.scenario.yaml::kill-one",
            "*PytestCollectionWarning: kill-two.yaml has faults: and expect: but is not collected: scenario "
            "files are named <name>.scenario.yaml (rename it kill-two.scenario.yaml)",
        ]
    )
