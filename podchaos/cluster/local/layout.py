"""Where the local cluster keeps its files, and the addresses and ports it uses.

Everything lives under one state directory (``$PODCHAOS_STATE_DIR``, default ``/var/lib/podchaos``)
so ``down`` can find and remove all of it; sockets live under a short run directory because unix
socket paths are limited to 108 bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local.versions import DEFAULT_KUBERNETES_VERSION
from podchaos.k8s.tools import default_cache_dir

ETCD_VERSION = "v3.6.16"
# Its Kubernetes client (client-go v0.35.4) lists and watches stable APIs only (Services, EndpointSlices,
# Namespaces, Pods), which every tested release serves.
COREDNS_VERSION = "v1.14.7"

# Addresses that exist only on this machine: one device carries the control-plane and node
# addresses, a bridge per node carries its pods. Nothing here is routed off the machine.
ADDRESS_DEVICE = "podchaos0"
CONTROL_PLANE_IP = "10.250.0.1"
# The cluster DNS server listens on its own address of the device, port 53 (pods cannot be told a port).
DNS_IP = "10.250.0.2"
NODE_CIDR = "10.250.0.0/24"
CLUSTER_CIDR = "10.251.0.0/16"
SERVICE_CIDR = "10.252.0.0/24"
SERVICE_IP = "10.252.0.1"
CLUSTER_DOMAIN = "cluster.local"
# Every network the cluster owns; forwarding is accepted between these and nowhere else.
OWN_NETWORKS = (NODE_CIDR, CLUSTER_CIDR, SERVICE_CIDR)
CLUSTER_NAME = "podchaos-local"

ETCD_CLIENT_PORT = 12379
ETCD_PEER_PORT = 12380
APISERVER_PORT = 16443
CONTROLLER_MANAGER_PORT = 20257
SCHEDULER_PORT = 20259
KUBE_PROXY_METRICS_PORT = 20249
KUBE_PROXY_HEALTHZ_PORT = 20256
COREDNS_HEALTH_PORT = 20280
COREDNS_READY_PORT = 20281


@dataclass(frozen=True)
class NodeLayout:
    """One node: its name, addresses, ports and directories."""

    index: int
    state: Path
    run: Path

    @property
    def name(self) -> str:
        return f"podchaos-node-{self.index}"

    @property
    def ip(self) -> str:
        return f"10.250.0.{10 + self.index}"

    @property
    def pod_cidr(self) -> str:
        return f"10.251.{self.index}.0/24"

    @property
    def pod_gateway(self) -> str:
        return f"10.251.{self.index}.1"

    @property
    def bridge(self) -> str:
        return f"pcbr{self.index}"

    @property
    def kubelet_port(self) -> int:
        return 20250 + 100 * self.index

    @property
    def kubelet_healthz_port(self) -> int:
        return 20248 + 100 * self.index

    @property
    def cgroup_root(self) -> str:
        return f"/podchaos-node-{self.index}"

    @property
    def dir(self) -> Path:
        return self.state / "nodes" / self.name

    @property
    def containerd_root(self) -> Path:
        return self.dir / "containerd"

    @property
    def containerd_state(self) -> Path:
        return self.run / self.name / "containerd"

    @property
    def containerd_socket(self) -> Path:
        return self.run / self.name / "containerd.sock"

    @property
    def containerd_config(self) -> Path:
        return self.dir / "containerd.toml"

    @property
    def runc_root(self) -> Path:
        return self.run / self.name / "runc"

    @property
    def cni_conf_dir(self) -> Path:
        return self.dir / "cni"

    @property
    def cni_ipam_dir(self) -> Path:
        return self.dir / "ipam"

    @property
    def kubelet_root(self) -> Path:
        return self.dir / "kubelet"

    @property
    def pod_logs_dir(self) -> Path:
        return self.dir / "pod-logs"

    @property
    def kubelet_config(self) -> Path:
        return self.dir / "kubelet.yaml"

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubelet.kubeconfig"


@dataclass(frozen=True)
class Layout:
    """The whole local cluster's file and address layout."""

    state: Path
    run: Path
    cache: Path
    node_count: int = 2
    # The Kubernetes release (vX.Y.Z) whose binaries the daemons run; each has its own build directory.
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION

    @classmethod
    def default(cls) -> Layout:
        """Layout from ``PODCHAOS_STATE_DIR``, ``PODCHAOS_RUN_DIR`` and ``PODCHAOS_CACHE_DIR`` or defaults."""
        return cls(
            state=Path(os.environ.get("PODCHAOS_STATE_DIR", "/var/lib/podchaos")),
            run=Path(os.environ.get("PODCHAOS_RUN_DIR", "/run/podchaos")),
            cache=default_cache_dir(),
        )

    @property
    def nodes(self) -> tuple[NodeLayout, ...]:
        return tuple(NodeLayout(index, self.state, self.run) for index in range(1, self.node_count + 1))

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig users and tests connect with."""
        return self.state / "kubeconfig"

    @property
    def pki(self) -> Path:
        return self.state / "pki"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def pids(self) -> Path:
        return self.run / "pids"

    @property
    def etcd_data(self) -> Path:
        return self.state / "etcd"

    @property
    def control_plane(self) -> Path:
        return self.state / "control-plane"

    @property
    def volumes(self) -> Path:
        """The data of the PersistentVolumes the hostPath provisioner made (see ``storage``)."""
        return self.state / "volumes"

    @property
    def images(self) -> Path:
        return self.cache / "images"

    @property
    def bin(self) -> Path:
        return self.cache / "bin"

    @property
    def kube_binary(self) -> Path:
        return self.bin / f"kubernetes-{self.kubernetes_version}" / "kube"

    @property
    def etcd_binary(self) -> Path:
        return self.bin / f"etcd-{ETCD_VERSION}" / "etcd"

    @property
    def coredns_binary(self) -> Path:
        return self.bin / f"coredns-{COREDNS_VERSION}" / "coredns"

    @property
    def traffic_binary(self) -> Path:
        return self.bin / "traffic" / "traffic"

    @property
    def corefile(self) -> Path:
        return self.control_plane / "Corefile"

    @property
    def apiserver_url(self) -> str:
        return f"https://{CONTROL_PLANE_IP}:{APISERVER_PORT}"
