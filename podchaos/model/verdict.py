"""What was concluded: one result per expectation and the run's verdict."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from podchaos.model.expectations import Expectation


class Outcome(StrEnum):
    """The state of one expectation against a timeline."""

    PASSED = "passed"
    FAILED = "failed"
    PENDING = "pending"
    UNDECIDED = "undecided"
    """Observation ended before the evidence could decide it (an API outage hid what happened): not a
    failure of the workload; the run ends as an error naming the gap."""


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation judged: what was expected, what was seen."""

    expectation: Expectation
    outcome: Outcome
    expected: str
    seen: str

    def undecided(self, why: str) -> ExpectationResult:
        """This result undecided, ``why`` appended to what was seen."""
        return ExpectationResult(
            self.expectation, Outcome.UNDECIDED, self.expected, f"{self.seen} [undecided: {why}]"
        )


@dataclass(frozen=True)
class Verdict:
    """All expectation results of a run."""

    results: tuple[ExpectationResult, ...]

    @property
    def passed(self) -> bool:
        """True when every expectation passed."""
        return all(result.outcome is Outcome.PASSED for result in self.results)

    @property
    def pending(self) -> bool:
        """True while some expectation cannot be decided yet."""
        return any(result.outcome is Outcome.PENDING for result in self.results)

    def undecided(self) -> tuple[ExpectationResult, ...]:
        """Results observation could not decide."""
        return tuple(result for result in self.results if result.outcome is Outcome.UNDECIDED)

    @property
    def failed(self) -> bool:
        """True when some expectation was decided against."""
        return any(result.outcome is Outcome.FAILED for result in self.results)

    def failures(self) -> tuple[ExpectationResult, ...]:
        """Results that did not pass."""
        return tuple(result for result in self.results if result.outcome is not Outcome.PASSED)
