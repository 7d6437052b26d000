"""A scenario's ``requires:``: read into the model, or refused naming the file, field and what is expected."""

from __future__ import annotations

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader import parse_scenario
from podchaos.model.versions import KubeVersion, parse_version_spec

SCENARIO = """
name: demo-kill
workload:
  target: {{app: web}}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {{name: web, labels: {{app: web}}}}
      spec:
        containers: [{{name: c, image: busybox}}]
faults:
  - {{type: container-kill, container: c}}
expect:
  - {{type: restart-count, container: c, delta: 1}}
{requires}
"""


def parse(requires: str) -> object:
    return parse_scenario(SCENARIO.format(requires=requires), "scenarios/demo-kill.scenario.yaml")


def test_requires_reads_the_kubernetes_versions() -> None:
    scenario = parse_scenario(
        SCENARIO.format(requires='requires: {kubernetes: ">=1.35, <1.37"}'), "demo-kill.scenario.yaml"
    )

    assert scenario.requires.kubernetes == parse_version_spec(">=1.35, <1.37")
    assert scenario.requires.unmet("v1.36.3") is None
    assert scenario.requires.unmet("v1.37.2") == "requires Kubernetes >=1.35, <1.37; the cluster runs v1.37.2"
    assert scenario.requires.kubernetes.matches(KubeVersion(1, 35, 0))


@pytest.mark.parametrize("requires", ["", "requires: {}", "requires: null"])
def test_no_requires_means_any_cluster(requires: str) -> None:
    scenario = parse_scenario(SCENARIO.format(requires=requires), "demo-kill.scenario.yaml")

    assert scenario.requires.kubernetes is None
    assert scenario.requires.unmet("v1.30.0") is None


@pytest.mark.parametrize(
    ("requires", "field", "problem"),
    [
        ("requires: {kubernetes: 1.30}", "requires.kubernetes", "got the number 1.3 (quote it"),
        ("requires: {kubernetes: 2}", "requires.kubernetes", "got the number 2"),
        ("requires: {kubernetes: [1.35]}", "requires.kubernetes", "got a list"),
        (
            'requires: {kubernetes: "1.x"}',
            "requires.kubernetes",
            "expected comparisons of Kubernetes versions",
        ),
        ('requires: {kubernetes: ">=1.37, <1.35"}', "requires.kubernetes", "no Kubernetes version satisfies"),
        ('requires: {kubernets: ">=1.35"}', "requires.kubernets", "unknown field; did you mean kubernetes?"),
        ('requires: ">=1.35"', "requires", "expected a mapping"),
    ],
)
def test_a_bad_requires_names_file_field_and_expectation(requires: str, field: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(requires)

    message = str(caught.value)
    assert message.startswith(f"scenarios/demo-kill.scenario.yaml: {field}: "), message
    assert problem in message, message
