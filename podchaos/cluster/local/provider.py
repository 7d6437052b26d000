"""The ``local`` provider: the embedded cluster on this machine, started on demand and left running."""

from __future__ import annotations

from podchaos.cluster.local.cluster import LocalCluster, Progress
from podchaos.cluster.local.layout import CLUSTER_NAME, Layout
from podchaos.cluster.provider import ClusterAccess


class LocalProvider:
    """Brings the embedded cluster up (idempotent) and hands out its admin kubeconfig.

    ``release`` leaves the cluster running: the next session reuses it in seconds, and
    ``podchaos cluster down`` stops it.
    """

    name = "local"

    def __init__(
        self, layout: Layout | None = None, progress: Progress | None = None, kubernetes: str | None = None
    ) -> None:
        """``kubernetes``: the release to run (see ``LocalCluster``); without it, the one running."""
        self.cluster = LocalCluster(layout, progress, kubernetes)

    def ensure(self) -> ClusterAccess:
        status = self.cluster.up()
        nodes = ", ".join(node.name for node in status.nodes)
        return ClusterAccess(
            provider=self.name,
            kubeconfig=status.kubeconfig,
            context=CLUSTER_NAME,
            description=f"embedded local cluster {status.server_version} ({nodes})",
        )

    def release(self) -> None:
        return None
