"""``repeat:`` and ``repetitions:`` in scenario files: read into the model, bad values named precisely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader.scenario import parse_scenario
from podchaos.model.repetitions import PassRate, RecoveryWithin

BASE = """
name: web-kill
workload:
  target: {app: web}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        containers: [{name: c, image: "docker.io/library/busybox:1.35"}]
faults:
  - {type: container-kill, container: c}
expect:
  - {type: restart-count, container: c, delta: 1}
"""


def test_repeat_and_expectations_over_repetitions_are_read() -> None:
    text = BASE + (
        "repeat: 20\n"
        "repetitions:\n"
        "  - {type: pass-rate, atLeast: 0.9}\n"
        "  - {type: recovery-within, step: ready, within: 10s, share: 0.95}\n"
    )
    scenario = parse_scenario(text, "web-kill.scenario.yaml")
    assert scenario.repeat == 20
    assert scenario.repetitions == (PassRate(0.9), RecoveryWithin("ready", 10.0, 0.95))
    plain = parse_scenario(BASE, "web-kill.scenario.yaml")
    assert (plain.repeat, plain.repetitions) == (1, ())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("repeat: 0", "repeat: expected an integer from 1 to 100, got int 0"),
        ("repeat: true", "repeat: expected an integer from 1 to 100, got bool True"),
        (
            "repetitions: [{type: pass-rate, atLeast: 1.5}]",
            "repetitions[0].atLeast: expected a share of the runs",
        ),
        (
            "repetitions: [{type: recovery-within, step: redy, within: 5s}]",
            "repetitions[0].step: expected one of not_ready, container_restart, ready",
        ),
        ("repetitions: [{type: passrate, atLeast: 0.5}]", "did you mean pass-rate"),
        ("repetitions: [{type: recovery-within, step: ready}]", "repetitions[0].within: required"),
        (
            "repetitions: [{type: pass-rate, atLeast: 0.5}, {type: pass-rate, atLeast: 0.5}]",
            "repetitions[1]: the same expectation twice",
        ),
    ],
)
def test_bad_repetition_settings_name_the_field(extra: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(BASE + extra + "\n", "web-kill.scenario.yaml")
    assert message in str(caught.value)
    assert "web-kill.scenario.yaml" in str(caught.value)


def test_the_readme_example_of_repetitions_is_valid() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (example,) = [
        b for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL) if b.startswith("repeat:")
    ]
    scenario = parse_scenario(BASE + example, "web-kill.scenario.yaml")
    assert scenario.repeat == 20
    assert scenario.repetitions == (PassRate(0.9), RecoveryWithin("ready", 10.0, 0.95))
