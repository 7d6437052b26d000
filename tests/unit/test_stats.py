"""The pure statistics of repetitions and trends, checked against brute force and textbook values."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from podchaos.report.stats import Distribution, fisher_lower, mann_whitney_greater, percentile


def test_nearest_rank_percentiles_are_values_that_were_seen() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == 5.0  # with 5 runs p95 is the largest
    assert percentile(values, 80) == 4.0  # 4 of 5 runs at or below it
    assert percentile(list(range(1, 101)), 95) == 95
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    assert Distribution.of([]) is None
    dist = Distribution.of(values)
    assert dist is not None
    assert (dist.count, dist.p50, dist.p95, dist.max) == (5, 3.0, 5.0, 5.0)


def brute_force_p(baseline: list[float], current: list[float]) -> float:
    """P(U >= u) over every way of splitting the pooled values (exact permutation test)."""
    pooled = baseline + current

    def u_of(cur: list[float], base: list[float]) -> float:
        return sum(1.0 if c > b else 0.5 if c == b else 0.0 for c in cur for b in base)

    observed = u_of(current, baseline)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(current)):
        cur = [pooled[i] for i in chosen]
        base = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        hits += u_of(cur, base) >= observed - 1e-12
    return hits / total


def test_exact_u_test_matches_the_permutation_distribution() -> None:
    # Textbook: two samples of 5 fully separated, p = 1 / C(10, 5) = 1/252.
    test = mann_whitney_greater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert test.exact
    assert test.u == 25
    assert test.p_value == pytest.approx(1 / 252)
    assert test.shift == 5
    rng = random.Random(7)
    for _ in range(20):
        m, n = rng.randint(1, 6), rng.randint(1, 6)
        values = rng.sample(range(1000), m + n)
        baseline, current = [float(v) for v in values[:n]], [float(v) for v in values[n:]]
        assert mann_whitney_greater(baseline, current).p_value == pytest.approx(
            brute_force_p(baseline, current)
        )


def test_tied_samples_use_the_tie_corrected_normal_approximation() -> None:
    baseline = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 1.0, 2.0]
    current = [3.0, 3.0, 4.0, 4.0, 3.0, 4.0, 4.0, 5.0]
    test = mann_whitney_greater(baseline, current)
    assert not test.exact
    # Close to the exact permutation p-value for samples of this size.
    assert test.p_value == pytest.approx(brute_force_p(baseline, current), abs=0.003)
    assert mann_whitney_greater([2.0, 2.0], [2.0, 2.0]).p_value == 1.0


def test_a_slower_tonight_is_significant_and_a_faster_one_is_not() -> None:
    baseline = [3.0 + 0.1 * i for i in range(10)]
    slower = [5.0 + 0.1 * i for i in range(5)]
    faster = [1.0 + 0.1 * i for i in range(5)]
    assert mann_whitney_greater(baseline, slower).p_value < 0.01
    assert mann_whitney_greater(baseline, faster).p_value > 0.99


def test_fisher_exact_lower_pass_rate() -> None:
    # Lady tasting tea: [[3, 1], [1, 3]] one-sided p = 17/70.
    assert fisher_lower(3, 4, 1, 4) == pytest.approx(17 / 70)
    # Every baseline run passed, 3 of 5 tonight: p = C(38, 3)... by brute force over the urn.
    base, runs = 35, 5
    expected = (
        sum(math.comb(38, k) * math.comb(2, runs - k) for k in range(3, 4)) / math.comb(40, runs) + 0
    )  # only k=3 is possible at or below 3 with 2 failures in the urn
    assert fisher_lower(base, 35, 3, runs) == pytest.approx(expected)
    assert fisher_lower(35, 35, 5, 5) == 1.0
