"""Which node image a created kind cluster runs: the one the user names, or the image of the Kubernetes
release asked for, or kind's own default.

The release-to-image step is a parameter of the provider (:data:`NodeImage`): by default kind's
published ``kindest/node:vX.Y.Z``; where no registry is reachable, a node image built on the machine
can be supplied instead.
"""

from __future__ import annotations

from collections.abc import Callable

KINDEST_NODE = "kindest/node"

# Given the release asked for (``v1.36.3``), or None when none was, the node image to pass to
# ``kind create cluster --image``; None leaves kind's own default image.
NodeImage = Callable[[str | None], str | None]


def kindest_node_image(kubernetes: str | None) -> str | None:
    """kind's published node image of the release (``kindest/node:v1.36.3``); None: kind's default.

    kind publishes images for some patch releases only (its release notes list them); ``kind create``
    fails naming the image when there is none.
    """
    if kubernetes is None:
        return None
    return f"{KINDEST_NODE}:v{kubernetes.removeprefix('v')}"


def choose_image(image: str | None, kubernetes: str | None, node_image: NodeImage) -> str | None:
    """The ``--image`` of ``kind create cluster``: the named image first, else the release's."""
    if image:
        return image
    return node_image(kubernetes)
