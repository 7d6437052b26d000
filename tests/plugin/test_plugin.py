"""The plugin in real pytest sessions (pytester): loading, options, scenario selection and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import ScenarioFiles


def test_plugin_is_loaded_through_its_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--trace-config", "--co", "-q")
    result.stdout.fnmatch_lines(["*podchaos*podchaos/pytest_plugin/plugin.py*"])


def test_help_shows_the_podchaos_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        [
            "*pod-lifecycle chaos on Kubernetes*",
            "*--scenario=NAME*",
            "*--podchaos-list-scenarios*",
            "*--podchaos-scenario-dir=DIR*",
            "*--podchaos-allow-context=NAME*",
            "*--podchaos-builtin=yes|no*",
            "*--podchaos-cluster=*",
            "*--podchaos-kubeconfig=PATH*",
            "*--podchaos-context=NAME*",
            "*--podchaos-kind-cluster=NAME*",
            "*--podchaos-keep-namespace*",
            "*--podchaos-report-dir=DIR*",
            "*--podchaos-pushgateway=URL*",
            "*--podchaos-metrics-file=PATH*",
        ]
    )
    assert result.ret == 0


def test_unknown_scenario_is_a_usage_error_with_close_matches(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("web-sidecar-kill", "web-pod-delete")
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir", str(directory), "--scenario", "web-sidecar-kil"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no scenario matches 'web-sidecar-kil'; did you mean: web-sidecar-kill?*"])
    assert "Traceback" not in result.stderr.str()


def test_unknown_scenario_without_close_match_lists_what_exists(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("alpha-one")
    result = pytester.runpytest_subprocess("--podchaos-scenario-dir", str(directory), "--scenario", "zzz")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no scenario matches 'zzz'; available: *alpha-one*"])


def test_scenario_selection_collects_exactly_the_matches(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("web-sidecar-kill", "web-sidecar-oom", "web-pod-delete")
    pytester.makepyfile(test_other="def test_unrelated():\n    pass\n")
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir", str(directory), "--scenario", "web-sidecar-*", "--collect-only", "-q"
    )
    result.stdout.fnmatch_lines(
        [
            "*web-sidecar-kill.scenario.yaml::web-sidecar-kill",
            "*web-sidecar-oom.scenario.yaml::web-sidecar-oom",
        ]
    )
    assert "web-pod-delete" not in result.stdout.str()
    assert "test_unrelated" not in result.stdout.str()


def test_list_scenarios_prints_the_catalogue_and_exits(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("alpha-one", "beta-two")
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir", str(directory), "--podchaos-list-scenarios"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["alpha-one *alpha-one demo", "beta-two *beta-two demo"])
    # The built-in catalogue is listed too.
    result.stdout.fnmatch_lines(["sidecar-kill *"])


def test_invalid_scenario_is_a_collection_error_naming_file_and_field(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("broken-one")
    path = directory / "broken-one.scenario.yaml"
    path.write_text(path.read_text().replace("delta: 1", "delta: lots"))
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir", str(directory), "--scenario", "broken-one"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*broken-one.scenario.yaml: expect[[]0[]].delta: expected an integer, got str 'lots'*"]
    )
    assert "Traceback" not in result.stdout.str()


def test_scenario_name_must_match_its_file(pytester: pytest.Pytester, scenario_files: ScenarioFiles) -> None:
    directory = scenario_files.write("right-name")
    (directory / "right-name.scenario.yaml").rename(directory / "wrong-name.scenario.yaml")
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir", str(directory), "--scenario", "wrong-name"
    )
    result.stdout.fnmatch_lines(["*wrong-name.scenario.yaml: name: must match the file name 'wrong-name'*"])


def test_scenario_items_are_marked_podchaos_and_carry_their_tags(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("tagged-one")
    path = directory / "tagged-one.scenario.yaml"
    path.write_text(path.read_text() + "tags: [sidecar, quick]\n")
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir",
        str(directory),
        str(directory),
        "-m",
        "podchaos and podchaos_tag",
        "--co",
        "-q",
    )
    result.stdout.fnmatch_lines(["*tagged-one.scenario.yaml::tagged-one"])


def test_unsafe_context_is_refused_before_anything_runs(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    kubeconfig = pytester.path / "prod.kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        "clusters: [{name: prod, cluster: {server: 'https://prod.example.com:6443'}}]\n"
        "users: [{name: u, user: {}}]\n"
        "contexts: [{name: prod, context: {cluster: prod, user: u}}]\n"
    )
    directory = scenario_files.write("refused-one")
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir",
        str(directory),
        "--scenario",
        "refused-one",
        "--podchaos-kubeconfig",
        str(kubeconfig),
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*UnsafeContext*prod*--podchaos-allow-context*"])


def test_scenario_tags_select_with_a_marker_expression(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = pytester.mkdir("tagged")
    for name, tags in (("kill-sidecar", "[sidecar, container-kill]"), ("delete-pod", "[pod-delete]")):
        text = scenario_files.text(name).replace("description:", f"tags: {tags}\ndescription:")
        (directory / f"{name}.scenario.yaml").write_text(text)
    result = pytester.runpytest_subprocess(
        "--podchaos-scenario-dir",
        str(directory),
        "--scenario=kill-sidecar",
        "--scenario=delete-pod",
        "--co",
        "-q",
        "-m",
        "podchaos_tag(name='sidecar')",
    )
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(
        ["tagged/kill-sidecar.scenario.yaml::kill-sidecar", "1/2 tests collected (1 deselected)*"]
    )
    assert "delete-pod" not in result.stdout.str()


def test_tests_using_the_cluster_fixtures_are_marked_podchaos(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_mixed=(
            "def test_pure():\n    pass\n\n"
            "def test_with_chaos(chaos):\n    pass\n\n"
            "def test_with_cluster(podchaos_cluster):\n    pass\n"
        )
    )
    needs = pytester.runpytest_subprocess("--strict-markers", "-m", "podchaos", "--co", "-q")
    needs.stdout.fnmatch_lines(["test_mixed.py::test_with_chaos", "test_mixed.py::test_with_cluster"])
    rest = pytester.runpytest_subprocess("--strict-markers", "-m", "not podchaos", "--co", "-q")
    rest.stdout.fnmatch_lines(["test_mixed.py::test_pure", "*1/3 tests collected (2 deselected)*"])
