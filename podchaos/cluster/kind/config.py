"""The kind cluster config a created cluster starts from: podchaos's own (a control plane and two
workers) or the user's file, checked before any cluster is created.

kind decodes its config strictly and stops at the first unknown field with a Go decoder's message;
this check names the file, the field (``nodes[1].rol``) and what was expected, and runs when pytest
starts, so a typo costs seconds rather than a cluster start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podchaos.errors import ClusterSetupError

API_VERSION = "kind.x-k8s.io/v1alpha4"
CONTROL_PLANE = "control-plane"
WORKER = "worker"
ROLES = (CONTROL_PLANE, WORKER)

# The fields of kind's v1alpha4 Cluster and Node (sigs.k8s.io/kind pkg/apis/config/v1alpha4/types.go,
# v0.33.0); kind rejects any other.
CLUSTER_FIELDS = (
    "kind",
    "apiVersion",
    "name",
    "nodes",
    "networking",
    "featureGates",
    "runtimeConfig",
    "kubeadmConfigPatches",
    "kubeadmConfigPatchesJSON6902",
    "containerdConfigPatches",
    "containerdConfigPatchesJSON6902",
)
NODE_FIELDS = (
    "role",
    "image",
    "labels",
    "extraMounts",
    "extraPortMappings",
    "kubeadmConfigPatches",
    "kubeadmConfigPatchesJSON6902",
)

# kubelet 1.35 and later refuses to start on cgroup v1 unless told otherwise; the field is a
# KubeletConfiguration field, which kind's kubeadm config carries.
CGROUP_V1_PATCH = "kind: KubeletConfiguration\nfailCgroupV1: false\n"


@dataclass(frozen=True)
class KindConfig:
    """A kind cluster config: its text, where it came from, and its nodes' roles in order."""

    text: str
    source: str
    roles: tuple[str, ...]

    @property
    def schedulable_nodes(self) -> int:
        """Nodes ordinary pods run on: the workers (kind taints the control plane when it has
        workers), or the control planes of a cluster without workers."""
        workers = self.roles.count(WORKER)
        return workers if workers else self.roles.count(CONTROL_PLANE)


def default_config(
    workers: int = 2, cgroup_v1: bool = False, node_fields: Mapping[str, Any] | None = None
) -> KindConfig:
    """podchaos's own config: a control plane and ``workers`` workers, so node faults (cordon, drain)
    have another node to move pods to; on a cgroup v1 host, the kubelet is told to run on it.

    ``node_fields`` go into every node (``extraMounts`` a machine's node image needs, say); they
    must be fields of a kind node.
    """
    extra = dict(node_fields or {})
    unknown = sorted(set(extra) - set(NODE_FIELDS) - {"role"})
    if unknown or "role" in extra:
        raise ValueError(f"node_fields: {', '.join(unknown) or 'role'}: not a field podchaos may set")
    roles = (CONTROL_PLANE, *([WORKER] * workers))
    document: dict[str, Any] = {
        "kind": "Cluster",
        "apiVersion": API_VERSION,
        "nodes": [{"role": role, **extra} for role in roles],
    }
    if cgroup_v1:
        document["kubeadmConfigPatches"] = [CGROUP_V1_PATCH]
    text = f"# Written by podchaos: a control plane and {workers} workers.\n" + yaml.safe_dump(
        document, sort_keys=False, default_style=None
    )
    return KindConfig(text=text, source="podchaos's own config", roles=roles)


def host_is_cgroup_v1(cgroup_root: Path = Path("/sys/fs/cgroup")) -> bool:
    """Whether this host mounts cgroup v1 (a v2 host has ``cgroup.controllers`` at the root)."""
    return cgroup_root.is_dir() and not (cgroup_root / "cgroup.controllers").exists()


def load_config(path: Path, cluster_name: str) -> KindConfig:
    """The user's kind config at ``path``, checked; ClusterSetupError naming the file and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClusterSetupError(f"kind config {path}: cannot be read: {exc}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ClusterSetupError(f"kind config {path}: not valid YAML: {exc}") from exc
    return KindConfig(text=text, source=str(path), roles=_check(path, document, cluster_name))


def _check(path: Path, document: object, cluster_name: str) -> tuple[str, ...]:
    """The nodes' roles of a valid config document."""

    def problem(field: str, what: str) -> ClusterSetupError:
        return ClusterSetupError(f"kind config {path}: {field}: {what}")

    if not isinstance(document, Mapping):
        raise ClusterSetupError(
            f"kind config {path}: expected a mapping with kind: Cluster and apiVersion: {API_VERSION}, "
            f"got {type(document).__name__}"
        )
    _known_fields(path, document, CLUSTER_FIELDS, "", "a kind Cluster config")
    if document.get("kind") != "Cluster":
        raise problem("kind", f"expected Cluster, got {document.get('kind')!r}")
    if document.get("apiVersion") != API_VERSION:
        raise problem("apiVersion", f"expected {API_VERSION}, got {document.get('apiVersion')!r}")
    name = document.get("name")
    if name is not None and name != cluster_name:
        raise problem(
            "name",
            f"{name!r} is not the kind cluster podchaos uses ({cluster_name!r}, --podchaos-kind-cluster); "
            "leave the name out or make the two agree",
        )
    nodes = document.get("nodes")
    if nodes is None:
        return (CONTROL_PLANE,)  # kind's default: one control-plane node
    if not isinstance(nodes, list):
        raise problem("nodes", f"expected a list of nodes, got {type(nodes).__name__}")
    roles: list[str] = []
    for index, node in enumerate(nodes):
        where = f"nodes[{index}]"
        if not isinstance(node, Mapping):
            raise problem(where, f"expected a mapping with a role, got {type(node).__name__}")
        _known_fields(path, node, NODE_FIELDS, f"{where}.", "a kind node")
        role = node.get("role", CONTROL_PLANE)  # kind defaults an empty role to control-plane
        if role not in ROLES:
            raise problem(f"{where}.role", f"expected {' or '.join(ROLES)}, got {role!r}")
        roles.append(str(role))
    if CONTROL_PLANE not in roles:
        raise problem("nodes", "no node has role control-plane; kind needs at least one")
    return tuple(roles)


def _known_fields(
    path: Path, mapping: Mapping[Any, Any], fields: tuple[str, ...], prefix: str, what: str
) -> None:
    for key in mapping:
        if key not in fields:
            raise ClusterSetupError(
                f"kind config {path}: {prefix}{key}: not a field of {what} "
                f"(expected one of {', '.join(fields)})"
            )


@dataclass(frozen=True)
class ConfigNeeds:
    """What every node of a cluster needs on a given machine, added to whichever config it starts from:
    host directories mounted into each node, the kube-proxy mode its images support, and whether the
    kubelet must be told it runs on cgroup v1. ``reason`` says whose needs they are, for messages."""

    reason: str
    mounts: tuple[tuple[Path, str], ...] = ()  # (hostPath, containerPath)
    kube_proxy_mode: str | None = None
    cgroup_v1: bool = False


def with_needs(config: KindConfig, needs: ConfigNeeds) -> KindConfig:
    """``config`` with ``needs`` added to every node and to the cluster; ClusterSetupError naming the
    field when the config asks for something the nodes cannot do (another kube-proxy mode, another
    directory at a path the nodes need)."""
    document: dict[str, Any] = dict(yaml.safe_load(config.text) or {})

    def conflict(field: str, what: str) -> ClusterSetupError:
        return ClusterSetupError(f"kind config {config.source}: {field}: {what} ({needs.reason})")

    # kind's default when there are no nodes: one control plane, as load_config reads it too.
    nodes = [dict(node) for node in document.get("nodes") or [{"role": CONTROL_PLANE}]]
    for index, node in enumerate(nodes):
        mounts = [dict(mount) for mount in node.get("extraMounts") or []]
        for host_path, container_path in needs.mounts:
            same_path = [mount for mount in mounts if mount.get("containerPath") == container_path]
            if not same_path:
                mounts.append({"hostPath": str(host_path), "containerPath": container_path})
            elif any(mount.get("hostPath") != str(host_path) for mount in same_path):
                raise conflict(
                    f"nodes[{index}].extraMounts",
                    f"mounts another directory at {container_path}, where the nodes need {host_path}; "
                    "leave that mount out",
                )
        if mounts:
            node["extraMounts"] = mounts
    document["nodes"] = nodes
    if needs.kube_proxy_mode is not None:
        networking = dict(document.get("networking") or {})
        mode = networking.get("kubeProxyMode")
        if mode not in (None, needs.kube_proxy_mode):
            raise conflict(
                "networking.kubeProxyMode",
                f"{mode!r}: these nodes run kube-proxy in {needs.kube_proxy_mode} mode only; leave it out "
                f"or set {needs.kube_proxy_mode}",
            )
        networking["kubeProxyMode"] = needs.kube_proxy_mode
        document["networking"] = networking
    patches = list(document.get("kubeadmConfigPatches") or [])
    # A patch of the user's that sets failCgroupV1 already says what they want.
    if needs.cgroup_v1 and not any("failCgroupV1" in str(patch) for patch in patches):
        document["kubeadmConfigPatches"] = [CGROUP_V1_PATCH, *patches]
    text = f"# {config.source}, with what {needs.reason} need.\n" + yaml.safe_dump(document, sort_keys=False)
    return KindConfig(text=text, source=f"{config.source} (+ {needs.reason})", roles=config.roles)
