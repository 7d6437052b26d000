"""Shared by the plugin tests: small, valid scenario files written into a pytester directory, and a
cluster environment of their own: the machine's $KUBECONFIG, ~/.kube/config and PODCHAOS_ settings
never reach the pytest sessions under test (pytester points HOME at its directory)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from podchaos.pytest_plugin.settings import SETTINGS

# An existing kubeconfig whose only context looks like production: a session given it errors each
# run when it first needs the cluster (the guard refuses the context before any connection).
UNSAFE_KUBECONFIG_NAME = "unsafe-kubeconfig"
UNSAFE_KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: prod, cluster: {server: "https://prod.example.com:6443"}}]
contexts: [{name: prod, context: {cluster: prod}}]
current-context: prod
"""
NO_CLUSTER = ("--podchaos-cluster=existing", f"--podchaos-kubeconfig={UNSAFE_KUBECONFIG_NAME}")

SCENARIO = """
name: {name}
description: {name} demo
workload:
  target: {{app: web}}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {{name: web, labels: {{app: web}}}}
      spec:
        containers: [{{name: c, image: "docker.io/library/busybox:1.35", imagePullPolicy: IfNotPresent}}]
faults:
  - {{type: container-kill, container: c}}
expect:
  - {{type: restart-count, container: c, delta: 1}}
"""


@dataclass(frozen=True)
class ScenarioFiles:
    """Writes one-container, one-kill scenarios named as asked (the file name matches the scenario's)."""

    pytester: pytest.Pytester

    @staticmethod
    def text(name: str) -> str:
        """The YAML of the scenario ``name``."""
        return SCENARIO.format(name=name)

    def write(self, *names: str, folder: str = "my-scenarios") -> Path:
        """A new folder of the test's directory holding ``<name>.scenario.yaml`` for each name; the folder."""
        directory = self.pytester.mkdir(folder)
        for name in names:
            (directory / f"{name}.scenario.yaml").write_text(self.text(name))
        return directory


@pytest.fixture
def scenario_files(pytester: pytest.Pytester) -> ScenarioFiles:
    """Scenario files for the pytester session under test."""
    return ScenarioFiles(pytester)


@pytest.fixture(autouse=True)
def isolated_cluster_environment(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """No kubeconfig or podchaos setting of the machine running the tests; a pytester directory holds
    the unsafe kubeconfig ``NO_CLUSTER`` names."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    if "pytester" in request.fixturenames:
        pytester: pytest.Pytester = request.getfixturevalue("pytester")
        (pytester.path / UNSAFE_KUBECONFIG_NAME).write_text(UNSAFE_KUBECONFIG)
