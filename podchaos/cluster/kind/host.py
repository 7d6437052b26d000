"""The seam between the kind provider and a machine that runs kind its own way.

On users' CI machines kind drives Docker and the provider runs the ``kind`` on PATH with kind's own
node images. A machine without Docker (the one podchaos is developed on) runs kind on a container
engine and a node image of its own: a :class:`KindHost` says how (``podchaos.cluster.kind.builthere``
makes one from the kind tooling built there). The provider asks a :data:`HostFactory` for it once,
when it sets the cluster up; a factory that answers None leaves the provider as it is with Docker.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Protocol

from podchaos.cluster.kind.config import ConfigNeeds


class KindHost(Protocol):
    """How kind runs on this machine, once its tooling is prepared."""

    @property
    def engine(self) -> str:
        """The container engine kind drives (``KIND_EXPERIMENTAL_PROVIDER``), for ``exec`` into nodes."""
        ...

    @property
    def node_image(self) -> str:
        """The node image a created cluster runs unless the user names one."""
        ...

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """Run ``kind ...`` or ``<engine> ...`` in this machine's environment (a provider ``Runner``)."""
        ...

    def config_needs(self, cluster: str) -> ConfigNeeds:
        """What every node of ``cluster`` needs here, added to the config it is created from."""
        ...

    def kubeconfig(self, cluster: str) -> str:
        """The cluster's admin kubeconfig, with a server this machine reaches."""
        ...

    def cluster_deleted(self) -> None:
        """A cluster the provider created is deleted: stop what only served it (the engine), if
        nothing else uses it."""
        ...


# Called once per set-up; None: no host of its own here (Docker answers), kind runs as it is.
HostFactory = Callable[[], KindHost | None]
