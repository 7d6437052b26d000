"""``podchaos kubectl ARGS``: kubectl of the embedded local cluster's own Kubernetes release, pointed at
that cluster, to look at what a kept namespace (``--podchaos-keep-namespace``) holds."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from podchaos.cli.common import add_command, progress

if TYPE_CHECKING:
    from podchaos.cli.common import Commands

DESCRIPTION = """\
Run kubectl against the embedded local cluster: the kubectl of the release the cluster runs (built
from Go modules with kubeadm into one kubetools binary, cached under ~/.cache/podchaos; the first use
builds it), with KUBECONFIG set to the cluster's admin kubeconfig. Every argument goes to kubectl:

  podchaos kubectl get pods -A
  podchaos kubectl -n pc-sidecar-kill-20260101T000000Z-ab12cd describe pod
"""


def _kubectl(args: argparse.Namespace) -> int:
    from podchaos.cluster.kindhost.tools import kubetools
    from podchaos.cluster.local import build
    from podchaos.cluster.local.cluster import LocalCluster

    # The release the cluster was last started with (the layout's default before it ever ran).
    layout = LocalCluster().layout
    binary = build.ensure_built(kubetools(layout), progress)
    env = {**os.environ, "KUBECONFIG": str(layout.kubeconfig)}
    # Replaces this process: kubectl's exit status, signals and terminal are the user's.
    os.execve(binary, [str(binary), "kubectl", *args.arguments], env)
    return 0  # not reached


def add_kubectl(commands: Commands) -> None:
    """``podchaos kubectl``."""
    parser = add_command(
        commands,
        "kubectl",
        _kubectl,
        "kubectl of the embedded local cluster's release, pointed at it",
        DESCRIPTION,
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARG", help="kubectl's arguments")
