"""The example project (docs/example-project) as a user has it: podchaos built as a wheel and installed
into a fresh venv outside this repository, the project copied next to it, and there pytest's collection,
``--podchaos-list-scenarios`` and (when podchaos has it) ``--podchaos-dry-run``.

Nothing here runs a scenario: collection, listing and the dry run's plan only. As a guard, the
environment points podchaos at an existing cluster whose only context the guard refuses, so a run
that slipped through would error out instead of starting the local cluster. The venv is made once for the
module (a minute or two; pip's cache is reused, and the dependencies come from the package index)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import UNSAFE_KUBECONFIG, UNSAFE_KUBECONFIG_NAME

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example-project"
# What the package build reads from the checkout.
BUILD_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "podchaos", "scenarios")
SCENARIOS = {
    "chaos/web-log-shipper-kill.scenario.yaml::web-log-shipper-kill",
    "chaos/web-node-cordon.scenario.yaml::web-node-cordon",
    "chaos/web-pod-delete.scenario.yaml::web-pod-delete",
}
TESTS = {
    "tests/test_web_chaos.py::test_the_log_shipper_stopped_with_sigterm_restarts_alone",
    "tests/test_web_manifests.py::test_the_web_tier_runs_two_replicas",
    "tests/test_web_manifests.py::test_the_service_selects_the_pods",
}
# Variables of this test session that must not reach the user's: they would change what pytest or
# podchaos reads, or which Python runs.
_LEAKY = re.compile(r"PYTHON(PATH|HOME)|PYTEST_.*|PODCHAOS_.*|KUBECONFIG|VIRTUAL_ENV|COV_CORE_.*")


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class UserProject:
    """The example project's copy and the venv podchaos's wheel was installed into."""

    venv: Path
    project: Path
    env: dict[str, str]

    def pytest(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.venv / "bin" / "pytest"), "-p", "no:cacheprovider", *args]
        return subprocess.run(
            command, cwd=self.project, env=self.env, capture_output=True, text=True, timeout=300, check=False
        )

    def collected(self, *args: str) -> set[str]:
        """The node ids ``pytest --co -q ARGS`` lists (it must succeed, and every ini key be known)."""
        result = self.pytest("--co", "-q", "-W", "error::pytest.PytestConfigWarning", *args)
        assert result.returncode == 0, result.stdout + result.stderr
        return {line for line in result.stdout.splitlines() if "::" in line}


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> UserProject:
    base = tmp_path_factory.mktemp("user-project")
    assert not base.resolve().is_relative_to(ROOT)
    env = {name: value for name, value in os.environ.items() if not _LEAKY.fullmatch(name)}
    # The build runs on a copy, so it leaves no build/ or egg-info behind in the checkout.
    source = base / "podchaos-source"
    for name in BUILD_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    wheels = base / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    _run([*build, "-w", str(wheels), str(source)], cwd=base, env=env)
    (wheel,) = wheels.glob("podchaos-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=env)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=base, env=env)
    project = base / "shop"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "build", ".pytest_cache"))
    (base / UNSAFE_KUBECONFIG_NAME).write_text(UNSAFE_KUBECONFIG)
    guard = {"PODCHAOS_CLUSTER": "existing", "PODCHAOS_KUBECONFIG": str(base / UNSAFE_KUBECONFIG_NAME)}
    path = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return UserProject(venv, project, {**env, **guard, "PATH": path})


def test_the_project_imports_podchaos_from_the_installed_wheel(user_project: UserProject) -> None:
    where = _run(
        [str(user_project.venv / "bin" / "python"), "-c", "import podchaos; print(podchaos.__file__)"],
        cwd=user_project.project,
        env=user_project.env,
    )
    assert Path(where.strip()).is_relative_to(user_project.venv)


def test_collection_finds_the_projects_tests_and_scenarios_and_nothing_else(
    user_project: UserProject,
) -> None:
    # The project's conftest.py has its own --kubeconfig option: no clash with podchaos's.
    assert user_project.collected("--kubeconfig=staging.yaml") == TESTS | SCENARIOS
    # The workload file next to the scenarios (chaos/web.yaml) is not an item; the catalogue is off.
    assert user_project.collected("--scenario=*") == SCENARIOS
    assert user_project.collected("chaos") == SCENARIOS


def test_tags_select_scenarios_as_markers(user_project: UserProject) -> None:
    assert user_project.collected("-m", "sidecar") == {
        "chaos/web-log-shipper-kill.scenario.yaml::web-log-shipper-kill"
    }
    assert user_project.collected("-m", "pod-delete and not node") == {
        "chaos/web-pod-delete.scenario.yaml::web-pod-delete"
    }
    # podchaos's marker: the scenarios and the chaos-fixture test need a cluster, the rest does not.
    chaos_test = "tests/test_web_chaos.py::test_the_log_shipper_stopped_with_sigterm_restarts_alone"
    assert user_project.collected("-m", "not podchaos") == TESTS - {chaos_test}
    assert user_project.collected("-m", "podchaos") == SCENARIOS | {chaos_test}


def _listed_names(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.strip()]


def test_list_scenarios_lists_the_projects_scenarios_only(user_project: UserProject) -> None:
    result = user_project.pytest("--podchaos-list-scenarios")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert _listed_names(result.stdout) == ["web-log-shipper-kill", "web-node-cordon", "web-pod-delete"]
    # The wheel carries the catalogue: the command line turns it back on over the ini file.
    with_builtin = user_project.pytest("--podchaos-list-scenarios", "--podchaos-builtin=yes")
    listed = set(_listed_names(with_builtin.stdout))
    assert {"sidecar-kill", "pod-delete-graceful", "web-pod-delete"} <= listed


def test_dry_run_plans_the_projects_scenarios_only(user_project: UserProject) -> None:
    if "--podchaos-dry-run" not in user_project.pytest("--help").stdout:
        pytest.skip("this podchaos has no --podchaos-dry-run")
    result = user_project.pytest("--podchaos-dry-run", "--scenario=*")
    assert result.returncode == 0, result.stdout + result.stderr
    # The plan section; the short summary (the project's -rs) repeats each plan as its skip reason.
    plans = result.stdout.split("short test summary info")[0]
    planned = re.findall(r"^scenario (\S+) \(", plans, flags=re.MULTILINE)
    assert sorted(planned) == sorted(node_id.rsplit("::", 1)[1] for node_id in SCENARIOS)
    # The objects come from chaos/web.yaml, the workload file next to the scenarios.
    assert plans.count("Deployment/web") == len(SCENARIOS)
    assert result.stdout.count("dry run, nothing ran: scenario web-") == len(SCENARIOS)
    assert not re.search(r"(?<![\w-])(sidecar-kill|pod-delete-graceful)(?![\w-])", result.stdout)


def test_the_environment_overrides_the_projects_ini(user_project: UserProject) -> None:
    # pyproject.toml says podchaos_builtin = "no"; a CI variable turns the catalogue back on.
    done = subprocess.run(
        [str(user_project.venv / "bin" / "pytest"), "-p", "no:cacheprovider", "--podchaos-list-scenarios"],
        cwd=user_project.project,
        env={**user_project.env, "PODCHAOS_BUILTIN": "yes"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {"sidecar-kill", "pod-delete-graceful", "web-pod-delete"} <= set(_listed_names(done.stdout))


def test_a_kubeconfig_that_is_not_there_fails_collection_as_a_usage_error(user_project: UserProject) -> None:
    env = {name: value for name, value in user_project.env.items() if not name.startswith("PODCHAOS_")}
    absent = [str(user_project.project / "absent-one"), str(user_project.project / "absent-two")]
    done = subprocess.run(
        [str(user_project.venv / "bin" / "pytest"), "-p", "no:cacheprovider", "--co", "-q"],
        cwd=user_project.project,
        env={**env, "KUBECONFIG": os.pathsep.join(absent)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "$KUBECONFIG" in done.stderr
    assert "no kubeconfig file exists" in done.stderr
