"""Nightly runs over time: per scenario the pass rate and recovery percentiles of each night, flaky
scenarios, and regressions of tonight against a baseline window. Pure (rendering is in
:mod:`podchaos.report.trend_render`, reading the nights in :mod:`podchaos.report.history`).

- **Tonight** is the latest night (by its results' creation time); the **baseline** is the nights
  named with ``--baseline``, else the ``window`` nights before tonight.
- **Recovery regression**: for each scenario and recovery time, tonight's runs against the
  baseline's runs pooled, by a one-sided Mann-Whitney U test at ``alpha``; it counts only when the
  Hodges-Lehmann shift (median pairwise difference) is also at least ``min_shift_s`` seconds and
  ``min_shift_share`` of the baseline median. One run a night cannot show a regression alone: with 7
  baseline runs and 1 tonight the smallest possible p-value is 1/8.
- **Pass-rate drop**: tonight's pass rate at least ``min_drop`` below the baseline's, and Fisher's
  exact test (one-sided) below ``alpha``.
- **Flaky**: a scenario that both passed and did not pass (failed or error) on the same podchaos
  version and Kubernetes release, over every night given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from podchaos.model import RunOutcome, RunReport, ScenarioRun
from podchaos.model.repetitions import STEP_LABELS
from podchaos.report.repetitions import recovery_times
from podchaos.report.stats import Distribution, fisher_lower, mann_whitney_greater, median


@dataclass(frozen=True)
class TrendSettings:
    """The test and its thresholds (README: Nightly runs)."""

    alpha: float = 0.05
    min_shift_s: float = 0.5
    min_shift_share: float = 0.2
    min_drop: float = 0.2
    window: int = 7


@dataclass(frozen=True)
class Night:
    """One catalogue run (one ``results.json``)."""

    run_id: str
    created_at: str
    podchaos_version: str
    kubernetes: str
    source: str
    runs: tuple[ScenarioRun, ...]

    @classmethod
    def of(cls, report: RunReport, source: str) -> Night:
        """A night from its report; versions as the runs recorded them."""
        podchaos = report.podchaos_version or next((r.podchaos_version for r in report.runs), "")
        return cls(
            report.run_id, report.created_at, podchaos, report.cluster.server_version, source, report.runs
        )


@dataclass(frozen=True)
class NightPoint:
    """One scenario on one night: its runs' outcomes and recovery times."""

    runs: int
    passed: int
    samples: tuple[tuple[str, tuple[float, ...]], ...]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.runs if self.runs else 0.0

    def values(self, step: str) -> tuple[float, ...]:
        return dict(self.samples).get(step, ())

    def distribution(self, step: str) -> Distribution | None:
        return Distribution.of(self.values(step))


@dataclass(frozen=True)
class Regression:
    """A recovery time that got slower tonight, or a pass rate that dropped."""

    scenario: str
    what: str  # a step name, or "pass-rate"
    baseline: str
    tonight: str
    effect: str
    p_value: float
    method: str


@dataclass(frozen=True)
class Flaky:
    """A scenario that both passed and did not on the same versions."""

    scenario: str
    podchaos_version: str
    kubernetes: str
    passed: int
    failed: int
    errors: int
    nights: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioTrend:
    """One scenario over the nights (None where it did not run)."""

    scenario: str
    points: tuple[NightPoint | None, ...]

    @property
    def steps(self) -> tuple[str, ...]:
        seen = {step for point in self.points if point for step, values in point.samples if values}
        return tuple(step for step in STEP_LABELS if step in seen)


@dataclass(frozen=True)
class Trend:
    """The nights in time order, which are tonight and the baseline, and what was found."""

    nights: tuple[Night, ...]
    tonight: int
    baseline: tuple[int, ...]
    settings: TrendSettings
    scenarios: tuple[ScenarioTrend, ...]
    regressions: tuple[Regression, ...]
    flaky: tuple[Flaky, ...]


def point_of(runs: Sequence[ScenarioRun]) -> NightPoint:
    """The outcomes and recovery times of one scenario's runs in one night."""
    samples: dict[str, list[float]] = {step: [] for step in STEP_LABELS}
    for run in runs:
        for step, value in recovery_times(run).items():
            samples[step].append(value)
    passed = sum(run.outcome is RunOutcome.PASSED for run in runs)
    return NightPoint(len(runs), passed, tuple((step, tuple(v)) for step, v in samples.items() if v))


def _recovery_regression(
    scenario: str, step: str, base: Sequence[float], tonight: Sequence[float], settings: TrendSettings
) -> Regression | None:
    if not base or not tonight:
        return None
    test = mann_whitney_greater(base, tonight)
    needed = max(settings.min_shift_s, settings.min_shift_share * median(base))
    if test.p_value >= settings.alpha or test.shift < needed:
        return None
    base_dist, night_dist = Distribution.of(base), Distribution.of(tonight)
    if base_dist is None or night_dist is None:  # both samples are non-empty, checked above
        return None
    return Regression(
        scenario,
        step,
        base_dist.text(),
        night_dist.text(),
        f"+{test.shift:.2f} s (at least {needed:.2f} s needed)",
        test.p_value,
        f"Mann-Whitney U = {test.u:g}, one-sided, {test.method}",
    )


def _pass_rate_drop(
    scenario: str, base: Sequence[NightPoint], tonight: NightPoint, settings: TrendSettings
) -> Regression | None:
    base_runs = sum(point.runs for point in base)
    base_passed = sum(point.passed for point in base)
    if not base_runs or not tonight.runs:
        return None
    base_rate = base_passed / base_runs
    if base_rate - tonight.pass_rate < settings.min_drop:
        return None
    p_value = fisher_lower(base_passed, base_runs, tonight.passed, tonight.runs)
    if p_value >= settings.alpha:
        return None
    return Regression(
        scenario,
        "pass-rate",
        f"{base_passed} of {base_runs} passed ({base_rate:.0%})",
        f"{tonight.passed} of {tonight.runs} passed ({tonight.pass_rate:.0%})",
        f"-{base_rate - tonight.pass_rate:.0%} (at least {settings.min_drop:.0%} needed)",
        p_value,
        "Fisher's exact test, one-sided",
    )


def _flaky(nights: Sequence[Night]) -> tuple[Flaky, ...]:
    groups: dict[tuple[str, str, str], list[tuple[str, RunOutcome]]] = {}
    for night in nights:
        for run in night.runs:
            key = (run.result.scenario, night.podchaos_version, night.kubernetes)
            groups.setdefault(key, []).append((night.run_id, run.outcome))
    found = []
    for (scenario, podchaos, kubernetes), seen in sorted(groups.items()):
        outcomes = [outcome for _, outcome in seen]
        passed = outcomes.count(RunOutcome.PASSED)
        if passed and passed < len(outcomes):
            bad_nights = tuple(dict.fromkeys(night for night, o in seen if o is not RunOutcome.PASSED))
            found.append(
                Flaky(
                    scenario,
                    podchaos,
                    kubernetes,
                    passed,
                    outcomes.count(RunOutcome.FAILED),
                    outcomes.count(RunOutcome.ERROR),
                    bad_nights,
                )
            )
    return tuple(found)


def analyse(
    nights: Sequence[Night], baseline_ids: Sequence[str] = (), settings: TrendSettings | None = None
) -> Trend:
    """The trend over ``nights``; ``baseline_ids`` (run ids) name the baseline window, else the
    ``settings.window`` nights before tonight."""
    settings = settings or TrendSettings()
    if not nights:
        raise ValueError("a trend needs at least one night")
    ordered = tuple(sorted(nights, key=lambda night: (night.created_at, night.run_id)))
    tonight = len(ordered) - 1
    if baseline_ids:
        baseline = tuple(
            i for i, night in enumerate(ordered) if night.run_id in baseline_ids and i != tonight
        )
    else:
        baseline = tuple(range(max(0, tonight - settings.window), tonight))
    names = sorted({run.result.scenario for night in ordered for run in night.runs})
    scenarios = []
    regressions: list[Regression] = []
    for name in names:
        points = tuple(
            point_of(runs) if (runs := [r for r in night.runs if r.result.scenario == name]) else None
            for night in ordered
        )
        trend = ScenarioTrend(name, points)
        scenarios.append(trend)
        current = points[tonight]
        base_points = [point for i in baseline if (point := points[i]) is not None]
        if current is None or not base_points:
            continue
        drop = _pass_rate_drop(name, base_points, current, settings)
        if drop is not None:
            regressions.append(drop)
        for step in trend.steps:
            base = [value for point in base_points for value in point.values(step)]
            found = _recovery_regression(name, step, base, current.values(step), settings)
            if found is not None:
                regressions.append(found)
    return Trend(ordered, tonight, baseline, settings, tuple(scenarios), tuple(regressions), _flaky(ordered))
