"""``podchaos report`` (a run's report drawn again from results.json) and ``podchaos compare`` (runs on
several Kubernetes versions side by side). Neither needs a cluster."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos.cli.common import add_command, write_output
from podchaos.errors import ReportError

if TYPE_CHECKING:
    import argparse

    from podchaos.cli.common import Commands

REPORT_HELP = """\
Draw a run's report again from its results.json (a run directory reports/<run-id>, or the file), for
example from a CI artifact: the HTML page (default: report.html beside the JSON) or, with
--format markdown, a Markdown summary on stdout (for $GITHUB_STEP_SUMMARY). Needs no cluster; writes
only the output file.
"""

COMPARE_HELP = """\
Compare catalogue runs made on different Kubernetes versions (make compare-versions makes them) or on
different clusters: per scenario the outcome on each (or skipped, with its requires:), the scenarios
whose verdict differs, and the recovery times that differ. Each RESULTS is a run directory
(reports/<run-id>) or its results.json; runs are labelled and ordered by the cluster version they ran
on, with the provider added where two share a version (kind and the embedded cluster). Writes
Markdown to stdout, or each -o FILE (.html: one self-contained page; anything else: Markdown). Needs
no cluster.
"""


def _report(args: argparse.Namespace) -> int:
    from podchaos.report.files import HTML_FILE, RESULTS_FILE, load_report, write_html
    from podchaos.report.markdown import markdown_summary

    path = Path(args.path)
    report = load_report(path)
    if args.format == "markdown":
        text = markdown_summary(report)
        if args.output:
            write_output(Path(args.output), text)
            print(args.output)
        else:
            sys.stdout.write(text)
        return 0
    results = path / RESULTS_FILE if path.is_dir() else path
    output = Path(args.output) if args.output else results.parent / HTML_FILE
    try:
        write_html(report, output)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from exc
    print(output)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from podchaos.catalogue import builtin_scenario_dir, discover, load
    from podchaos.report.compare import compare, render_html, render_markdown
    from podchaos.report.files import RESULTS_FILE, load_report

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
        write_output(
            target,
            render_html(comparison) if target.suffix in {".html", ".htm"} else render_markdown(comparison),
        )
        print(target)
    return 0


def add_report(commands: Commands) -> None:
    """The ``report`` command."""
    report = add_command(
        commands,
        "report",
        _report,
        "draw a run's HTML report or a Markdown summary from results.json (no cluster)",
        REPORT_HELP,
    )
    report.add_argument("path", help="the run directory (reports/<run-id>) or its results.json")
    report.add_argument("--format", choices=["html", "markdown"], default="html", help="default: html")
    report.add_argument(
        "-o", "--output", metavar="FILE", help="file to write (html default: report.html beside the JSON)"
    )


def add_compare(commands: Commands) -> None:
    """The ``compare`` command."""
    compare = add_command(
        commands,
        "compare",
        _compare,
        "compare catalogue runs on different Kubernetes versions (no cluster)",
        COMPARE_HELP,
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
