"""Files the loader once accepted silently or crashed on: each is now one ScenarioError naming the field."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader import load_scenario, parse_scenario
from podchaos.model import LastTerminated, Scenario
from podchaos.model.expectations import EventSeen

POD = """\
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web, tier: front}}
      spec:
        containers:
          - {name: web, image: busybox, resources: {limits: {memory: 32Mi}}}
          - {name: proxy, image: busybox}
"""


def scenario(
    fault: str = "{type: container-kill, container: web}",
    expect: str = "{type: pod-ready, within: 30s}",
    target: str = "{app: web}",
    manifests: str = POD,
) -> str:
    return (
        "name: total\n"
        "workload:\n"
        f"  target: {target}\n"
        f"  manifests:\n{manifests}"
        f"faults:\n  - {fault}\n"
        f"expect:\n  - {{type: restart-count, container: web, delta: 1}}\n  - {expect}\n"
    )


def parse(text: str) -> Scenario:
    return parse_scenario(text, "scenarios/total.yaml")


def rejected(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse(text)
    assert caught.value.source == "scenarios/total.yaml"
    assert "\n" not in str(caught.value)
    return caught.value


def test_the_base_scenario_loads() -> None:
    assert parse(scenario()).name == "total"


# --- YAML itself -----------------------------------------------------------------------------------------


def test_a_duplicate_key_is_rejected_with_both_lines_in_a_flow_mapping() -> None:
    error = rejected(scenario(fault="{type: container-kill, container: web, container: proxy}"))
    assert error.field == "faults[0].container"
    assert error.problem == "duplicate key, also on line 13: YAML would keep only the last (line 13)"


def test_a_duplicate_top_level_key_is_rejected() -> None:
    error = rejected(scenario() + "faults: []\n")
    assert error.field == "faults"
    assert error.problem == "duplicate key, also on line 12: YAML would keep only the last (line 17)"


@pytest.mark.parametrize("key", ["5", "null", "true", "[a, b]", "{a: b}"])
def test_a_key_that_is_not_a_string_is_rejected_with_its_path(key: str) -> None:
    error = rejected(scenario(target=f"{{app: web, {key}: x}}"))
    assert error.field == "workload.target"
    assert "keys must be strings" in error.problem


def test_a_quoted_number_key_is_a_string() -> None:
    error = rejected(scenario(target="{app: web, '5': x}"))
    assert error.field == "workload.target"
    assert error.problem.startswith("5=x,app=web matches no pod")


def test_a_key_with_a_line_break_is_shown_escaped_on_one_line() -> None:
    error = rejected(scenario(target='{app: web, "a\\nb": x}'))
    assert error.field == "workload.target.a\\nb"


def test_a_recursive_alias_is_rejected() -> None:
    error = rejected(scenario(target="&t {app: web, again: *t}"))
    assert error.field == "workload.target.again"
    assert "recursive alias" in error.problem


def test_merge_keys_and_plain_aliases_still_load() -> None:
    text = scenario(fault="&kill {type: container-kill, container: web}\n  - {<<: *kill, repeat: 2}")
    assert [getattr(f, "repeat", None) for f in parse(text).faults] == [1, 2]


def test_an_unquoted_date_stays_a_string_as_kubernetes_reads_it() -> None:
    text = scenario(manifests=POD.replace("tier: front", "tier: front, since: 2024-01-31"))
    assert parse(text).workload.manifests[0].body["metadata"]["labels"]["since"] == "2024-01-31"


@pytest.mark.parametrize("tag", ["!!binary aGVsbG8=", "!!set {a, b}", "!!timestamp 2024-01-31", "!custom x"])
def test_tags_beyond_plain_data_are_rejected(tag: str) -> None:
    error = rejected(scenario(manifests=POD.replace("tier: front", f"tier: {tag}")))
    assert error.field == "workload.manifests[0].metadata.labels.tier"
    assert "unsupported YAML tag" in error.problem


def alias_bomb(levels: int = 8) -> str:
    lines = ["        x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"        x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    bomb = "    - apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: bomb}\n      data:\n"
    return scenario(manifests=POD + bomb + "\n".join(lines) + "\n")


def test_an_alias_bomb_is_rejected_at_once(tmp_path: Path) -> None:
    path = tmp_path / "total.yaml"
    path.write_text(alias_bomb())
    assert path.stat().st_size < 1500
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(ScenarioError, match="more than 100000 values once aliases are expanded"):
        load_scenario(path)
    assert time.monotonic() - start < 2.0  # 9**8 values: it took 28 s and 760 MB when they were copied
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB


def test_a_small_shared_alias_is_fine() -> None:
    assert parse(alias_bomb(levels=3)).workload.manifests[1].kind == "ConfigMap"


def test_deep_nesting_is_rejected() -> None:
    error = rejected(scenario(manifests=POD.replace("tier: front", "tier: " + "[" * 200 + "]" * 200)))
    assert "nested deeper than" in error.problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00\x01\x02binary", "not YAML text: a binary file (it has NUL bytes)"),
        ("name: x\n".encode("utf-16"), "not YAML text: a binary file (it has NUL bytes)"),
        (b"name: x\ndescription: caf\xe9\n", "not UTF-8 text: byte 0xe9 on line 2"),
        (b"\xff\xd8\xff\xe0JFIF", "not UTF-8 text: byte 0xff on line 1"),
    ],
)
def test_binary_and_non_utf8_files_are_rejected(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "total.yaml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.source == str(path)
    assert caught.value.problem == problem


def test_a_directory_or_a_huge_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(tmp_path)
    path = tmp_path / "total.yaml"
    path.write_bytes(b"#" * (2 << 20))
    with pytest.raises(ScenarioError, match="larger than 1024 KiB"):
        load_scenario(path)


def test_a_binary_workload_file_names_the_files_field(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    path = tmp_path / "total.yaml"
    path.write_text(scenario().replace(f"  manifests:\n{POD}", "  files: [pod.yaml]\n"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.field == "workload.files[0]"
    assert "pod.yaml: not YAML text" in caught.value.problem


def test_broken_yaml_in_a_workload_file_says_where(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: [Pod\n")
    path = tmp_path / "total.yaml"
    path.write_text(scenario().replace(f"  manifests:\n{POD}", "  files: [pod.yaml]\n"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.field == "workload.files[0] (pod.yaml)"
    assert caught.value.problem.startswith("not valid YAML (line 3, column 1): ")


# --- numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1.0e+999"])
def test_nan_and_infinite_durations_are_rejected(value: str) -> None:
    error = rejected(scenario(expect=f"{{type: pod-ready, within: {value}}}"))
    assert error.field == "expect[1].within"
    assert "expected a finite number" in error.problem


def test_a_duration_over_a_day_is_rejected() -> None:
    error = rejected(scenario(expect="{type: pod-ready, within: 25h}"))
    assert error.problem == "expected a duration of at most 24h, got '25h'"


@pytest.mark.parametrize(
    ("fault", "expect", "field", "problem"),
    [
        (
            "{type: container-kill, container: web, repeat: 1000000000000000000000}",
            "{type: pod-ready, within: 30s}",
            "faults[0].repeat",
            "expected an integer from 1 to 100, got 1e+21",
        ),
        (
            "{type: container-kill, container: web, repeat: 101}",
            "{type: pod-ready, within: 30s}",
            "faults[0].repeat",
            "expected an integer from 1 to 100, got 101",
        ),
        (
            "{type: container-kill, container: web}",
            "{type: last-terminated, container: web, exitCode: 99999}",
            "expect[1].exitCode",
            "expected an integer from 0 to 255, got 99999",
        ),
        (
            "{type: container-kill, container: web}",
            "{type: last-terminated, container: web, exitCode: -1}",
            "expect[1].exitCode",
            "expected an integer from 0 to 255, got -1",
        ),
    ],
)
def test_out_of_range_integers_are_rejected(fault: str, expect: str, field: str, problem: str) -> None:
    error = rejected(scenario(fault=fault, expect=expect))
    assert (error.field, error.problem) == (field, problem)


# --- names and reasons -----------------------------------------------------------------------------------


def test_a_misspelt_phase_suggests_the_right_one() -> None:
    error = rejected(scenario(expect="{type: pod-phase, phase: Runing}"))
    assert error.field == "expect[1].phase"
    assert error.problem == (
        "expected one of Pending, Running, Succeeded, Failed; got 'Runing'; did you mean Running?"
    )


def test_a_misspelt_fault_type_suggests_the_right_one() -> None:
    error = rejected(scenario(fault="{type: container-kil, container: web}"))
    assert error.field == "faults[0].type"
    assert error.problem.endswith("got str 'container-kil'; did you mean container-kill?")


def test_a_fault_type_that_is_a_list_is_rejected() -> None:
    error = rejected(scenario(fault="{type: [container-kill], container: web}"))
    assert error.field == "faults[0].type"
    assert "got a list" in error.problem


@pytest.mark.parametrize(
    ("expect", "meant"),
    [
        ("{type: last-terminated, container: web, reason: OOMKiled}", "OOMKilled"),
        ("{type: last-terminated, container: web, reason: error}", "Error"),
        ("{type: last-terminated, container: web, reason: Complete}", "Completed"),
        ("{type: event-seen, reason: Unheathly}", "Unhealthy"),
        ("{type: event-seen, reason: BackOf}", "BackOff"),
    ],
)
def test_a_misspelt_known_reason_is_rejected(expect: str, meant: str) -> None:
    error = rejected(scenario(expect=expect))
    assert error.field == "expect[1].reason"
    assert error.problem.endswith(f"; did you mean {meant}?")


@pytest.mark.parametrize(
    ("expect", "spec"),
    [
        ("{type: last-terminated, container: web, reason: OOMKilled}", LastTerminated("web", "OOMKilled")),
        ("{type: last-terminated, container: web, reason: Signalled}", LastTerminated("web", "Signalled")),
        ("{type: event-seen, reason: Killing}", EventSeen("Killing")),
        ("{type: event-seen, reason: MyOperatorRestarted}", EventSeen("MyOperatorRestarted")),
    ],
)
def test_known_and_unrelated_reasons_are_accepted(expect: str, spec: object) -> None:
    assert parse(scenario(expect=expect)).expectations[1] == spec


# --- faults on what cannot take them ---------------------------------------------------------------------


def test_oom_kill_on_a_container_without_memory_limit_is_rejected() -> None:
    error = rejected(scenario(fault="{type: oom-kill, container: proxy}"))
    assert error.field == "faults[0].container"
    assert error.problem.startswith(
        "'proxy' has no memory limit (workload.manifests[0].spec.containers[1].resources.limits.memory)"
    )


def test_oom_kill_on_a_container_with_memory_limit_or_a_limit_range_loads() -> None:
    assert parse(scenario(fault="{type: oom-kill, container: web}")).faults[0].type == "oom-kill"
    limit_range = "    - {apiVersion: v1, kind: LimitRange, metadata: {name: mem}, spec: {limits: []}}\n"
    loaded = parse(scenario(fault="{type: oom-kill, container: proxy}", manifests=POD + limit_range))
    assert loaded.faults[0].type == "oom-kill"


# --- contradictions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "field", "problem"),
    [
        (
            "{type: restart-count, container: web, delta: 0}",
            "expect[1].delta",
            "contradicts expect[0]: restart-count of 'web' cannot rise by both 1 and 0",
        ),
        (
            "{type: termination-duration, atLeast: 10s, atMost: 5s}",
            "expect[1].atLeast",
            "expected atLeast <= atMost, got 10s > 5s",
        ),
    ],
)
def test_contradictory_expectations_are_rejected(expect: str, field: str, problem: str) -> None:
    error = rejected(scenario(expect=expect))
    assert (error.field, error.problem) == (field, problem)


def test_kept_and_lost_on_the_same_path_is_rejected() -> None:
    text = scenario(expect="{type: emptydir-kept, container: web, path: /data/x}")
    text += "  - {type: emptydir-lost, container: web, path: /data/x}\n"
    error = rejected(text)
    assert error.field == "expect[2].type"
    assert error.problem == "contradicts expect[1]: /data/x in 'web' cannot be both kept and lost"


def test_the_same_delta_twice_and_kept_and_lost_on_other_paths_load() -> None:
    text = scenario(expect="{type: restart-count, container: web, delta: 1}")
    text += "  - {type: emptydir-kept, container: web, path: /a}\n"
    text += "  - {type: emptydir-lost, container: web, path: /b}\n"
    assert len(parse(text).expectations) == 4


# --- targets ---------------------------------------------------------------------------------------------


def test_a_target_matching_no_pod_lists_the_labels_there_are() -> None:
    error = rejected(scenario(target="{app: api}"))
    assert error.field == "workload.target"
    assert (
        error.problem
        == "app=api matches no pod of the workload; its pods are labelled Pod web: app=web,tier=front"
    )


def test_a_target_on_labels_a_controller_adds_is_accepted() -> None:
    job = (
        "    - apiVersion: batch/v1\n      kind: Job\n      metadata: {name: batch}\n      spec:\n"
        "        template:\n          metadata: {labels: {app: batch}}\n"
        "          spec: {containers: [{name: web}]}\n"
    )
    loaded = parse(scenario(target="{job-name: batch}", manifests=job))
    assert dict(loaded.workload.target) == {"job-name": "batch"}


@pytest.mark.parametrize(
    ("value", "shown"), [("null", "nothing (null)"), ("5", "int 5"), ("true", "bool True")]
)
def test_a_target_label_value_must_be_a_string(value: str, shown: str) -> None:
    error = rejected(scenario(target=f"{{app: {value}}}"))
    assert error.field == "workload.target.app"
    assert error.problem == f"expected a string label value (quote it), got {shown}"


def test_a_target_label_value_must_be_a_valid_label() -> None:
    error = rejected(scenario(target="{app: 'web server'}"))
    assert error.field == "workload.target.app"
    assert "expected a label value" in error.problem


# --- shapes of a pod spec --------------------------------------------------------------------------------

SPEC = "workload.manifests[0].spec"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("spec:\n        containers:", "spec: [a]\n      x:\n        containers:", SPEC),
        ("containers:\n", "containers: 5\n        y:\n", f"{SPEC}.containers"),
        ("{name: proxy, image: busybox}", "[proxy]", f"{SPEC}.containers[1]"),
        ("{name: proxy, image: busybox}", "{name: 7}", f"{SPEC}.containers[1].name"),
        ("resources: {limits: {memory: 32Mi}}", "resources: [memory]", f"{SPEC}.containers[0].resources"),
        ("tier: front", "tier: 3", "workload.manifests[0].metadata.labels.tier"),
    ],
)
def test_a_pod_spec_of_the_wrong_shape_names_the_field(old: str, new: str, field: str) -> None:
    assert old in POD
    error = rejected(scenario(manifests=POD.replace(old, new)))
    assert error.field == field


def test_podchaos_scenarios_reports_a_binary_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from podchaos.cli import main

    (tmp_path / "broken.scenario.yaml").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00")
    assert main(["scenarios", "--podchaos-scenario-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    path = tmp_path / "broken.scenario.yaml"
    assert error == f"podchaos: error: {path}: not YAML text: a binary file (it has NUL bytes)\n"
