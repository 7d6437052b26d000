"""docs/ci-github-actions.md, run as written as far as the GitHub-hosted parts allow.

The doc's workflow is read from the doc itself. Its steps run here, in order, with bash as GitHub runs
them (``bash --noprofile --norc -eo pipefail``), in a copy of the example project with the podchaos
wheel built from this checkout where the workflow expects it, in a fresh venv:

- "Install podchaos": the doc's exact install line (dependencies from the package index);
- for each matrix group, on a fresh runner state: "Check the scenarios", then "Run the chaos tests"
  with the group's selection, then "Job summary" into a step summary file.

The GitHub-hosted parts stand in as follows: ``actions/checkout`` is the copy, ``setup-python`` the
venv, and "Install kind" a fake ``kind`` command (the one stand-in for a real tool). The fake records
what podchaos asks of kind (the cluster config, the image loads) and hands out the embedded local
cluster, which has two nodes like the doc's kind config, so the scenarios and the chaos test run for
real and must pass. Upload and JUnit-check steps are GitHub's own and are not run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from podchaos.cluster.provider import ClusterAccess

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci-github-actions.md"
EXAMPLE = ROOT / "docs" / "example-project"
BUILD_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "podchaos", "scenarios")
# Variables of this session that must not reach the job's: they would change what pytest or podchaos
# reads, or which Python runs.
LEAKY = re.compile(r"PYTHON(PATH|HOME)|PYTEST_.*|PODCHAOS_.*|KUBECONFIG|VIRTUAL_ENV|COV_CORE_.*")
STEP_TIMEOUT_S = 900

# The fake kind (shared with the plugin tests): logs each command, keeps the clusters in a file, copies
# the config it was created from, and hands out the kubeconfig it is given.
FAKE_KIND = ROOT / "tests" / "fake_kind" / "kind.py"


def workflow_job() -> dict[str, Any]:
    """The doc's ``.github/workflows/chaos.yml`` job."""
    (block,) = [
        text
        for text in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
        if text.startswith("# .github/workflows/chaos.yml\n")
    ]
    job: dict[str, Any] = yaml.safe_load(block)["jobs"]["chaos"]
    return job


def step(job: dict[str, Any], name: str) -> str:
    (found,) = [entry for entry in job["steps"] if entry.get("name") == name]
    script: str = found["run"]
    return script


def kind_kubeconfig(access: ClusterAccess, cluster: str) -> str:
    """The cluster's kubeconfig with its context named as kind names a cluster's (``kind-<name>``)."""
    assert access.kubeconfig is not None
    document = yaml.safe_load(access.kubeconfig.read_text())
    wanted = access.context or document["current-context"]
    (context,) = [entry for entry in document["contexts"] if entry["name"] == wanted]
    context["name"] = f"kind-{cluster}"
    document["contexts"] = [context]
    document["current-context"] = context["name"]
    return json.dumps(document)


@dataclass(frozen=True)
class Runner:
    """A job's workspace: the project copy, the venv's and the fake kind's PATH, the fake's state."""

    project: Path
    env: dict[str, str]
    kind_state: Path

    def run(self, script: str, select: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
        """Run a step's script as GitHub does, ``${{ matrix.select }}`` replaced by ``select``."""
        text = script.replace("${{ matrix.select }}", select)
        assert "${{" not in text, f"an expression the runner would fill in is left: {text}"
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", text],
            cwd=self.project,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
            check=False,
        )

    def kind_calls(self) -> list[list[str]]:
        log = self.kind_state.with_suffix(".log")
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def fresh_runner(self) -> None:
        """A new job: no kind cluster, no reports of an earlier job."""
        for path in (self.kind_state, self.kind_state.with_suffix(".log")):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.project / "build", ignore_errors=True)


def _ok(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 0, f"{what} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def build_wheel(base: Path, env: dict[str, str]) -> Path:
    """The podchaos wheel, built from a copy of this checkout (the checkout is left as it was)."""
    source = base / "podchaos-source"
    for name in BUILD_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    wheels = base / "wheels"
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(wheels),
    ]
    _ok(
        subprocess.run([*command, str(source)], env=env, capture_output=True, text=True, check=False),
        "pip wheel",
    )
    (wheel,) = wheels.glob("podchaos-*.whl")
    return wheel


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory, podchaos_cluster: ClusterAccess) -> Runner:
    base = tmp_path_factory.mktemp("ci-doc")
    env = {name: value for name, value in os.environ.items() if not LEAKY.fullmatch(name)}
    project = base / "shop"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "build", ".pytest_cache"))
    (project / "wheels").mkdir()
    wheel = build_wheel(base, env)
    shutil.copy2(wheel, project / "wheels" / wheel.name)
    venv = base / "venv"  # setup-python's interpreter: `python` and `pytest` on PATH
    _ok(
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
        ),
        "venv",
    )
    fake_bin = base / "fake-bin"
    fake_bin.mkdir()
    (fake_bin / "kind").write_text(f"#!{sys.executable}\n" + FAKE_KIND.read_text())
    (fake_bin / "kind").chmod(0o755)
    # GitHub's runners have Docker: a ``docker info`` that answers keeps kind as it is there.
    (fake_bin / "docker").write_text(f"#!{sys.executable}\n" + FAKE_KIND.with_name("docker.py").read_text())
    (fake_bin / "docker").chmod(0o755)
    kubeconfig = base / "kind-kubeconfig"
    kubeconfig.write_text(kind_kubeconfig(podchaos_cluster, "podchaos"))
    # podchaos's cache of this job (kind kubeconfigs, image archives); the traffic client already built
    # here is reused rather than rebuilt.
    cache = base / "cache"
    built = (
        Path(os.environ.get("PODCHAOS_CACHE_DIR", Path.home() / ".cache" / "podchaos")) / "bin" / "traffic"
    )
    if built.is_dir():
        shutil.copytree(built, cache / "bin" / "traffic")
    job_env = {
        **env,
        "PATH": f"{venv / 'bin'}{os.pathsep}{fake_bin}{os.pathsep}{env.get('PATH', '')}",
        "PODCHAOS_CACHE_DIR": str(cache),
        "FAKE_KIND_STATE": str(base / "kind-state.json"),
        "FAKE_KIND_KUBECONFIG": str(kubeconfig),
        "PUSHGATEWAY_URL": "",
    }
    result = Runner(project, job_env, base / "kind-state.json")
    _ok(result.run(step(workflow_job(), "Install podchaos")), "the doc's install line")
    return result


def test_the_install_line_installs_the_wheel_into_the_jobs_python(runner: Runner) -> None:
    where = runner.run('python -c "import podchaos, sys; print(podchaos.__file__); print(sys.prefix)"')
    _ok(where, "import podchaos")
    module, prefix = where.stdout.split()
    assert Path(module).is_relative_to(prefix)
    assert not Path(module).is_relative_to(ROOT)


@pytest.mark.parametrize(
    "group", workflow_job()["strategy"]["matrix"]["include"], ids=lambda group: group["name"]
)
def test_each_matrix_group_goes_green_as_written(runner: Runner, group: dict[str, str]) -> None:
    job = workflow_job()
    runner.fresh_runner()

    check = runner.run(step(job, "Check the scenarios"), group["select"])
    _ok(check, "Check the scenarios")

    run = runner.run(step(job, "Run the chaos tests"), group["select"])
    _ok(run, "Run the chaos tests")
    assert re.search(r"\d+ passed", run.stdout), run.stdout

    # podchaos created the cluster from the doc's kind config and loaded its images into it.
    calls = runner.kind_calls()
    creates = [call for call in calls if call[:2] == ["create", "cluster"]]
    assert len(creates) == 1, calls
    created_from = runner.kind_state.with_name("created-from.yaml").read_text()
    assert created_from == (runner.project / ".github" / "kind.yaml").read_text()
    loaded = {Path(call[2]).name for call in calls if call[:2] == ["load", "image-archive"]}
    assert {"toolbox.tar", "traffic.tar"} <= loaded, calls

    junit = runner.project / "build" / "podchaos" / "junit.xml"
    assert junit.is_file()
    summary = runner.project / "step-summary.md"
    _ok(runner.run(step(job, "Job summary"), GITHUB_STEP_SUMMARY=str(summary)), "Job summary")
    table = summary.read_text()
    assert "passed" in table
    assert "error" not in table.lower(), table


# --- The team's own Kubernetes world, from the same wheel and venv ---------------------------------------

WORLD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {app}}}}}
  template:
    metadata: {{labels: {{app: {app}}}}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: docker.io/library/busybox:1.35
          imagePullPolicy: IfNotPresent
          command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
          readinessProbe:
            exec: {{command: ["true"]}}
            periodSeconds: 1
"""
WORLD_SCENARIO = """\
name: {name}
workload:
  target: {{app: {app}}}
{workload}
faults:
  - {{type: container-kill, container: app, signal: SIGKILL}}
expect:
  - {{type: restart-count, container: app, delta: 1}}
  - {{type: pod-ready, within: 1m30s}}
timeouts: {{steady: 2m30s, observe: 1m15s, settle: 500ms}}
"""


def split_kubeconfig(access: ClusterAccess, directory: Path) -> list[Path]:
    """The cluster's kubeconfig as two files, as teams keep them: the cluster and its credentials in
    one, in the other a context named as kind names one (``kind-shop``) that refers to them and is
    current."""
    document = json.loads(kind_kubeconfig(access, "shop"))
    (context,) = document.pop("contexts")
    del document["current-context"]
    credentials, contexts = directory / "credentials.yaml", directory / "contexts.yaml"
    credentials.write_text(yaml.safe_dump(document))
    contexts.write_text(
        yaml.safe_dump(
            {"apiVersion": "v1", "kind": "Config", "contexts": [context], "current-context": context["name"]}
        )
    )
    return [contexts, credentials]


def write_world(project: Path) -> None:
    """A project whose workloads are a Helm chart (naming ``.Release.Namespace``) and a kustomization
    (``namespace: team-a``), with an ini file whose report directory the environment overrides."""
    chart = project / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("app: charted\n")
    (chart / "templates" / "deployment.yaml").write_text(
        WORLD_DEPLOYMENT.format(
            name="{{ .Release.Name }}-web", namespace="{{ .Release.Namespace }}", app="{{ .Values.app }}"
        )
    )
    overlay = project / "deploy"
    overlay.mkdir()
    (overlay / "deployment.yaml").write_text(
        WORLD_DEPLOYMENT.format(name="web", namespace="prod", app="kustom")
    )
    (overlay / "kustomization.yaml").write_text("resources: [deployment.yaml]\nnamespace: team-a\n")
    chaos = project / "chaos"
    chaos.mkdir()
    (chaos / "chart-kill.scenario.yaml").write_text(
        WORLD_SCENARIO.format(
            name="chart-kill", app="charted", workload="  helm: {chart: ../charts/web, release: shop}"
        )
    )
    (chaos / "kustomize-kill.scenario.yaml").write_text(
        WORLD_SCENARIO.format(name="kustomize-kill", app="kustom", workload="  kustomize: ../deploy")
    )
    (project / "pytest.ini").write_text(
        "[pytest]\npodchaos_scenario_dirs = chaos\npodchaos_builtin = no\npodchaos_report_dir = ini-reports\n"
    )


def test_a_teams_kubeconfig_chart_and_kustomization_run_from_the_wheel(
    runner: Runner, podchaos_cluster: ClusterAccess
) -> None:
    project = runner.project.parent / "world"
    write_world(project)
    configs = split_kubeconfig(podchaos_cluster, project.parent)
    # No podchaos setting names the cluster: the $KUBECONFIG kubectl would read, merged, decides.
    # podchaos's own builds of helm and kubectl render (neither is on this PATH).
    env = {
        **{k: v for k, v in runner.env.items() if k != "PODCHAOS_CACHE_DIR"},
        "KUBECONFIG": os.pathsep.join(str(path) for path in configs),
        "PODCHAOS_REPORT_DIR": "env-reports",
    }
    done = subprocess.run(
        ["pytest", "-p", "no:cacheprovider", "-rA", "-n", "2"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout
    assert not (project / "ini-reports").exists()
    (results,) = (project / "env-reports").glob("*/results.json")
    report = json.loads(results.read_text())
    assert "context kind-shop" in report["cluster"]["description"]
    notes = {run["scenario"]: run["notes"] for run in report["scenarios"]}
    assert notes == {
        "chart-kill": ["Deployment/shop-web: namespace default replaced by the run's own"],
        "kustomize-kill": ["Deployment/web: namespace team-a replaced by the run's own"],
    }
    assert {run["outcome"] for run in report["scenarios"]} == {"passed"}
