"""The scenario JSON Schema (`podchaos schema`) and the loader agree: every catalogue file passes both,
and each bad file below is refused by both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from podchaos.catalogue import builtin_scenario_dir, discover
from podchaos.cli import main
from podchaos.errors import ScenarioError
from podchaos.loader import parse_scenario
from podchaos.loader.schema import scenario_schema

VALIDATOR = jsonschema.Draft202012Validator(scenario_schema())

GOOD = """
name: good
tags: [sidecar]
workload:
  target: {app: web}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        containers: [{name: c, image: "docker.io/library/busybox:1.35"}]
faults:
  - {type: container-kill, container: c, signal: SIGKILL, repeat: 2}
expect:
  - {type: restart-count, container: c, delta: 2}
  - {type: pod-ready, within: 30s}
timeouts: {steady: 60s, observe: 2m, settle: 3}
"""

BAD = {
    "unknown top-level key": ("faults:", "fault:"),
    "unknown fault type": ("type: container-kill", "type: container-kil"),
    "signal not a choice": ("signal: SIGKILL", "signal: KILL"),
    "repeat out of bounds": ("repeat: 2", "repeat: 0"),
    "delta not an integer": ("delta: 2", "delta: two"),
    "unknown expectation field": ("delta: 2}", "delta: 2, extra: 1}"),
    "missing required field": (
        "{type: restart-count, container: c, delta: 2}",
        "{type: restart-count, delta: 2}",
    ),
    "duration not a duration": ("within: 30s", "within: soon"),
    "name not a name": ("name: good", "name: Good_One"),
    "tag not a string": ("tags: [sidecar]", "tags: [[sidecar]]"),
    "no faults": ("  - {type: container-kill, container: c, signal: SIGKILL, repeat: 2}\n", ""),
    "unknown timeout": ("settle: 3}", "settle: 3, deploy: 5}"),
    "target value not a string": ("target: {app: web}", "target: {app: 1}"),
}


def schema_errors(document: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(scenario_schema())


@pytest.mark.parametrize("path", list(discover([builtin_scenario_dir()]).values()), ids=lambda p: p.name)
def test_every_catalogue_file_passes_the_schema(path: Path) -> None:
    assert schema_errors(yaml.safe_load(path.read_text())) == []


def test_the_good_file_passes_both() -> None:
    parse_scenario(GOOD, "good.scenario.yaml")
    assert schema_errors(yaml.safe_load(GOOD)) == []


@pytest.mark.parametrize(("old", "new"), list(BAD.values()), ids=list(BAD))
def test_a_bad_file_is_refused_by_both(old: str, new: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    with pytest.raises(ScenarioError):
        parse_scenario(text, "bad.scenario.yaml")
    assert schema_errors(yaml.safe_load(text)), f"the schema accepts what the loader refuses: {new!r}"


def test_podchaos_schema_prints_and_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == scenario_schema()
    target = tmp_path / "scenario.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert json.loads(target.read_text()) == scenario_schema()
