"""The images every node runs without a registry: written as archives from what the build made, and
loaded into each node's containerd."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from podchaos.cluster.local import build, host, images
from podchaos.cluster.local.layout import Layout, NodeLayout

Progress = Callable[[str], None]


def write_archives(layout: Layout) -> list[Path]:
    """The preloaded images' archives, from the built ``pause`` and traffic binaries (built first)."""
    return images.write_archives(layout.images, layout.bin / "pause" / "pause", layout.traffic_binary)


def _ctr(node: NodeLayout) -> list[str]:
    return ["ctr", "--address", str(node.containerd_socket), "-n", "k8s.io"]


def load(node: NodeLayout, archives: list[Path], progress: Progress) -> None:
    """Import ``archives`` into the node's containerd."""
    for archive in archives:
        progress(f"loading image {archive.name} into {node.name}")
        host.run([*_ctr(node), "images", "import", str(archive)])


def load_missing(layout: Layout, progress: Progress) -> None:
    """A running cluster started by an older podchaos may lack images this one preloads."""
    for node in layout.nodes:
        present = set(host.run([*_ctr(node), "images", "ls", "-q"]).split())
        if set(images.PRELOADED) <= present:
            continue
        build.ensure_all(layout, progress)
        archives = write_archives(layout)
        missing = [a for a in archives if not set(images.archive_references(a)) <= present]
        load(node, missing, progress)
