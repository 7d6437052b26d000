"""Metrics pushed to a real Prometheus Pushgateway (Debian's prometheus-pushgateway) on loopback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from podchaos import metrics
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

BINARY = Path("/usr/bin/prometheus-pushgateway")
PACKAGE = "prometheus-pushgateway"
START_TIMEOUT_S = 30.0
# No HTTP proxy for loopback, whatever the environment says.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def ensure_installed(binary: Path, package: str) -> None:
    """Install the Debian package that ships ``binary`` if it is missing (as root, like CI)."""
    if binary.exists():
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    if subprocess.run(install, check=False, env=env, capture_output=True, timeout=900).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env, capture_output=True, timeout=600)
        done = subprocess.run(install, check=False, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"cannot install {package}: {done.stderr[-2000:]}", pytrace=False)
    assert binary.exists(), f"{package} installed but {binary} is missing"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str) -> tuple[int, str]:
    with DIRECT.open(url, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.fixture
def pushgateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Pushgateway on 127.0.0.1 and a free port, stopped by PID afterwards."""
    ensure_installed(BINARY, PACKAGE)
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    port = free_port()
    log = (tmp_path / "pushgateway.log").open("w")
    process = subprocess.Popen(
        [
            str(BINARY),
            f"--web.listen-address=127.0.0.1:{port}",
            # Debian's build persists to /var/lib/prometheus by default: keep each test's state its own.
            f"--persistence.file={tmp_path / 'pushgateway.data'}",
            "--log.level=info",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"pushgateway exited: {(tmp_path / 'pushgateway.log').read_text()}", pytrace=False
                )
            try:
                if get(f"{url}/-/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"pushgateway not ready on {url} after {START_TIMEOUT_S}s", pytrace=False)
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


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


Key = tuple[str, tuple[tuple[str, str], ...]]


def scrape(url: str) -> dict[Key, float]:
    status, text = get(f"{url}/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("podchaos_"):
                # The Pushgateway re-spells bucket bounds ("1" for "1.0"): compare them as numbers.
                labels = {k: repr(float(v)) if k == "le" else v for k, v in sample.labels.items()}
                samples[sample.name, tuple(sorted(labels.items()))] = sample.value
    return samples


def key(name: str, **labels: str) -> Key:
    return name, tuple(sorted(labels.items()))


def test_pushes_are_grouped_by_run_id_and_keep_their_values(pushgateway: str) -> None:
    first = [run("sidecar-kill", Outcome.PASSED, 1.5, 20.0), run("sidecar-kill", Outcome.FAILED, 4.0, 31.0)]
    second = [run("pod-delete", Outcome.PASSED, 2.5, 15.0)]
    metrics.push(pushgateway, metrics.build_registry(first), "run-a")
    metrics.push(pushgateway, metrics.build_registry(second), "run-b")

    seen = scrape(pushgateway)
    # The grouping key becomes labels; the Pushgateway adds an empty instance label of its own.
    group_a = {"job": "podchaos", "instance": "", "run_id": "run-a", "scenario": "sidecar-kill"}
    group_b = {"job": "podchaos", "instance": "", "run_id": "run-b", "scenario": "pod-delete"}
    assert seen[key("podchaos_scenario_runs_total", **group_a, outcome="passed")] == 1
    assert seen[key("podchaos_scenario_runs_total", **group_a, outcome="failed")] == 1
    assert seen[key("podchaos_scenario_runs_total", **group_b, outcome="passed")] == 1
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
    assert key("podchaos_scenario_runs_total", **group_a, outcome="failed") not in again
    assert again[key("podchaos_scenario_runs_total", **group_a, outcome="passed")] == 1
    assert again[key("podchaos_scenario_runs_total", **group_b, outcome="passed")] == 1


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
    assert seen[key("podchaos_scenario_runs_total", **group, outcome="passed")] == 4
    assert seen[key("podchaos_fault_injections_total", **group, fault="container-kill")] == 4
    ready = "podchaos_recovery_ready_seconds"
    assert seen[key(f"{ready}_count", **group, fault="container-kill")] == 4
    assert seen[key(f"{ready}_sum", **group, fault="container-kill")] == pytest.approx(8.0)
    assert seen[key(f"{ready}_bucket", **group, fault="container-kill", le="1.0")] == 2


def test_the_pushgateway_binary_is_debians() -> None:
    ensure_installed(BINARY, PACKAGE)
    assert shutil.which("prometheus-pushgateway") == str(BINARY)
    version = subprocess.run(
        [str(BINARY), "--version"], check=True, capture_output=True, text=True, timeout=30
    )
    assert "pushgateway, version" in version.stdout + version.stderr
