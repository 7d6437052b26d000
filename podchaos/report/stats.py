"""The statistics of repeated runs and nightly trends, in pure Python (no SciPy: a few dozen lines of
exact arithmetic is cheaper than a compiled dependency in every CI image).

- **Percentiles** are nearest-rank: the p-th percentile of n values is the smallest value with at least
  p % of the values at or below it (``sorted[ceil(p/100 * n) - 1]``). It is always a value that was
  seen, never an interpolation, and it answers an SLO's question directly: "p95 <= 10 s" holds exactly
  when at least 95 % of the runs took 10 s or less. With 5 runs p95 is the largest.
- **Mann-Whitney U** (one-sided: is the current sample stochastically larger than the baseline?). U
  counts the (current, baseline) pairs in which the current value is larger, ties counting one half.
  Without ties the p-value is exact: the distribution of U under the null hypothesis comes from the
  Gaussian binomial coefficient [m+n choose m]_q, computed with integers. With ties it is the normal
  approximation with the tie-corrected variance and a continuity correction (as SciPy's
  ``method="asymptotic"``).
- **Hodges-Lehmann shift**: the median of every pairwise difference current - baseline, the effect
  size the U test goes with (a robust "how many seconds slower").
- **Fisher's exact test** (one-sided) for a drop in pass rate: the hypergeometric probability of
  seeing this few passes tonight given the passes of baseline and tonight together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of a non-empty sample."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"percentile: p must be in (0, 100], got {p}")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered) - 1e-9))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    """The ordinary median (mean of the middle two for an even count)."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Distribution:
    """Count, nearest-rank p50 and p95, and the extremes of a sample of seconds."""

    count: int
    p50: float
    p95: float
    max: float
    min: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution | None:
        """The distribution of ``values``; None when there are none."""
        if not values:
            return None
        return cls(len(values), percentile(values, 50), percentile(values, 95), max(values), min(values))

    def text(self) -> str:
        """``n=5 p50 1.20 s p95 1.80 s max 1.80 s``."""
        return f"n={self.count} p50 {self.p50:.2f} s p95 {self.p95:.2f} s max {self.max:.2f} s"


@dataclass(frozen=True)
class UTest:
    """A one-sided Mann-Whitney U test of ``current > baseline``."""

    u: float
    p_value: float
    exact: bool
    shift: float  # Hodges-Lehmann estimate of current - baseline

    @property
    def method(self) -> str:
        """How the p-value was computed."""
        return "exact" if self.exact else "normal approximation, tie-corrected"


def _u_statistic(baseline: Sequence[float], current: Sequence[float]) -> float:
    u = 0.0
    for c in current:
        for b in baseline:
            u += 1.0 if c > b else 0.5 if c == b else 0.0
    return u


def _u_counts(m: int, n: int) -> list[int]:
    """How many of the C(m+n, m) orderings give each U = 0..m*n: the coefficients of the Gaussian
    binomial [m+n choose m]_q = prod_{k=1..m} (1 - q^(n+k)) / (1 - q^k)."""
    size = m * n + 1
    coefficients = [0] * size
    coefficients[0] = 1
    for k in range(1, m + 1):
        # Multiply by (1 - q^(n+k)) (high to low, so each term is used once) ...
        shift = n + k
        for i in range(size - 1, shift - 1, -1):
            coefficients[i] -= coefficients[i - shift]
        # ... then divide by (1 - q^k), i.e. multiply by 1 + q^k + q^2k + ... (low to high).
        for i in range(k, size):
            coefficients[i] += coefficients[i - k]
    return coefficients


def mann_whitney_greater(baseline: Sequence[float], current: Sequence[float]) -> UTest:
    """One-sided Mann-Whitney U test that ``current`` tends to be larger than ``baseline``."""
    if not baseline or not current:
        raise ValueError("Mann-Whitney U needs two non-empty samples")
    m, n = len(current), len(baseline)
    u = _u_statistic(baseline, current)
    shift = median([c - b for c in current for b in baseline])
    pooled = [*baseline, *current]
    if len(set(pooled)) == len(pooled):
        counts = _u_counts(m, n)
        # U is an integer without ties; P(U >= u) over every ordering.
        tail = sum(counts[int(u) :])
        return UTest(u, tail / math.comb(m + n, m), True, shift)
    total = m + n
    ties = sum(t**3 - t for t in (pooled.count(value) for value in set(pooled)))
    variance = m * n / 12 * ((total + 1) - ties / (total * (total - 1)))
    if variance <= 0:  # every value equal: no evidence either way
        return UTest(u, 1.0, False, shift)
    z = (u - m * n / 2 - 0.5) / math.sqrt(variance)
    return UTest(u, 0.5 * math.erfc(z / math.sqrt(2)), False, shift)


def fisher_lower(base_passed: int, base_runs: int, passed: int, runs: int) -> float:
    """One-sided p-value of Fisher's exact test that tonight's pass rate (``passed`` of ``runs``) is
    lower than the baseline's: P(X <= passed) for X hypergeometric over all runs and passes."""
    total, successes = base_runs + runs, base_passed + passed
    denominator = math.comb(total, runs)
    low = max(0, runs - (total - successes))
    return (
        sum(math.comb(successes, k) * math.comb(total - successes, runs - k) for k in range(low, passed + 1))
        / denominator
    )
