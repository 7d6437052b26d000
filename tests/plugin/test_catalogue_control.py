"""Which scenarios a session sees and how it is configured: the built-in catalogue left out, scenario
directories under testpaths, --podchaos-list-scenarios as collection sees it, ini keys and their
precedence, option names that leave a project's own --kubeconfig alone, tags as markers, --lf, and the
short summary of a failed verdict. No session here reaches a cluster: runs either use an existing
cluster whose kubeconfig does not exist or a runner replaced in conftest.py."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from conftest import NO_CLUSTER

if TYPE_CHECKING:
    from conftest import ScenarioFiles


FAILED_VERDICT_RUNNER = """
import dataclasses

import podchaos.runner
from podchaos.model import ExpectationResult, Outcome, Verdict


def pytest_configure(config):
    def judged(connect, scenario, options):
        result = podchaos.runner.errored_result(scenario, options, RuntimeError("not run"))
        first = ExpectationResult(
            scenario.expectations[0], Outcome.FAILED, "restartCount of c rose by 1", "rose by 0"
        )
        return dataclasses.replace(result, error="", verdict=Verdict((first,)))

    podchaos.runner.run_scenario = judged
"""


def test_the_builtin_catalogue_can_be_left_out(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("sidecar-kill", "web-delete")
    result = pytester.runpytest_subprocess(
        f"--podchaos-scenario-dir={directory}", "--podchaos-builtin=no", "--scenario=*", "--co", "-q"
    )
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(
        [
            "my-scenarios/sidecar-kill.scenario.yaml::sidecar-kill",
            "my-scenarios/web-delete.scenario.yaml::web-delete",
            "2 tests collected*",
        ]
    )
    pytester.makeini("[pytest]\npodchaos_builtin = no\npodchaos_scenario_dirs = my-scenarios\n")
    listed = pytester.runpytest_subprocess("--podchaos-list-scenarios")
    assert listed.ret == 0, listed.stderr.str()
    assert [line.split()[0] for line in listed.outlines if line.strip()] == ["sidecar-kill", "web-delete"]


def test_scenario_dirs_are_collected_under_testpaths(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    scenario_files.write("chaos-one", folder="chaos")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_app.py").write_text("def test_app():\n    pass\n")
    pytester.makeini("[pytest]\ntestpaths = tests\npodchaos_scenario_dirs = chaos\n")
    result = pytester.runpytest_subprocess("--co", "-q")
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["tests/test_app.py::test_app", "chaos/chaos-one.scenario.yaml::chaos-one"])
    # Paths on the command line are what the user asked for: only those.
    only_tests = pytester.runpytest_subprocess("tests", "--co", "-q")
    assert "chaos-one" not in only_tests.stdout.str()


def test_list_scenarios_agrees_with_collection_and_reports_errors_on_stderr(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("good-one", "bad-delta", "bad-name")
    bad = directory / "bad-delta.scenario.yaml"
    bad.write_text(bad.read_text().replace("delta: 1", "delta: lots"))
    misnamed = directory / "bad-name.scenario.yaml"
    misnamed.write_text(misnamed.read_text().replace("name: bad-name", "name: other-name"))
    listed = pytester.runpytest_subprocess(
        f"--podchaos-scenario-dir={directory}", "--podchaos-builtin=no", "--podchaos-list-scenarios"
    )
    assert listed.ret == pytest.ExitCode.INTERRUPTED
    assert [line.split()[0] for line in listed.outlines if line.strip()] == ["good-one"]
    listed.stderr.fnmatch_lines(
        [
            "podchaos: error: *bad-delta.scenario.yaml: expect[[]0[]].delta: expected an integer*",
            "podchaos: error: *bad-name.scenario.yaml: name: must match the file name 'bad-name'*",
        ]
    )
    collected = pytester.runpytest_subprocess(str(directory), "--co", "-q")
    collected.stdout.fnmatch_lines(["*good-one*", "*2 errors*"])


def test_list_scenarios_piped_into_head_ends_quietly(pytester: pytest.Pytester) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        f"{sys.executable} -m pytest --podchaos-list-scenarios | head -2",
        shell=True,
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


SHOW_OPTIONS = """
import pytest
from podchaos.pytest_plugin.options import read_options, read_report_options


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    options = read_options(config)
    report = read_report_options(config)
    allowed = list(options.allowed_contexts)
    print(f"SETTINGS cluster={options.provider} context={options.context} kubeconfig={options.kubeconfig}"
          f" keep={options.keep_namespace} report_dir={report.report_dir} allowed={allowed}")
"""

# A kubeconfig whose contexts are the ones the settings below name.
CONTEXTS = "\n".join(
    [
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
        "contexts:",
        *(f"- {{name: {name}, context: {{cluster: c}}}}" for name in ("from-ini", "from-env", "from-cli")),
    ]
)


def test_every_setting_has_an_ini_key_and_the_command_line_wins_over_environment_over_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(SHOW_OPTIONS)
    pytester.makeini(
        "[pytest]\npodchaos_cluster = existing\npodchaos_context = from-ini\n"
        "podchaos_kubeconfig = cfg/kubeconfig\npodchaos_keep_namespace = yes\n"
        "podchaos_report_dir = out\npodchaos_allow_contexts =\n    ci-one\n    ci-two\n"
    )
    (pytester.path / "cfg").mkdir()
    (pytester.path / "cfg" / "kubeconfig").write_text(CONTEXTS)
    base = pytester.path
    from_ini = pytester.runpytest_subprocess("-s", "--co", "-q", "-W", "error::pytest.PytestConfigWarning")
    assert from_ini.ret == pytest.ExitCode.NO_TESTS_COLLECTED, from_ini.stderr.str()
    from_ini.stdout.fnmatch_lines(
        [
            f"SETTINGS cluster=existing context=from-ini kubeconfig={base}/cfg/kubeconfig keep=True"
            f" report_dir={base}/out allowed=[[]'ci-one', 'ci-two'[]]"
        ]
    )
    # A CI variable overrides the committed ini value (as kubectl's and PYTEST_ADDOPTS do).
    monkeypatch.setenv("PODCHAOS_CONTEXT", "from-env")
    monkeypatch.setenv("PODCHAOS_KEEP_NAMESPACE", "no")
    monkeypatch.setenv("PODCHAOS_REPORT_DIR", "env-out")
    result = pytester.runpytest_subprocess("-s", "--co", "-q")
    result.stdout.fnmatch_lines(
        [
            f"SETTINGS cluster=existing context=from-env kubeconfig={base}/cfg/kubeconfig keep=False"
            f" report_dir={base}/env-out allowed=[[]'ci-one', 'ci-two'[]]"
        ]
    )
    override = pytester.runpytest_subprocess(
        "-s",
        "--co",
        "-q",
        "--podchaos-context=from-cli",
        "--podchaos-allow-context=cli",
        "--podchaos-report-dir=r",
    )
    override.stdout.fnmatch_lines(
        [f"SETTINGS *context=from-cli *report_dir={base}/r allowed=[[]'ci-one', 'ci-two', 'cli'[]]"]
    )
    pytester.makeini("[pytest]\n")
    monkeypatch.setenv("KUBECONFIG", "cfg/kubeconfig")
    from_env = pytester.runpytest_subprocess("-s", "--co", "-q")
    # auto: the kubeconfig kubectl would use ($KUBECONFIG here).
    from_env.stdout.fnmatch_lines(["SETTINGS cluster=existing context=from-env kubeconfig=None keep=False*"])


def test_a_bad_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npodchaos_cluster = minikube\n")
    result = pytester.runpytest_subprocess("--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*podchaos_cluster: expected one of auto, local, kind, existing, got 'minikube'*"]
    )


def test_a_project_with_its_own_kubeconfig_and_context_options_still_loads(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        "def pytest_addoption(parser):\n"
        "    parser.addoption('--kubeconfig')\n"
        "    parser.addoption('--context')\n"
        "    parser.addoption('--allow-context')\n"
        "    parser.addoption('--kind-cluster')\n"
    )
    pytester.makepyfile(
        test_app="def test_app(pytestconfig):\n    assert pytestconfig.getoption('kubeconfig') == 'x'\n"
    )
    result = pytester.runpytest_subprocess("--kubeconfig=x", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_tags_are_plain_markers_and_the_old_form_still_selects(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = pytester.mkdir("tagged")
    for name, tags in (("kill-sidecar", "[sidecar, container-kill, skip]"), ("delete-pod", "[pod-delete]")):
        text = scenario_files.text(name).replace("description:", f"tags: {tags}\ndescription:")
        (directory / f"{name}.scenario.yaml").write_text(text)
    for expression in ("sidecar", "container-kill and not pod-delete", "podchaos_tag(name='sidecar')"):
        result = pytester.runpytest_subprocess(
            str(directory), "--strict-markers", "--co", "-q", "-m", expression
        )
        assert result.ret == 0, result.stderr.str()
        result.stdout.fnmatch_lines(
            ["tagged/kill-sidecar.scenario.yaml::kill-sidecar", "1/2 tests collected*"]
        )
    # A tag named like one of pytest's own markers stays a tag: the scenario is not skipped.
    markers = pytester.runpytest_subprocess(str(directory), "-m", "skip", "--co", "-q")
    assert "1/2 tests collected" not in markers.stdout.str()


def test_last_failed_reruns_failed_builtin_scenarios(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    # A failed scenario of the project's own makes pytest skip every other file it has no failure
    # recorded for; the built-in catalogue lies outside the rootdir, where --lf cannot see its failures.
    directory = scenario_files.write("kill-one", "kill-two")
    scenarios = ("--scenario=kill-one", "--scenario=oom-kill", "--scenario=sidecar-kill")
    first = pytester.runpytest_subprocess(*NO_CLUSTER, f"--podchaos-scenario-dir={directory}", *scenarios)
    first.assert_outcomes(errors=3)
    rerun = pytester.runpytest_subprocess(
        *NO_CLUSTER, f"--podchaos-scenario-dir={directory}", "--scenario=*", "--lf", "--co", "-q"
    )
    assert rerun.ret == 0, rerun.stdout.str()
    rerun.stdout.fnmatch_lines(
        [
            "my-scenarios/kill-one.scenario.yaml::kill-one",
            "scenarios/oom-kill.scenario.yaml::oom-kill",
            "scenarios/sidecar-kill.scenario.yaml::sidecar-kill",
            "3 tests collected*",
        ]
    )
    first_first = pytester.runpytest_subprocess(
        *NO_CLUSTER, f"--podchaos-scenario-dir={directory}", "--scenario=*", "--ff", "--co", "-q"
    )
    assert first_first.outlines[:3] == [
        "my-scenarios/kill-one.scenario.yaml::kill-one",
        "scenarios/oom-kill.scenario.yaml::oom-kill",
        "scenarios/sidecar-kill.scenario.yaml::sidecar-kill",
    ]


def test_the_short_summary_names_the_first_failed_expectation(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    pytester.makeconftest(FAILED_VERDICT_RUNNER)
    directory = scenario_files.write("kill-one")
    result = pytester.runpytest_subprocess(
        *NO_CLUSTER, "-p", "no:cacheprovider", "-rfE", "-vv", str(directory), "--junitxml=j.xml"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*short test summary info*",
            "FAILED my-scenarios/kill-one.scenario.yaml::kill-one - restart-count: expected restartCount"
            " of c rose by 1; seen rose by 0",
        ]
    )
    assert "<failure" in (pytester.path / "j.xml").read_text()


def test_podchaos_scenarios_lists_as_pytest_does_from_the_projects_ini(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    import json
    import subprocess
    import sys

    scenario_files.write("web-delete", folder="my-scenarios")
    pytester.makeini("[pytest]\npodchaos_builtin = no\npodchaos_scenario_dirs = my-scenarios\n")
    podchaos = [sys.executable, "-m", "podchaos.cli"]

    def listed(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*podchaos, "scenarios", *args],
            cwd=pytester.path,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    assert [line.split()[0] for line in listed().stdout.splitlines()] == ["web-delete"]
    (entry,) = json.loads(listed("-o", "json").stdout)
    assert (entry["name"], entry["file"]) == (
        "web-delete",
        str(pytester.path / "my-scenarios" / "web-delete.scenario.yaml"),
    )
    # pytest's option names, and the environment over the ini file.
    names = {item["name"] for item in json.loads(listed("-o", "json", "--podchaos-builtin=yes").stdout)}
    assert {"web-delete", "sidecar-kill"} <= names
    from_env = {item["name"] for item in json.loads(listed("-o", "json", PODCHAOS_BUILTIN="yes").stdout)}
    assert from_env == names
    assert listed("--scenario", "web-*").stdout.split()[0] == "web-delete"


def test_errors_name_files_relative_to_the_rootdir(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    directory = scenario_files.write("bad-delta", folder="chaos")
    bad = directory / "bad-delta.scenario.yaml"
    bad.write_text(bad.read_text().replace("delta: 1", "delta: lots"))
    result = pytester.runpytest_subprocess(str(directory), "--co", "-q", "-rE")
    output = result.stdout.str()
    assert "chaos/bad-delta.scenario.yaml: expect[0].delta: expected an integer" in output
    assert str(pytester.path) not in output
