"""Scenario items carry the markers podchaos registers, so a project using --strict-markers runs them."""

from __future__ import annotations

import pytest

SCENARIO = """
name: my-check
tags: [sidecar]
workload:
  target: {app: web}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        containers: [{name: c, image: "docker.io/library/busybox:1.35", imagePullPolicy: IfNotPresent}]
faults:
  - {type: container-kill, container: c}
expect:
  - {type: restart-count, container: c, delta: 1}
"""


def test_scenarios_collect_under_strict_markers(pytester: pytest.Pytester) -> None:
    directory = pytester.mkdir("my-scenarios")
    (directory / "my-check.scenario.yaml").write_text(SCENARIO)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--strict-markers",
        "-W",
        "error",
        f"--podchaos-scenario-dir={directory}",
        "--scenario=my-check",
        "-m",
        "podchaos",
        "--collect-only",
        "-q",
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*my-check.scenario.yaml::my-check"])
