"""The kind tooling built on this machine as the kind provider's ``KindHost``.

Where no Docker engine answers and the user has not picked kind's engine (``KIND_EXPERIMENTAL_PROVIDER``),
``kindhost.environment.prepare`` builds (or reuses) kind, the node image of the release asked for and
podchaos's own containerd with nerdctl; the provider then runs kind in that environment, on that image,
with the mounts, kube-proxy mode and kubelet patch those nodes need. Where Docker answers nothing of
this is used: the provider runs kind as users' CI does.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.kind.command import COMMAND_TIMEOUT_S, PROVIDER_ENV
from podchaos.cluster.kind.config import ConfigNeeds, host_is_cgroup_v1
from podchaos.cluster.kindhost import environment, nodeimage

Progress = Callable[[str], None]
# Runs argv with the given environment (the real one: subprocess; tests pass a fake).
EnvRunner = Callable[[list[str], dict[str, str]], subprocess.CompletedProcess[str]]

# The kube-proxy image built here carries nft, not iptables.
KUBE_PROXY_MODE = "nftables"
REASON = "the nodes of the kind node image built here"


def run_in(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with ``env``, capturing text output; the caller judges the exit status."""
    return subprocess.run(
        argv,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=COMMAND_TIMEOUT_S,
    )


@dataclass(frozen=True)
class BuiltHere:
    """kind on podchaos's own engine and node image (a prepared ``KindEnvironment``)."""

    prepared: environment.KindEnvironment
    progress: Progress
    runner: EnvRunner = run_in
    cgroup_v1: bool = False

    @property
    def engine(self) -> str:
        return self.prepared.provider

    @property
    def node_image(self) -> str:
        return self.prepared.node_image

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        # The kind built here is not on the user's PATH; nerdctl and containerd are on the env's.
        program = str(self.prepared.kind) if argv[:1] == ["kind"] else argv[0]
        return self.runner([program, *argv[1:]], self.prepared.run_env())

    def config_needs(self, cluster: str) -> ConfigNeeds:
        """One host directory per cluster at the hostPath provisioner's path on every node (a volume
        follows its pod to another node), made here: the engine does not create bind sources."""
        volumes: Path = self.prepared.volumes / cluster
        volumes.mkdir(parents=True, exist_ok=True)
        return ConfigNeeds(
            reason=REASON,
            mounts=((volumes, nodeimage.VOLUMES_IN_NODE),),
            kube_proxy_mode=KUBE_PROXY_MODE,
            cgroup_v1=self.cgroup_v1,
        )

    def kubeconfig(self, cluster: str) -> str:
        return environment.kubeconfig(self.prepared, cluster)

    def cluster_deleted(self) -> None:
        """Stop podchaos's engine once it holds no container (another cluster keeps it running)."""
        engine = self.prepared.engine
        if engine is None:
            return
        left = engine.containers()
        if left:
            self.progress(
                f"podchaos's containerd for kind keeps running: it still holds {len(left)} container(s)"
            )
            return
        self.progress("stopping podchaos's containerd for kind")
        environment.shutdown(self.prepared)


def uses_kind_as_it_is(environ: dict[str, str], docker_answers: Callable[[], bool]) -> bool:
    """Whether kind runs as users' CI runs it: the user chose kind's engine, or Docker answers."""
    return bool(environ.get(PROVIDER_ENV, "").strip()) or docker_answers()


def host_factory(kubernetes: str | None, progress: Progress) -> Callable[[], BuiltHere | None]:
    """The kind provider's ``HostFactory`` on this machine: None where kind runs as it is; else the
    tooling for ``kubernetes`` (default: the local cluster's default release), built or reused, with
    podchaos's engine started."""

    def make() -> BuiltHere | None:
        if uses_kind_as_it_is(dict(os.environ), environment.docker_answers):
            return None
        progress("no Docker engine answers: kind runs on podchaos's containerd and a node image built here")
        prepared = environment.prepare(kubernetes, progress)
        return BuiltHere(prepared, progress, cgroup_v1=host_is_cgroup_v1())

    return make
