"""Loading faults that wait for a timeline moment (``when``), and the faults that need one: each bad
input is a ScenarioError naming the field path and what was expected."""

from __future__ import annotations

import pytest

from podchaos.errors import ScenarioError
from podchaos.k8s.units import bytes_of
from podchaos.loader import parse_scenario
from podchaos.model import Scenario
from podchaos.model.faults import ContainerFreeze, ContainerKill, EmptyDirFill, StartupProbeFail
from podchaos.model.triggers import Trigger

POD = """\
    - apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        initContainers:
          - {name: setup, image: busybox}
          - {name: proxy, image: busybox, restartPolicy: Always}
        volumes:
          - {name: scratch, emptyDir: {sizeLimit: 32Mi}}
          - {name: cache, emptyDir: {}}
          - {name: ram, emptyDir: {medium: Memory, sizeLimit: 32Mi}}
        containers:
          - name: web
            image: busybox
            startupProbe: {exec: {command: [test, -e, /tmp/started]}}
            volumeMounts:
              - {name: scratch, mountPath: /scratch}
              - {name: cache, mountPath: /cache}
              - {name: ram, mountPath: /ram}
          - {name: plain, image: busybox}
"""


def scenario(*faults: str) -> str:
    listed = "".join(f"  - {fault}\n" for fault in faults)
    return (
        "name: triggers\n"
        f"workload:\n  target: {{app: web}}\n  manifests:\n{POD}"
        f"faults:\n{listed}"
        "expect:\n  - {type: pod-ready, within: 30s}\n"
    )


def parse(*faults: str) -> Scenario:
    return parse_scenario(scenario(*faults), "scenarios/triggers.yaml")


def rejected(*faults: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse(*faults)
    assert caught.value.source == "scenarios/triggers.yaml"
    return caught.value


def test_a_trigger_is_read_into_the_fault() -> None:
    loaded = parse(
        "{type: container-kill, container: web}",
        "{type: container-kill, container: plain, when: {moment: restarted, container: web, restarts: 2,"
        " within: 90s}}",
        "{type: pod-delete, when: {moment: pod-terminating}}",
    )
    assert loaded.faults[0].when is None
    assert loaded.faults[1] == ContainerKill(
        container="plain", when=Trigger(moment="restarted", container="web", restarts=2, within=90.0)
    )
    assert loaded.faults[2].when == Trigger(moment="pod-terminating")


def test_container_kill_takes_a_regular_init_container_only_while_it_runs() -> None:
    loaded = parse("{type: container-kill, container: setup, when: {moment: init-running, container: setup}}")
    assert loaded.faults[0].when == Trigger(moment="init-running", container="setup")
    error = rejected("{type: container-kill, container: setup}")
    assert error.field == "faults[0].container"
    assert "when: {moment: init-running, container: setup}" in error.problem


@pytest.mark.parametrize(
    ("when", "field", "problem"),
    [
        ("{moment: started}", "faults[0].when.moment", "expected one of container-started, init-running"),
        (
            "{moment: container-started}",
            "faults[0].when.container",
            "required for moment 'container-started'",
        ),
        ("{moment: restarted, container: web}", "faults[0].when.restarts", "required for moment 'restarted'"),
        ("{moment: init-running, container: setup, restarts: 2}", "faults[0].when.restarts", "only with"),
        ("{moment: container-started, container: db}", "faults[0].when.container", "got 'db'"),
        (
            "{moment: init-running, container: web}",
            "faults[0].when.container",
            "not a regular init container",
        ),
        ("{moment: init-running, container: proxy}", "faults[0].when.container", "a native sidecar"),
        ("{moment: pod-terminating, within: 0s}", "faults[0].when.within", "expected a duration > 0"),
        ("{moment: pod-terminating, at: 1s}", "faults[0].when.at", "unknown field"),
        ("{moment: restarted, container: web, restarts: 0}", "faults[0].when.restarts", "from 1 to 100"),
        ("[init-running]", "faults[0].when", "expected a mapping"),
    ],
)
def test_a_bad_trigger_names_its_field(when: str, field: str, problem: str) -> None:
    error = rejected(f"{{type: container-kill, container: plain, when: {when}}}")
    assert error.field == field
    assert problem in error.problem


def test_startup_probe_fail_needs_a_new_instance_of_a_container_with_a_startup_probe() -> None:
    loaded = parse(
        "{type: container-kill, container: web}",
        "{type: startup-probe-fail, container: web, path: /tmp/started,"
        " when: {moment: container-started, container: web}}",
    )
    assert loaded.faults[1] == StartupProbeFail(
        container="web", path="/tmp/started", when=Trigger("container-started", "web")
    )
    error = rejected("{type: startup-probe-fail, container: web, path: /tmp/started}")
    assert error.field == "faults[0].when"
    assert "expected when: {moment: container-started, container: web}" in error.problem
    error = rejected(
        "{type: startup-probe-fail, container: plain, path: /tmp/started,"
        " when: {moment: container-started, container: plain}}"
    )
    assert (error.field, "has no startupProbe" in error.problem) == ("faults[0].container", True)


def test_container_freeze_reads_a_duration() -> None:
    assert parse("{type: container-freeze, container: web, duration: 1m}").faults[0] == ContainerFreeze(
        container="web", duration=60.0
    )


@pytest.mark.parametrize(
    ("fault", "field", "problem"),
    [
        ("{container: web, path: /scratch, size: lots}", "faults[0].size", "expected a byte quantity"),
        ("{container: web, path: /scratch, size: 32Mi}", "faults[0].size", "does not exceed"),
        ("{container: web, path: /cache, size: 48Mi}", "faults[0].path", "has no sizeLimit"),
        (
            "{container: web, path: /ram, size: 48Mi}",
            "faults[0].path",
            "its emptyDir mounts: /scratch, /cache",
        ),
        ("{container: plain, path: /scratch, size: 48Mi}", "faults[0].path", "its emptyDir mounts: none"),
        ("{container: web, path: /scratch}", "faults[0].size", "required for fault 'emptydir-fill'"),
    ],
)
def test_emptydir_fill_must_pass_the_sizelimit_of_a_disk_emptydir(
    fault: str, field: str, problem: str
) -> None:
    error = rejected("{type: emptydir-fill, " + fault[1:])
    assert error.field == field
    assert problem in error.problem


def test_emptydir_fill_loads_on_a_path_inside_the_volume() -> None:
    loaded = parse("{type: emptydir-fill, container: web, path: /scratch/logs, size: 48Mi}")
    assert loaded.faults[0] == EmptyDirFill(container="web", path="/scratch/logs", size="48Mi")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("32Mi", 32 * 2**20),
        ("1G", 10**9),
        ("500k", 500_000),
        ("1.5Gi", 3 * 2**29),
        ("100", 100),
        ("3x", None),
        # What the Kubernetes client's parser accepts beyond the common suffixes.
        ("1e3", 1000),
        ("2Ei", 2 * 2**60),
        ("1.5k", 1500),
        ("100m", 1),
        ("-1Mi", None),
        ("1e99999999999", None),
    ],
)
def test_byte_quantities(quantity: str, expected: int | None) -> None:
    assert bytes_of(quantity) == expected
