"""A scenario's runs in one pytest run, grouped: pass rate, the distribution of each recovery time, and
the verdict of its ``repetitions:`` expectations. Pure.

Grouped are the scenarios that ran more than once (``--podchaos-repeat``, ``repeat:``) or that have
expectations over repetitions. Percentiles are nearest-rank (:mod:`podchaos.report.stats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from podchaos.model import RequestRecord, RunOutcome, ScenarioRun
from podchaos.model.repetitions import STEP_LABELS, PassRate, RepetitionExpectation
from podchaos.model.traffic import TrafficSummary
from podchaos.report.stats import Distribution


def recovery_times(run: ScenarioRun) -> dict[str, float]:
    """The recovery times the run showed, by step (``ready``...), and its traffic probe's longest outage
    (0 when no request failed) for a run with a probe."""
    times = {step: value for step, value in run.result.measurements.items() if value is not None}
    result = run.result
    fault_at = result.timeline.first_fault_at
    if result.traffic is not None and fault_at is not None:
        summary = TrafficSummary.of(result.timeline.of_type(RequestRecord), fault_at)
        times["longest_outage"] = round(
            max((outage.length(result.duration_s) for outage in summary.outages()), default=0.0), 3
        )
    return times


@dataclass(frozen=True)
class RepetitionResult:
    """One expectation over repetitions, judged: expected vs seen, the seen showing the distribution."""

    expectation: RepetitionExpectation
    passed: bool
    expected: str
    seen: str


@dataclass(frozen=True)
class RepetitionGroup:
    """Every run of one scenario in a pytest run."""

    scenario: str
    runs: tuple[ScenarioRun, ...]
    distributions: tuple[tuple[str, Distribution], ...]
    results: tuple[RepetitionResult, ...]

    @property
    def passed_runs(self) -> int:
        return sum(run.outcome is RunOutcome.PASSED for run in self.runs)

    @property
    def pass_rate(self) -> float:
        return self.passed_runs / len(self.runs)

    @property
    def passed(self) -> bool:
        """Every expectation over the repetitions held (a group without any passes)."""
        return all(result.passed for result in self.results)

    def outcome_text(self) -> str:
        """``4 of 5 passed (80 %): failed 1``."""
        counts = {o.value: sum(run.outcome is o for run in self.runs) for o in RunOutcome}
        others = ", ".join(f"{name} {count}" for name, count in counts.items() if count and name != "passed")
        return f"{self.passed_runs} of {len(self.runs)} passed ({self.pass_rate:.0%})" + (
            f": {others}" if others else ""
        )

    def lines(self) -> list[str]:
        """The group as text: outcomes, each recovery time's distribution, the verdicts."""
        lines = [f"{self.scenario}: {self.outcome_text()}"]
        lines += [f"  {STEP_LABELS[step]}: {dist.text()}" for step, dist in self.distributions]
        for result in self.results:
            mark = "PASSED" if result.passed else "FAILED"
            lines.append(
                f"  {mark} {result.expectation.type}: expected {result.expected}; seen {result.seen}"
            )
        return lines


def _values(times: Sequence[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in sorted(times))


def judge(expectation: RepetitionExpectation, runs: Sequence[ScenarioRun]) -> RepetitionResult:
    """One expectation over the runs."""
    total = len(runs)
    if isinstance(expectation, PassRate):
        passed = sum(run.outcome is RunOutcome.PASSED for run in runs)
        rate = passed / total if total else 0.0
        return RepetitionResult(
            expectation,
            total > 0 and rate >= expectation.at_least,
            f"pass rate at least {expectation.at_least:.0%}",
            f"{passed} of {total} runs passed ({rate:.0%})",
        )
    step, within = expectation.step, expectation.within
    times = [recovery_times(run).get(step) for run in runs if not run.result.error]
    seen = [value for value in times if value is not None]
    inside = sum(value <= within for value in seen)
    share = inside / total if total else 0.0
    dist = Distribution.of(seen)
    spread = f"; {dist.text()}; values {_values(seen)}" if dist else "; never seen"
    not_seen = total - len(seen)
    missing = f" ({not_seen} run(s) without it count as not within)" if not_seen else ""
    return RepetitionResult(
        expectation,
        total > 0 and share >= expectation.share,
        f"{STEP_LABELS[step]} within {within:g} s in at least {expectation.share:.0%} of runs",
        f"{inside} of {total} runs ({share:.0%}) within {within:g} s{missing}{spread}",
    )


def group_runs(runs: Sequence[ScenarioRun]) -> tuple[RepetitionGroup, ...]:
    """The scenarios that ran more than once or have expectations over repetitions, by name."""
    by_scenario: dict[str, list[ScenarioRun]] = {}
    for run in runs:
        by_scenario.setdefault(run.result.scenario, []).append(run)
    groups = []
    for name in sorted(by_scenario):
        members = sorted(by_scenario[name], key=lambda run: (run.repetition, run.result.started_at))
        expectations = next((run.repetitions for run in members if run.repetitions), ())
        if len(members) < 2 and not expectations:
            continue
        samples: dict[str, list[float]] = {step: [] for step in STEP_LABELS}
        for run in members:
            for step, value in recovery_times(run).items():
                samples[step].append(value)
        distributions = tuple(
            (step, dist) for step, values in samples.items() if (dist := Distribution.of(values)) is not None
        )
        results = tuple(judge(expectation, members) for expectation in expectations)
        groups.append(RepetitionGroup(name, tuple(members), distributions, results))
    return tuple(groups)


def _verdict_html(result: RepetitionResult) -> str:
    word = "passed" if result.passed else "failed"
    return (
        f'<span class="badge {word}">{word}</span> {escape(result.expectation.type)}: expected '
        f"{escape(result.expected)}; seen {escape(result.seen)}"
    )


def render_html_section(groups: Sequence[RepetitionGroup]) -> str:
    """The groups as an HTML section for the run report (empty when there are none)."""
    if not groups:
        return ""
    parts = [
        "<h2>Repetitions</h2>",
        "<p>Each scenario that ran more than once: its pass rate and, for each recovery time, the count "
        "of runs that showed it and the nearest-rank p50 and p95 and the maximum, in seconds after the "
        "first fault.</p>",
        "<table><tr><th>scenario</th><th>runs</th><th>recovery times</th><th>over the repetitions</th></tr>",
    ]
    for group in groups:
        css = "passed" if group.passed and group.passed_runs == len(group.runs) else "failed"
        steps = "<br>".join(
            f"{escape(STEP_LABELS[step])}: {escape(dist.text())}" for step, dist in group.distributions
        )
        verdicts = "<br>".join(_verdict_html(result) for result in group.results)
        parts.append(
            f'<tr><td>{escape(group.scenario)}</td><td class="{css}">{escape(group.outcome_text())}</td>'
            f"<td>{steps or '-'}</td><td>{verdicts or '-'}</td></tr>"
        )
    parts.append("</table>")
    return "\n".join(parts)
