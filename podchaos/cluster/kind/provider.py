"""The ``kind`` provider: a kind (Kubernetes in Docker) cluster, created on demand or reused.

Everything goes through the ``kind`` command line, run by an injectable runner so the exact
commands can be checked without kind or a container engine installed.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from podchaos.cluster.kind.command import (
    Runner,
    checked,
    cluster_names,
    engine_from_environment,
    run_command,
    write_private,
)
from podchaos.cluster.kind.config import (
    KindConfig,
    default_config,
    host_is_cgroup_v1,
    load_config,
    with_needs,
)
from podchaos.cluster.kind.host import HostFactory, KindHost
from podchaos.cluster.kind.node_image import NodeImage, choose_image, kindest_node_image
from podchaos.cluster.kind.preload import Preload, node_has_image, podchaos_images
from podchaos.cluster.lock import exclusive
from podchaos.cluster.provider import ClusterAccess
from podchaos.errors import ClusterSetupError
from podchaos.k8s.tools import default_cache_dir

# How long ``kind create cluster`` waits for the nodes to be Ready.
WAIT = "120s"


def default_kubeconfig_dir() -> Path:
    """Where kind kubeconfigs (and the configs podchaos writes) go: ``<cache>/kind``."""
    return default_cache_dir() / "kind"


class KindProvider:
    """Creates (or reuses) the kind cluster ``cluster_name`` and hands out its kubeconfig.

    A cluster it creates has a control plane and two workers, or the nodes of the user's kind config
    (``config``); it runs ``image`` if given, else the node image ``node_image`` names for the
    release ``kubernetes`` (kind's own ``kindest/node`` by default, kind's default image without a
    release). ``own_config`` makes podchaos's own config (by default :func:`default_config` for this
    host); a machine whose nodes need more (mounts, patches) passes its own. A cluster that exists is
    reused as it is.

    ``release`` deletes the cluster only if this provider created it and ``keep`` is False: a
    cluster that already existed belongs to someone else.

    With ``load_toolbox`` the toolbox and traffic images built on this machine are loaded into the
    nodes that lack them (every node of a created cluster). With ``logs_dir``, a ``kind create`` that
    fails keeps its nodes long enough for ``kind export logs`` to write them there, then deletes them.

    ``host`` is asked once, at set-up, whether this machine runs kind its own way (no Docker): its
    :class:`~podchaos.cluster.kind.host.KindHost` then runs every kind and engine command, supplies the
    node image (unless ``image`` names one), adds what its nodes need to the config (the user's too)
    and the kubeconfig; and ``release`` lets it stop its engine after deleting the cluster.
    """

    name = "kind"

    def __init__(
        self,
        cluster_name: str = "podchaos",
        image_archive: Path | None = None,
        keep: bool = True,
        run: Runner = run_command,
        kubeconfig_dir: Path | None = None,
        load_toolbox: bool = False,
        progress: Callable[[str], None] | None = None,
        *,
        config: Path | None = None,
        image: str | None = None,
        kubernetes: str | None = None,
        node_image: NodeImage = kindest_node_image,
        logs_dir: Path | None = None,
        engine: str | None = None,
        own_config: Callable[[], KindConfig] | None = None,
        host: HostFactory | None = None,
    ) -> None:
        self.cluster_name = cluster_name
        self.image_archive = image_archive
        self.keep = keep
        self.created = False
        self._run = run
        self._kubeconfig_dir = kubeconfig_dir
        self.load_toolbox = load_toolbox
        self.progress = progress or (lambda _message: None)
        self.config = config
        self.image = image
        self.kubernetes = kubernetes
        self.node_image = node_image
        self.logs_dir = logs_dir
        self.engine = engine or engine_from_environment()
        self.own_config = own_config or (lambda: default_config(cgroup_v1=host_is_cgroup_v1()))
        self.host_factory = host
        self.host: KindHost | None = None

    @property
    def context(self) -> str:
        """The kubeconfig context kind gives the cluster."""
        return f"kind-{self.cluster_name}"

    @property
    def kubeconfig_path(self) -> Path:
        """The file ``ensure`` writes the cluster's kubeconfig to."""
        directory = self._kubeconfig_dir if self._kubeconfig_dir is not None else default_kubeconfig_dir()
        return directory / f"{self.context}.kubeconfig"

    @property
    def config_path(self) -> Path:
        """Where the config of a cluster podchaos creates is written (a copy of the user's, if given)."""
        return self.kubeconfig_path.with_name(f"{self.context}.config.yaml")

    def cluster_config(self) -> KindConfig:
        """The config a created cluster starts from; the user's is checked (ClusterSetupError)."""
        config = load_config(self.config, self.cluster_name) if self.config is not None else self.own_config()
        if self.host is not None:
            return with_needs(config, self.host.config_needs(self.cluster_name))
        return config

    def ensure(self) -> ClusterAccess:
        if self.host is None and self.host_factory is not None:
            self.host = self.host_factory()
        if self.host is None and shutil.which("kind") is None:
            raise ClusterSetupError(
                "the kind provider needs the `kind` command (https://kind.sigs.k8s.io) and Docker; "
                "install kind and make sure `kind` is on PATH"
            )
        # Checked before creating anything: a missing archive or a bad config should not cost a
        # cluster start.
        if self.image_archive is not None and not self.image_archive.is_file():
            raise ClusterSetupError(f"image archive {self.image_archive} does not exist")
        config = self.cluster_config()

        # xdist workers each ensure the cluster: one creates it (and loads the images), the others
        # wait and reuse it.
        lock = self.kubeconfig_path.with_name(f"kind-{self.cluster_name}.lock")
        with exclusive(lock, f"kind cluster {self.cluster_name} set-up", self.progress):
            how = self._create_or_reuse(config)
            if self.host is not None:
                kubeconfig = self.host.kubeconfig(self.cluster_name)
            else:
                kubeconfig = self._kind("get", "kubeconfig", "--name", self.cluster_name).stdout
            path = self.kubeconfig_path
            write_private(path, kubeconfig)
            self._load_images()

        return ClusterAccess(
            provider=self.name,
            kubeconfig=path,
            context=self.context,
            description=f"kind cluster {self.cluster_name} ({how})",
        )

    def exists(self) -> bool:
        """Whether kind knows a cluster of this name."""
        return self.cluster_name in cluster_names(self._kind("get", "clusters").stdout)

    def _create_or_reuse(self, config: KindConfig) -> str:
        """Create the cluster unless it exists; says which for the session's description."""
        if self.exists():
            if self.config is not None or self.image or self.kubernetes:
                self.progress(
                    f"kind cluster {self.cluster_name} exists and is reused as it is: the kind config, "
                    "node image and Kubernetes release apply to a cluster podchaos creates"
                )
            return "reused"
        if config.schedulable_nodes < 2:
            self.progress(
                f"{config.source} gives kind cluster {self.cluster_name} {config.schedulable_nodes} node(s) "
                "for pods: node-cordon and node-drain scenarios need two"
            )
        write_private(self.config_path, config.text)
        image = choose_image(self.image, self.kubernetes, self._node_image())
        argv = ["create", "cluster", "--name", self.cluster_name, "--config", str(self.config_path)]
        argv += ["--image", image] if image else []
        if self.logs_dir is not None:
            argv.append("--retain")  # kind deletes failed nodes at once otherwise: no logs to export
        # Our own kubeconfig file: kind would otherwise merge into the user's and switch their context.
        argv += ["--wait", WAIT, "--kubeconfig", str(self.kubeconfig_path)]
        nodes = f"{len(config.roles)} node(s) from {config.source}" + (f", image {image}" if image else "")
        self.progress(f"creating kind cluster {self.cluster_name}: {nodes}")
        started = time.monotonic()
        try:
            self._kind(*argv)
        except ClusterSetupError as exc:
            raise self._failed_create(exc) from exc
        # Recorded at once so release() can clean up even if a later step fails.
        self.created = True
        self.progress(f"kind cluster {self.cluster_name} created in {time.monotonic() - started:.1f} s")
        return "created for this session"

    def _failed_create(self, error: ClusterSetupError) -> ClusterSetupError:
        """Keep the retained nodes' logs, delete the nodes, and say where the logs went."""
        if self.logs_dir is None:
            return error
        notes = [str(error)]
        try:
            if self.exists():
                notes.append(f"kind's logs of the failed nodes: {self.export_logs(self.logs_dir)}")
                self._kind("delete", "cluster", "--name", self.cluster_name)
        except ClusterSetupError as exc:
            notes.append(f"cleaning up after it also failed: {exc}")
        return ClusterSetupError("\n".join(notes))

    def export_logs(self, directory: Path) -> Path:
        """``kind export logs`` of the cluster into ``directory``; ClusterSetupError if it fails."""
        directory.mkdir(parents=True, exist_ok=True)
        self._kind("export", "logs", str(directory), "--name", self.cluster_name)
        return directory

    def _load_images(self) -> None:
        """Load the given archive everywhere, and podchaos's images onto the nodes that lack them."""
        wanted = [] if self.image_archive is None else [Preload(self.image_archive)]
        if self.load_toolbox:
            wanted += podchaos_images(self.progress)
        if not wanted:
            return
        nodes = cluster_names(self._kind("get", "nodes", "--name", self.cluster_name).stdout)
        for preload in wanted:
            lacking = nodes
            # A node image built here carries podchaos's images: created nodes are asked too.
            ask = not self.created or (self.host is not None and not self.image)
            if preload.reference is not None and ask:
                lacking = tuple(
                    node
                    for node in nodes
                    if not node_has_image(self._runner(), self._engine(), node, preload.reference)
                )
            if nodes and not lacking:
                self.progress(f"every node of kind cluster {self.cluster_name} has {preload.reference}")
                continue
            self.progress(f"loading {preload.archive} into kind cluster {self.cluster_name}")
            argv = ["load", "image-archive", str(preload.archive), "--name", self.cluster_name]
            if lacking != nodes:
                argv += ["--nodes", ",".join(lacking)]
            self._kind(*argv)

    def release(self) -> None:
        if not self.created or self.keep:
            return
        self._kind("delete", "cluster", "--name", self.cluster_name)
        self.created = False
        self.kubeconfig_path.unlink(missing_ok=True)
        if self.host is not None:
            self.host.cluster_deleted()

    def _node_image(self) -> NodeImage:
        """The release-to-image step: the host's own image when it has one (prepared for the release)."""
        host = self.host
        if host is None:
            return self.node_image
        return lambda _release: host.node_image

    def _runner(self) -> Runner:
        return self.host.run if self.host is not None else self._run

    def _engine(self) -> str:
        return self.host.engine if self.host is not None else self.engine

    def _kind(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one kind command; ClusterSetupError with the command and its stderr if it fails."""
        return checked(self._runner(), ["kind", *args])
