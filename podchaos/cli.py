"""The ``podchaos`` command: the embedded local cluster, the scenario catalogue, leftovers, reports."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from podchaos import __version__, cleanup
from podchaos.catalogue import builtin_scenario_dir, discover, load
from podchaos.cluster.local.cluster import LocalCluster, LocalStatus
from podchaos.errors import PodchaosError, ReportError
from podchaos.k8s.client import Kube
from podchaos.loader import parse_duration
from podchaos.report.html import render_html
from podchaos.report.json_report import RESULTS_FILE, load_report, write_atomically


def _progress(message: str) -> None:
    print(f"podchaos: {message}", file=sys.stderr, flush=True)


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
    cluster = LocalCluster(progress=_progress)
    if args.action == "up":
        _print_status(cluster.up())
    elif args.action == "down":
        cluster.down(purge_data=args.purge)
        _progress("local cluster stopped and cleaned up")
    else:
        status = cluster.status()
        _print_status(status)
        return 0 if status.healthy else 1
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    directories = [builtin_scenario_dir(), *(Path(d) for d in args.scenario_dir)]
    for name, path in discover(directories).items():
        scenario = load(path)
        print(f"{name:<32} {scenario.description}")
    return 0


def _duration(text: str) -> float:
    seconds = parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"expected a duration such as 90s, 30m or 2h, got {text!r}")
    return seconds


def _sweep(args: argparse.Namespace) -> int:
    kubeconfig = Path(args.kubeconfig) if args.kubeconfig else LocalCluster().layout.kubeconfig
    kube = Kube.from_kubeconfig(kubeconfig, args.context)
    swept = cleanup.sweep(kube, older_than=args.older_than)
    print("\n".join(swept.lines()) or "nothing left behind by podchaos runs")
    return 0


def _report(args: argparse.Namespace) -> int:
    path = Path(args.path)
    report = load_report(path)
    results = path / RESULTS_FILE if path.is_dir() else path
    output = Path(args.output) if args.output else results.parent / "report.html"
    try:
        write_atomically(output, render_html(report))
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from exc
    print(output)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``podchaos`` command."""
    parser = argparse.ArgumentParser(prog="podchaos", description=__doc__)
    parser.add_argument("--version", action="version", version=f"podchaos {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    cluster = commands.add_parser("cluster", help="the embedded local Kubernetes cluster")
    cluster.add_argument("action", choices=["up", "down", "status"])
    cluster.add_argument(
        "--purge", action="store_true", help="with down: also delete etcd data and node state"
    )
    cluster.set_defaults(handler=_cluster)
    scenarios = commands.add_parser("scenarios", help="list the scenario catalogue")
    scenarios.add_argument("--scenario-dir", action="append", default=[], help="extra scenario directory")
    scenarios.set_defaults(handler=_scenarios)
    sweep = commands.add_parser(
        "sweep", help="clean up after killed podchaos runs: namespaces, cordoned nodes, the node-fault lease"
    )
    sweep.add_argument("--kubeconfig", help="cluster to sweep (default: the embedded local cluster)")
    sweep.add_argument("--context", help="kubeconfig context")
    sweep.add_argument(
        "--older-than",
        type=_duration,
        default=0.0,
        metavar="DURATION",
        help="only namespaces at least this old (e.g. 2h): safe while other runs are going",
    )
    sweep.set_defaults(handler=_sweep)
    report = commands.add_parser("report", help="draw the HTML report again from a run's results.json")
    report.add_argument("path", help="the run directory (reports/<run-id>) or its results.json")
    report.add_argument("-o", "--output", help="HTML file to write (default: report.html beside the JSON)")
    report.set_defaults(handler=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``podchaos`` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except PodchaosError as error:
        print(f"podchaos: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("podchaos: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
