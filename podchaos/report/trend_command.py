"""``podchaos trend``: the command-line face of :mod:`podchaos.report.trend` (its arguments, its exit
code). Imports the trend code only when the command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from podchaos.errors import ReportError

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


def add_parser(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Add ``trend`` to the ``podchaos`` command's subcommands."""
    trend = commands.add_parser(
        "trend",
        help="pass rates, recovery percentiles, flakes and regressions over nightly runs (no cluster)",
        description=TREND_HELP,
        formatter_class=formatter,
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
    trend.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load the nights, analyse them, write the outputs; the exit status CI gates on."""
    from podchaos.report.history import load_nights, results_files
    from podchaos.report.json_report import write_atomically
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
        try:
            write_atomically(target, text)
        except OSError as exc:
            raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        print(target, file=sys.stderr)
    failing = bool(trend.regressions) or (args.fail_on_flaky and bool(trend.flaky))
    summary = f"{len(trend.regressions)} regression(s), {len(trend.flaky)} flaky scenario version(s)"
    print(f"podchaos trend: {len(trend.nights)} night(s); {summary}", file=sys.stderr)
    return EXIT_REGRESSED if failing else 0
