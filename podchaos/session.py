"""The cluster a pytest process runs chaos on: chosen from the options, made ready on first use."""

from __future__ import annotations

import sys

from podchaos.cluster.existing import ExistingProvider
from podchaos.cluster.kind import KindProvider
from podchaos.cluster.local.provider import LocalProvider
from podchaos.cluster.provider import ClusterAccess, ClusterProvider
from podchaos.k8s.client import Kube
from podchaos.options import PodchaosOptions


def _progress(message: str) -> None:
    # Bringing a cold cluster up takes minutes: say what is happening even under pytest's capture.
    print(f"podchaos: {message}", file=sys.__stderr__, flush=True)


def provider_for(options: PodchaosOptions) -> ClusterProvider:
    """The provider the options ask for."""
    match options.resolved_provider:
        case "local":
            return LocalProvider(progress=_progress)
        case "kind":
            return KindProvider(cluster_name=options.kind_cluster, load_toolbox=True, progress=_progress)
        case "existing":
            return ExistingProvider(options.kubeconfig, options.context, options.allowed_contexts)


class ClusterSession:
    """Lazily made-ready cluster and API connection for one pytest process (or xdist worker)."""

    def __init__(self, options: PodchaosOptions) -> None:
        self.options = options
        self.provider = provider_for(options)
        self._access: ClusterAccess | None = None
        self._kube: Kube | None = None

    @property
    def started(self) -> bool:
        return self._access is not None

    def access(self) -> ClusterAccess:
        """Make the cluster ready (once) and say how to reach it."""
        if self._access is None:
            self._access = self.provider.ensure()
        return self._access

    def kube(self) -> Kube:
        """The API connection (the cluster is made ready first)."""
        if self._kube is None:
            access = self.access()
            self._kube = Kube.from_kubeconfig(access.kubeconfig, access.context)
        return self._kube

    def close(self) -> None:
        """Close the API connection and release what the provider created for this session."""
        if self._kube is not None:
            self._kube.close()
            self._kube = None
        if self._access is not None:
            self.provider.release()
