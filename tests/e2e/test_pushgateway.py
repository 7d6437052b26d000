"""Metrics pushed to a real Prometheus Pushgateway (Debian's prometheus-pushgateway) on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from host_tools import PUSHGATEWAY, key, require, scrape

from podchaos.model import (
    ExpectationResult,
    FaultRecord,
    Outcome,
    PodSnapshot,
    RestartCount,
    RunResult,
    Timeline,
    Verdict,
)
from podchaos.report import metrics


def run(scenario: str, outcome: Outcome, ready_after: float, duration: float) -> RunResult:
    fault = FaultRecord(10.0, "container-kill", "web", "u1", "agent", "SIGKILL")
    pod = PodSnapshot(1.0, "web", "u1", "node-1", "Running", True, False)
    timeline = Timeline().plus(
        pod,
        fault,
        PodSnapshot(10.2, "web", "u1", "node-1", "Running", False, False),
        PodSnapshot(10.0 + ready_after, "web", "u1", "node-1", "Running", True, False),
    )
    return RunResult(
        scenario=scenario,
        namespace=f"pc-{scenario}-{duration:g}",
        verdict=Verdict((ExpectationResult(RestartCount("agent", 1), outcome, "agent +1", "seen"),)),
        timeline=timeline,
        started_at="2025-01-01T00:00:00+00:00",
        duration_s=duration,
    )


def test_pushes_are_grouped_by_run_id_and_keep_their_values(pushgateway: str) -> None:
    first = [run("sidecar-kill", Outcome.PASSED, 1.5, 20.0), run("sidecar-kill", Outcome.FAILED, 4.0, 31.0)]
    second = [run("pod-delete", Outcome.PASSED, 2.5, 15.0)]
    metrics.push(pushgateway, metrics.build_registry(first), "run-a")
    metrics.push(pushgateway, metrics.build_registry(second), "run-b")

    seen = scrape(pushgateway)
    # The grouping key becomes labels; the Pushgateway adds an empty instance label of its own.
    group_a = {"job": "podchaos", "instance": "", "run_id": "run-a", "scenario": "sidecar-kill"}
    group_b = {"job": "podchaos", "instance": "", "run_id": "run-b", "scenario": "pod-delete"}
    assert seen[key("podchaos_scenario_runs_total", **group_a, fault="container-kill", outcome="passed")] == 1
    assert seen[key("podchaos_scenario_runs_total", **group_a, fault="container-kill", outcome="failed")] == 1
    assert seen[key("podchaos_scenario_runs_total", **group_b, fault="container-kill", outcome="passed")] == 1
    assert seen[key("podchaos_scenario_duration_seconds_sum", **group_a)] == 51.0
    ready = "podchaos_recovery_ready_seconds"
    assert seen[key(f"{ready}_count", **group_a, fault="container-kill")] == 2
    assert seen[key(f"{ready}_bucket", **group_a, fault="container-kill", le="2.0")] == 1
    assert seen[key(f"{ready}_bucket", **group_a, fault="container-kill", le="5.0")] == 2
    assert seen[key("podchaos_expectation_failures_total", **group_a, expectation="restart-count")] == 1
    not_ready = "podchaos_recovery_not_ready_seconds_sum"
    assert seen[key(not_ready, **group_b, fault="container-kill")] == pytest.approx(0.2)

    # Pushing a run again replaces that run's group only.
    metrics.push(pushgateway, metrics.build_registry(first[:1]), "run-a")
    again = scrape(pushgateway)
    assert (
        key("podchaos_scenario_runs_total", **group_a, fault="container-kill", outcome="failed") not in again
    )
    assert (
        again[key("podchaos_scenario_runs_total", **group_a, fault="container-kill", outcome="passed")] == 1
    )
    assert (
        again[key("podchaos_scenario_runs_total", **group_b, fault="container-kill", outcome="passed")] == 1
    )


SESSION_TEST = """
import os

import pytest

from podchaos.model import (
    ContainerKill, ExpectationResult, FaultRecord, Outcome, PodSnapshot, RestartCount, RunResult, Scenario,
    Timeline, Verdict, Workload,
)


@pytest.mark.parametrize("ready_after", [1.0, 3.0])
def test_chaos(request, ready_after):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    pod = lambda at, ready: PodSnapshot(at, "web", "u1", "node-1", "Running", ready, False)
    timeline = Timeline().plus(
        pod(1.0, True), FaultRecord(10.0, "container-kill", "web", "u1", "agent", ""), pod(10.5, False),
        pod(10.0 + ready_after, True),
    )
    verdict = Verdict((ExpectationResult(RestartCount("agent", 1), Outcome.PASSED, "x", "x"),))
    result = RunResult("kill-agent", f"pc-{worker}-{ready_after:g}", verdict, timeline, "", 12.0)
    scenario = Scenario("kill-agent", "", "", Workload((), {}), (ContainerKill("agent"),), ())
    request.node.ihook.pytest_podchaos_scenario_finished(item=request.node, scenario=scenario, result=result)
"""


def test_a_two_worker_session_pushes_the_sum_of_its_workers(
    pushgateway: str, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_session=SESSION_TEST)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--dist", "each", f"--podchaos-pushgateway={pushgateway}"
    )
    result.assert_outcomes(passed=4)
    (run_dir,) = [path for path in (pytester.path / "reports").iterdir() if path.is_dir()]
    result.stdout.fnmatch_lines([f"podchaos metrics: pushed to {pushgateway} (run_id={run_dir.name})"])
    workers = {s["worker"] for s in json.loads((run_dir / "results.json").read_text())["scenarios"]}
    assert workers == {"gw0", "gw1"}

    seen = scrape(pushgateway)
    group = {"job": "podchaos", "instance": "", "run_id": run_dir.name, "scenario": "kill-agent"}
    assert seen[key("podchaos_scenario_runs_total", **group, fault="container-kill", outcome="passed")] == 4
    assert seen[key("podchaos_fault_injections_total", **group, fault="container-kill")] == 4
    ready = "podchaos_recovery_ready_seconds"
    assert seen[key(f"{ready}_count", **group, fault="container-kill")] == 4
    assert seen[key(f"{ready}_sum", **group, fault="container-kill")] == pytest.approx(8.0)
    assert seen[key(f"{ready}_bucket", **group, fault="container-kill", le="1.0")] == 2


def test_the_pushgateway_binary_is_debians() -> None:
    binary = require(PUSHGATEWAY)
    assert shutil.which("prometheus-pushgateway") == str(binary)
    version = subprocess.run(
        [str(binary), "--version"], check=True, capture_output=True, text=True, timeout=30
    )
    assert "pushgateway, version" in version.stdout + version.stderr
