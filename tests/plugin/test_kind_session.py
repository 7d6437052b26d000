"""The kind provider in a pytest session: its settings (config file, node image, Kubernetes release) are
checked when pytest starts, a failed set-up is tried and reported once per run, and a run that errors
leaves kind's logs next to its report.

Real pytest sessions (pytester) with a fake ``kind`` command on PATH (tests/plugin/fake_kind.py): these
are about what podchaos asks of kind and how often, not about a cluster (logic only; no scenario can
pass here). The sessions' PATH has no Go toolchain, so no image is built.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fake_kind import FakeKindCommand

if TYPE_CHECKING:
    from conftest import ScenarioFiles

ARGS = (
    "-p",
    "no:cacheprovider",
    "--podchaos-report-dir=out",
    "--podchaos-builtin=no",
    "--podchaos-cluster=kind",
    "--podchaos-api-outage=0s",
)
GOOD_CONFIG = (
    "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n"
)


@pytest.fixture
def fake_kind(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> FakeKindCommand:
    fake = FakeKindCommand.install(pytester.path / "fake-kind")
    for name, value in fake.environment().items():
        monkeypatch.setenv(name, value)
    # podchaos's cache (kubeconfigs, configs, image archives) inside the test's directory.
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(pytester.path / "cache"))
    monkeypatch.setenv("PODCHAOS_STATE_DIR", str(pytester.path / "state"))
    monkeypatch.delenv("PODCHAOS_KUBERNETES", raising=False)
    return fake


def run_dir(pytester: pytest.Pytester) -> Path:
    (found,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    return found


def create_command(fake: FakeKindCommand) -> list[str]:
    (create,) = [call for call in fake.calls() if call[:2] == ["create", "cluster"]]
    return create


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one process", "two xdist workers"])
def test_a_failed_kind_create_is_tried_once_and_reported_once(
    pytester: pytest.Pytester,
    scenario_files: ScenarioFiles,
    fake_kind: FakeKindCommand,
    monkeypatch: pytest.MonkeyPatch,
    workers: tuple[str, ...],
) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create cluster")
    monkeypatch.setenv("FAKE_KIND_ERROR", "kubelet never became healthy")
    directory = scenario_files.write("kill-one", "kill-two", "kill-three", "kill-four")

    result = pytester.runpytest_subprocess(
        *ARGS, *workers, f"--podchaos-scenario-dir={directory}", "--scenario=*"
    )

    result.assert_outcomes(errors=4)
    assert fake_kind.count("create cluster") == 1, fake_kind.calls()
    # The whole error once; the other items name its gist in a line.
    errors = sorted(
        str(run["error"]) for run in json.loads((run_dir(pytester) / "results.json").read_text())["scenarios"]
    )
    full = [error for error in errors if error.startswith("ClusterSetupError: `kind create cluster")]
    assert len(full) == 1, errors
    assert "kind's logs of the failed nodes" in full[0]
    references = [error for error in errors if error not in full]
    assert len(references) == 3, errors
    for reference in references:
        assert reference.startswith(
            "ClusterError: the cluster set-up failed earlier in this run and is not tried"
        )
        assert "ERROR: failed to create cluster: kubelet never became healthy" in reference
        assert len(reference.splitlines()) == 1
    # The failed nodes' logs were kept, then the nodes deleted.
    logs = run_dir(pytester) / "kind-logs"
    assert (logs / "kind-version.txt").is_file()
    assert ["delete", "cluster", "--name", "podchaos"] in fake_kind.calls()
    assert "--retain" in create_command(fake_kind)
    result.stdout.fnmatch_lines([f"podchaos: kind's logs: {logs}"])


def test_a_run_that_errors_leaves_kinds_logs_next_to_the_report(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles, fake_kind: FakeKindCommand
) -> None:
    # The fake's cluster "comes up", but its API server does not answer: the run errors.
    directory = scenario_files.write("kill-one")

    result = pytester.runpytest_subprocess(*ARGS, f"--podchaos-scenario-dir={directory}", "--scenario=*")

    result.assert_outcomes(errors=1)
    logs = run_dir(pytester) / "kind-logs"
    assert ["export", "logs", str(logs), "--name", "podchaos"] in fake_kind.calls()
    assert (logs / "kind-version.txt").is_file()
    assert (run_dir(pytester) / "results.json").is_file()
    result.stdout.fnmatch_lines([f"podchaos: kind's logs: {logs}"])
    # The cluster is podchaos's own, created with a control plane and two workers, and kept.
    create = create_command(fake_kind)
    config = Path(create[create.index("--config") + 1]).read_text()
    assert config.count("role: worker") == 2
    assert fake_kind.count("delete cluster") == 0


def test_the_kind_settings_reach_kind_create(
    pytester: pytest.Pytester,
    scenario_files: ScenarioFiles,
    fake_kind: FakeKindCommand,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create cluster")
    monkeypatch.setenv("PODCHAOS_KIND_IMAGE", "registry.example/node:v1.36.3")
    (pytester.path / "ci").mkdir()
    (pytester.path / "ci" / "kind.yaml").write_text(GOOD_CONFIG)
    # The ini file's path is relative to the ini file.
    pytester.makeini("[pytest]\npodchaos_kind_config = ci/kind.yaml\n")
    directory = scenario_files.write("kill-one")

    result = pytester.runpytest_subprocess(*ARGS, f"--podchaos-scenario-dir={directory}", "--scenario=*")

    result.assert_outcomes(errors=1)
    create = create_command(fake_kind)
    assert create[create.index("--image") + 1] == "registry.example/node:v1.36.3"
    assert Path(create[create.index("--config") + 1]).read_text() == GOOD_CONFIG


def test_a_kubernetes_release_with_kind_is_its_node_image(
    pytester: pytest.Pytester,
    scenario_files: ScenarioFiles,
    fake_kind: FakeKindCommand,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create cluster")
    directory = scenario_files.write("kill-one")

    result = pytester.runpytest_subprocess(
        *ARGS, "--podchaos-kubernetes=1.36.3", f"--podchaos-scenario-dir={directory}", "--scenario=*"
    )

    result.assert_outcomes(errors=1)
    create = create_command(fake_kind)
    assert create[create.index("--image") + 1] == "kindest/node:v1.36.3"


@pytest.mark.parametrize(
    ("args", "ini", "problem"),
    [
        (
            ("--podchaos-kind-config=kind.yaml",),
            "",
            "--podchaos-kind-config: kind config {path}/kind.yaml: nodes[1].rol: not a field of a kind node",
        ),
        (
            (),
            "podchaos_kind_config = kind.yaml",
            "podchaos_kind_config: kind config {path}/kind.yaml: nodes[1].rol: not a field of a kind node",
        ),
        (
            ("--podchaos-kind-config=absent.yaml",),
            "",
            "--podchaos-kind-config: kind config {path}/absent.yaml: cannot be read",
        ),
        (
            ("--podchaos-kind-image=my/node:1", "--podchaos-kubernetes=1.36.3"),
            "",
            "--podchaos-kind-image and --podchaos-kubernetes: name the node image or the Kubernetes release",
        ),
        (
            ("--podchaos-cluster=local", "--podchaos-kind-image=my/node:1"),
            "",
            "--podchaos-kind-image: applies to --podchaos-cluster=kind, not to the local provider",
        ),
    ],
)
def test_a_bad_kind_setting_is_a_usage_error_before_anything_runs(
    pytester: pytest.Pytester,
    scenario_files: ScenarioFiles,
    fake_kind: FakeKindCommand,
    args: tuple[str, ...],
    ini: str,
    problem: str,
) -> None:
    (pytester.path / "kind.yaml").write_text(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- rol: worker\n"
    )
    pytester.makeini(f"[pytest]\n{ini}\n")
    directory = scenario_files.write("kill-one")

    result = pytester.runpytest_subprocess(*ARGS, *args, f"--podchaos-scenario-dir={directory}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problem.format(path=pytester.path) in result.stderr.str()
    assert fake_kind.calls() == []


def test_kind_settings_in_the_ini_file_are_left_unused_by_another_provider(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles, fake_kind: FakeKindCommand
) -> None:
    # A project's CI setting must not stop a local `pytest --podchaos-dry-run`.
    pytester.makeini("[pytest]\npodchaos_kind_config = no-such.yaml\npodchaos_kind_image = my/node:1\n")
    directory = scenario_files.write("kill-one")

    result = pytester.runpytest_subprocess(
        *ARGS, "--podchaos-cluster=local", "--podchaos-dry-run", f"--podchaos-scenario-dir={directory}"
    )

    result.assert_outcomes(skipped=1)  # a dry run's item: skipped, its plan the reason
    assert fake_kind.calls() == []


def test_the_readme_options_table_lists_the_kind_settings() -> None:
    from podchaos.pytest_plugin.settings import BY_DEST

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("### Options", 1)[1].split("```", 1)[0]
    for dest in (
        "podchaos_kind_cluster",
        "podchaos_kind_config",
        "podchaos_kind_image",
        "podchaos_kubernetes",
    ):
        setting = BY_DEST[dest]
        (row,) = [line for line in table.splitlines() if line.startswith(f"| `{setting.option} ")]
        assert f"| `{setting.env}` | `{setting.ini}` |" in row, row  # columns in precedence order
