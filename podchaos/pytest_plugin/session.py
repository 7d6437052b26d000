"""The cluster a pytest process runs chaos on: chosen from the options, made ready on first use, and
what the process's runs share on it (node agents, the namespace cleaner), finished at session end.

Nothing here imports the Kubernetes client or a provider until a test needs the cluster, so pytest
starts as fast with podchaos installed as without it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from podchaos.pytest_plugin.options import PodchaosOptions

if TYPE_CHECKING:
    from podchaos.cleanup.namespace import NamespaceCleaner
    from podchaos.cluster.provider import ClusterAccess, ClusterProvider
    from podchaos.engine import Services
    from podchaos.k8s.client import Kube


def _progress(message: str) -> None:
    # Bringing a cold cluster up takes minutes: say what is happening even under pytest's capture.
    print(f"podchaos: {message}", file=sys.__stderr__, flush=True)


def provider_for(options: PodchaosOptions) -> ClusterProvider:
    """The provider the options ask for."""
    match options.resolved_provider:
        case "local":
            from podchaos.cluster.local.provider import LocalProvider

            return LocalProvider(progress=_progress, kubernetes=options.kubernetes)
        case "kind":
            from podchaos.cluster.kind import KindProvider

            return KindProvider(cluster_name=options.kind_cluster, load_toolbox=True, progress=_progress)
        case "existing":
            from podchaos.cluster.existing import ExistingProvider

            return ExistingProvider(options.kubeconfig, options.context, options.allowed_contexts)


class ClusterSession:
    """Lazily made-ready cluster, API connection and shared run services for one pytest process (or
    xdist worker)."""

    def __init__(self, options: PodchaosOptions) -> None:
        self.options = options
        self._provider: ClusterProvider | None = None
        self._access: ClusterAccess | None = None
        self._kube: Kube | None = None
        self._services: Services | None = None
        self._agents_namespace = ""
        self._server_version: str | None = None

    @property
    def provider(self) -> ClusterProvider:
        """The provider the options chose (made on first use)."""
        if self._provider is None:
            self._provider = provider_for(self.options)
        return self._provider

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
            from podchaos.k8s.client import Kube

            access = self.access()
            self._kube = Kube.from_kubeconfig(access.kubeconfig, access.context, self.options.api_outage_s)
        return self._kube

    def server_version(self) -> str:
        """The cluster's Kubernetes version (``v1.36.3``), read once per process."""
        if self._server_version is None:
            self._server_version = self.kube().server_version()
        return self._server_version

    def services(self) -> Services:
        """What every run of this process shares: node agents started once per node in a namespace
        of the session's own, and the cleaner that confirms run namespaces gone at session end."""
        if self._services is None:
            from podchaos import deploy
            from podchaos.cleanup.namespace import NamespaceCleaner
            from podchaos.engine import Services
            from podchaos.inject.agent import AgentPool

            kube = self.kube()
            run_id = deploy.new_run_id()
            namespace = deploy.namespace_name("agents", run_id)

            def create_agents_namespace() -> None:
                deploy.create_namespace(kube, namespace, "agents", run_id)
                self._agents_namespace = namespace

            self._services = Services(
                kube, AgentPool(kube, namespace, prepare=create_agents_namespace), NamespaceCleaner(kube)
            )
        return self._services

    def finish(self) -> tuple[str, ...]:
        """Delete the agents' namespace and confirm that every namespace this process's runs deleted
        is gone; the ones that are not (``podchaos sweep`` removes them)."""
        if self._services is None:
            return ()
        cleaner: NamespaceCleaner | None = self._services.cleaner
        if cleaner is None:
            return ()
        if self._agents_namespace:
            cleaner.delete(self._agents_namespace)
            self._agents_namespace = ""
        return cleaner.confirm()

    def close(self) -> None:
        """Close the API connection and release what the provider created for this session."""
        if self._kube is not None:
            self._kube.close()
            self._kube = None
        self._services = None
        if self._access is not None:
            self.provider.release()
