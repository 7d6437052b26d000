"""Shared by the plugin tests: small, valid scenario files written into a pytester directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

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
