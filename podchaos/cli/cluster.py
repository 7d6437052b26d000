"""``podchaos cluster`` (the embedded local cluster) and ``podchaos sweep`` (what killed runs left)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos.cli.common import add_command, add_output_format, duration, print_listing, progress
from podchaos.cluster.local.versions import (
    DEFAULT_KUBERNETES_VERSION,
    KUBERNETES_ENV,
    TESTED_KUBERNETES_VERSIONS,
)

if TYPE_CHECKING:
    from podchaos.cli.common import Commands
    from podchaos.cluster.local.status import LocalStatus

CLUSTER_HELP = """\
The embedded local Kubernetes cluster: a real control plane (etcd, kube-apiserver, controller-manager,
scheduler) and two nodes (kubelet and containerd each), kube-proxy and cluster DNS, on this machine.

  up      start it (idempotent; a running cluster is left as it is). Needs root and Linux. The first
          time it installs Debian packages (containerd, runc, CNI plugins, busybox-static, iptables)
          with apt-get, builds Kubernetes and etcd from Go modules (6 to 12 minutes on two cores; cached
          under ~/.cache/podchaos) and creates network devices, routes and nftables rules that only
          reach addresses on this machine. State goes to /var/lib/podchaos.
          --kubernetes VERSION (or $PODCHAOS_KUBERNETES) runs that release: 1.36.3, a tested minor
          (1.36), or default; a cluster running another release is rebuilt on it with empty data.
          Without it: the release the cluster last ran, else the default.
  down    stop everything it started and remove its mounts, devices, routes and rules.
          With --purge also delete the cluster's data (etcd, node state).
  status  components with PIDs and logs, nodes and the kubeconfig; exit 1 when not healthy.
  restart COMPONENT
          stop one component (kube-apiserver, etcd, kubelet-podchaos-node-1... as status names
          them), keep it stopped --down-for seconds, start it again and wait until it serves: the
          outage a rollout or crash causes, while the rest keeps running. Pid files stay true.

The admin kubeconfig is /var/lib/podchaos/kubeconfig (context podchaos-local).
"""

SWEEP_HELP = """\
Clean up after killed podchaos runs on a cluster: deletes the namespaces podchaos runs left
(label app.kubernetes.io/managed-by=podchaos), uncordons the nodes podchaos cordoned for runs whose
namespace is gone, and releases the node-fault Lease (default/podchaos-node-faults) when its holder is
gone or it expired. Needs a reachable cluster (default: the embedded local cluster's kubeconfig).
Every podchaos namespace goes: while other runs may be using the cluster, give --older-than.
--dry-run lists what would be cleaned up and changes nothing; -o json prints the list as JSON.
"""


def _print_status(status: LocalStatus) -> None:
    print(f"state dir:  {status.state_dir}")
    print(f"logs:       {status.log_dir}")
    print(f"kubeconfig: {status.kubeconfig}")
    print(f"server:     {status.server_version or '(not reachable)'}")
    print("components:")
    for component in status.components:
        state = f"running (pid {component.pid})" if component.pid else "stopped"
        print(f"  {component.name:<34} {state:<22} log: {component.log}")
    print("nodes:")
    if not status.nodes:
        print("  (none)")
    for node in status.nodes:
        flags = "Ready" if node.ready else "NotReady"
        if node.unschedulable:
            flags += ",SchedulingDisabled"
        print(f"  {node.name:<20} {flags:<28} {node.internal_ip:<14} {node.kubelet_version}")


def _cluster(args: argparse.Namespace) -> int:
    from podchaos.cluster.local.cluster import LocalCluster
    from podchaos.errors import ClusterSetupError

    if args.kubernetes and args.action != "up":
        raise ClusterSetupError(f"--kubernetes goes with cluster up, not cluster {args.action}")
    # The environment's version is for up only: a session that sets it can still ask for the status.
    wanted = (args.kubernetes or os.environ.get(KUBERNETES_ENV, "").strip()) if args.action == "up" else ""
    cluster = LocalCluster(progress=progress, kubernetes=wanted or None)
    if args.action == "up":
        _print_status(cluster.up())
    elif args.action == "restart":
        if not args.component:
            names = ", ".join(cluster.component_names())
            raise ClusterSetupError(f"cluster restart needs a COMPONENT: one of {names}")
        _print_status(cluster.restart(args.component, down_for=args.down_for))
    elif args.action == "down":
        cluster.down(purge_data=args.purge)
        progress("local cluster stopped and cleaned up")
    else:
        status = cluster.status()
        _print_status(status)
        return 0 if status.healthy else 1
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from podchaos import cleanup
    from podchaos.cluster.local.cluster import LocalCluster
    from podchaos.k8s.client import Kube

    kubeconfig = Path(args.kubeconfig) if args.kubeconfig else LocalCluster().layout.kubeconfig
    kube = Kube.from_kubeconfig(kubeconfig, args.context)
    swept = cleanup.sweep(kube, older_than=args.older_than, dry_run=args.dry_run)
    print_listing(args.output, swept.items(), swept.lines(), "nothing left behind by podchaos runs")
    return 0


def add_cluster(commands: Commands) -> None:
    """The ``cluster`` command."""
    cluster = add_command(
        commands,
        "cluster",
        _cluster,
        "start, stop or inspect the embedded local cluster (root; changes this machine)",
        CLUSTER_HELP,
    )
    cluster.add_argument("action", choices=["up", "down", "status", "restart"], help="what to do (see above)")
    cluster.add_argument("component", nargs="?", help="with restart: the component, as status names it")
    cluster.add_argument(
        "--down-for",
        type=duration,
        default=0.0,
        metavar="DURATION",
        help="with restart: how long the component stays stopped (e.g. 5s; default 0)",
    )
    cluster.add_argument(
        "--purge", action="store_true", help="with down: also delete the cluster's data (etcd, node state)"
    )
    cluster.add_argument(
        "--kubernetes",
        metavar="VERSION",
        help=f"with up: the Kubernetes release to run (env: {KUBERNETES_ENV}; default: the one the cluster "
        f"last ran, else {DEFAULT_KUBERNETES_VERSION}; tested: {', '.join(TESTED_KUBERNETES_VERSIONS)})",
    )


def add_sweep(commands: Commands) -> None:
    """The ``sweep`` command."""
    sweep = add_command(
        commands,
        "sweep",
        _sweep,
        "delete what killed runs left on a cluster: namespaces, cordons, the node-fault lease",
        SWEEP_HELP,
    )
    sweep.add_argument(
        "--kubeconfig", metavar="PATH", help="cluster to sweep (default: the embedded local cluster)"
    )
    sweep.add_argument("--context", metavar="NAME", help="kubeconfig context (default: the current one)")
    sweep.add_argument(
        "--older-than",
        type=duration,
        default=0.0,
        metavar="DURATION",
        help="only namespaces at least this old (e.g. 2h): safe while other runs are going",
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="list what would be cleaned up; delete and uncordon nothing"
    )
    add_output_format(sweep)


KIND_BUILD_HELP = """\
Build what a kind cluster created on this machine needs, for the local cluster's Kubernetes release:
kind, containerd and nerdctl for podchaos's own engine (no Docker here), and the kind node image, all
from Go modules and Debian packages, cached under ~/.cache/podchaos. Nothing is started. The first
kind cluster would build them anyway; `make test` runs this in the background at low priority so the
build overlaps the tests that do not need kind.
"""


def _kind_build(args: argparse.Namespace) -> int:
    from podchaos.cluster.kindhost import environment

    reference = environment.build(args.kubernetes or None, progress)
    progress(f"kind node image ready: {reference}")
    return 0


def add_kind_build(commands: Commands) -> None:
    """The ``kind-build`` command."""
    command = add_command(
        commands, "kind-build", _kind_build, "build the kind tooling and node image (cached)", KIND_BUILD_HELP
    )
    command.add_argument("--kubernetes", metavar="VERSION", help="the release (default: the local cluster's)")
