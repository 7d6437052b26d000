"""Configuration files of the local cluster's components, as text. Pure functions: easy to unit-test."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from podchaos.cluster.local.layout import (
    CLUSTER_DOMAIN,
    CLUSTER_NAME,
    COREDNS_HEALTH_PORT,
    COREDNS_READY_PORT,
    DNS_IP,
    OWN_NETWORKS,
    NodeLayout,
)
from podchaos.model.toolbox import TOOLBOX_IMAGE, TRAFFIC_IMAGE

__all__ = [
    "CRASH_LOOP_CAP",
    "SANDBOX_IMAGE",
    "SHELLLESS_IMAGE",
    "TOOLBOX_IMAGE",
    "TRAFFIC_IMAGE",
    "cni",
    "containerd",
    "corefile",
    "crash_loop_back_off",
    "kubeconfig",
    "kubelet",
    "refreshed_kubelet",
]
SANDBOX_IMAGE = "localhost/podchaos/pause:1"
# A public image with no shell (only /pause): the local sandbox image carries this tag too.
SHELLLESS_IMAGE = "registry.k8s.io/pause:3.10"


def kubeconfig(server: str, ca: Path, cert: Path, key: Path, user: str) -> str:
    """A kubeconfig with one cluster, one client-certificate user and one context named after the cluster."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": CLUSTER_NAME, "cluster": {"server": server, "certificate-authority": str(ca)}}
            ],
            "users": [{"name": user, "user": {"client-certificate": str(cert), "client-key": str(key)}}],
            "contexts": [{"name": CLUSTER_NAME, "context": {"cluster": CLUSTER_NAME, "user": user}}],
            "current-context": CLUSTER_NAME,
        },
        indent=2,
    )


def containerd(node: NodeLayout) -> str:
    """containerd 1.6 config for one node: its own root, state, socket, runc root and CNI config."""
    return f"""version = 2
root = "{node.containerd_root}"
state = "{node.containerd_state}"
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
]

[grpc]
  address = "{node.containerd_socket}"

[ttrpc]
  address = "{node.containerd_socket}.ttrpc"

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{SANDBOX_IMAGE}"
  # This sandbox lacks CAP_SYS_RESOURCE: without this, runc fails to lower oom_score_adj
  # for the pod sandbox ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
  discard_unpacked_layers = false

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = "{node.runc_root}"

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "{node.cni_conf_dir}"
"""


def cni(node: NodeLayout) -> str:
    """CNI bridge network for one node's pods. No masquerade and no default route: a pod has routes
    to the cluster's own networks only (the other node's pods, Services, the DNS and node addresses),
    so anything else fails in the pod instead of leaving this machine."""
    return json.dumps(
        {
            "cniVersion": "0.4.0",
            "name": f"podchaos-{node.name}",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": node.bridge,
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": node.pod_cidr, "gateway": node.pod_gateway}]],
                        "routes": [{"dst": network, "gw": node.pod_gateway} for network in OWN_NETWORKS],
                        "dataDir": str(node.cni_ipam_dir),
                    },
                }
            ],
        },
        indent=2,
    )


CRASH_LOOP_CAP = "20s"
"""The local kubelets' crash-loop back-off cap (300 s by default). Small enough that a scenario sees the
waits plateau in CI time (10 s, 20 s, 20 s, ...), large enough that they still double once first, as
the default does, so three restarts wait 0, 10 and 20 s as on any node."""
CRASH_LOOP_CAP_SINCE = (1, 35)
"""KubeletCrashLoopBackOffMax is beta and on by default from 1.35; in 1.32 to 1.34 it is alpha and off,
and the kubelet refuses ``crashLoopBackOff.maxContainerRestartPeriod`` while its gate is off."""


def crash_loop_back_off(kubernetes_version: str) -> dict[str, Any]:
    """The kubelet setting that caps the crash-loop back-off at CRASH_LOOP_CAP, on a release where it
    is on by default; nothing on an older one (an alpha gate is not turned on: the node then behaves as
    such a release does for its users). ``""`` is the default release, which has it."""
    found = re.match(r"^v?(\d+)\.(\d+)", kubernetes_version)
    if found is not None and (int(found[1]), int(found[2])) < CRASH_LOOP_CAP_SINCE:
        return {}
    return {"crashLoopBackOff": {"maxContainerRestartPeriod": CRASH_LOOP_CAP}}


def refreshed_kubelet(text: str, kubernetes_version: str) -> str | None:
    """A kubelet configuration written by an older podchaos with what this one adds to it (the
    crash-loop back-off cap), or None when it has it already (or is not JSON: then it is left alone)."""
    try:
        current = json.loads(text)
    except ValueError:
        return None
    if not isinstance(current, dict):
        return None
    wanted = {**current, **crash_loop_back_off(kubernetes_version)}
    return None if wanted == current else json.dumps(wanted, indent=2)


def kubelet(
    node: NodeLayout,
    ca: Path,
    serving_cert: Path,
    serving_key: Path,
    resolv_conf: Path,
    kubernetes_version: str = "",
) -> str:
    """KubeletConfiguration for one node of several on the same machine (own ports, cgroup root, dirs),
    for the kubelet of ``kubernetes_version`` ("": the default release)."""
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": node.ip,
        "port": node.kubelet_port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": node.kubelet_healthz_port,
        "tlsCertFile": str(serving_cert),
        "tlsPrivateKeyFile": str(serving_key),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(ca)},
        },
        "authorization": {"mode": "Webhook"},
        "containerRuntimeEndpoint": f"unix://{node.containerd_socket}",
        # These machines run cgroup v1; kubelet >= 1.35 refuses it unless told otherwise.
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": node.cgroup_root,
        "cgroupsPerQOS": True,
        "failSwapOn": False,
        "podLogsDir": str(node.pod_logs_dir),
        "resolvConf": str(resolv_conf),
        "clusterDomain": CLUSTER_DOMAIN,
        "clusterDNS": [DNS_IP],
        # Preloaded images cannot be pulled again: never garbage-collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%"},
        "serializeImagePulls": False,
        "localStorageCapacityIsolation": True,
        "maxPods": 60,
        **crash_loop_back_off(kubernetes_version),
    }
    return json.dumps(config, indent=2)


def corefile(kubeconfig: Path) -> str:
    """The cluster DNS: Service and pod names of the cluster domain and their reverse lookups.

    No ``forward``: a name outside the cluster is refused rather than asked of a server elsewhere.
    """
    return f""".:53 {{
    bind {DNS_IP}
    errors
    health 127.0.0.1:{COREDNS_HEALTH_PORT}
    ready 127.0.0.1:{COREDNS_READY_PORT}
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        kubeconfig {kubeconfig} {CLUSTER_NAME}
        pods insecure
        ttl 5
    }}
    cache 5
}}
"""
