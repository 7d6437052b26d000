"""The embedded local cluster is a real, working Kubernetes: nodes, probes, exec, logs, OOM kills,
restarts, scheduling (spread, cordon) and the eviction API with PodDisruptionBudgets."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from podchaos.cluster.local.cluster import LocalCluster
from podchaos.cluster.provider import ClusterAccess

# The release the cluster runs: the one `podchaos cluster up` last started it with (the default first).
KUBERNETES_VERSION = LocalCluster().layout.kubernetes_version
NODE_NAMES = ("podchaos-node-1", "podchaos-node-2")
POD_TIMEOUT = 90.0


def deployment(name: str, replicas: int, **pod_spec: Any) -> dict[str, Any]:
    """A Deployment of small busybox pods that are Ready once their shell has started."""
    container = {
        "name": "main",
        "image": "docker.io/library/busybox:1.35",
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", "touch /tmp/ready; exec sleep 3600"],
        "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 1},
        "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}, "limits": {"memory": "32Mi"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container], "terminationGracePeriodSeconds": 1, **pod_spec},
            },
        },
    }


def wait_deployment_ready(
    e2e: Any, apps: client.AppsV1Api, core: client.CoreV1Api, namespace: str, name: str, replicas: int
) -> list[Any]:
    """Wait until the Deployment has ``replicas`` ready pods; returns those (running, not deleting) pods."""

    def ready(waiter: Any) -> list[Any] | None:
        status = apps.read_namespaced_deployment(name, namespace).status
        assert status is not None
        pods = [
            pod
            for pod in core.list_namespaced_pod(namespace, label_selector=f"app={name}").items
            if pod.metadata is not None and pod.metadata.deletion_timestamp is None
        ]
        waiter.last_seen = f"readyReplicas={status.ready_replicas}; " + " | ".join(
            e2e.describe_pod(pod) for pod in pods
        )
        live = [pod for pod in pods if e2e.is_ready(pod)]
        if (status.ready_replicas or 0) == replicas and len(live) == replicas == len(pods):
            return live
        return None

    live: list[Any] = e2e.wait(
        f"deployment {namespace}/{name} to have {replicas} ready pods", POD_TIMEOUT
    ).until(ready)
    return live


def test_both_nodes_ready_with_kubelet_version_and_distinct_ips(
    local_cluster: ClusterAccess, core: client.CoreV1Api, e2e: Any
) -> None:
    def all_ready(waiter: Any) -> list[Any] | None:
        nodes = core.list_node().items
        waiter.last_seen = ", ".join(f"{e2e.name_of(n)} ready={e2e.is_ready(n)}" for n in nodes)
        names = {e2e.name_of(n) for n in nodes}
        return nodes if names >= set(NODE_NAMES) and all(e2e.is_ready(n) for n in nodes) else None

    nodes = e2e.wait("both nodes Ready", 60).until(all_ready)

    assert sorted(n.metadata.name for n in nodes) == sorted(NODE_NAMES), "unexpected node set"
    versions = {n.metadata.name: n.status.node_info.kubelet_version for n in nodes}
    assert set(versions.values()) == {KUBERNETES_VERSION}, f"kubelet versions: {versions}"
    internal = {
        n.metadata.name: [a.address for a in n.status.addresses if a.type == "InternalIP"] for n in nodes
    }
    assert all(len(ips) == 1 for ips in internal.values()), f"InternalIPs per node: {internal}"
    ips = [ips[0] for ips in internal.values()]
    assert len(set(ips)) == len(ips), f"nodes share an InternalIP: {internal}"
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.250.0.0/24") for ip in ips), internal
    runtimes = {n.metadata.name: n.status.node_info.container_runtime_version for n in nodes}
    assert all(r.startswith("containerd://") for r in runtimes.values()), f"runtimes: {runtimes}"


def test_pod_becomes_ready_and_exec_and_logs_work(core: client.CoreV1Api, namespace: str, e2e: Any) -> None:
    token = f"podchaos-log-{uuid.uuid4().hex}"
    script = f"echo {token}; sleep 1; touch /tmp/ready; exec sleep 3600"
    container = e2e.busybox_container("main", script, readinessProbe=e2e.ready_file_probe())
    core.create_namespaced_pod(namespace, e2e.pod_manifest("ready", [container]))

    pod = e2e.wait_pod_ready(core, namespace, "ready", POD_TIMEOUT)
    assert ipaddress.ip_address(pod.status.pod_ip) in ipaddress.ip_network("10.251.0.0/16"), (
        f"pod IP {pod.status.pod_ip} is not from the nodes' pod ranges"
    )

    result = e2e.exec_in(core, namespace, "ready", ["sh", "-c", "echo answer=$((6 * 7)); cat /tmp/ready"])
    assert result.exit_code == 0, f"exec failed: {result}"
    assert result.stdout.strip() == "answer=42", (
        f"exec stdout was {result.stdout!r} (stderr {result.stderr!r})"
    )
    failing = e2e.exec_in(core, namespace, "ready", ["sh", "-c", "exit 3"])
    assert failing.exit_code == 3, f"exec exit code not propagated: {failing}"

    def logged(waiter: Any) -> str | None:
        log = core.read_namespaced_pod_log("ready", namespace, container="main")
        waiter.last_seen = repr(log[-200:])
        return log if token in log else None

    log = e2e.wait("the container's log line", 30).until(logged)
    assert log.splitlines()[0] == token, f"log was {log!r}"


def test_container_over_its_memory_limit_is_oom_killed(
    core: client.CoreV1Api, namespace: str, e2e: Any
) -> None:
    container = e2e.busybox_container(
        "hog",
        "head -c 200m /dev/zero | tail",
        resources={
            "requests": {"cpu": "10m", "memory": "32Mi"},
            "limits": {"cpu": "500m", "memory": "32Mi"},
        },
    )
    core.create_namespaced_pod(namespace, e2e.pod_manifest("hog", [container], restartPolicy="Never"))

    def terminated(waiter: Any) -> Any:
        pod = core.read_namespaced_pod("hog", namespace)
        waiter.last_seen = e2e.describe_pod(pod)
        for cs in (pod.status and pod.status.container_statuses) or []:
            for state in (cs.state, cs.last_state):
                if state is not None and state.terminated is not None:
                    return state.terminated
        return None

    ended = e2e.wait("the memory hog to be terminated", POD_TIMEOUT).until(terminated)
    evidence = f"exitCode={ended.exit_code}, reason={ended.reason!r}"
    print(f"OOM evidence: {evidence}")
    assert ended.exit_code == 137, f"expected exit 137 (SIGKILL by the OOM killer), saw {evidence}"
    if ended.reason:
        assert ended.reason == "OOMKilled", f"expected reason OOMKilled, saw {evidence}"


def container_host_pid(container_id: str) -> tuple[int, list[int]]:
    """The host PID of a container's init process, found by its ID in /proc/*/cgroup; and all its PIDs."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cgroups = (entry / "cgroup").read_text()
        except OSError:
            continue
        if container_id in cgroups:
            pids.append(int(entry.name))
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        nspid = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
        if nspid and nspid[-1] == "1":  # PID 1 in the container's PID namespace: its init
            return pid, pids
    pytest.fail(f"no init process of container {container_id[:12]} on this machine (its PIDs: {pids})")


def test_sigkill_from_the_node_restarts_the_container(
    local_cluster: ClusterAccess, core: client.CoreV1Api, namespace: str, e2e: Any
) -> None:
    container = e2e.busybox_container(
        "main",
        "touch /tmp/ready; exec sleep 3600",
        readinessProbe=e2e.ready_file_probe(),
        volumeMounts=[{"name": "scratch", "mountPath": "/data"}],
    )
    manifest = e2e.pod_manifest("victim", [container], volumes=[{"name": "scratch", "emptyDir": {}}])
    core.create_namespaced_pod(namespace, manifest)
    pod = e2e.wait_pod_ready(core, namespace, "victim", POD_TIMEOUT)

    token = uuid.uuid4().hex
    wrote = e2e.exec_in(core, namespace, "victim", ["sh", "-c", f"echo {token} > /data/token"])
    assert wrote.exit_code == 0, f"could not write to the emptyDir: {wrote}"

    (status,) = pod.status.container_statuses
    assert status.restart_count == 0, e2e.describe_pod(pod)
    old_id = status.container_id.split("://", 1)[1]
    pid, all_pids = container_host_pid(old_id)
    print(f"container {old_id[:12]} runs as host PID {pid} (all its PIDs: {all_pids})")
    os.kill(pid, signal.SIGKILL)

    def restarted(waiter: Any) -> Any:
        pod = core.read_namespaced_pod("victim", namespace)
        waiter.last_seen = e2e.describe_pod(pod)
        (cs,) = (pod.status and pod.status.container_statuses) or []
        if (
            cs.restart_count >= 1
            and cs.state is not None
            and cs.state.running is not None
            and e2e.is_ready(pod)
        ):
            return cs
        return None

    cs = e2e.wait("the killed container to be restarted and Ready", POD_TIMEOUT).until(restarted)
    assert cs.restart_count == 1, f"restartCount is {cs.restart_count}, expected exactly 1"
    last = cs.last_state.terminated
    assert last is not None, f"no lastState.terminated after the kill: {cs.last_state}"
    assert last.exit_code == 137, f"lastState exit code {last.exit_code} (reason {last.reason}), expected 137"
    assert cs.container_id.split("://", 1)[1] != old_id, "the container ID did not change"

    kept = e2e.exec_in(core, namespace, "victim", ["cat", "/data/token"])
    assert kept.stdout.strip() == token, f"emptyDir content lost over the restart: {kept}"


def test_deployment_spreads_over_both_nodes(
    core: client.CoreV1Api, apps: client.AppsV1Api, namespace: str, e2e: Any
) -> None:
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "spread"}},
        }
    ]
    apps.create_namespaced_deployment(
        namespace, e2e.body(deployment("spread", 4, topologySpreadConstraints=spread))
    )
    pods = wait_deployment_ready(e2e, apps, core, namespace, "spread", 4)

    per_node = Counter(pod.spec.node_name for pod in pods)
    print(f"pods per node: {dict(per_node)}")
    assert set(per_node) == set(NODE_NAMES), f"pods not spread over both nodes: {dict(per_node)}"
    assert max(per_node.values()) - min(per_node.values()) <= 1, f"skew above 1: {dict(per_node)}"


def set_unschedulable(core: client.CoreV1Api, node: str, value: bool) -> None:
    core.patch_node(node, {"spec": {"unschedulable": value}})


def test_cordoned_node_gets_no_new_pods(
    core: client.CoreV1Api, apps: client.AppsV1Api, namespace: str, e2e: Any
) -> None:
    cordoned, other = NODE_NAMES
    set_unschedulable(core, cordoned, True)
    try:

        def tainted(waiter: Any) -> bool | None:
            spec = core.read_node(cordoned).spec
            assert spec is not None
            taints = [t.key for t in spec.taints or []]
            waiter.last_seen = f"unschedulable={spec.unschedulable}, taints={taints}"
            return True if spec.unschedulable and "node.kubernetes.io/unschedulable" in taints else None

        e2e.wait(f"{cordoned} to be cordoned (unschedulable taint)", 30).until(tainted)
        apps.create_namespaced_deployment(namespace, e2e.body(deployment("cordon", 2)))
        pods = wait_deployment_ready(e2e, apps, core, namespace, "cordon", 2)
        placed = {pod.metadata.name: pod.spec.node_name for pod in pods}
        print(f"placement with {cordoned} cordoned: {placed}")
        assert set(placed.values()) == {other}, f"pods landed on the cordoned node {cordoned}: {placed}"
    finally:
        set_unschedulable(core, cordoned, False)
    spec = core.read_node(cordoned).spec
    assert spec is not None
    assert not spec.unschedulable, f"{cordoned} is still cordoned"


def eviction(pod: str, namespace: str) -> client.V1Eviction:
    return client.V1Eviction(
        api_version="policy/v1",
        kind="Eviction",
        metadata=client.V1ObjectMeta(name=pod, namespace=namespace),
    )


def test_eviction_respects_the_pod_disruption_budget(
    core: client.CoreV1Api,
    apps: client.AppsV1Api,
    policy: client.PolicyV1Api,
    namespace: str,
    e2e: Any,
) -> None:
    apps.create_namespaced_deployment(namespace, e2e.body(deployment("guarded", 2)))
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "guarded"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "guarded"}}},
    }
    policy.create_namespaced_pod_disruption_budget(namespace, e2e.body(budget))
    pods = wait_deployment_ready(e2e, apps, core, namespace, "guarded", 2)

    def budget_is(healthy: int, allowed: int) -> Any:
        def probe(waiter: Any) -> bool | None:
            pdb = policy.read_namespaced_pod_disruption_budget("guarded", namespace)
            status, metadata = pdb.status, pdb.metadata
            assert status is not None
            assert metadata is not None
            waiter.last_seen = (
                f"generation={metadata.generation} observed={status.observed_generation} "
                f"currentHealthy={status.current_healthy} desiredHealthy={status.desired_healthy} "
                f"disruptionsAllowed={status.disruptions_allowed}"
            )
            current = status.observed_generation == metadata.generation
            if current and status.current_healthy == healthy and status.disruptions_allowed == allowed:
                return True
            return None

        return probe

    e2e.wait("PDB currentHealthy=2, disruptionsAllowed=0", 60).until(budget_is(2, 0))

    victim = pods[0].metadata.name
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod_eviction(victim, namespace, eviction(victim, namespace))
    assert refused.value.status == 429, f"expected 429, got {refused.value.status}: {refused.value.body}"
    assert "disruption budget" in (refused.value.body or ""), f"429 body: {refused.value.body}"
    metadata = core.read_namespaced_pod(victim, namespace).metadata
    assert metadata is not None
    assert metadata.deletion_timestamp is None, "the refused eviction deleted the pod anyway"

    policy.patch_namespaced_pod_disruption_budget("guarded", namespace, {"spec": {"minAvailable": 1}})
    e2e.wait("PDB disruptionsAllowed=1 after minAvailable=1", 60).until(budget_is(2, 1))

    core.create_namespaced_pod_eviction(victim, namespace, eviction(victim, namespace))

    def evicted(waiter: Any) -> str | None:
        try:
            pod = core.read_namespaced_pod(victim, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return "pod deleted"
            raise
        waiter.last_seen = e2e.describe_pod(pod)
        disruption = [c for c in (pod.status and pod.status.conditions) or [] if c.type == "DisruptionTarget"]
        if disruption and disruption[0].status == "True":
            return f"DisruptionTarget condition ({disruption[0].reason})"
        if pod.metadata is not None and pod.metadata.deletion_timestamp is not None:
            return "deletionTimestamp set"
        return None

    seen = e2e.wait(f"pod {victim} to be evicted", 30, interval=0.2).until(evicted)
    print(f"eviction evidence: {seen}")


def test_the_status_command_prints_every_component_and_both_nodes_ready(
    local_cluster: ClusterAccess,
) -> None:
    podchaos = Path(sys.executable).with_name("podchaos")
    result = subprocess.run([str(podchaos), "cluster", "status"], capture_output=True, text=True, check=False)

    assert result.returncode == 0, f"status of a healthy cluster exited {result.returncode}: {result.stderr}"
    lines = result.stdout.splitlines()
    assert f"kubeconfig: {local_cluster.kubeconfig}" in lines
    assert f"server:     {KUBERNETES_VERSION}" in lines
    components = [line.split() for line in lines if "log: " in line]
    names = {words[0] for words in components}
    assert names == {
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        *(f"{daemon}-{node}" for daemon in ("containerd", "kubelet") for node in NODE_NAMES),
        "kube-proxy",
        "coredns",
    }, lines
    assert all(words[1:3] == ["running", "(pid"] for words in components), lines
    rows = [line.split() for line in lines]
    nodes = {words[0]: words[1] for words in rows if words and words[0] in NODE_NAMES}
    assert nodes == dict.fromkeys(NODE_NAMES, "Ready"), lines
