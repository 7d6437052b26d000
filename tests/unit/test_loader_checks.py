"""Scenario checks beyond field types: container names against the workload, durations, bounds.

(That every catalogue scenario loads is tested in test_loader.py.)
"""

from __future__ import annotations

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader import parse_scenario
from podchaos.model import ContainerKill, Scenario
from podchaos.model.expectations import RestartBackoff, TerminationDuration
from podchaos.model.faults import NodeDrain, PodDelete, ProbeFail

POD_SPEC = """\
        initContainers: [{name: setup, image: busybox}]
        containers: [{name: web, image: busybox}, {name: proxy, image: busybox}]
"""

POD = f"""\
    - apiVersion: v1
      kind: Pod
      metadata: {{name: web, labels: {{app: web}}}}
      spec:
{POD_SPEC}"""

DEPLOYMENT = """\
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            initContainers: [{name: setup, image: busybox}]
            containers: [{name: web, image: busybox}, {name: proxy, image: busybox}]
"""

CUSTOM = """\
    - apiVersion: example.com/v1
      kind: Widget
      metadata: {name: web}
"""

WORKLOADS = {"pod": POD, "deployment": DEPLOYMENT}


def scenario(
    fault: str = "{type: container-kill, container: web}",
    expect: str = "{type: restart-count, container: web, delta: 1}",
    manifests: str = POD,
) -> str:
    return (
        "name: checks\n"
        "workload:\n"
        "  target: {app: web}\n"
        f"  manifests:\n{manifests}"
        f"faults:\n  - {fault}\n"
        f"expect:\n  - {{type: pod-ready, within: 30s}}\n  - {expect}\n"
    )


def parse(text: str) -> Scenario:
    return parse_scenario(text, "scenarios/checks.yaml")


def rejected(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse(text)
    assert caught.value.source == "scenarios/checks.yaml"
    return caught.value


# --- container names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("workload", WORKLOADS)
def test_fault_naming_an_absent_container_lists_the_workloads_containers(workload: str) -> None:
    error = rejected(scenario(fault="{type: container-kill, container: db}", manifests=WORKLOADS[workload]))
    assert error.field == "faults[0].container"
    assert error.problem == "expected a container of the workload (setup, web, proxy), got 'db'"
    assert str(error).startswith("scenarios/checks.yaml: faults[0].container: ")


@pytest.mark.parametrize("workload", WORKLOADS)
def test_expectation_naming_an_absent_container_names_its_index(workload: str) -> None:
    error = rejected(
        scenario(expect="{type: log-seen, container: sidecar, contains: bye}", manifests=WORKLOADS[workload])
    )
    assert error.field == "expect[1].container"
    assert "(setup, web, proxy)" in error.problem
    assert "got 'sidecar'" in error.problem


@pytest.mark.parametrize("workload", WORKLOADS)
def test_native_sidecars_and_regular_containers_take_faults(workload: str) -> None:
    sidecar = WORKLOADS[workload].replace(
        "{name: setup, image: busybox}", "{name: setup, restartPolicy: Always}"
    )
    loaded = parse(
        scenario(
            fault="{type: container-kill, container: setup}",
            expect="{type: restart-backoff, container: proxy}",
            manifests=sidecar,
        )
    )
    assert loaded.faults == (ContainerKill(container="setup"),)
    assert loaded.expectations[1] == RestartBackoff(container="proxy", restarts=3)


@pytest.mark.parametrize("workload", WORKLOADS)
def test_a_fault_on_a_regular_init_container_is_rejected(workload: str) -> None:
    error = rejected(
        scenario(fault="{type: container-kill, container: setup}", manifests=WORKLOADS[workload])
    )
    assert error.field == "faults[0].container"
    assert "'setup' is a regular init container" in error.problem
    assert "restartPolicy: Always" in error.problem


def test_container_names_are_not_checked_without_a_pod_spec() -> None:
    loaded = parse(scenario(fault="{type: container-kill, container: anything}", manifests=CUSTOM))
    assert loaded.faults == (ContainerKill(container="anything"),)


# --- durations in float fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "seconds"), [('"8s"', 8.0), ("2m", 120.0), ("5", 5.0), ("500ms", 0.5)])
def test_probe_fail_duration_accepts_durations(written: str, seconds: float) -> None:
    fault = f"{{type: probe-fail, container: web, path: /www/ready, duration: {written}}}"
    assert parse(scenario(fault=fault)).faults == (
        ProbeFail(container="web", path="/www/ready", duration=seconds),
    )


def test_node_drain_timeout_and_termination_bounds_accept_durations() -> None:
    loaded = parse(
        scenario(
            fault="{type: node-drain, timeout: 90s}",
            expect="{type: termination-duration, atLeast: 2s, atMost: 1m}",
        )
    )
    assert loaded.faults == (NodeDrain(timeout=90.0),)
    assert loaded.expectations[1] == TerminationDuration(at_least=2.0, at_most=60.0)


@pytest.mark.parametrize(
    ("fault", "field", "problem"),
    [
        (
            "{type: probe-fail, container: web, path: /x, duration: soon}",
            "faults[0].duration",
            "expected a duration (seconds, or '30s', '2m', '500ms'), got 'soon'",
        ),
        ("{type: node-drain, timeout: 3 days}", "faults[0].timeout", "expected a duration"),
        ("{type: node-drain, timeout: true}", "faults[0].timeout", "got True"),
        ("{type: node-drain, timeout: -5}", "faults[0].timeout", "expected a duration >= 0, got -5"),
    ],
)
def test_junk_durations_are_rejected_with_the_field_path(fault: str, field: str, problem: str) -> None:
    error = rejected(scenario(fault=fault))
    assert error.field == field
    assert problem in error.problem


# --- bounds ----------------------------------------------------------------------------------------------


def test_container_kill_repeat_must_be_from_1_to_100() -> None:
    error = rejected(scenario(fault="{type: container-kill, container: web, repeat: 0}"))
    assert error.field == "faults[0].repeat"
    assert error.problem == "expected an integer from 1 to 100, got 0"
    loaded = parse(scenario(fault="{type: container-kill, container: web, repeat: 3}"))
    assert loaded.faults == (ContainerKill(container="web", repeat=3),)


def test_restart_backoff_restarts_must_be_from_1_to_100() -> None:
    error = rejected(scenario(expect="{type: restart-backoff, container: web, restarts: 0}"))
    assert error.field == "expect[1].restarts"
    assert error.problem == "expected an integer from 1 to 100, got 0"


def test_restart_backoff_cap_is_a_duration_the_kubelet_accepts() -> None:
    loaded = parse(scenario(expect="{type: restart-backoff, container: web, restarts: 4, cap: 20s}"))
    assert loaded.expectations[1] == RestartBackoff(container="web", restarts=4, cap=20.0)
    for cap, shown in (("500ms", "0.5s"), ("6m", "360s")):
        error = rejected(scenario(expect=f"{{type: restart-backoff, container: web, cap: {cap}}}"))
        assert error.field == "expect[1].cap"
        assert error.problem == f"expected a back-off cap from 1s to 300s (the kubelet's range), got {shown}"
    error = rejected(scenario(expect="{type: restart-backoff, container: web, cap: soon}"))
    assert (error.field, error.problem) == (
        "expect[1].cap",
        "expected a duration (seconds, or '30s', '2m', '500ms'), got 'soon'",
    )


def test_restart_count_delta_zero_is_still_allowed() -> None:
    loaded = parse(scenario(expect="{type: restart-count, container: web, delta: 0}"))
    assert loaded.expectations[1].delta == 0  # type: ignore[union-attr]


# --- pod-delete grace period -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "grace", "force"),
    [
        ("{type: pod-delete, gracePeriod: 3}", 3.0, False),
        ("{type: pod-delete, gracePeriod: 3s}", 3.0, False),
        ("{type: pod-delete, gracePeriod: 1m}", 60.0, False),
        ("{type: pod-delete, gracePeriod: 0, force: true}", 0.0, True),
        ("{type: pod-delete, force: true}", None, True),
        ("{type: pod-delete}", None, False),
    ],
)
def test_pod_delete_whole_grace_periods_are_accepted(fault: str, grace: float | None, force: bool) -> None:
    assert parse(scenario(fault=fault)).faults == (PodDelete(grace_period=grace, force=force),)


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ("{type: pod-delete, gracePeriod: 0.4}", "expected a whole number of seconds, got 0.4s"),
        ("{type: pod-delete, gracePeriod: 500ms}", "expected a whole number of seconds, got 0.5s"),
        ("{type: pod-delete, gracePeriod: 2.5s}", "expected a whole number of seconds, got 2.5s"),
        ("{type: pod-delete, gracePeriod: 0}", "grace 0 is a force delete: write force: true"),
        ("{type: pod-delete, gracePeriod: 5, force: true}", "force deletes with grace 0; got 5s"),
    ],
)
def test_pod_delete_grace_period_that_the_api_would_change_is_rejected(fault: str, problem: str) -> None:
    error = rejected(scenario(fault=fault))
    assert error.field == "faults[0].gracePeriod"
    assert problem in error.problem
    assert str(error).startswith("scenarios/checks.yaml: faults[0].gracePeriod: ")
