"""A Markdown summary of a run, for a CI job summary (``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from podchaos.model import RunReport
from podchaos.report.repetitions import group_runs


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
    groups = group_runs(report.runs)
    if groups:
        # Scenarios run more than once: pass rate, each recovery time's distribution, their verdicts.
        lines += ["", "### Repetitions (nearest-rank percentiles, seconds after the first fault)", "", "```"]
        lines += [line for group in groups for line in group.lines()]
        lines.append("```")
    if report.leftovers:
        lines += ["", f"Namespaces left behind: {', '.join(report.leftovers)} (run podchaos sweep)."]
    return "\n".join(lines) + "\n"
