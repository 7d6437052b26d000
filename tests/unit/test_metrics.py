"""Recovery times from timelines, the metrics registry, the textfile export and summing over workers."""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

import podchaos.model.run
from podchaos.errors import MetricsError
from podchaos.model import (
    ContainerSnapshot,
    ExpectationResult,
    FaultRecord,
    LastTerminated,
    Outcome,
    PodDelete,
    PodGone,
    PodReady,
    PodSnapshot,
    RestartCount,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    TimelineEntry,
    Verdict,
)
from podchaos.model.measure import (
    EndpointObservation,
    Measurements,
    endpoint_times,
    measure,
)
from podchaos.model.timeline import EndpointsSnapshot, EndpointState, Termination
from podchaos.report import metrics
from podchaos.report.files import read_runs, write_run
from podchaos.report.html import render_html
from podchaos.report.json_report import run_to_dict


def container(
    at: float,
    restarts: int,
    state: str = "running",
    uid: str = "u1",
    name: str = "log-agent",
    ready: bool = True,
) -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod="orders",
        pod_uid=uid,
        container=name,
        role="main",
        state=state,  # type: ignore[arg-type]
        reason="Error" if state == "terminated" else "",
        restart_count=restarts,
        ready=ready and state == "running",
        container_id=f"containerd://{name}-{restarts}",
        last_termination=Termination("Error", 137) if restarts else None,
    )


def pod(
    at: float, uid: str, node: str, ready: bool, deleting: bool = False, name: str = "orders"
) -> PodSnapshot:
    return PodSnapshot(
        at=at,
        pod=name,
        pod_uid=uid,
        node=node,
        phase="Running" if node else "Pending",
        ready=ready,
        deleting=deleting,
    )


def timeline(*entries: TimelineEntry) -> Timeline:
    return Timeline().plus(*entries)


KILL = FaultRecord(
    at=10.0, fault="container-kill", pod="orders", pod_uid="u1", container="log-agent", detail=""
)
DELETE = FaultRecord(at=5.0, fault="pod-delete", pod="web-a", pod_uid="a", container="", detail="")


def sidecar_kill() -> Timeline:
    """A sidecar killed at 10s: terminated, pod not Ready, restarted, Ready again."""
    return timeline(
        pod(1.0, "u1", "node-1", True),
        container(1.0, 0),
        KILL,
        container(10.4, 0, state="terminated"),
        pod(10.5, "u1", "node-1", False),
        container(11.2, 1),
        pod(11.9, "u1", "node-1", True),
    )


def deployment_pod_delete() -> Timeline:
    """web-a deleted at 5s; web-c replaces it on node-2; web-b, another replica, is Ready throughout."""
    return timeline(
        pod(1.0, "a", "node-1", True, name="web-a"),
        pod(1.0, "b", "node-1", True, name="web-b"),
        DELETE,
        pod(5.2, "a", "node-1", True, deleting=True, name="web-a"),
        pod(5.6, "c", "", False, name="web-c"),
        pod(5.9, "c", "node-2", False, name="web-c"),
        pod(6.0, "b", "node-1", True, name="web-b"),
        PodGone(at=7.0, pod="web-a", pod_uid="a"),
        pod(8.5, "c", "node-2", True, name="web-c"),
    )


# --- recovery times ------------------------------------------------------------------------------------


def test_container_kill_recovery_times_are_relative_to_the_fault() -> None:
    assert measure(sidecar_kill()) == Measurements(not_ready_s=0.5, container_restart_s=1.2, ready_s=1.9)


def test_pod_delete_counts_the_replacement_and_not_the_other_replica() -> None:
    measured = measure(deployment_pod_delete())
    # Terminating at 5.2 is the loss; web-b Ready at 6.0 is no recovery; web-c on node-2 is.
    assert measured.not_ready_s == pytest.approx(0.2)
    assert measured.ready_s == pytest.approx(3.5)
    assert measured.rescheduled_s == pytest.approx(0.9)
    assert measured.container_restart_s is None


def test_replacement_on_the_same_node_is_not_rescheduled() -> None:
    same_node = timeline(
        pod(1.0, "a", "node-1", True, name="web-a"),
        DELETE,
        PodGone(at=6.0, pod="web-a", pod_uid="a"),
        pod(6.5, "c", "node-1", True, name="web-c"),
    )
    measured = measure(same_node)
    assert measured.rescheduled_s is None
    assert measured.not_ready_s == pytest.approx(1.0)
    assert measured.ready_s == pytest.approx(1.5)


def test_restart_counts_from_the_value_at_fault_time() -> None:
    restarted_before = timeline(
        container(1.0, 3), KILL, container(10.2, 3, state="terminated"), container(12, 4)
    )
    assert measure(restarted_before).container_restart_s == pytest.approx(2.0)


def test_restart_of_another_container_or_pod_is_not_the_faulted_one() -> None:
    others = timeline(
        container(1.0, 0),
        container(1.0, 0, name="app"),
        KILL,
        container(11.0, 1, name="app"),
        container(11.5, 1, uid="u2"),
    )
    assert measure(others).container_restart_s is None


def test_pod_that_never_lost_readiness_has_no_recovery_times() -> None:
    steady = timeline(pod(1.0, "u1", "node-1", True), KILL, pod(12.0, "u1", "node-1", True))
    assert measure(steady) == Measurements()


def test_never_ready_again_has_a_loss_but_no_recovery() -> None:
    stuck = timeline(pod(1.0, "u1", "node-1", True), KILL, pod(10.5, "u1", "node-1", False))
    measured = measure(stuck)
    assert measured.not_ready_s == pytest.approx(0.5)
    assert measured.ready_s is None


def test_no_fault_means_no_measurements() -> None:
    assert (
        measure(timeline(pod(1.0, "u1", "node-1", True), pod(2.0, "u1", "node-1", False))) == Measurements()
    )


def test_endpoint_removal_and_return() -> None:
    observations = [
        EndpointObservation(1.0, "a", True),
        EndpointObservation(5.3, "b", True),
        EndpointObservation(5.4, "a", False),
        EndpointObservation(6.0, "b", True),
        EndpointObservation(8.8, "c", True),
    ]
    assert endpoint_times(observations, DELETE, replacements=["c"]) == (5.4, 8.8)
    assert endpoint_times(observations[:4], DELETE, replacements=["c"]) == (5.4, None)
    assert endpoint_times((), DELETE) == (None, None)


def test_without_endpoint_data_nothing_is_measured_for_endpoints() -> None:
    measured = measure(deployment_pod_delete())
    assert (measured.endpoint_removed_s, measured.endpoint_returned_s) == (None, None)


def test_junit_properties_name_only_the_steps_seen() -> None:
    assert measure(sidecar_kill()).properties() == (
        ("podchaos_recovery_not_ready_s", 0.5),
        ("podchaos_recovery_container_restart_s", 1.2),
        ("podchaos_recovery_ready_s", 1.9),
    )


# --- the registry --------------------------------------------------------------------------------------


def passed(result: RestartCount | PodReady) -> ExpectationResult:
    return ExpectationResult(result, Outcome.PASSED, "x", "x")


def failed(result: RestartCount | PodReady | LastTerminated) -> ExpectationResult:
    return ExpectationResult(result, Outcome.FAILED, "x", "y")


def run(
    scenario: str,
    timeline_: Timeline,
    results: Iterable[ExpectationResult] = (),
    duration: float = 20.0,
    error: str = "",
    namespace: str = "",
) -> RunResult:
    return RunResult(
        scenario=scenario,
        namespace=namespace or f"pc-{scenario}-{duration:g}",
        verdict=Verdict(tuple(results)),
        timeline=timeline_,
        started_at="2025-01-01T00:00:00+00:00",
        duration_s=duration,
        error=error,
    )


def sample_runs() -> list[RunResult]:
    return [
        run("sidecar-kill", sidecar_kill(), [passed(RestartCount("log-agent", 1))], duration=21.0),
        run(
            "sidecar-kill",
            sidecar_kill(),
            [failed(RestartCount("app", 0)), failed(LastTerminated("log-agent", exit_code=143))],
            duration=33.0,
        ),
        run("pod-delete", deployment_pod_delete(), [failed(PodReady(2.0))], duration=15.0),
        run("pod-delete", Timeline(), duration=4.0, error="DeployError: no image"),
    ]


def test_a_results_measurements_are_measured_once_for_every_report(monkeypatch: pytest.MonkeyPatch) -> None:
    measured: list[Timeline] = []

    def counting(timeline_: Timeline) -> Measurements:
        measured.append(timeline_)
        return measure(timeline_)

    monkeypatch.setattr(podchaos.model.run, "measure", counting)
    runs = tuple(ScenarioRun(result=result) for result in sample_runs())
    report = RunReport(run_id="r1", created_at="", podchaos_version="", runs=runs)
    render_html(report)
    for scenario_run in runs:
        run_to_dict(scenario_run)
    metrics.build_registry(runs)
    assert len(measured) == len(runs)
    assert runs[0].result.measurements == measure(sidecar_kill())


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_runs_outcomes_injections_and_failures_are_counted() -> None:
    registry = metrics.build_registry(sample_runs())
    runs = "podchaos_scenario_runs_total"
    kill = {"scenario": "sidecar-kill", "fault": "container-kill"}
    assert value(registry, runs, **kill, outcome="passed") == 1
    assert value(registry, runs, **kill, outcome="failed") == 1
    assert value(registry, runs, scenario="pod-delete", fault="pod-delete", outcome="failed") == 1
    # A bare result that ended before its fault was injected has no fault to name.
    assert value(registry, runs, scenario="pod-delete", fault="none", outcome="error") == 1
    assert (
        value(registry, "podchaos_fault_injections_total", scenario="sidecar-kill", fault="container-kill")
        == 2
    )
    assert value(registry, "podchaos_fault_injections_total", scenario="pod-delete", fault="pod-delete") == 1
    failures = "podchaos_expectation_failures_total"
    assert value(registry, failures, scenario="sidecar-kill", expectation="restart-count") == 1
    assert value(registry, failures, scenario="sidecar-kill", expectation="last-terminated") == 1
    assert value(registry, failures, scenario="pod-delete", expectation="pod-ready") == 1


def test_duration_histogram_has_buckets_sum_and_count() -> None:
    registry = metrics.build_registry(sample_runs())
    name = "podchaos_scenario_duration_seconds"
    assert value(registry, f"{name}_count", scenario="sidecar-kill") == 2
    assert value(registry, f"{name}_sum", scenario="sidecar-kill") == 54.0
    assert value(registry, f"{name}_bucket", scenario="sidecar-kill", le="30.0") == 1
    assert value(registry, f"{name}_bucket", scenario="sidecar-kill", le="45.0") == 2
    assert value(registry, f"{name}_bucket", scenario="pod-delete", le="5.0") == 1
    assert value(registry, f"{name}_bucket", scenario="pod-delete", le="+Inf") == 2


def test_recovery_histograms_observe_what_the_timelines_show() -> None:
    registry = metrics.build_registry(sample_runs())
    kill = {"scenario": "sidecar-kill", "fault": "container-kill"}
    delete = {"scenario": "pod-delete", "fault": "pod-delete"}
    ready = "podchaos_recovery_ready_seconds"
    assert value(registry, f"{ready}_count", **kill) == 2
    assert value(registry, f"{ready}_sum", **kill) == pytest.approx(3.8)
    assert value(registry, f"{ready}_bucket", **kill, le="1.0") == 0
    assert value(registry, f"{ready}_bucket", **kill, le="2.0") == 2
    assert value(registry, f"{ready}_bucket", **delete, le="5.0") == 1
    assert value(registry, "podchaos_recovery_container_restart_seconds_count", **kill) == 2
    assert value(registry, "podchaos_recovery_rescheduled_seconds_sum", **delete) == pytest.approx(0.9)
    # Steps a run did not show are not observed as zero.
    assert value(registry, "podchaos_recovery_rescheduled_seconds_count", **kill) is None
    assert value(registry, "podchaos_recovery_container_restart_seconds_count", **delete) is None
    for endpoint in ("removed", "returned"):
        family = next(
            f for f in registry.collect() if f.name == f"podchaos_recovery_endpoint_{endpoint}_seconds"
        )
        assert family.samples == []


def test_every_metric_has_a_stable_name_and_only_bounded_labels() -> None:
    registry = metrics.build_registry(sample_runs())
    families = {family.name: family for family in registry.collect()}
    assert set(families) == {
        name.removesuffix("_total") if name.endswith("_total") else name for name in metrics.METRIC_NAMES
    }
    # The versions are bounded too: one pair per export, on podchaos_run_info only.
    allowed = {"scenario", "outcome", "fault", "expectation", "le", "podchaos_version", "kubernetes_version"}
    labels = {key for family in families.values() for sample in family.samples for key in sample.labels}
    assert labels <= allowed
    assert {"scenario", "outcome", "fault", "expectation", "le"} <= labels


def test_each_export_has_its_own_registry() -> None:
    first = metrics.build_registry(sample_runs()[:1])
    second = metrics.build_registry(sample_runs())
    assert first is not second
    total = "podchaos_scenario_runs_total"
    assert value(first, total, scenario="sidecar-kill", fault="container-kill", outcome="passed") == 1
    assert value(first, total, scenario="pod-delete", fault="none", outcome="error") is None
    assert value(second, total, scenario="pod-delete", fault="none", outcome="error") == 1


def test_a_scenario_run_is_counted_under_its_declared_fault_even_when_none_was_injected() -> None:
    errored = run("pod-delete", Timeline(), duration=4.0, error="ClusterError: no cluster")
    declared = ScenarioRun(result=dataclasses.replace(errored, faults=(PodDelete(),)))
    registry = metrics.build_registry([declared, sample_runs()[2]])
    runs = "podchaos_scenario_runs_total"
    assert value(registry, runs, scenario="pod-delete", fault="pod-delete", outcome="error") == 1
    assert value(registry, runs, scenario="pod-delete", fault="pod-delete", outcome="failed") == 1
    assert value(registry, runs, scenario="pod-delete", fault="none", outcome="error") is None


def test_recovery_buckets_reach_from_tens_of_milliseconds_past_five_minutes() -> None:
    fast = metrics.RECOVERY_BUCKETS[:2]
    assert fast == (0.025, 0.05)
    assert metrics.RECOVERY_BUCKETS[-1] > 300
    assert list(metrics.RECOVERY_BUCKETS) == sorted(set(metrics.RECOVERY_BUCKETS))
    registry = metrics.build_registry(sample_runs())
    ready = "podchaos_recovery_ready_seconds_bucket"
    kill = {"scenario": "sidecar-kill", "fault": "container-kill"}
    assert value(registry, ready, **kill, le="0.025") == 0
    assert value(registry, ready, **kill, le="600.0") == 2


def test_run_outcome() -> None:
    outcomes = [run.outcome.value for run in sample_runs()]
    assert outcomes == ["passed", "failed", "failed", "error"]


# --- the textfile --------------------------------------------------------------------------------------


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_textfile_is_written_atomically_and_parses_back(tmp_path: Path) -> None:
    path = tmp_path / "textfile" / "podchaos.prom"
    path.parent.mkdir()
    path.write_text("# old content\n")
    old_inode = path.stat().st_ino
    registry = metrics.build_registry(sample_runs())
    metrics.write_textfile(path, registry)
    # Replaced, not rewritten in place: a reader holding the old file never sees half a file.
    assert path.stat().st_ino != old_inode
    assert os.listdir(path.parent) == ["podchaos.prom"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    samples = parse(path.read_text())
    key = (
        "podchaos_scenario_runs_total",
        (("fault", "none"), ("outcome", "error"), ("scenario", "pod-delete")),
    )
    assert samples[key] == 1
    assert samples == parse(metrics.exposition(registry))


def test_failed_textfile_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "podchaos.prom"
    path.write_text("# old content\n")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(MetricsError, match="No space left on device"):
        metrics.write_textfile(path, metrics.build_registry(sample_runs()))
    assert path.read_text() == "# old content\n"
    assert os.listdir(tmp_path) == ["podchaos.prom"]


def test_push_to_an_unreachable_gateway_is_a_metrics_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    with pytest.raises(MetricsError, match=f"127.0.0.1:{port}"):
        metrics.push(f"http://127.0.0.1:{port}", metrics.build_registry(sample_runs()), "run-1", timeout=2)


# --- summing over workers ------------------------------------------------------------------------------


def test_metrics_of_all_workers_are_the_sums_of_each_workers_metrics(tmp_path: Path) -> None:
    runs = [
        *sample_runs(),
        run(
            "sidecar-kill",
            sidecar_kill(),
            [passed(RestartCount("log-agent", 1))],
            duration=25.0,
            namespace="x1",
        ),
        run("pod-delete", deployment_pod_delete(), [passed(PodReady(30))], duration=17.0, namespace="x2"),
    ]
    workers = [runs[0::3], runs[1::3], runs[2::3]]
    runs_dir = tmp_path / "runs"
    for results in workers:
        for result in results:
            # Each worker writes its own documents; the controller reads them all back.
            write_run(runs_dir, ScenarioRun(result=result))
    gathered = read_runs(runs_dir)
    assert len(gathered) == len(runs)
    total = parse(metrics.exposition(metrics.build_registry(r.result for r in gathered)))
    per_worker = [parse(metrics.exposition(metrics.build_registry(results))) for results in workers]
    assert set(total) == set().union(*per_worker)
    for key, summed in total.items():
        expected = sum(samples.get(key, 0.0) for samples in per_worker)
        assert math.isclose(summed, expected, abs_tol=1e-9), key
    passed_kills = (("fault", "container-kill"), ("outcome", "passed"), ("scenario", "sidecar-kill"))
    assert total[("podchaos_scenario_runs_total", passed_kills)] == 2


def test_endpoint_times_come_from_endpointslice_snapshots() -> None:
    def slice_at(at: float, *endpoints: EndpointState) -> EndpointsSnapshot:
        return EndpointsSnapshot(at, "web-abc", "web", endpoints)

    def endpoint(uid: str, ready: bool = True) -> EndpointState:
        return EndpointState(f"web-{uid}", uid, "10.251.1.5", ready, ready, not ready)

    fault = FaultRecord(10.0, "pod-delete", "web-a", "a", "", "delete")
    timeline = Timeline().plus(
        PodSnapshot(1.0, "web-a", "a", "node-1", "Running", True, False),
        slice_at(2.0, endpoint("a")),
        fault,
        slice_at(10.4, endpoint("a", ready=False)),  # terminating: no longer takes traffic
        slice_at(11.0),  # removed
        PodSnapshot(12.0, "web-b", "b", "node-2", "Running", True, False),
        slice_at(12.5, endpoint("b")),  # the replacement takes traffic
    )
    measured = measure(timeline)
    assert (measured.endpoint_removed_s, measured.endpoint_returned_s) == (0.4, 2.5)
