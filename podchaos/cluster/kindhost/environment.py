"""Everything ``kind create cluster`` needs on this machine, in one call: the interface the kind
provider uses.

``prepare`` builds (or reuses) kind, the node image of a Kubernetes release and, where no Docker
engine answers, podchaos's own containerd with nerdctl; it loads the node image into that engine and
returns a ``KindEnvironment``: the environment to run ``kind`` in, the node image reference, and a
cluster configuration that suits these nodes. Docker stays the provider wherever it answers.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from podchaos.cluster.kindhost import engine as engine_module
from podchaos.cluster.kindhost import nodeimage, tools
from podchaos.cluster.local.layout import Layout
from podchaos.cluster.local.versions import resolve_kubernetes_version
from podchaos.cluster.lock import exclusive
from podchaos.errors import ClusterSetupError

Progress = Callable[[str], None]

CGROUP_V2_MARKER = Path("/sys/fs/cgroup/cgroup.controllers")
PREPARE_LOCK_TIMEOUT_S = 60 * 60.0


@dataclass(frozen=True)
class KindEnvironment:
    """How to run kind here: its binary, its environment, the node image and the volume directory."""

    kind: Path
    env: dict[str, str]
    image: nodeimage.NodeImage
    provider: str
    volumes: Path
    engine: engine_module.Engine | None = field(default=None, compare=False)

    @property
    def node_image(self) -> str:
        """The reference to give ``kind create cluster --image``."""
        return self.image.reference

    def run_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def kind_command(self, *args: str, timeout: float = 900.0) -> subprocess.CompletedProcess[str]:
        """Run ``kind args...`` in this environment; ClusterSetupError with kind's words on failure."""
        completed = subprocess.run(
            [str(self.kind), *args],
            env=self.run_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            raise ClusterSetupError(
                f"kind {' '.join(args)} failed:\n{(completed.stderr or completed.stdout).strip()[-3000:]}"
            )
        return completed


def docker_answers() -> bool:
    """True when a Docker engine answers here (users' CI): kind's default provider then."""
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def cluster_config(environment: KindEnvironment, cluster: str, workers: int = 2) -> str:
    """A kind cluster configuration for these nodes: a control plane and ``workers`` workers.

    Every node mounts one host directory at the hostPath provisioner's path, so a volume follows its
    pod to another node; kube-proxy runs in nftables mode (the node image carries nft); a kubelet of
    1.35 or later is told to run on a cgroup v1 host.
    """
    volumes = environment.volumes / cluster
    mount = f"  extraMounts:\n  - hostPath: {volumes}\n    containerPath: {nodeimage.VOLUMES_IN_NODE}\n"
    nodes = "- role: control-plane\n" + mount
    for _ in range(workers):
        nodes += "- role: worker\n" + mount
    patches = ""
    if not CGROUP_V2_MARKER.exists():
        patches = "kubeadmConfigPatches:\n- |\n  kind: KubeletConfiguration\n  failCgroupV1: false\n"
    return (
        "kind: Cluster\n"
        "apiVersion: kind.x-k8s.io/v1alpha4\n"
        "networking:\n"
        "  kubeProxyMode: nftables\n"
        f"{patches}"
        f"nodes:\n{nodes}"
    )


def prepare(kubernetes: str | None = None, progress: Progress | None = None) -> KindEnvironment:
    """Build what kind needs for Kubernetes ``kubernetes`` (default: the local cluster's default
    release), start podchaos's engine when there is no Docker, and load the node image into it."""
    say: Progress = progress or (lambda _message: None)
    layout = Layout.default()
    if kubernetes:
        layout = dataclasses.replace(layout, kubernetes_version=resolve_kubernetes_version(kubernetes))
    # One preparation at a time on this machine (xdist workers, parallel sessions): the builds write
    # the same cache files and one engine serves them all. A cold one builds for many minutes.
    with exclusive(layout.cache / "kind" / "prepare.lock", "kind preparation", say, PREPARE_LOCK_TIMEOUT_S):
        return _prepare(layout, say)


def build(kubernetes: str | None = None, progress: Progress | None = None) -> str:
    """Build, once and cached, what :func:`prepare` needs for Kubernetes ``kubernetes`` (the tools and
    the node image), starting nothing: a cold build takes many minutes, which CI overlaps with tests
    that do not need kind. The node image's reference."""
    say: Progress = progress or (lambda _message: None)
    layout = Layout.default()
    if kubernetes:
        layout = dataclasses.replace(layout, kubernetes_version=resolve_kubernetes_version(kubernetes))
    with exclusive(layout.cache / "kind" / "prepare.lock", "kind preparation", say, PREPARE_LOCK_TIMEOUT_S):
        built = tools.ensure_tools(layout, say)
        return nodeimage.ensure_node_image(layout, built, say).reference


def _prepare(layout: Layout, say: Progress) -> KindEnvironment:
    built = tools.ensure_tools(layout, say)
    image = nodeimage.ensure_node_image(layout, built, say)
    volumes = engine_module.EngineLayout().volumes
    if docker_answers():
        subprocess.run(["docker", "load", "-i", str(image.archive)], capture_output=True, check=True)
        return KindEnvironment(built.kind, {"PATH": tools.environment_path(built)}, image, "docker", volumes)
    engine = engine_module.Engine(built, progress=say)
    engine.start()
    engine.load_image(image.archive, image.reference)
    engine.remove_images_except(nodeimage.IMAGE_REPOSITORY, image.reference)
    return KindEnvironment(built.kind, engine.environment(), image, "nerdctl", volumes, engine)


def kubeconfig(environment: KindEnvironment, cluster: str) -> str:
    """The cluster's admin kubeconfig with a server this host reaches: the control plane's address on
    the kind network (nerdctl maps no ports here)."""
    text = environment.kind_command("get", "kubeconfig", "--internal", "--name", cluster).stdout
    if environment.engine is None:
        return environment.kind_command("get", "kubeconfig", "--name", cluster).stdout
    node = f"{cluster}-control-plane"
    address = environment.engine.nerdctl(
        "inspect", "-f", "{{.NetworkSettings.IPAddress}}", node
    ).stdout.strip()
    if not address:
        raise ClusterSetupError(f"no address of {node} on the kind network")
    return text.replace(f"https://{node}:6443", f"https://{address}:6443")


def delete_cluster(environment: KindEnvironment, cluster: str) -> None:
    """``kind delete cluster``; nothing to do when podchaos's engine, which held it, is stopped."""
    if environment.engine is not None and not environment.engine.daemon().running():
        return
    environment.kind_command("delete", "cluster", "--name", cluster, timeout=300)


def shutdown(environment: KindEnvironment) -> None:
    """Stop podchaos's engine (when it is the provider) once it holds no cluster: the host is then as
    it was before ``prepare``, but for the cached builds and images."""
    if environment.engine is not None:
        environment.engine.stop()
