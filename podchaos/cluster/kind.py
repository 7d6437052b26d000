"""The ``kind`` provider: a kind (Kubernetes in Docker) cluster, created on demand or reused.

Everything goes through the ``kind`` command line, run by an injectable runner so the exact
commands can be checked without kind or Docker installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from podchaos.cluster.local import build, images
from podchaos.cluster.local.config import TOOLBOX_IMAGE, TRAFFIC_IMAGE
from podchaos.cluster.local.layout import Layout, default_cache_dir
from podchaos.cluster.lock import exclusive
from podchaos.cluster.provider import ClusterAccess
from podchaos.errors import ClusterSetupError

Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]

# ``kind create cluster --wait`` bounds node readiness itself; this only stops a wedged
# Docker daemon from hanging the test session forever.
COMMAND_TIMEOUT_S = 900.0


def run_command(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` capturing text output; the caller judges the exit status."""
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=COMMAND_TIMEOUT_S,
    )


def default_kubeconfig_dir() -> Path:
    """Where kind kubeconfigs are written: ``<cache>/kind``."""
    return default_cache_dir() / "kind"


def cluster_names(stdout: str) -> tuple[str, ...]:
    """Parse ``kind get clusters`` output (one name a line; the "none" notice goes to stderr)."""
    return tuple(line.strip() for line in stdout.splitlines() if line.strip())


class KindProvider:
    """Creates (or reuses) the kind cluster ``cluster_name`` and hands out its kubeconfig.

    ``release`` deletes the cluster only if this provider created it and ``keep`` is False: a
    cluster that already existed belongs to someone else.

    With ``load_toolbox`` the toolbox image (static busybox, tagged as the public busybox the
    scenarios use) is built on this machine and loaded into the nodes, so scenarios and the node
    agent run even where the nodes cannot pull; without a static busybox here, the nodes pull it.
    The traffic client's image, which no registry has, is built (with Go) and loaded alongside.
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
    ) -> None:
        self.cluster_name = cluster_name
        self.image_archive = image_archive
        self.keep = keep
        self.created = False
        self._run = run
        self._kubeconfig_dir = kubeconfig_dir
        self.load_toolbox = load_toolbox
        self.progress = progress or (lambda _message: None)

    @property
    def context(self) -> str:
        """The kubeconfig context kind gives the cluster."""
        return f"kind-{self.cluster_name}"

    @property
    def kubeconfig_path(self) -> Path:
        """The file ``ensure`` writes the cluster's kubeconfig to."""
        directory = self._kubeconfig_dir if self._kubeconfig_dir is not None else default_kubeconfig_dir()
        return directory / f"{self.context}.kubeconfig"

    def ensure(self) -> ClusterAccess:
        if shutil.which("kind") is None:
            raise ClusterSetupError(
                "the kind provider needs the `kind` command (https://kind.sigs.k8s.io) and Docker; "
                "install kind and make sure `kind` is on PATH"
            )
        # Checked before creating anything: a missing archive should not cost a cluster start.
        if self.image_archive is not None and not self.image_archive.is_file():
            raise ClusterSetupError(f"image archive {self.image_archive} does not exist")

        # xdist workers each ensure the cluster: one creates it (and loads the toolbox), the others
        # wait and reuse it.
        lock = self.kubeconfig_path.with_name(f"kind-{self.cluster_name}.lock")
        with exclusive(lock, f"kind cluster {self.cluster_name} set-up", self.progress):
            how = self._create_or_reuse()
            kubeconfig = self._kind("get", "kubeconfig", "--name", self.cluster_name).stdout
            path = self.kubeconfig_path
            _write_private(path, kubeconfig)
            for archive in self._archives():
                self.progress(f"loading {archive} into kind cluster {self.cluster_name}")
                self._kind("load", "image-archive", str(archive), "--name", self.cluster_name)

        return ClusterAccess(
            provider=self.name,
            kubeconfig=path,
            context=self.context,
            description=f"kind cluster {self.cluster_name} ({how})",
        )

    def _create_or_reuse(self) -> str:
        """Create the cluster unless it exists; says which for the session's description."""
        if self.cluster_name in cluster_names(self._kind("get", "clusters").stdout):
            return "reused"
        # Our own kubeconfig file: kind would otherwise merge into the user's and switch their context.
        self.kubeconfig_path.parent.mkdir(parents=True, exist_ok=True)
        self._kind(
            "create",
            "cluster",
            "--name",
            self.cluster_name,
            "--wait",
            "120s",
            "--kubeconfig",
            str(self.kubeconfig_path),
        )
        # Recorded at once so release() can clean up even if a later step fails.
        self.created = True
        return "created for this session"

    def _archives(self) -> list[Path]:
        """What to load: the given archive, and the toolbox into a cluster this provider created.

        A reused cluster is someone else's: its ``busybox`` tag is not replaced by ours.
        """
        archives = [] if self.image_archive is None else [self.image_archive]
        if self.load_toolbox and not self.created:
            self.progress(
                f"kind cluster {self.cluster_name} was reused: its nodes keep their own {TOOLBOX_IMAGE}"
            )
        elif self.load_toolbox:
            toolbox = images.write_toolbox_archive(default_cache_dir() / "images")
            if toolbox is None:
                self.progress(
                    f"no static busybox at {images.BUSYBOX} to build the toolbox image from: "
                    f"the kind nodes pull {TOOLBOX_IMAGE}"
                )
            else:
                archives.append(toolbox)
            traffic = self._traffic_archive()
            if traffic is not None:
                archives.append(traffic)
        return archives

    def _traffic_archive(self) -> Path | None:
        """The traffic client's image archive, built here; None without a Go toolchain to build it."""
        layout = Layout.default()
        try:
            binary = build.ensure_built(build.traffic(layout), self.progress)
        except ClusterSetupError as exc:
            self.progress(f"{TRAFFIC_IMAGE} is not loaded, so traffic probes cannot run: {exc}")
            return None
        return images.write_traffic_archive(layout.images, binary)

    def release(self) -> None:
        if not self.created or self.keep:
            return
        self._kind("delete", "cluster", "--name", self.cluster_name)
        self.created = False
        self.kubeconfig_path.unlink(missing_ok=True)

    def _kind(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one kind command; ClusterSetupError with the command and its stderr if it fails."""
        argv = ["kind", *args]
        command = shlex.join(argv)
        try:
            result = self._run(argv)
        except subprocess.TimeoutExpired as exc:
            raise ClusterSetupError(f"`{command}` did not finish within {exc.timeout:g}s") from exc
        except OSError as exc:
            raise ClusterSetupError(f"`{command}` could not be run: {exc}") from exc
        if result.returncode != 0:
            stderr = (result.stderr or "").strip() or "(no output on stderr)"
            raise ClusterSetupError(f"`{command}` failed with exit status {result.returncode}:\n{stderr}")
        return result


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only, replacing it atomically."""
    # The kubeconfig holds the cluster's admin client key.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a leftover partial file keeps its old mode otherwise
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    partial.replace(path)
