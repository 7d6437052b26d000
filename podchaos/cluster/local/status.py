"""What the local cluster reports about itself: its daemons, nodes and paths, and the release its data
was written by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local.apiclient import NodeState
from podchaos.cluster.local.layout import ETCD_VERSION

_DATA_VERSION_RE = re.compile(r"^kubernetes (v\S+), etcd ")


def data_version(kubernetes_version: str) -> str:
    """What the data directories were written by: other versions start from empty data."""
    return f"kubernetes {kubernetes_version}, etcd {ETCD_VERSION}"


def recorded_kubernetes_version(state: Path) -> str | None:
    """The Kubernetes release the cluster in ``state`` was last started with, if it was started."""
    try:
        match = _DATA_VERSION_RE.match((state / "data-version").read_text().strip())
    except OSError:
        return None
    return match.group(1) if match else None


@dataclass(frozen=True)
class ComponentStatus:
    """One daemon: running or not, its PID and its log."""

    name: str
    pid: int | None
    log: Path


@dataclass(frozen=True)
class LocalStatus:
    """What ``podchaos cluster status`` prints."""

    components: tuple[ComponentStatus, ...]
    nodes: tuple[NodeState, ...]
    server_version: str
    kubeconfig: Path
    state_dir: Path
    log_dir: Path

    @property
    def healthy(self) -> bool:
        return (
            all(component.pid is not None for component in self.components)
            and len(self.nodes) > 0
            and all(node.ready for node in self.nodes)
        )
