"""The scenario-file commands: ``scenarios`` (list and check), ``schema``, ``new``, ``plan``, ``rbac``.
None needs a cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos.cli.common import add_command, add_output_format, load_all, write_output
from podchaos.errors import PodchaosError

if TYPE_CHECKING:
    from podchaos.cli.common import Commands
    from podchaos.model import Scenario

SCENARIOS_HELP = """\
List the scenarios pytest --scenario picks from, one line each (name, description, tags), or one JSON
list with -o json. It is pytest --podchaos-list-scenarios: the project's ini file (pytest.ini,
pyproject.toml ...), the PODCHAOS_ environment and pytest's own option names, given after the command:

  podchaos scenarios --podchaos-scenario-dir chaos --podchaos-builtin=no
  podchaos scenarios --scenario 'web-*' -o json

Each file is checked as pytest checks it; an invalid one is reported on stderr and the exit status is 2.
Reads files only: needs no cluster and changes nothing.
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
probe, emptyDir data kept; with a readiness probe and a Service in front of the pods, a traffic:
section (a client calling that Service during the fault). Its first line names scenario.schema.json
for editors (written beside it when absent). The file is checked before it is written; edit it to
taste. Never overwrites a file. Needs no cluster.
"""

PLAN_HELP = """\
Load and check scenario files, then print what a run of each would do, touching nothing: the objects
it creates (kind/name) in its own namespace, the faults and the pods and containers they target, the
expectations, the traffic probe, and the permissions the run needs (as podchaos rbac derives them).
pytest --podchaos-dry-run prints the same plan for the scenarios it selects. Needs no cluster, except
for an attached scenario (workload: {namespace: ..., target: ...}): then it also lists, read-only, the
pods its target selects now on the cluster (--kubeconfig, default: the embedded local cluster).
"""

RBAC_HELP = """\
Print the RBAC objects a least-privileged account needs to run scenarios (kubectl apply -f - takes
them): a ClusterRole and its ClusterRoleBinding, since every run creates and deletes a namespace of its
own, so nothing narrower can be granted beforehand; with node faults also a Role and RoleBinding in
namespace default for the node-fault Lease (default/podchaos-node-faults). The rules follow what runs
do: namespaces, pods (with pods/log, pods/exec), events, endpointslices, jobs; create on the kinds the
scenarios' manifests hold; pods/eviction for node-drain; nodes get/list/patch for node faults.
Derived from the given scenario files, else from the built-in catalogue and --scenario-dir.
Last, a ValidatingAdmissionPolicy for that account only (what RBAC cannot narrow): it deletes only
namespaces podchaos created, creates privileged pods only in its agents' namespace, and deletes,
evicts and execs into pods only in podchaos's namespaces and the ones given with --namespace.
Notes go to stderr: the node agent (container-kill, oom-kill, probe-fail) runs privileged hostPID pods,
so Pod Security admission must allow privileged pods in the namespaces podchaos creates.
Needs no cluster.
"""


def _scenarios(args: argparse.Namespace) -> int:
    # pytest itself reads the project's ini file and podchaos's options (one listing, one precedence).
    import pytest

    listing = ["-p", "no:cacheprovider", "--podchaos-list-scenarios", f"--podchaos-list-format={args.output}"]
    return int(pytest.main([*listing, *args.pytest_args]))


def _schema(args: argparse.Namespace) -> int:
    import json

    from podchaos.loader.schema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        write_output(Path(args.output), text)
        print(args.output)
    else:
        sys.stdout.write(text)
    return 0


def _new(args: argparse.Namespace) -> int:
    from podchaos.cli.scaffold import scaffold

    written = scaffold(Path(args.manifest), name=args.name, output=Path(args.output) if args.output else None)
    print(written)
    return 0


def _plan(args: argparse.Namespace) -> int:
    from podchaos.engine.plan import describe_plan, permissions, rbac_notes

    scenarios = load_all(args.files, [], builtin=False)
    for number, scenario in enumerate(scenarios):
        lines = describe_plan(scenario)
        if scenario.workload.attached:
            lines += attached_pods(scenario, args.kubeconfig, args.context)
        print(("\n" if number else "") + "\n".join(lines))
    if scenarios:
        print()
        attached = sorted({s.workload.namespace for s in scenarios if s.workload.attached})
        for note in rbac_notes(permissions(scenarios), attached):
            print(f"note: {note}")
    return 0


def attached_pods(scenario: Scenario, kubeconfig: str | None, context: str | None) -> list[str]:
    """The pods an attached scenario's target selects on the cluster, read-only; a line saying why
    when they cannot be listed."""
    from podchaos.cluster.local.cluster import LocalCluster
    from podchaos.engine.attach import plan_lines
    from podchaos.k8s.client import Kube

    workload = scenario.workload
    try:
        kube = Kube.from_kubeconfig(
            Path(kubeconfig) if kubeconfig else LocalCluster().layout.kubeconfig, context
        )
        return plan_lines(kube, workload.namespace, workload.target_selector, workload.blast)
    except PodchaosError as exc:
        return [f"  pods selected now: could not list them: {exc}"]


def _rbac(args: argparse.Namespace) -> int:
    from podchaos.engine.attach_rbac import attached_roles, without_evictions
    from podchaos.engine.plan import permissions, rbac_notes, rbac_yaml

    # With --namespace and no files: what attached runs need (the ClusterRole of a run's own namespace
    # and agents, without the workload's scenario kinds).
    builtin = not args.no_builtin and not (args.namespace and not args.files)
    perms = permissions(load_all(args.files, args.scenario_dir, builtin=builtin))
    if args.namespace:
        perms = without_evictions(perms)
    for note in rbac_notes(perms, args.namespace):
        print("# " + note, file=sys.stderr)
    sys.stdout.write(
        rbac_yaml(perms, service_account=args.service_account, name=args.name, attached=args.namespace)
    )
    sys.stdout.write(attached_roles(args.namespace, args.service_account, args.name))
    return 0


def attached_namespace(text: str) -> str:
    """``rbac --namespace``: a namespace name, and not one attach mode refuses."""
    from podchaos.deploy.guard import REFUSED_NAMESPACES
    from podchaos.model.admission import NAMESPACE_NAME

    if not NAMESPACE_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"expected a namespace name (lowercase letters, digits and '-', at most 63), got {text!r}"
        )
    if text in REFUSED_NAMESPACES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is never a chaos target ({', '.join(REFUSED_NAMESPACES)} are refused whatever is"
            " allowed), so no Role or policy is made for it"
        )
    return text


def add_scenarios(commands: Commands) -> None:
    """The ``scenarios`` command."""
    scenarios = add_command(
        commands,
        "scenarios",
        _scenarios,
        "list scenarios and check their files (no cluster)",
        SCENARIOS_HELP,
    )
    add_output_format(scenarios)
    # Every other argument is pytest's (parsed by pytest): main() hands them over as pytest_args.
    scenarios.set_defaults(pytest_args=[])


def add_schema(commands: Commands) -> None:
    """The ``schema`` command."""
    schema = add_command(
        commands,
        "schema",
        _schema,
        "print the JSON Schema of scenario files (no cluster)",
        SCHEMA_HELP,
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")


def add_new(commands: Commands) -> None:
    """The ``new`` command."""
    new = add_command(
        commands,
        "new",
        _new,
        "write a scenario for a manifest of yours (no cluster)",
        NEW_HELP,
    )
    new.add_argument("manifest", help="a YAML file with a Deployment, StatefulSet or Pod")
    new.add_argument("--name", help="scenario name (default: <workload name>-kill)")
    new.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: beside the manifest)"
    )


def add_plan(commands: Commands) -> None:
    """The ``plan`` command."""
    plan = add_command(
        commands,
        "plan",
        _plan,
        "print what scenarios would do and the permissions they need (no cluster)",
        PLAN_HELP,
    )
    plan.add_argument("files", nargs="+", metavar="FILE", help="scenario files")
    plan.add_argument(
        "--kubeconfig",
        metavar="PATH",
        help="cluster whose pods an attached scenario would hit (default: the embedded local cluster)",
    )
    plan.add_argument("--context", metavar="NAME", help="kubeconfig context (default: the current one)")


def add_rbac(commands: Commands) -> None:
    """The ``rbac`` command."""
    rbac = add_command(
        commands,
        "rbac",
        _rbac,
        "print the ClusterRole (and Role) a least-privileged account needs (no cluster)",
        RBAC_HELP,
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
    rbac.add_argument(
        "--namespace",
        action="append",
        default=[],
        type=attached_namespace,
        metavar="NAME",
        help="a namespace attached scenarios run in: a Role there for what they do to its pods "
        "(evictions only there), and the admission policy lets the account delete, evict and exec "
        "into pods there besides podchaos's own namespaces; without FILEs, only what attached runs "
        "need (repeatable)",
    )
