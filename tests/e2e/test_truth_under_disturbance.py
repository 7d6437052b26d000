"""Verdicts that stay right when the control plane hiccups (issue 22).

Each test runs a catalogue scenario while ``podchaos cluster restart`` takes a component of the
embedded cluster away in the middle of it: crashloop-backoff across an etcd stop of 5 s, an apiserver
restart and an apiserver stop of 20 s must pass with the kubelet's back-off delays; a traffic scenario
across an apiserver stop of 45 s must pass, or end as an error naming the gap, never fail with "all
requests succeeded". Each test prints the gaps its timeline recorded next to the outage it caused.

These act on the cluster's daemons, so they are ``disruptive``: run them alone, one at a time.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from podchaos.cluster.local.cluster import LocalCluster
from podchaos.cluster.provider import ClusterAccess
from podchaos.engine import Services
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.model import ApiOutage, FaultRecord, RunResult
from podchaos.model.expectations import RestartBackoff
from podchaos.model.verdict import Outcome
from podchaos.report.text import format_timeline
from podchaos.runner import run_scenario

pytestmark = pytest.mark.disruptive

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"
READY_TIMEOUT_S = 120.0
# The local apiserver serves again some 20 s after `--down-for` ends (stop, start, caches): a stop of
# 45 s is an outage of about 65 s, so the run rides out that much (--podchaos-api-outage 120s).
API_OUTAGE_S = 120.0


class Outage:
    """``podchaos cluster restart COMPONENT [--down-for S]`` on a thread once ``after`` seconds have
    passed since ``ready`` first said yes (polled; at once without it), timed from this machine: when
    the command began and when it returned."""

    def __init__(
        self, component: str, down_for: str | None, after: float, ready: Callable[[], bool] | None = None
    ) -> None:
        self.component = component
        self.down_for = down_for
        self.after = after
        self.ready = ready
        self.began = self.ended = 0.0
        self.result: subprocess.CompletedProcess[str] | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self.ready is not None and not self.ready() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(self.after)
        command = [sys.executable, "-m", "podchaos.cli", "cluster", "restart", self.component]
        command += ["--down-for", self.down_for] if self.down_for else []
        self.began = time.monotonic()
        self.result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=240)
        self.ended = time.monotonic()

    def finish(self) -> subprocess.CompletedProcess[str]:
        self.thread.join(300)
        assert self.result is not None, f"restart of {self.component} did not end"
        assert self.result.returncode == 0, f"restart of {self.component} failed:\n{self.result.stderr}"
        return self.result


# The apiserver answers "forbidden" for some seconds after it starts (its RBAC caches are not filled
# yet), and each of its clients then backs off for up to a minute: the controller-manager, the
# scheduler, CoreDNS, kube-proxy (their logs show it). Seen in the gate: the catalogue run right after
# this module had a Job controller that took 31 s to see a failed pod and never counted it.
API_CLIENTS = ("kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns")


@pytest.fixture(scope="module", autouse=True)
def clients_afresh_afterwards() -> Iterator[None]:
    """After this module's apiserver restarts, restart the apiserver's clients, so whatever runs next
    on this cluster finds a control plane that acts at once, not one still backing off."""
    yield
    local = LocalCluster()
    for component in API_CLIENTS:
        local.restart(component)
    assert local.up().healthy, "the cluster is not healthy after restarting the API's clients"


@pytest.fixture
def cluster(local_cluster: ClusterAccess) -> Iterator[LocalCluster]:
    """The local cluster, brought back up and healthy whatever the test did to it."""
    local = LocalCluster()
    try:
        yield local
    finally:
        assert local.up().healthy, "the cluster is not healthy after the test"


def run_across(kube: Kube, name: str, outage: Outage) -> tuple[RunResult, float]:
    """Run the catalogue scenario ``name`` with ``outage`` under way; the result, and when the run
    began (monotonic)."""
    scenario = load_scenario(CATALOGUE / f"{name}.scenario.yaml")
    began = time.monotonic()
    outage.thread.start()
    result = run_scenario(lambda: Services(kube), scenario)
    outage.finish()
    return result, began


def report_gaps(result: RunResult, outage: Outage, began: float) -> list[ApiOutage]:
    """Print each recorded gap next to the outage caused (both on the run's clock, roughly: the run's
    clock starts a moment after ``began``)."""
    gaps = list(result.timeline.of_type(ApiOutage))
    caused = f"+{outage.began - began:.1f} s to +{outage.ended - began:.1f} s"
    print(f"{outage.component} down-for {outage.down_for or '(restart)'}: command ran {caused}")
    for gap in gaps:
        print(f"  recorded: {gap.describe()}")
    return gaps


@pytest.mark.parametrize(
    ("component", "down_for"), [("etcd", "5s"), ("kube-apiserver", None), ("kube-apiserver", "20s")]
)
def test_crashloop_backoff_passes_with_the_kubelets_delays_across_an_outage(
    component: str, down_for: str | None, cluster: LocalCluster, kube: Kube
) -> None:
    # Deploy and steady take about 5 s; the 2nd back-off (10 s) begins about 3 s after the fault.
    outage = Outage(component, down_for, after=9.0)
    result, began = run_across(kube, "crashloop-backoff", outage)
    gaps = report_gaps(result, outage, began)
    shown = format_timeline(result.timeline)
    backoff = next(r for r in result.verdict.results if isinstance(r.expectation, RestartBackoff))
    print(f"  restart-backoff: {backoff.outcome.value}: {backoff.seen}")
    assert not result.error, f"{result.error}\n{shown}"
    assert result.passed, f"{[(r.expectation.type, r.seen) for r in result.verdict.failures()]}\n{shown}"
    assert gaps, f"no gap recorded although {component} was down:\n{shown}"
    assert all(gap.until is not None for gap in gaps)


def traffic_client_running(kube: Kube, scenario: str) -> Callable[[], bool]:
    """Whether the traffic client of a run of ``scenario`` runs (its steady window has begun)."""

    def running() -> bool:
        for namespace in kube.namespaces_labelled(f"podchaos.io/scenario={scenario}"):
            if any(s.pod.phase == "Running" for s in kube.pods(namespace, "podchaos.io/role=traffic")):
                return True
        return False

    return running


def test_traffic_across_a_45s_apiserver_stop_never_fails_with_all_requests_succeeded(
    cluster: LocalCluster, local_cluster: ClusterAccess
) -> None:
    kube = Kube.from_kubeconfig(local_cluster.kubeconfig, local_cluster.context, outage_s=API_OUTAGE_S)
    watcher = Kube.from_kubeconfig(local_cluster.kubeconfig, local_cluster.context)
    # Down from the end of the steady traffic window (3 s): the pod-delete rides the outage out.
    scenario = "traffic-graceful-shutdown"
    outage = Outage("kube-apiserver", "45s", after=4.0, ready=traffic_client_running(watcher, scenario))
    try:
        result, began = run_across(kube, scenario, outage)
    finally:
        kube.close()
        watcher.close()
    gaps = report_gaps(result, outage, began)
    shown = format_timeline(result.timeline)
    for judged in result.verdict.results:
        print(f"  {judged.expectation.type}: {judged.outcome.value}: {judged.seen[:300]}")
    fault = result.timeline.of_type(FaultRecord)
    print(f"  fault at {fault[0].at if fault else None}; error: {result.error or '(none)'}")
    assert gaps, f"no gap recorded although kube-apiserver was down for 45 s:\n{shown}"
    contradicted = [
        r
        for r in result.verdict.results
        if r.outcome is Outcome.FAILED and "succeeded" in r.seen and "failed" not in r.seen
    ]
    assert not contradicted, contradicted
    if result.error:
        assert result.error.startswith("Undecided: "), result.error
        assert "API unreachable" in result.error, result.error
    else:
        assert result.passed, f"{[(r.expectation.type, r.seen) for r in result.verdict.failures()]}\n{shown}"


# The scenarios the issue saw blamed for apiserver restarts under -n 4, and crash-loop back-off.
DISTURBED = (
    "pod-delete-grace-override",
    "pod-delete-ignores-sigterm",
    "traffic-readiness-one-replica",
    "main-kill-restart-always",
    "main-kill-restart-onfailure",
    "pod-delete-graceful",
    "readiness-flap",
    "crashloop-backoff",
)


class RandomRestarts:
    """Restarts of the apiserver at random points until ``stop()``: the first 5 to 25 s in, each next
    ``apart`` (15 to 45 s) after the previous one ended, each a plain restart or a stop of 3 or 5 s.
    Seeded from ``PODCHAOS_DISTURB_SEED`` (else the clock) and printed, so a draw can be replayed."""

    def __init__(self, began: float, apart: tuple[float, float] = (15.0, 45.0)) -> None:
        self.apart = apart
        self.seed = int(os.environ.get("PODCHAOS_DISTURB_SEED") or time.time())
        self.draw = random.Random(self.seed)
        self.began = began
        self.done: list[Outage] = []
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        wait = self.draw.uniform(5.0, 25.0)
        while not self._stopped.wait(wait):
            outage = Outage("kube-apiserver", self.draw.choice([None, "3s", "5s"]), after=0.0)
            outage.thread.start()
            outage.thread.join(300)
            self.done.append(outage)
            wait = self.draw.uniform(*self.apart)

    def stop(self) -> list[Outage]:
        """Stop restarting (after the one under way, if any); the restarts done, each checked."""
        self._stopped.set()
        self.thread.join(320)
        for outage in self.done:
            outage.finish()
        return self.done


def disturbed_scenarios() -> list[str]:
    """``PODCHAOS_DISTURBED_SCENARIOS`` (comma-separated names, or ``*`` for the whole catalogue), else
    the scenarios once blamed for apiserver restarts."""
    chosen = os.environ.get("PODCHAOS_DISTURBED_SCENARIOS", "")
    return [name.strip() for name in chosen.split(",") if name.strip()] or list(DISTURBED)


def test_a_catalogue_run_under_n4_across_apiserver_restarts_is_right_or_names_the_gap(
    cluster: LocalCluster, local_cluster: ClusterAccess, tmp_path: Path
) -> None:
    """Each of these passes on an undisturbed cluster: across apiserver restarts at random points each
    must still pass, or end as an error (Undecided) that names the gap; never fail."""
    chosen = disturbed_scenarios()
    began = time.monotonic()
    # A whole catalogue takes minutes: restarts further apart, as hiccups come, not a flapping API.
    whole = "*" in chosen or len(chosen) > len(DISTURBED)
    restarts = RandomRestarts(began, (60.0, 150.0) if whole else (15.0, 45.0))
    print(f"restart points drawn with PODCHAOS_DISTURB_SEED={restarts.seed}")
    restarts.thread.start()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:randomly",
        "-n",
        "4",
        "-q",
        "--podchaos-cluster=local",
    ]
    command += [f"--podchaos-report-dir={tmp_path}", *(f"--scenario={name}" for name in chosen)]
    project = tmp_path / "project"  # an empty project: only the catalogue's scenarios are collected
    project.mkdir()
    timeout = 3600 if whole else 900
    finished = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=timeout, cwd=project
    )
    wall = time.monotonic() - began
    done = restarts.stop()
    for outage in done:
        shown = outage.down_for or "(restart)"
        print(f"apiserver {shown}: +{outage.began - began:.1f} s to +{outage.ended - began:.1f} s")
    assert done, f"the run ended ({wall:.0f} s) before the first restart: it was not disturbed"
    [results] = tmp_path.glob("2*/results.json")
    runs = json.loads(results.read_text())["scenarios"]
    print(f"{len(runs)} runs in {wall:.0f} s: {json.loads(results.read_text())['summary']}")
    for run in runs:
        gaps = [e for e in run["timeline"] if e["kind"] == "ApiOutage"]
        shown = "; ".join(f"+{g['at']:.1f} to +{g['until'] or 0:.1f} s" for g in gaps) or "none"
        print(f"  {run['scenario']}: {run['outcome']} (gaps {shown}) {run['error'][:200]}")
    assert len(runs) == len(chosen) or "*" in chosen, finished.stdout[-3000:]
    for run in runs:
        assert run["outcome"] != "failed", [
            (r["expected"], r["seen"]) for r in run["verdict"]["results"] if r["outcome"] != "passed"
        ]
        if run["outcome"] == "error":
            # Never the workload's fault: undecided naming the gap, or the cluster named (its DNS or
            # controllers lagging behind the restarted API, with no gap in this run's own recording).
            assert run["error"].startswith(("Undecided: ", "ClusterError: ")), run["error"]
            if run["error"].startswith("Undecided: "):
                assert "API unreachable" in run["error"] or "API failing" in run["error"], run["error"]
