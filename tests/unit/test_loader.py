"""Scenario files to models: valid files load, invalid ones name the file, the field and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader import load_scenario, parse_scenario
from podchaos.model import ContainerKill, LastTerminated, PodDelete, PodReady, RestartCount

POD = """
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        containers: [{name: c, image: busybox}]
"""

VALID = f"""
name: demo-kill
description: a demo
workload:
  target: {{app: web}}
  manifests:{POD}
faults:
  - type: container-kill
    container: c
expect:
  - {{type: restart-count, container: c, delta: 1}}
  - {{type: last-terminated, container: c, reason: Error, exitCode: 137}}
  - {{type: pod-ready, within: 2m}}
timeouts:
  steady: 30s
  observe: 500ms
"""


def parse(text: str) -> object:
    return parse_scenario(text, "scenarios/x.yaml")


def test_valid_scenario_loads_into_frozen_models() -> None:
    scenario = parse_scenario(VALID, "demo.yaml")
    assert scenario.name == "demo-kill"
    assert scenario.faults == (ContainerKill(container="c", signal="SIGKILL"),)
    assert scenario.expectations == (
        RestartCount(container="c", delta=1),
        LastTerminated(container="c", reason="Error", exit_code=137),
        PodReady(within=120.0),
    )
    assert scenario.steady_timeout == 30.0
    assert scenario.observe_timeout == 0.5
    assert scenario.workload.target_selector == "app=web"
    assert scenario.workload.manifests[0].kind == "Pod"
    with pytest.raises(TypeError):
        scenario.workload.manifests[0].body["kind"] = "Service"  # type: ignore[index]


def test_manifest_copy_is_mutable_and_independent() -> None:
    scenario = parse_scenario(VALID, "demo.yaml")
    first = scenario.workload.manifests[0].to_dict()
    first["metadata"]["name"] = "changed"
    assert scenario.workload.manifests[0].to_dict()["metadata"]["name"] == "web"


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        (
            "    container: c\nexpect",
            "    container: c\n    signal: KILL\nexpect",
            "faults[0].signal",
            "expected one of SIGKILL, SIGTERM; got 'KILL'",
        ),
        ("type: container-kill", "type: container-explode", "faults[0].type", "expected a fault type"),
        ("delta: 1", "delta: one", "expect[0].delta", "expected an integer, got str 'one'"),
        ("within: 2m", "within: soon", "expect[2].within", "expected a duration"),
        ("name: demo-kill", "name: Demo_Kill", "name", "lowercase letters"),
        ("  target: {app: web}\n", "", "workload.target", "expected a mapping, got nothing"),
        ("exitCode: 137", "exitcode: 137", "expect[1].exitcode", "unknown field"),
        ("steady: 30s", "steady: -3", "timeouts.steady", "expected a duration >= 0"),
        (
            "kind: Pod\n",
            "kind: PriorityClass\n",
            "workload.manifests[0].kind",
            "PriorityClass is cluster-scoped: a run creates objects only in its own namespace",
        ),
    ],
)
def test_invalid_field_is_named_with_what_was_expected(old: str, new: str, field: str, problem: str) -> None:
    assert old in VALID
    with pytest.raises(ScenarioError) as caught:
        parse(VALID.replace(old, new))
    assert caught.value.source == "scenarios/x.yaml"
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"scenarios/x.yaml: {field}: ")


def test_missing_required_field_of_a_fault() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(VALID.replace("    container: c\nexpect", "expect"))
    assert caught.value.field == "faults[0].container"
    assert "required for fault 'container-kill'" in caught.value.problem


def test_broken_yaml_reports_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse("name: [unclosed\n")
    assert "not valid YAML" in str(caught.value)
    assert "line" in caught.value.field


def test_pod_delete_defaults_and_force() -> None:
    scenario = parse_scenario(
        VALID.replace("type: container-kill\n    container: c", "type: pod-delete\n    force: true"), "x.yaml"
    )
    assert scenario.faults == (PodDelete(grace_period=None, force=True),)


def test_workload_files_are_read_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n"
    )
    text = VALID.replace(f"  manifests:{POD}", "  files: [pod.yaml]\n")
    path = tmp_path / "demo-kill.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    assert [m.kind for m in scenario.workload.manifests] == ["Pod", "Service"]


def test_missing_workload_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "demo-kill.yaml"
    path.write_text(VALID.replace(f"  manifests:{POD}", "  files: [nope.yaml]\n"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.field == "workload.files[0]"
    assert "nope.yaml" in caught.value.problem


def test_every_catalogue_scenario_is_valid() -> None:
    catalogue = Path(__file__).resolve().parents[2] / "scenarios"
    files = sorted(catalogue.glob("*.scenario.yaml"))
    assert files, "the catalogue is empty"
    for path in files:
        scenario = load_scenario(path)
        assert scenario.name == path.name.removesuffix(".scenario.yaml")


def test_a_namespace_the_manifest_names_is_replaced_by_the_run_s_and_the_plan_says_so() -> None:
    from podchaos.engine.plan import describe_plan

    scenario = parse_scenario(
        VALID.replace("metadata: {name: web,", "metadata: {namespace: prod, name: web,"), "x"
    )
    (manifest,) = scenario.workload.manifests
    assert manifest.moved_from == "prod"
    assert "namespace" not in manifest.to_dict()["metadata"]
    assert scenario.workload.notes == ("Pod/web: namespace prod replaced by the run's own",)
    assert "    Pod/web (its namespace prod replaced by the run's)" in describe_plan(scenario)
    assert parse_scenario(VALID, "x").workload.notes == ()
