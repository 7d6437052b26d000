"""One catalogue run per Kubernetes version, side by side: which verdicts and recovery times differ.

Input: the ``results.json`` of each run (``podchaos compare RESULTS...``, ``make compare-versions``).
Each run is labelled by the cluster version it ran on, and by its provider too where two runs share
a version (the same release on kind and on the embedded cluster). Per scenario the comparison holds
the outcome on every version (or why it did not run there: its ``requires:``) and each recovery time
the runs measured. Pure: rendering to Markdown and HTML included, no I/O.

One run per version is one sample: a recovery time counts as different only when the spread is
both at least ``NOTABLE_SECONDS`` and at least ``NOTABLE_SHARE`` of the smallest value, and a step
seen on one version but not on another is always a difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from podchaos.model import RunReport, ScenarioRun
from podchaos.model.repetitions import RECOVERY_STEP_LABELS
from podchaos.model.versions import KubeVersion, Requirements

NOTABLE_SECONDS = 1.0
NOTABLE_SHARE = 0.25

STEP_LABELS = RECOVERY_STEP_LABELS


@dataclass(frozen=True)
class Cell:
    """One scenario on one version: its outcome and recovery times, or why it has none.

    ``outcome`` is ``passed``, ``failed`` or ``error`` for a run; ``skipped`` when the scenario's
    ``requires:`` excludes the version (``problem`` says so); ``not run`` when the run is missing.
    """

    outcome: str
    problem: str = ""
    duration_s: float | None = None
    recovery: tuple[tuple[str, float | None], ...] = ()

    @property
    def ran(self) -> bool:
        return self.outcome in {"passed", "failed", "error"}

    def recovery_of(self, step: str) -> float | None:
        return dict(self.recovery).get(step)


@dataclass(frozen=True)
class StepDifference:
    """One recovery step of one scenario whose times differ between versions (None: not seen)."""

    step: str
    # One per version, None where the step was not seen or the scenario did not run there.
    seconds: tuple[float | None, ...]
    # Largest minus smallest over the versions it ran on; None when some of them did not see the step.
    spread: float | None


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario across the versions, in the comparison's version order."""

    scenario: str
    cells: tuple[Cell, ...]
    steps: tuple[StepDifference, ...]

    @property
    def verdict_differs(self) -> bool:
        """The runs did not all end alike (skips and missing runs aside)."""
        return len({cell.outcome for cell in self.cells if cell.ran}) > 1

    @property
    def skipped_somewhere(self) -> bool:
        return any(cell.outcome == "skipped" for cell in self.cells)


@dataclass(frozen=True)
class VersionColumn:
    """One catalogue run: the cluster version it ran on and where it came from."""

    version: str
    """The column's label: the cluster version, with the provider where two runs share a version."""
    run_id: str
    source: str
    counts: Mapping[str, int]
    server_version: str = ""
    """The version the cluster reported, which ``requires:`` is checked against."""


@dataclass(frozen=True)
class Comparison:
    """Every scenario of the runs, on every version."""

    columns: tuple[VersionColumn, ...]
    rows: tuple[ScenarioRow, ...]

    @property
    def verdict_differences(self) -> tuple[ScenarioRow, ...]:
        return tuple(row for row in self.rows if row.verdict_differs)

    @property
    def timing_differences(self) -> tuple[ScenarioRow, ...]:
        return tuple(row for row in self.rows if row.steps)


def _version_key(column: tuple[str, RunReport, str]) -> tuple[int, int, int, str]:
    try:
        parsed = KubeVersion.parse(column[0])
    except ValueError:
        return (10**6, 0, 0, column[0])
    return (parsed.major, parsed.minor, parsed.patch, column[0])


def _labelled(reports: Sequence[tuple[RunReport, str]]) -> list[tuple[str, RunReport, str]]:
    """Each report with its column label, in version order: the cluster version it ran on, and where
    two runs share a version (the same release on kind and on the embedded cluster), the provider too."""
    labelled = [(report.cluster.server_version or source, report, source) for report, source in reports]
    labelled.sort(key=lambda column: (*_version_key(column), column[1].cluster.provider))
    shared = Counter(label for label, _report, _source in labelled)
    return [
        (_with_provider(label, report) if shared[label] > 1 else label, report, source)
        for label, report, source in labelled
    ]


def _with_provider(label: str, report: RunReport) -> str:
    return f"{label} ({report.cluster.provider})" if report.cluster.provider else label


def _cell(run: ScenarioRun) -> Cell:
    result = run.result
    return Cell(run.outcome.value, result.first_problem, result.duration_s, result.measurements.items())


def _absent(version: str, requires: Requirements | None) -> Cell:
    unmet = requires.unmet(version) if requires is not None else None
    if unmet is not None:
        return Cell("skipped", unmet)
    return Cell("not run")


def notable(seconds: Sequence[float | None]) -> bool:
    """Whether recovery times of one step differ enough to report (see the module's docstring)."""
    seen = [value for value in seconds if value is not None]
    if not seen:
        return False
    if len(seen) != len(seconds):
        return True
    low, high = min(seen), max(seen)
    return high - low >= NOTABLE_SECONDS and high - low >= NOTABLE_SHARE * low


def compare(
    reports: Sequence[tuple[RunReport, str]], requirements: Mapping[str, Requirements] | None = None
) -> Comparison:
    """Compare catalogue runs, given each ``results.json`` with where it came from.

    Columns are ordered by the cluster version the runs report (a run without one is labelled by its
    source and goes last). ``requirements`` (scenario name -> its ``requires:``) explains a missing run:
    skipped for its version requirement, or not run. A scenario run more than once in one report is
    taken at its last run.
    """
    labelled = _labelled(reports)
    columns = tuple(
        VersionColumn(version, report.run_id, source, report.counts(), report.cluster.server_version)
        for version, report, source in labelled
    )
    by_version: list[dict[str, ScenarioRun]] = []
    for _version, report, _source in labelled:
        latest: dict[str, ScenarioRun] = {}
        for run in sorted(report.runs, key=lambda r: r.result.started_at):
            latest[run.result.scenario] = run
        by_version.append(latest)
    names = sorted({name for runs in by_version for name in runs})
    requirements = requirements or {}
    rows = []
    for name in names:
        cells = tuple(
            _cell(runs[name])
            if name in runs
            else _absent(column.server_version or column.version, requirements.get(name))
            for runs, column in zip(by_version, columns, strict=True)
        )
        ran = [cell for cell in cells if cell.ran]
        steps = []
        for step in STEP_LABELS:
            seconds = tuple(cell.recovery_of(step) for cell in ran)
            if len(ran) > 1 and notable(seconds):
                seen = [value for value in seconds if value is not None]
                spread = max(seen) - min(seen) if len(seen) == len(seconds) else None
                steps.append(StepDifference(step, tuple(cell.recovery_of(step) for cell in cells), spread))
        rows.append(ScenarioRow(name, cells, tuple(steps)))
    return Comparison(columns, tuple(rows))


# --- rendering ----------------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _cell_text(cell: Cell) -> str:
    if cell.outcome in {"failed", "error"}:
        return f"**{cell.outcome}**"
    return cell.outcome


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _counts(column: VersionColumn) -> str:
    return ", ".join(f"{count} {outcome}" for outcome, count in column.counts.items() if count) or "no runs"


def render_markdown(comparison: Comparison) -> str:
    """The comparison as Markdown: the runs, what differs, then every scenario on every version."""
    versions = [column.version for column in comparison.columns]
    lines = ["# Kubernetes version comparison", ""]
    lines += ["| version | run | scenarios | results.json |", "| --- | --- | --- | --- |"]
    for column in comparison.columns:
        lines.append(f"| {column.version} | {column.run_id} | {_counts(column)} | {_md(column.source)} |")
    lines += ["", "## Verdicts that differ", ""]
    if not comparison.verdict_differences:
        lines.append("None: every scenario ended alike on every version it ran on.")
    for row in comparison.verdict_differences:
        lines.append(f"- **{row.scenario}**")
        for version, cell in zip(versions, row.cells, strict=True):
            detail = f": {_md(cell.problem)}" if cell.problem else ""
            lines.append(f"  - {version}: {cell.outcome}{detail}")
    skipped = [row for row in comparison.rows if row.skipped_somewhere]
    if skipped:
        lines += ["", "## Skipped for their `requires:`", ""]
        for row in skipped:
            where = [
                f"{version} ({_md(cell.problem)})"
                for version, cell in zip(versions, row.cells, strict=True)
                if cell.outcome == "skipped"
            ]
            lines.append(f"- **{row.scenario}** on {'; '.join(where)}")
    lines += [
        "",
        "## Recovery times that differ",
        "",
        f"Seconds from the first fault; listed when the spread is at least {NOTABLE_SECONDS:g} s and "
        f"{NOTABLE_SHARE:.0%} of the smallest, or a step was seen on one version only (one run each).",
        "",
    ]
    if not comparison.timing_differences:
        lines.append("None.")
    else:
        lines += [
            f"| scenario | step | {' | '.join(versions)} | spread |",
            f"| --- | --- | {' | '.join('---' for _ in versions)} | --- |",
        ]
        for row in comparison.timing_differences:
            for step in row.steps:
                values = " | ".join(_seconds(value) for value in step.seconds)
                spread = _seconds(step.spread) if step.spread is not None else "seen on some only"
                lines.append(f"| {row.scenario} | {STEP_LABELS[step.step]} | {values} | {spread} |")
    lines += [
        "",
        "## Every scenario",
        "",
        f"| scenario | {' | '.join(versions)} |",
        f"| --- | {' | '.join('---' for _ in versions)} |",
    ]
    for row in comparison.rows:
        cells = " | ".join(_cell_text(cell) for cell in row.cells)
        lines.append(f"| {row.scenario} | {cells} |")
    return "\n".join(lines) + "\n"


_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 20px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.passed { background: #e6f4e6; } .failed { background: #fbe3e3; } .error { background: #fbeed5; }
.skipped, .not-run { background: #eee; color: #666; }
.differs td:first-child { font-weight: bold; }
.small { color: #555; font-size: 12px; }
"""


def _html_cell(cell: Cell) -> str:
    title = f' title="{escape(cell.problem)}"' if cell.problem else ""
    duration = f'<div class="small">{cell.duration_s:.0f} s</div>' if cell.duration_s is not None else ""
    problem = f'<div class="small">{escape(cell.problem[:160])}</div>' if cell.problem else ""
    css = cell.outcome.replace(" ", "-")
    return f'<td class="{css}"{title}>{escape(cell.outcome)}{duration}{problem}</td>'


def render_html(comparison: Comparison) -> str:
    """The comparison as one self-contained HTML page."""
    versions = [column.version for column in comparison.columns]
    head = "".join(f"<th>{escape(version)}</th>" for version in versions)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Kubernetes version comparison</title>",
        f"<style>{_CSS}</style></head><body><h1>Kubernetes version comparison</h1>",
        "<table><tr><th>version</th><th>run</th><th>scenarios</th><th>results.json</th></tr>",
    ]
    for column in comparison.columns:
        parts.append(
            f"<tr><td>{escape(column.version)}</td><td>{escape(column.run_id)}</td>"
            f"<td>{escape(_counts(column))}</td><td>{escape(column.source)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        f"<p>{len(comparison.verdict_differences)} scenario(s) whose verdict differs, "
        f"{len(comparison.timing_differences)} with recovery times that differ (a spread of at least "
        f"{NOTABLE_SECONDS:g} s and {NOTABLE_SHARE:.0%}, or a step seen on some versions only; one run "
        "each).</p>"
    )
    parts.append("<h2>Recovery times that differ</h2>")
    if comparison.timing_differences:
        parts.append(f"<table><tr><th>scenario</th><th>step</th>{head}<th>spread</th></tr>")
        for row in comparison.timing_differences:
            for step in row.steps:
                values = "".join(f"<td>{_seconds(value)}</td>" for value in step.seconds)
                spread = _seconds(step.spread) if step.spread is not None else "seen on some only"
                parts.append(
                    f"<tr><td>{escape(row.scenario)}</td><td>{escape(STEP_LABELS[step.step])}</td>"
                    f"{values}<td>{spread}</td></tr>"
                )
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append(f"<h2>Every scenario</h2><table><tr><th>scenario</th>{head}</tr>")
    for row in comparison.rows:
        css = ' class="differs"' if row.verdict_differs else ""
        cells = "".join(_html_cell(cell) for cell in row.cells)
        parts.append(f"<tr{css}><td>{escape(row.scenario)}</td>{cells}</tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"
