"""The podchaos command: the embedded local cluster, scenario files, leftovers of killed runs, reports.

Scenarios themselves run under pytest (pytest --scenario NAME); this command manages what is around them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos import __version__
from podchaos.cluster.local.versions import (
    DEFAULT_KUBERNETES_VERSION,
    KUBERNETES_ENV,
    TESTED_KUBERNETES_VERSIONS,
)
from podchaos.errors import PodchaosError, ReportError

if TYPE_CHECKING:
    from podchaos.cluster.local.status import LocalStatus
    from podchaos.model import RunReport, Scenario


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
    from podchaos.cluster.local.cluster import LocalCluster
    from podchaos.errors import ClusterSetupError

    if args.kubernetes and args.action != "up":
        raise ClusterSetupError(f"--kubernetes goes with cluster up, not cluster {args.action}")
    # The environment's version is for up only: a session that sets it can still ask for the status.
    wanted = (args.kubernetes or os.environ.get(KUBERNETES_ENV, "").strip()) if args.action == "up" else ""
    cluster = LocalCluster(progress=_progress, kubernetes=wanted or None)
    if args.action == "up":
        _print_status(cluster.up())
    elif args.action == "restart":
        if not args.component:
            names = ", ".join(cluster.component_names())
            raise ClusterSetupError(f"cluster restart needs a COMPONENT: one of {names}")
        _print_status(cluster.restart(args.component, down_for=args.down_for))
    elif args.action == "down":
        cluster.down(purge_data=args.purge)
        _progress("local cluster stopped and cleaned up")
    else:
        status = cluster.status()
        _print_status(status)
        return 0 if status.healthy else 1
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from podchaos.catalogue import builtin_scenario_dir, discover, load

    builtin = [] if args.no_builtin else [builtin_scenario_dir()]
    errors = 0
    for name, path in discover([*builtin, *(Path(d) for d in args.scenario_dir)]).items():
        try:
            scenario = load(path)
        except PodchaosError as exc:
            print(f"podchaos: error: {exc}", file=sys.stderr)
            errors += 1
            continue
        description = scenario.description.splitlines()[0] if scenario.description else ""
        print(f"{name:<32} {description}")
    return 2 if errors else 0


def _duration(text: str) -> float:
    from podchaos.loader import parse_duration

    seconds = parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"expected a duration such as 90s, 30m or 2h, got {text!r}")
    return seconds


def _sweep(args: argparse.Namespace) -> int:
    from podchaos import cleanup
    from podchaos.cluster.local.cluster import LocalCluster
    from podchaos.k8s.client import Kube

    kubeconfig = Path(args.kubeconfig) if args.kubeconfig else LocalCluster().layout.kubeconfig
    kube = Kube.from_kubeconfig(kubeconfig, args.context)
    swept = cleanup.sweep(kube, older_than=args.older_than)
    print("\n".join(swept.lines()) or "nothing left behind by podchaos runs")
    return 0


def _report(args: argparse.Namespace) -> int:
    from podchaos.report.json_report import RESULTS_FILE, load_report

    path = Path(args.path)
    report = load_report(path)
    if args.format == "markdown":
        text = markdown_summary(report)
        if args.output:
            _write(Path(args.output), text)
            print(args.output)
        else:
            sys.stdout.write(text)
        return 0
    from podchaos.report.html import render_html

    results = path / RESULTS_FILE if path.is_dir() else path
    output = Path(args.output) if args.output else results.parent / "report.html"
    _write(output, render_html(report))
    print(output)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from podchaos.catalogue import builtin_scenario_dir, discover, load
    from podchaos.report.compare import compare, render_html, render_markdown
    from podchaos.report.json_report import RESULTS_FILE, load_report

    reports = []
    for given in args.results:
        path = Path(given)
        reports.append((load_report(path), str(path / RESULTS_FILE if path.is_dir() else path)))
    # The scenarios' requires: say why one did not run on a version.
    found = discover([builtin_scenario_dir(), *(Path(d) for d in args.scenario_dir)])
    comparison = compare(reports, {name: load(path).requires for name, path in found.items()})
    if not args.output:
        sys.stdout.write(render_markdown(comparison))
        return 0
    for output in args.output:
        target = Path(output)
        _write(
            target,
            render_html(comparison) if target.suffix in {".html", ".htm"} else render_markdown(comparison),
        )
        print(target)
    return 0


def _write(output: Path, text: str) -> None:
    from podchaos.report.json_report import write_atomically

    try:
        write_atomically(output, text)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from exc


def markdown_summary(report: RunReport) -> str:
    """A Markdown summary of a run: one row per scenario, then what failed (for a CI job summary)."""
    counts: dict[str, int] = {}
    for run in report.runs:
        counts[run.outcome.value] = counts.get(run.outcome.value, 0) + 1
    totals = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "no runs"
    lines = [f"## podchaos run {report.run_id}", "", f"{len(report.runs)} scenario run(s): {totals}.", ""]
    lines += ["| scenario | outcome | duration | first problem |", "| --- | --- | --- | --- |"]
    icon = {"passed": "passed", "failed": "**failed**", "error": "**error**"}
    for run in report.runs:
        result = run.result
        cell = result.first_problem.replace("|", "\\|")
        outcome = icon.get(run.outcome.value, run.outcome.value)
        lines.append(f"| {result.scenario} | {outcome} | {result.duration_s:.1f} s | {cell} |")
    if report.leftovers:
        lines += ["", f"Namespaces left behind: {', '.join(report.leftovers)} (run podchaos sweep)."]
    return "\n".join(lines) + "\n"


def _schema(args: argparse.Namespace) -> int:
    import json

    from podchaos.schema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        _write(Path(args.output), text)
        print(args.output)
    else:
        sys.stdout.write(text)
    return 0


def _load_all(files: Sequence[str], directories: Sequence[str], builtin: bool) -> list[Scenario]:
    """The scenarios of ``files``; with none, those of the directories (and the built-in catalogue)."""
    from podchaos.catalogue import builtin_scenario_dir, discover, load

    if files:
        return [load(Path(file)) for file in files]
    found = discover([*([builtin_scenario_dir()] if builtin else []), *(Path(d) for d in directories)])
    return [load(path) for path in found.values()]


def _plan(args: argparse.Namespace) -> int:
    from podchaos.plan import describe_plan, permissions, rbac_notes

    scenarios = _load_all(args.files, [], builtin=False)
    for number, scenario in enumerate(scenarios):
        print(("\n" if number else "") + "\n".join(describe_plan(scenario)))
    if scenarios:
        print()
        for note in rbac_notes(permissions(scenarios)):
            print(f"note: {note}")
    return 0


def _rbac(args: argparse.Namespace) -> int:
    from podchaos.plan import permissions, rbac_notes, rbac_yaml

    perms = permissions(_load_all(args.files, args.scenario_dir, builtin=not args.no_builtin))
    for note in rbac_notes(perms):
        print("# " + note, file=sys.stderr)
    sys.stdout.write(rbac_yaml(perms, service_account=args.service_account, name=args.name))
    return 0


def _new(args: argparse.Namespace) -> int:
    from podchaos.scaffold import scaffold

    written = scaffold(Path(args.manifest), name=args.name, output=Path(args.output) if args.output else None)
    print(written)
    return 0


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

SCENARIOS_HELP = """\
List scenarios: the built-in catalogue and the given directories, one line each (name, description).
Each file is checked as pytest checks it; an invalid one is reported on stderr and the exit status is 2.
Reads files only: needs no cluster and changes nothing.
"""

SWEEP_HELP = """\
Clean up after killed podchaos runs on a cluster: deletes the namespaces podchaos runs left
(label app.kubernetes.io/managed-by=podchaos), uncordons the nodes podchaos cordoned for runs whose
namespace is gone, and releases the node-fault Lease (default/podchaos-node-faults) when its holder is
gone or it expired. Needs a reachable cluster (default: the embedded local cluster's kubeconfig).
Every podchaos namespace goes: while other runs may be using the cluster, give --older-than.
"""

REPORT_HELP = """\
Draw a run's report again from its results.json (a run directory reports/<run-id>, or the file), for
example from a CI artifact: the HTML page (default: report.html beside the JSON) or, with
--format markdown, a Markdown summary on stdout (for $GITHUB_STEP_SUMMARY). Needs no cluster; writes
only the output file.
"""

COMPARE_HELP = """\
Compare catalogue runs made on different Kubernetes versions (make compare-versions makes them):
per scenario the outcome on each version (or skipped, with its requires:), the scenarios whose verdict
differs, and the recovery times that differ. Each RESULTS is a run directory (reports/<run-id>) or
its results.json; runs are labelled and ordered by the cluster version they ran on. Writes Markdown
to stdout, or each -o FILE (.html: one self-contained page; anything else: Markdown). Needs no cluster.
"""
SCHEMA_HELP = """\
Print the JSON Schema of scenario files (or write it with -o), generated from podchaos's model. Editors
with yaml-language-server use it through a first line such as
  # yaml-language-server: $schema=scenario.schema.json
The schema checks the shape of a file; pytest and podchaos scenarios also check it against its workload.
Needs no cluster; changes nothing.
"""

NEW_HELP = """\
Write a scenario for a workload of yours: reads a manifest file (a Deployment, StatefulSet or Pod),
and writes NAME.scenario.yaml next to it (or -o FILE) that deploys the manifest, kills its first
container and expects what its spec implies: a restart (or the pod's end, with restartPolicy Never),
the exit code of SIGKILL, no restart of the other containers, readiness again when it has a readiness
probe, emptyDir data kept. The file is checked before it is written; edit it to taste. Never overwrites
a file. Needs no cluster.
"""


PLAN_HELP = """\
Load and check scenario files, then print what a run of each would do, touching nothing: the objects
it creates (kind/name) in its own namespace, the faults and the pods and containers they target, the
expectations, the traffic probe, and the permissions the run needs (as podchaos rbac derives them).
pytest --podchaos-dry-run prints the same plan for the scenarios it selects. Needs no cluster.
"""

RBAC_HELP = """\
Print the RBAC objects a least-privileged account needs to run scenarios (kubectl apply -f - takes
them): a ClusterRole and its ClusterRoleBinding, since every run creates and deletes a namespace of its
own, so nothing narrower can be granted beforehand; with node faults also a Role and RoleBinding in
namespace default for the node-fault Lease (default/podchaos-node-faults). The rules follow what runs
do: namespaces, pods (with pods/log, pods/exec), events, endpointslices, jobs; create on the kinds the
scenarios' manifests hold; pods/eviction for node-drain; nodes get/list/patch for node faults.
Derived from the given scenario files, else from the built-in catalogue and --scenario-dir.
Notes go to stderr: the node agent (container-kill, oom-kill, probe-fail) runs privileged hostPID pods,
so Pod Security admission must allow privileged pods in the namespaces podchaos creates.
Needs no cluster.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the descriptions' line breaks."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``podchaos`` command."""
    parser = argparse.ArgumentParser(
        prog="podchaos",
        description=(
            "podchaos manages what is around pod-lifecycle chaos scenarios: the embedded local cluster,\n"
            "scenario files, leftovers of killed runs, reports. Scenarios run under pytest:\n"
            "  pytest --scenario NAME     (see pytest --help, section podchaos)"
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"podchaos {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cluster = commands.add_parser(
        "cluster",
        help="start, stop or inspect the embedded local cluster (root; changes this machine)",
        description=CLUSTER_HELP,
        formatter_class=_Formatter,
    )
    cluster.add_argument("action", choices=["up", "down", "status", "restart"], help="what to do (see above)")
    cluster.add_argument("component", nargs="?", help="with restart: the component, as status names it")
    cluster.add_argument(
        "--down-for",
        type=_duration,
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
    cluster.set_defaults(handler=_cluster)
    scenarios = commands.add_parser(
        "scenarios",
        help="list scenarios and check their files (no cluster)",
        description=SCENARIOS_HELP,
        formatter_class=_Formatter,
    )
    scenarios.add_argument(
        "--scenario-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also list this directory (repeatable)",
    )
    scenarios.add_argument("--no-builtin", action="store_true", help="leave the built-in catalogue out")
    scenarios.set_defaults(handler=_scenarios)
    sweep = commands.add_parser(
        "sweep",
        help="delete what killed runs left on a cluster: namespaces, cordons, the node-fault lease",
        description=SWEEP_HELP,
        formatter_class=_Formatter,
    )
    sweep.add_argument(
        "--kubeconfig", metavar="PATH", help="cluster to sweep (default: the embedded local cluster)"
    )
    sweep.add_argument("--context", metavar="NAME", help="kubeconfig context (default: the current one)")
    sweep.add_argument(
        "--older-than",
        type=_duration,
        default=0.0,
        metavar="DURATION",
        help="only namespaces at least this old (e.g. 2h): safe while other runs are going",
    )
    sweep.set_defaults(handler=_sweep)
    report = commands.add_parser(
        "report",
        help="draw a run's HTML report or a Markdown summary from results.json (no cluster)",
        description=REPORT_HELP,
        formatter_class=_Formatter,
    )
    report.add_argument("path", help="the run directory (reports/<run-id>) or its results.json")
    report.add_argument("--format", choices=["html", "markdown"], default="html", help="default: html")
    report.add_argument(
        "-o", "--output", metavar="FILE", help="file to write (html default: report.html beside the JSON)"
    )
    report.set_defaults(handler=_report)
    compare = commands.add_parser(
        "compare",
        help="compare catalogue runs on different Kubernetes versions (no cluster)",
        description=COMPARE_HELP,
        formatter_class=_Formatter,
    )
    compare.add_argument(
        "results", nargs="+", metavar="RESULTS", help="run directories or results.json files"
    )
    compare.add_argument(
        "-o", "--output", action="append", default=[], metavar="FILE", help="file to write (repeatable)"
    )
    compare.add_argument(
        "--scenario-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="your scenario directories, for the requires: of scenarios not in the catalogue",
    )
    compare.set_defaults(handler=_compare)
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files (no cluster)",
        description=SCHEMA_HELP,
        formatter_class=_Formatter,
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    schema.set_defaults(handler=_schema)
    new = commands.add_parser(
        "new",
        help="write a scenario for a manifest of yours (no cluster)",
        description=NEW_HELP,
        formatter_class=_Formatter,
    )
    new.add_argument("manifest", help="a YAML file with a Deployment, StatefulSet or Pod")
    new.add_argument("--name", help="scenario name (default: <workload name>-kill)")
    new.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: beside the manifest)"
    )
    new.set_defaults(handler=_new)
    plan = commands.add_parser(
        "plan",
        help="print what scenarios would do and the permissions they need (no cluster)",
        description=PLAN_HELP,
        formatter_class=_Formatter,
    )
    plan.add_argument("files", nargs="+", metavar="FILE", help="scenario files")
    plan.set_defaults(handler=_plan)
    rbac = commands.add_parser(
        "rbac",
        help="print the ClusterRole (and Role) a least-privileged account needs (no cluster)",
        description=RBAC_HELP,
        formatter_class=_Formatter,
    )
    rbac.add_argument("files", nargs="*", metavar="FILE", help="scenario files (default: the catalogue)")
    rbac.add_argument(
        "--scenario-dir", action="append", default=[], metavar="DIR", help="also these scenarios (repeatable)"
    )
    rbac.add_argument("--no-builtin", action="store_true", help="leave the built-in catalogue out")
    rbac.add_argument(
        "--service-account",
        default="podchaos/podchaos",
        metavar="NAMESPACE/NAME",
        help="the ServiceAccount the bindings name (default: podchaos/podchaos)",
    )
    rbac.add_argument("--name", default="podchaos", help="name of the roles and bindings (default: podchaos)")
    rbac.set_defaults(handler=_rbac)
    return parser


def _quiet_stdout() -> None:
    """The reader of stdout went away (``| head``): send the rest to /dev/null so exiting stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``podchaos`` console script."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except PodchaosError as error:
        print(f"podchaos: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("podchaos: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
