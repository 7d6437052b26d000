"""Storage in the embedded local cluster: a claim of the default StorageClass binds, its volume's data
lives under the cluster's state directory, and the data outlives its pod, on this node or the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client

from podchaos.cluster.local.layout import Layout
from podchaos.cluster.local.storage import PROVISIONER, PROVISIONER_DIR, STORAGE_CLASS
from podchaos.cluster.provider import ClusterAccess

NODES = ("podchaos-node-1", "podchaos-node-2")
BIND_TIMEOUT = 60.0


def claim(name: str) -> dict[str, Any]:
    """A claim with no storageClassName: the default StorageClass must take it."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "16Mi"}}},
    }


def pod_on(e2e: Any, name: str, node: str, claim_name: str) -> dict[str, Any]:
    container = e2e.busybox_container(
        "main",
        "touch /tmp/ready; exec sleep 3600",
        readinessProbe=e2e.ready_file_probe(),
        volumeMounts=[{"name": "data", "mountPath": "/data"}],
    )
    manifest: dict[str, Any] = e2e.pod_manifest(
        name,
        [container],
        nodeName=node,
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}],
    )
    return manifest


def test_a_claim_binds_and_its_data_outlives_the_pod_on_either_node(
    local_cluster: ClusterAccess, core: client.CoreV1Api, namespace: str, e2e: Any
) -> None:
    storage = client.StorageV1Api(core.api_client)
    default = storage.read_storage_class(STORAGE_CLASS)
    assert default.provisioner == PROVISIONER
    annotations = (default.metadata and default.metadata.annotations) or {}
    assert annotations.get("storageclass.kubernetes.io/is-default-class") == "true"

    core.create_namespaced_persistent_volume_claim(namespace, e2e.body(claim("data")))

    def bound(waiter: Any) -> Any:
        pvc = core.read_namespaced_persistent_volume_claim("data", namespace)
        phase = pvc.status and pvc.status.phase
        waiter.last_seen = f"phase {phase}, class {pvc.spec and pvc.spec.storage_class_name}"
        return pvc if phase == "Bound" else None

    pvc = e2e.wait("claim data to bind", BIND_TIMEOUT).until(bound)
    assert pvc.spec.storage_class_name == STORAGE_CLASS
    volume = core.read_persistent_volume(pvc.spec.volume_name)
    assert volume.spec is not None
    assert volume.spec.host_path is not None
    host_path = Path(volume.spec.host_path.path)
    assert host_path.parent == PROVISIONER_DIR
    # The provisioner's directory links into the state directory: down --purge removes the data.
    on_disk = Layout.default().volumes / host_path.name
    assert on_disk.is_dir(), f"{host_path} is not under {Layout.default().volumes}"

    # Written on the first node, in the first pod.
    core.create_namespaced_pod(namespace, e2e.body(pod_on(e2e, "writer", NODES[0], "data")))
    e2e.wait_pod_ready(core, namespace, "writer")
    wrote = e2e.exec_in(core, namespace, "writer", ["sh", "-c", "echo kept > /data/token && cat /data/token"])
    assert (wrote.exit_code, wrote.stdout) == (0, "kept\n"), wrote
    assert (on_disk / "token").read_text() == "kept\n"

    # The pod is deleted; a new one on the same node reads the same data ...
    core.delete_namespaced_pod("writer", namespace, grace_period_seconds=0)
    core.create_namespaced_pod(namespace, e2e.body(pod_on(e2e, "same-node", NODES[0], "data")))
    e2e.wait_pod_ready(core, namespace, "same-node")
    read = e2e.exec_in(core, namespace, "same-node", ["cat", "/data/token"])
    assert (read.exit_code, read.stdout) == (0, "kept\n"), read

    # ... and so does one on the other node, as if the pod had been rescheduled there.
    core.delete_namespaced_pod("same-node", namespace, grace_period_seconds=0)
    core.create_namespaced_pod(namespace, e2e.body(pod_on(e2e, "other-node", NODES[1], "data")))
    moved = e2e.wait_pod_ready(core, namespace, "other-node")
    assert moved.spec.node_name == NODES[1]
    read = e2e.exec_in(core, namespace, "other-node", ["cat", "/data/token"])
    assert (read.exit_code, read.stdout) == (0, "kept\n"), read

    # Deleting the claim deletes the volume and its data (reclaim policy Delete).
    core.delete_namespaced_pod("other-node", namespace, grace_period_seconds=0)
    core.delete_namespaced_persistent_volume_claim("data", namespace)

    def data_gone(waiter: Any) -> bool | None:
        waiter.last_seen = f"{on_disk} exists: {on_disk.exists()}"
        return True if not on_disk.exists() else None

    e2e.wait("the volume's data to be deleted with its claim", BIND_TIMEOUT).until(data_gone)
