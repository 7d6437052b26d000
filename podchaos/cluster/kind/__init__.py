"""The ``kind`` provider (users' CI): create or reuse a kind cluster through the ``kind`` command line.

``provider`` holds the provider; ``config`` the cluster config (podchaos's own, or the user's, checked);
``node_image`` which node image a created cluster runs; ``preload`` the images loaded into the nodes;
``command`` how kind is run.
"""

from __future__ import annotations

from podchaos.cluster.kind.command import cluster_names, run_command
from podchaos.cluster.kind.provider import KindProvider, default_kubeconfig_dir

__all__ = ["KindProvider", "cluster_names", "default_kubeconfig_dir", "run_command"]
