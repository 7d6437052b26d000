"""Runs ride out a control plane that goes away for a few seconds in their middle.

Each test restarts one component of the embedded cluster with ``podchaos cluster restart`` while a
scenario runs (kube-apiserver, etcd) or stops a kubelet for a few seconds (the target pod's own), and
injects its fault while the component is down. The run must pass, its timeline must hold the gap, and
nothing may be left behind: its namespace is gone, and the cluster is healthy with the component's
pid file naming its new process.

These tests act on the cluster's daemons, so they are ``disruptive``: run them last, alone.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from podchaos.cluster.local.cluster import LocalCluster
from podchaos.cluster.provider import ClusterAccess
from podchaos.k8s.client import Kube
from podchaos.library import Chaos
from podchaos.model import ApiOutage, LastTerminated, PodReady, RestartCount
from podchaos.model.timeline import LogLine
from podchaos.report.text import format_timeline

pytestmark = pytest.mark.disruptive


def busybox_pod(name: str, app: str, command: list[str]) -> dict[str, Any]:
    """A one-container busybox pod labelled ``app``."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "app",
                    "image": "docker.io/library/busybox:1.35",
                    "imagePullPolicy": "IfNotPresent",
                    "command": command,
                }
            ],
        },
    }


POD = busybox_pod("steady", "outage", ["sleep", "3600"])
# Prints a numbered line every 0.1 s: a line lost or read twice shows as a hole or a repeat.
TICKER = busybox_pod(
    "ticker", "ticker", ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"]
)
# How long each component stays down, and the most a run may take with it.
DOWN_FOR = {"kube-apiserver": "3s", "etcd": "3s", "kubelet": "5s"}
STOP_SEEN_TIMEOUT = 30.0


@dataclass
class Disruption:
    """``podchaos cluster restart COMPONENT --down-for D`` on a thread, as an operator would run it."""

    component: str
    down_for: str
    result: subprocess.CompletedProcess[str] | None = None
    thread: threading.Thread = field(init=False)

    def start(self) -> None:
        def run() -> None:
            command = [sys.executable, "-m", "podchaos.cli", "cluster", "restart", self.component]
            self.result = subprocess.run(
                [*command, "--down-for", self.down_for],
                check=False,
                capture_output=True,
                text=True,
                timeout=180,
            )

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> subprocess.CompletedProcess[str]:
        self.thread.join(200)
        assert self.result is not None, f"restart of {self.component} did not end"
        return self.result


def _pid(cluster: LocalCluster, component: str) -> int | None:
    return next(c.pid for c in cluster.status().components if c.name == component)


@pytest.fixture
def cluster(local_cluster: ClusterAccess) -> Iterator[LocalCluster]:
    """The local cluster, brought back up and healthy whatever the test did to it."""
    local = LocalCluster()
    try:
        yield local
    finally:
        status = local.up()
        assert status.healthy, f"the cluster is not healthy after the test: {status}"


@pytest.mark.parametrize("component", ["kube-apiserver", "etcd", "kubelet"])
def test_a_run_rides_out_a_component_restart_and_records_the_gap(
    component: str, cluster: LocalCluster, local_cluster: ClusterAccess
) -> None:
    kube = Kube.from_kubeconfig(local_cluster.kubeconfig, local_cluster.context)
    started = time.monotonic()
    namespace = ""
    try:
        with Chaos.namespace_for(kube, f"outage-{component}") as chaos:
            namespace = chaos.namespace
            chaos.apply([POD])
            with chaos.record(app="outage") as run:
                node = run.targets[0].pod.node
                chaos.run.agents.on(node)  # the node agent runs before anything goes down
                name = f"kubelet-{node}" if component == "kubelet" else component
                before = _pid(cluster, name)
                assert before, f"{name} is not running before the test"
                disruption = Disruption(name, DOWN_FOR[component])
                disruption.start()
                deadline = time.monotonic() + STOP_SEEN_TIMEOUT
                while _pid(cluster, name) == before and time.monotonic() < deadline:
                    time.sleep(0.05)
                # The fault goes in while the component is down: its calls ride the outage out.
                run.kill_container("app")
                verdict = run.expect(
                    RestartCount("app", 1),
                    LastTerminated("app", reason="Error", exit_code=137),
                    PodReady(within=60),
                    timeout=90,
                )
                restarted = disruption.finish()
                timeline = run.timeline
        elapsed = time.monotonic() - started
    finally:
        kube.close()

    assert restarted.returncode == 0, f"cluster restart {name} failed:\n{restarted.stderr}"
    after = _pid(cluster, name)
    assert after, f"{name} is not running after the restart"
    assert after != before, f"pid file of {name}: {before} before, {after} after the restart"
    outages = timeline.of_type(ApiOutage)
    shown = format_timeline(timeline)
    assert verdict.passed, f"{[(r.expected, r.seen) for r in verdict.failures()]}\n{shown}"
    if name != "etcd":
        # While etcd restarts the apiserver answers reads from its watch cache and a slow write may
        # finish under the threshold: the run must pass, a gap is not always there to see.
        assert outages, f"no gap recorded in the timeline although {name} was down:\n{shown}"
    for outage in outages:
        assert outage.until is not None, f"gap never ended: {outage.describe()}"
        print(f"{name}: {outage.describe()}")
    if outages:
        assert "GAP " in shown
        longest = max(o.until - o.at for o in outages if o.until)
        print(f"{name}: run took {elapsed:.1f}s; longest gap {longest:.1f}s")
    # Nothing left behind: the namespace is gone (the run waited for it) and the cluster is healthy.
    with_new = Kube.from_kubeconfig(local_cluster.kubeconfig, local_cluster.context)
    try:
        assert not with_new.namespace_exists(namespace), f"namespace {namespace} was left behind"
    finally:
        with_new.close()
    assert cluster.status().healthy


def test_a_followed_log_reads_on_across_an_apiserver_restart(
    cluster: LocalCluster, local_cluster: ClusterAccess
) -> None:
    """The apiserver's restart breaks every followed log; the follower opens each again from just before
    its last line, so what the container printed while the API was down is in the timeline, once."""
    kube = Kube.from_kubeconfig(local_cluster.kubeconfig, local_cluster.context)
    try:
        with Chaos.namespace_for(kube, "outage-logs") as chaos:
            chaos.apply([TICKER])
            with chaos.record(app="ticker") as run:
                time.sleep(1)
                disruption = Disruption("kube-apiserver", DOWN_FOR["kube-apiserver"])
                disruption.start()
                restarted = disruption.finish()
                time.sleep(3)
                timeline = run.timeline
    finally:
        kube.close()
    assert restarted.returncode == 0, f"cluster restart kube-apiserver failed:\n{restarted.stderr}"
    lines = [entry for entry in timeline.of_type(LogLine) if entry.text.startswith("tick ")]
    ticks = [int(entry.text.split()[1]) for entry in lines]
    assert ticks, f"no log line recorded:\n{format_timeline(timeline)}"
    assert len(ticks) == len(set(ticks)), f"lines read twice: {sorted(ticks)}"
    missing = sorted(set(range(min(ticks), max(ticks) + 1)) - set(ticks))
    assert not missing, f"lines printed while the API was down were lost: {missing}"
    # The stream broke when the apiserver went down; lines printed after it came back are read too.
    gaps = [outage for outage in timeline.of_type(ApiOutage) if outage.until is not None]
    assert gaps, f"no gap recorded although kube-apiserver was down:\n{format_timeline(timeline)}"
    back = max(outage.until for outage in gaps if outage.until is not None)
    last = max(entry.at for entry in lines)
    assert last >= back + 1.5, f"last line read at +{last:.1f} s; the API was back at +{back:.1f} s"
