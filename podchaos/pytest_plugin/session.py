"""The cluster a pytest process runs chaos on: chosen from the options, made ready on first use, and
what the process's runs share on it (node agents, the namespace cleaner), finished at session end.

Nothing here imports the Kubernetes client or a provider until a test needs the cluster, so pytest
starts as fast with podchaos installed as without it.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos.errors import ClusterError, PodchaosError
from podchaos.pytest_plugin.options import PodchaosOptions

if TYPE_CHECKING:
    from podchaos.cleanup.namespace import NamespaceCleaner
    from podchaos.cluster.provider import ClusterAccess, ClusterProvider
    from podchaos.engine import Services
    from podchaos.k8s.client import Kube


# Under the run directory (``<report dir>/<run id>``), shared by the xdist workers of one run.
KIND_LOGS = "kind-logs"
SETUP_ERROR = "cluster-setup-error.txt"
SETUP_LOCK = ".cluster-setup.lock"


def _progress(message: str) -> None:
    # Bringing a cold cluster up takes minutes: say what is happening even under pytest's capture.
    print(f"podchaos: {message}", file=sys.__stderr__, flush=True)


def provider_for(options: PodchaosOptions, run_dir: Path | None = None) -> ClusterProvider:
    """The provider the options ask for; kind writes the logs of a failed create under ``run_dir``."""
    match options.resolved_provider:
        case "local":
            from podchaos.cluster.local.provider import LocalProvider

            if options.cluster_note:
                _progress(options.cluster_note)
            return LocalProvider(progress=_progress, kubernetes=options.kubernetes)
        case "kind":
            from podchaos.cluster.kind import KindProvider
            from podchaos.cluster.kind.builthere import host_factory

            # Without Docker, kind runs on the tooling podchaos builds here (prepared at set-up).
            return KindProvider(
                cluster_name=options.kind_cluster,
                load_toolbox=True,
                progress=_progress,
                config=options.kind_config,
                image=options.kind_image,
                kubernetes=options.kubernetes,
                logs_dir=None if run_dir is None else run_dir / KIND_LOGS,
                host=host_factory(options.kubernetes, _progress),
            )
        case "existing":
            from podchaos.cluster.existing import ExistingProvider

            paths = options.kubeconfig_paths or options.kubeconfig
            return ExistingProvider(paths, options.context, options.allowed_contexts)


def _gist(error: str, limit: int = 240) -> str:
    """The error's first line, and the next one when the first only introduces it (a command's output),
    shortened in the middle to ``limit`` characters."""
    lines = [line.strip() for line in error.splitlines() if line.strip()] or [""]
    gist = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]
    if len(gist) <= limit:
        return gist
    half = (limit - 5) // 2
    return f"{gist[:half]} ... {gist[-half:]}"


class ClusterSession:
    """Lazily made-ready cluster, API connection and shared run services for one pytest process (or
    xdist worker)."""

    def __init__(self, options: PodchaosOptions, run_dir: Path | None = None) -> None:
        self.options = options
        self.run_dir = run_dir
        self._failure: str | None = None
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
            self._provider = provider_for(self.options, self.run_dir)
        return self._provider

    @property
    def started(self) -> bool:
        return self._access is not None

    def access(self) -> ClusterAccess:
        """Make the cluster ready (once) and say how to reach it.

        A set-up that failed is tried once per run: its error goes to the first caller in full, and
        every later caller, in this process or another xdist worker of the run, gets a ClusterError
        quoting its first line instead of a new attempt.
        """
        if self._access is not None:
            return self._access
        if self._failure is None and self.run_dir is not None:
            from podchaos.cluster.lock import exclusive

            # One worker at a time, so the others see its failure instead of trying again.
            with exclusive(self.run_dir / SETUP_LOCK, "cluster set-up", _progress):
                self._failure = self._recorded_failure()
                if self._failure is None:
                    return self._ensure()
        if self._failure is None:
            return self._ensure()
        raise ClusterError(
            f"the cluster set-up failed earlier in this run and is not tried again ({_gist(self._failure)}); "
            "the first scenario that needed the cluster has the whole error"
        )

    def _ensure(self) -> ClusterAccess:
        try:
            self._access = self.provider.ensure()
        except PodchaosError as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
            if self.run_dir is not None:
                # Best effort: without it, another worker tries once more.
                with contextlib.suppress(OSError):
                    (self.run_dir / SETUP_ERROR).write_text(self._failure + "\n", encoding="utf-8")
            raise
        return self._access

    def _recorded_failure(self) -> str | None:
        """The set-up error another worker of this run wrote down, if any."""
        if self.run_dir is None:
            return None
        try:
            return (self.run_dir / SETUP_ERROR).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def export_cluster_logs(self) -> str | None:
        """kind only: ``kind export logs`` of the cluster into ``<run dir>/kind-logs``, for a run that
        ended in an error; the line the summary shows (None when there is nothing to say)."""
        if self.options.resolved_provider != "kind" or self.run_dir is None:
            return None
        import shutil

        from podchaos.cluster.kind import KindProvider

        provider = self.provider
        directory = self.run_dir / KIND_LOGS
        if not isinstance(provider, KindProvider):
            return None
        # kind built here is not on PATH: only a process that set the cluster up has it.
        if provider.host is None and shutil.which("kind") is None:
            return None
        try:
            if provider.exists():
                provider.export_logs(directory)
        except PodchaosError as exc:
            return f"podchaos: WARNING cannot export kind's logs: {exc}"
        # A failed create wrote its nodes' logs there too, before deleting them.
        return f"podchaos: kind's logs: {directory}" if directory.is_dir() else None

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
