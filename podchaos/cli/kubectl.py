"""``podchaos kubectl ARGS``: kubectl of the embedded local cluster's own Kubernetes release, pointed at
that cluster, to look at what a kept namespace (``--podchaos-keep-namespace``) holds; ``podchaos helm
ARGS``: the helm podchaos builds to render ``workload.helm`` charts where none is on PATH."""

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


HELM_DESCRIPTION = """\
Run the helm podchaos renders workload.helm charts with when none is on PATH (helm.sh/helm/v4,
built from Go modules, cached under ~/.cache/podchaos; the first use builds it, which needs Go).
Every argument goes to helm:

  podchaos helm version        (builds it, for CI images without helm)
  podchaos helm template web charts/web
"""


def _helm(args: argparse.Namespace) -> int:
    from podchaos.cluster.kindhost.tools import ensure_upstream, helm_tool
    from podchaos.cluster.local.layout import Layout

    binary = ensure_upstream(helm_tool(Layout.default()), progress)[0]
    os.execv(binary, [str(binary), *args.arguments])
    return 0  # not reached


def add_helm(commands: Commands) -> None:
    """``podchaos helm``."""
    parser = add_command(
        commands,
        "helm",
        _helm,
        "the helm podchaos renders charts with where none is on PATH (built on first use)",
        HELM_DESCRIPTION,
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARG", help="helm's arguments")


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
