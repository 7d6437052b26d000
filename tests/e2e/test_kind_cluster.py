"""A real kind cluster on this machine, created by podchaos's kind provider and deleted again.

One pytest session with ``--podchaos-cluster=kind`` does it all as a user's would: the provider
prepares the kind tooling built here (kind, the node image and, without Docker, podchaos's own
containerd with nerdctl), creates a cluster of a control plane and two workers, and runs scenarios on
it that together use every fault kind, drain a node, measure traffic and keep a StatefulSet's claim.
The session keeps the cluster (as it always does); this module then checks its nodes, deletes it,
stops the engine and compares the host's cgroup hierarchies, sysctls, nftables/iptables, devices and
mounts with what they were before.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from host_state import HostState
from kubernetes import client
from kubernetes import config as kube_config

from podchaos.cluster.kind import KindProvider
from podchaos.cluster.kindhost import environment
from podchaos.cluster.kindhost.engine import BRIDGE, EngineLayout
from podchaos.report.files import load_report

CLUSTER = "podchaos-e2e"
# Every fault kind, among them a node drain, a traffic scenario and a StatefulSet with a claim.
SCENARIOS = (
    "sidecar-kill",
    "native-sidecar-kill",
    "oom-kill",
    "pod-delete-graceful",
    "pod-delete-force",
    "liveness-restart",
    "readiness-flap",
    "startup-probe-fail-restart",
    "container-freeze-resumes",
    "emptydir-fill-evicted",
    "node-cordon-reschedule",
    "node-drain-with-pdb",
    "traffic-graceful-shutdown",
    "statefulset-pod-delete-keeps-claim",
)
SESSION_TIMEOUT_S = 2400
# The embedded cluster runs meanwhile: its pods' mounts, network namespaces and veths come and go.
EMBEDDED_CHURN_MOUNTS = ("/run/podchaos/", "/var/lib/podchaos/", "/run/netns/")
CHURN_DEVICES = ("veth",)
TIMINGS = Path("reports") / "kind-e2e-timings.json"
# The kind session's results, kept where `make test` sets them beside the catalogue's on the embedded
# cluster (`podchaos compare`, reports/kind-vs-embedded.md).
KIND_REPORTS = Path("reports") / "kind-e2e"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-project"


@dataclass(frozen=True)
class Line:
    """One line the session printed, and when (seconds after it started)."""

    at: float
    text: str


@dataclass(frozen=True)
class KindSession:
    """The pytest session that created the cluster and ran the scenarios on it."""

    returncode: int
    lines: tuple[Line, ...]
    started: float  # wall clock
    ended: float
    reports: Path
    provider: KindProvider
    timings: dict[str, float]

    def output(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _say(message: str) -> None:
    print(f"kind e2e: {message}", flush=True)


def _run_session(directory: Path, reports: Path) -> tuple[int, tuple[Line, ...]]:
    """``pytest`` with the kind provider in ``directory``, each output line stamped as it comes."""
    argv = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
        *(f"--scenario={name}" for name in SCENARIOS),
        "--podchaos-cluster=kind", f"--podchaos-kind-cluster={CLUSTER}",
        f"--podchaos-report-dir={reports}", "-n", "2",
    ]  # fmt: skip
    started = time.monotonic()
    lines: list[Line] = []
    with subprocess.Popen(
        argv, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as session:
        assert session.stdout is not None
        for text in session.stdout:
            lines.append(Line(time.monotonic() - started, text.rstrip("\n")))
            if lines[-1].at > SESSION_TIMEOUT_S:
                session.kill()
        returncode = session.wait()
    return returncode, tuple(lines)


@pytest.fixture(scope="module")
def host_before() -> HostState:
    return HostState.take(EMBEDDED_CHURN_MOUNTS, CHURN_DEVICES)


@pytest.fixture(scope="module")
def kind_session(host_before: HostState, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindSession]:
    directory = tmp_path_factory.mktemp("kind-session")
    timings: dict[str, float] = {}
    try:
        reports = KIND_REPORTS.resolve()
        shutil.rmtree(reports, ignore_errors=True)
        started = time.time()
        returncode, lines = _run_session(directory, reports)
        ended = time.time()
        provider = KindProvider(cluster_name=CLUSTER)
        timings["session_s"] = ended - started
        yield KindSession(returncode, lines, started, ended, reports, provider, timings)
    finally:
        # Whatever happened, the cluster goes and the engine stops, unless the last test did that.
        if "kind_delete_s" not in timings:
            env = environment.prepare(None, _say)
            environment.delete_cluster(env, CLUSTER)
            environment.shutdown(env)
        TIMINGS.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS.write_text(json.dumps(timings, indent=2) + "\n")


def test_podchaos_created_the_cluster_of_three_ready_nodes(kind_session: KindSession) -> None:
    # The xdist workers' progress lines do not reach the session's output; the files the provider
    # writes just before ``kind create`` (the config) and just after (the kubeconfig) time it.
    config, kubeconfig = kind_session.provider.config_path, kind_session.provider.kubeconfig_path
    assert config.is_file(), "podchaos wrote no kind config: it did not create the cluster"
    written, fetched = config.stat().st_mtime, kubeconfig.stat().st_mtime
    assert kind_session.started < written < fetched < kind_session.ended
    kind_session.timings["until_kind_create_s"] = written - kind_session.started
    kind_session.timings["kind_create_s"] = fetched - written
    kind_session.timings["after_cluster_ready_s"] = kind_session.ended - fetched
    # podchaos's own config with what the nodes built here need.
    text = config.read_text()
    assert text.count("containerPath: /tmp/hostpath_pv") == 3, text
    assert "kubeProxyMode: nftables" in text, text

    api = kube_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
    try:
        nodes = client.CoreV1Api(api).list_node().items
    finally:
        api.close()
    ready: dict[str, bool] = {}
    versions: set[str] = set()
    for node in nodes:
        assert node.metadata is not None
        assert node.metadata.name is not None
        assert node.status is not None
        assert node.status.node_info is not None
        conditions = node.status.conditions or []
        ready[node.metadata.name] = any(c.type == "Ready" and c.status == "True" for c in conditions)
        versions.add(node.status.node_info.kubelet_version)
    assert sorted(ready) == [f"{CLUSTER}-control-plane", f"{CLUSTER}-worker", f"{CLUSTER}-worker2"]
    assert all(ready.values()), ready
    # The node image built here, of the default release, on podchaos's engine: not kind's own.
    env = environment.prepare(None, _say)
    assert versions == {env.image.kubernetes_version}
    assert env.engine is not None
    for name in ready:
        image = env.engine.nerdctl("inspect", "-f", "{{.Image}}", name).stdout.strip()
        assert image == env.image.reference, (name, image)


def test_scenarios_pass_on_the_cluster_podchaos_created(kind_session: KindSession) -> None:
    runs = [run for report in kind_session.reports.glob("*/results.json") for run in load_report(report).runs]
    for run in runs:
        kind_session.timings[f"scenario {run.result.scenario} s"] = run.result.duration_s
    assert kind_session.returncode == 0, kind_session.output()[-6000:]
    assert sorted(run.result.scenario for run in runs) == sorted(SCENARIOS)
    assert all(run.result.outcome.value == "passed" for run in runs), [
        (run.result.scenario, run.result.outcome) for run in runs
    ]
    assert re.search(rf"\b{len(SCENARIOS)} passed\b", kind_session.output()), kind_session.output()[-3000:]


def test_the_example_project_passes_on_the_same_cluster(kind_session: KindSession, tmp_path: Path) -> None:
    """The example project (docs/example-project) as its README runs it, a bare ``pytest``: its own
    scenario files and its tests of the ``chaos`` fixture, on the kind cluster podchaos made, reused."""
    assert kind_session.returncode == 0, "the scenario session failed; the cluster may not be there"
    project = tmp_path / "example-project"
    # A copy, so its reports (build/podchaos) stay out of the checkout.
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("build", "__pycache__"))
    started = time.monotonic()
    completed = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
            "--podchaos-cluster=kind", f"--podchaos-kind-cluster={CLUSTER}",
        ],
        cwd=project, capture_output=True, text=True, timeout=SESSION_TIMEOUT_S, check=False,
    )  # fmt: skip
    kind_session.timings["example_project_s"] = time.monotonic() - started
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
    passed = re.search(r"\b(\d+) passed\b", completed.stdout)
    # Its three scenario files and its three tests (one with the chaos fixture) ran, none skipped.
    assert passed is not None, completed.stdout[-3000:]
    assert int(passed.group(1)) >= 6, completed.stdout[-3000:]
    assert not re.search(r"\b\d+ (failed|error|skipped)", completed.stdout), completed.stdout[-3000:]


def test_host_unchanged_after_delete(kind_session: KindSession, host_before: HostState) -> None:
    """Runs last in this module: deletes the cluster and stops the engine itself, then compares."""
    env = environment.prepare(None, _say)
    started = time.monotonic()
    environment.delete_cluster(env, CLUSTER)
    kind_session.timings["kind_delete_s"] = time.monotonic() - started
    environment.shutdown(env)
    after = HostState.take(EMBEDDED_CHURN_MOUNTS, CHURN_DEVICES)
    assert host_before.differences(after) == []
    # What the comparison leaves out, checked for kind's own: no mount of the engine, no kind device.
    engine = EngineLayout()
    mounts = Path("/proc/self/mountinfo").read_text()
    assert f" {engine.run}/" not in mounts
    assert f" {engine.base}/" not in mounts
    assert not Path(f"/sys/class/net/{BRIDGE}").exists()
