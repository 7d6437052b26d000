"""The nightly-run commands: ``podchaos trend`` (:mod:`podchaos.report.trend`: its arguments and the
exit code CI gates on) and ``podchaos dashboard`` (the Grafana dashboard shipped with the package).
Each imports its report code only when it runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos.cli.common import Formatter, write_output

if TYPE_CHECKING:
    from podchaos.cli.common import Commands

TREND_HELP = """\
A trend over nightly runs: each RESULTS is a results.json, a run directory (reports/<run-id>) or a
directory of them (reports/nightly), searched recursively. Per scenario, the pass rate and the p50
and p95 of each recovery time over the nights (sparklines), the Kubernetes release and podchaos
version of each night, flaky scenarios (passed and failed on the same versions), and regressions:
tonight (the latest night) against a baseline window (--baseline, else the --window nights before),
by a one-sided Mann-Whitney U test at --alpha with a minimum shift, and pass-rate drops by Fisher's
exact test. Writes Markdown to stdout, or each -o FILE (.html: one page with SVG sparklines; anything
else: Markdown). Exit status 1 when something regressed (or, with --fail-on-flaky, was flaky), so CI
can gate on it; 2 on bad input. Needs no cluster.
"""

EXIT_REGRESSED = 1


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text.removesuffix("s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds such as 0.5 or 0.5s, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def add_trend(commands: Commands) -> None:
    """The ``trend`` command."""
    trend = commands.add_parser(
        "trend",
        help="pass rates, recovery percentiles, flakes and regressions over nightly runs (no cluster)",
        description=TREND_HELP,
        formatter_class=Formatter,
    )
    trend.add_argument("results", nargs="+", metavar="RESULTS", help="results.json files or directories")
    trend.add_argument(
        "-o", "--output", action="append", default=[], metavar="FILE", help="file to write (repeatable)"
    )
    trend.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="RESULTS",
        help="the baseline nights (repeatable; files or directories); default: the --window nights "
        "before tonight",
    )
    trend.add_argument("--window", type=_count, default=7, help="baseline nights by default (default: 7)")
    trend.add_argument("--alpha", type=_share, default=0.05, help="significance level (default: 0.05)")
    trend.add_argument(
        "--min-shift",
        type=_seconds,
        default=0.5,
        metavar="SECONDS",
        help="smallest slowdown that counts (default: 0.5 s)",
    )
    trend.add_argument(
        "--min-shift-share",
        type=_share,
        default=0.2,
        metavar="SHARE",
        help="... and at least this share of the baseline median (default: 0.2)",
    )
    trend.add_argument(
        "--min-drop",
        type=_share,
        default=0.2,
        metavar="SHARE",
        help="smallest pass-rate drop that counts (default: 0.2)",
    )
    trend.add_argument("--fail-on-flaky", action="store_true", help="exit 1 when a scenario was flaky too")
    trend.set_defaults(handler=_trend)


def _trend(args: argparse.Namespace) -> int:
    """Load the nights, analyse them, write the outputs; the exit status CI gates on."""
    from podchaos.report.history import load_nights, results_files
    from podchaos.report.trend import TrendSettings, analyse
    from podchaos.report.trend_render import render_html, render_markdown

    paths = [Path(p) for p in args.results]
    baseline_paths = [Path(p) for p in args.baseline]
    nights = {night.source: night for night in load_nights([*paths, *baseline_paths])}
    baseline_files = {str(file) for file in results_files(baseline_paths)} if baseline_paths else set()
    baseline_ids = [night.run_id for source, night in nights.items() if source in baseline_files]
    settings = TrendSettings(args.alpha, args.min_shift, args.min_shift_share, args.min_drop, args.window)
    trend = analyse(list(nights.values()), baseline_ids, settings)
    if not args.output:
        sys.stdout.write(render_markdown(trend))
    for output in args.output:
        target = Path(output)
        text = render_html(trend) if target.suffix in {".html", ".htm"} else render_markdown(trend)
        write_output(target, text)
        print(target, file=sys.stderr)
    failing = bool(trend.regressions) or (args.fail_on_flaky and bool(trend.flaky))
    summary = f"{len(trend.regressions)} regression(s), {len(trend.flaky)} flaky scenario version(s)"
    print(f"podchaos trend: {len(trend.nights)} night(s); {summary}", file=sys.stderr)
    return EXIT_REGRESSED if failing else 0


DASHBOARD_HELP = """\
Print the Grafana dashboard (JSON, for Grafana's Import) over the metrics podchaos pushes to a
Pushgateway or writes for node-exporter's textfile collector: pass rate, recovery times, traffic
availability and outages, by scenario and Kubernetes release. Needs a Prometheus data source; needs
no cluster.
"""


def add_dashboard(commands: Commands) -> None:
    """The ``dashboard`` command."""
    dashboard = commands.add_parser(
        "dashboard",
        help="print the Grafana dashboard over podchaos's metrics (no cluster)",
        description=DASHBOARD_HELP,
        formatter_class=Formatter,
    )
    dashboard.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    dashboard.set_defaults(handler=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from podchaos.report.dashboard import DASHBOARD_FILE

    text = DASHBOARD_FILE.read_text(encoding="utf-8")
    if args.output:
        write_output(Path(args.output), text)
        print(args.output)
    else:
        sys.stdout.write(text)
    return 0
