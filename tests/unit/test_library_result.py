"""How a test that used the ``chaos`` fixture becomes a run: its outcome."""

from __future__ import annotations

from podchaos.model import ExpectationResult, Outcome, RestartCount, RunResult, Timeline, Verdict
from podchaos.pytest_plugin.fixtures import run_error
from podchaos.pytest_plugin.reporting import CallFailure

PASSED = Verdict((ExpectationResult(RestartCount("agent", 1), Outcome.PASSED, "agent +1", "+1"),))
FAILED = Verdict((ExpectationResult(RestartCount("agent", 1), Outcome.FAILED, "agent +1", "+0"),))


def outcome(verdict: Verdict, failure: CallFailure | None) -> str:
    error = run_error(verdict, failure)
    return RunResult("t", "ns", verdict, Timeline(), "", 1.0, error=error).outcome.value


def test_the_outcome_follows_the_verdict_unless_something_else_stopped_the_test() -> None:
    assertion = CallFailure.of(AssertionError("expected agent +1; seen +0\nmore"))
    assert assertion == CallFailure(True, "AssertionError: expected agent +1; seen +0")
    assert outcome(PASSED, None) == "passed"
    # assert verdict.passed failed: the verdict says why.
    assert outcome(FAILED, assertion) == "failed"
    # The verdict passed but the test failed anyway: the test's own assertion is the error.
    assert outcome(PASSED, assertion) == "error"
    assert run_error(PASSED, assertion) == "AssertionError: expected agent +1; seen +0"
    # An exception that stopped the test wins over any verdict.
    stopped = CallFailure.of(RuntimeError("fault could not be injected"))
    assert outcome(FAILED, stopped) == "error"
    assert run_error(Verdict(()), stopped) == "RuntimeError: fault could not be injected"
