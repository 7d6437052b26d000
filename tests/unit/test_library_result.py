"""How a test that used the ``chaos`` fixture becomes a run: its outcome and its merged timeline."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from podchaos.fixtures import merged_timeline, run_error
from podchaos.measure import run_outcome
from podchaos.model import (
    ExpectationResult,
    FaultRecord,
    Outcome,
    PodSnapshot,
    RestartCount,
    RunResult,
    Timeline,
    Verdict,
)
from podchaos.reporting import CallFailure

PASSED = Verdict((ExpectationResult(RestartCount("agent", 1), Outcome.PASSED, "agent +1", "+1"),))
FAILED = Verdict((ExpectationResult(RestartCount("agent", 1), Outcome.FAILED, "agent +1", "+0"),))


def outcome(verdict: Verdict, failure: CallFailure | None) -> str:
    error = run_error(verdict, failure)
    return run_outcome(RunResult("t", "ns", verdict, Timeline(), "", 1.0, error=error))


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


def run(started: float, *entries: Any) -> Any:
    recorder = SimpleNamespace(started=started, timeline=lambda: Timeline(tuple(entries)))
    return SimpleNamespace(recorder=recorder)


def test_record_blocks_are_merged_on_the_first_blocks_clock() -> None:
    first = run(100.0, PodSnapshot(1.0, "web", "u1", "n1", "Running", True, False))
    second = run(
        130.0,
        FaultRecord(2.0, "pod-delete", "web", "u1", "", ""),
        PodSnapshot(2.5, "web", "u1", "n1", "Running", False, True),
    )
    merged = merged_timeline([first, second])
    assert [entry.at for entry in merged.entries] == [1.0, 32.0, 32.5]
    assert isinstance(merged.entries[1], FaultRecord)
