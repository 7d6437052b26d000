"""The podchaos command: the embedded local cluster, scenario files, leftovers of killed runs, reports.

Scenarios themselves run under pytest (pytest --scenario NAME); this command manages what is around them.
Each command's parser and handler live in the module of its kind: cluster, scenarios, reports.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from podchaos import __version__
from podchaos.cli import cluster, kubectl, nightly, reports, scenarios
from podchaos.cli.common import Formatter
from podchaos.errors import PodchaosError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``podchaos`` command."""
    parser = argparse.ArgumentParser(
        prog="podchaos",
        description=(
            "podchaos manages what is around pod-lifecycle chaos scenarios: the embedded local cluster,\n"
            "scenario files, leftovers of killed runs, reports. Scenarios run under pytest:\n"
            "  pytest --scenario NAME     (see pytest --help, section podchaos)"
        ),
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"podchaos {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In the order `podchaos --help` lists them.
    cluster.add_cluster(commands)
    kubectl.add_kubectl(commands)
    kubectl.add_helm(commands)
    scenarios.add_scenarios(commands)
    cluster.add_sweep(commands)
    cluster.add_kind_build(commands)
    reports.add_report(commands)
    reports.add_compare(commands)
    nightly.add_trend(commands)
    nightly.add_dashboard(commands)
    scenarios.add_schema(commands)
    scenarios.add_new(commands)
    scenarios.add_plan(commands)
    scenarios.add_rbac(commands)
    return parser


def _quiet_stdout() -> None:
    """The reader of stdout went away (``| head``): send the rest to /dev/null so exiting stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``podchaos`` console script."""
    try:
        parser = build_parser()
        args, unknown = parser.parse_known_args(argv)
        # Only a command that passes its other arguments on (scenarios: to pytest) takes unknown ones.
        if unknown and not hasattr(args, "pytest_args"):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        if unknown:
            args.pytest_args = unknown
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
