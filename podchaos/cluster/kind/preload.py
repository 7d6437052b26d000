"""The images podchaos loads into a kind cluster's nodes, and which nodes still lack them.

The toolbox (static busybox, tagged as the public busybox the scenarios use) lets scenarios and the
node agent run where nodes cannot pull; the traffic client's image is in no registry, so traffic probes
need it loaded. A cluster podchaos created gets both on every node. A reused cluster (kind-action in
CI) gets them only on the nodes that lack them, so an image its owner put there is never replaced.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.kind.command import Runner
from podchaos.cluster.local import build, images
from podchaos.cluster.local.config import TOOLBOX_IMAGE, TRAFFIC_IMAGE
from podchaos.cluster.local.layout import Layout
from podchaos.errors import ClusterSetupError
from podchaos.k8s.tools import default_cache_dir


@dataclass(frozen=True)
class Preload:
    """An image archive to load, and the reference it carries (None: loaded everywhere, unchecked)."""

    archive: Path
    reference: str | None = None


def podchaos_images(progress: Callable[[str], None]) -> list[Preload]:
    """The toolbox and traffic archives this machine can build; what it cannot is said and left out."""
    found: list[Preload] = []
    toolbox = images.write_toolbox_archive(default_cache_dir() / "images")
    if toolbox is None:
        progress(
            f"no static busybox at {images.BUSYBOX} to build the toolbox image from: "
            f"the kind nodes pull {TOOLBOX_IMAGE}"
        )
    else:
        found.append(Preload(toolbox, TOOLBOX_IMAGE))
    traffic = traffic_archive(progress)
    if traffic is not None:
        found.append(Preload(traffic, TRAFFIC_IMAGE))
    return found


def traffic_archive(progress: Callable[[str], None]) -> Path | None:
    """The traffic client's image archive, built here; None without a Go toolchain to build it."""
    layout = Layout.default()
    try:
        binary = build.ensure_built(build.traffic(layout), progress)
    except ClusterSetupError as exc:
        progress(f"{TRAFFIC_IMAGE} is not loaded, so traffic probes cannot run: {exc}")
        return None
    return images.write_traffic_archive(layout.images, binary)


def node_has_image(run: Runner, engine: str, node: str, reference: str) -> bool:
    """Whether the kind node's containerd has ``reference`` (``crictl inspecti`` through the engine).

    Anything but a clear yes (engine missing, exec refused) counts as no: loading is then attempted,
    and a real problem shows in ``kind load``'s own error.
    """
    argv = [engine, "exec", node, "crictl", "inspecti", reference]
    try:
        return run(argv).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
