"""Undecided is not failed: a final judgement never fails an expectation with a ``seen`` that
contradicts it, and evidence an API outage hid makes the run an error naming the gap."""

from __future__ import annotations

import pytest

from podchaos.engine.decide import raise_if_undecided
from podchaos.errors import Undecided
from podchaos.model import ApiOutage, FaultRecord, PodReady, RestartCount, Timeline
from podchaos.model.expectations import Availability, FailedRequests, Latency
from podchaos.model.timeline import PodSnapshot, TimelineEntry
from podchaos.model.traffic import RequestRecord
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge_all
from podchaos.verdict.gaps import gap_seconds

UID = "uid-1"
FAULT = FaultRecord(at=10.0, fault="pod-delete", pod="web", pod_uid=UID, container="", detail="deleted")


def pod(at: float, ready: bool, uid: str = UID, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(
        at=at, pod=uid, pod_uid=uid, node="n1", phase="Running", ready=ready, deleting=deleting
    )


def requests(start: float, end: float, failed_from: float | None = None) -> list[RequestRecord]:
    """One request each 0.1 s from ``start`` to ``end``, failing from ``failed_from`` on."""
    out = []
    for seq in range(int((end - start) * 10)):
        at = round(start + seq / 10, 2)
        bad = failed_from is not None and at >= failed_from
        out.append(RequestRecord(at, seq, "refused" if bad else "ok", 0 if bad else 200, 2.0))
    return out


def timeline(*entries: TimelineEntry) -> Timeline:
    return Timeline().plus(*entries)


def test_traffic_whose_pods_never_recover_is_judged_over_what_was_seen_never_failed_with_all_ok() -> None:
    # The faulted pod is gone, its replacement never Ready (a topology spread blocks it), yet the
    # other replica served every request: the "FAIL ... all 3001 requests succeeded (so far)".
    line = timeline(
        pod(1.0, True),
        pod(1.0, True, uid="other"),
        FAULT,
        pod(10.5, False, deleting=True),
        pod(11.0, False, uid="new"),
        *requests(9.0, 40.0),
    )
    expectations = (FailedRequests(at_most=0), Availability(at_least=0.99), Latency(0.99, 0.5))
    verdict = judge_all(expectations, line, 40.0, final=True)
    for result in verdict.results:
        assert result.outcome is Outcome.PASSED, result
        assert "judged over the requests seen" in result.seen
        assert "had not all recovered" in result.seen
        assert "(so far)" not in result.seen


def test_traffic_that_did_fail_still_fails_when_the_window_never_closed() -> None:
    line = timeline(pod(1.0, True), FAULT, pod(10.5, False), *requests(9.0, 30.0, failed_from=12.0))
    verdict = judge_all((FailedRequests(at_most=0), Availability(at_least=0.99)), line, 30.0, final=True)
    assert [r.outcome for r in verdict.results] == [Outcome.FAILED, Outcome.FAILED]
    assert "180 of 200 requests failed" in verdict.results[0].seen


def test_traffic_with_no_request_after_the_fault_is_undecided() -> None:
    line = timeline(pod(1.0, True), FAULT, pod(10.5, False), *requests(5.0, 9.0))
    (result,) = judge_all((FailedRequests(at_most=0),), line, 30.0, final=True).results
    assert result.outcome is Outcome.UNDECIDED
    assert "no request after the fault was recorded" in result.seen


def test_pending_when_observation_ends_fails_without_a_gap_and_is_undecided_after_one() -> None:
    base = (pod(1.0, True), FAULT, pod(11.0, False))
    (plain,) = judge_all((PodReady(within=30.0),), timeline(*base), 35.0, final=False).results
    assert plain.outcome is Outcome.PENDING
    (failed,) = judge_all((PodReady(within=60.0),), timeline(*base), 35.0, final=True).results
    assert failed.outcome is Outcome.FAILED
    gap = ApiOutage(12.0, 30.0, 9, "connection refused")
    (hidden,) = judge_all((PodReady(within=60.0),), timeline(*base, gap), 35.0, final=True).results
    assert hidden.outcome is Outcome.UNDECIDED
    assert "API unreachable +12.0 s to +30.0 s" in hidden.seen


def test_an_outage_going_on_when_observation_ends_leaves_even_relisted_state_undecided() -> None:
    # restart-count sees through a gap that ended (the re-list restores the counter), not one that
    # has not: nothing was re-listed yet.
    gap = ApiOutage(12.0, None, 4, "connection refused")
    (result,) = judge_all((RestartCount("app", 1),), timeline(pod(1.0, True), FAULT, gap), 40.0, True).results
    assert result.outcome is Outcome.FAILED  # no container status at all: decided
    line = timeline(pod(1.0, True), FAULT, gap)
    (ready,) = judge_all((PodReady(within=60.0),), line.plus(pod(11.0, False)), 40.0, True).results
    assert ready.outcome is Outcome.UNDECIDED
    assert "observation ended while the API could not be used" in ready.seen


def test_undecided_without_a_failure_is_an_error_naming_the_gap_and_a_failure_stays_a_failure() -> None:
    gap = ApiOutage(12.0, None, 4, "connection refused")
    line = timeline(pod(1.0, True), FAULT, pod(11.0, False), gap)
    undecided = judge_all((PodReady(within=60.0),), line, 40.0, final=True)
    with pytest.raises(
        Undecided, match=r"1 expectation\(s\) could not be decided: pod-ready: .*API unreachable"
    ):
        raise_if_undecided(undecided)
    both = judge_all((PodReady(within=60.0), RestartCount("app", 1)), line, 40.0, final=True)
    assert both.failed
    raise_if_undecided(both)  # a decided failure is the run's verdict


def test_gap_seconds_count_only_what_lies_in_the_window_and_an_open_gap_up_to_now() -> None:
    line = timeline(
        ApiOutage(2.0, 12.0, 3, "x"), ApiOutage(20.0, 25.0, 1, "y"), ApiOutage(30.0, None, 1, "z")
    )
    assert gap_seconds(line, 10.0, 34.0) == pytest.approx(2.0 + 5.0 + 4.0)
    assert gap_seconds(Timeline(), 0.0, 100.0) == 0.0


def test_reports_show_an_undecided_expectation_as_such() -> None:
    from podchaos.model import RunResult
    from podchaos.report.text import format_result

    gap = ApiOutage(12.0, None, 4, "connection refused")
    line = timeline(pod(1.0, True), FAULT, pod(11.0, False), gap)
    verdict = judge_all((PodReady(within=60.0),), line, 40.0, final=True)
    result = RunResult("s", "pc-s-1", verdict, line, "", 1.0, error="Undecided: 1 expectation(s) ...")
    text = format_result(result)
    assert "[UNDECIDED] expected a target pod Ready again within 60s" in text
    assert "[FAIL]" not in text


def test_a_failure_is_not_concluded_while_the_api_cannot_be_used() -> None:
    # Seen in a catalogue run with apiserver restarts: pod-ready's 30 s ran out 0.2 s after a gap
    # began; the re-list after it could still show the pod Ready in time (by its kubelet stamp).
    gap = ApiOutage(39.8, None, 3, "connection refused")
    line = timeline(pod(1.0, True), FAULT, pod(11.0, False), gap)
    (held,) = judge_all((PodReady(within=30.0),), line, 41.0, final=False).results
    assert held.outcome is Outcome.PENDING
    assert "not concluded while the API cannot be used: API unreachable +39.8 s" in held.seen
    (ended,) = judge_all((PodReady(within=30.0),), line, 41.0, final=True).results
    assert ended.outcome is Outcome.UNDECIDED
    # Once the gap is over, the re-listed state decides; an outage inside the 30 s may have delayed the
    # pod (no replacement could be created meanwhile), so still not Ready is undecided, naming it.
    closed = timeline(pod(1.0, True), FAULT, pod(11.0, False), ApiOutage(39.8, 45.0, 3, "refused"))
    (hidden,) = judge_all((PodReady(within=30.0),), closed.plus(pod(45.0, False)), 46.0, final=True).results
    assert hidden.outcome is Outcome.UNDECIDED
    assert "API could not be used in this expectation's window (API unreachable +39.8 s" in hidden.seen
    # An outage only after the 30 s had run out delayed nothing the expectation waited for: a failure.
    after = timeline(pod(1.0, True), FAULT, pod(11.0, False), ApiOutage(41.0, 45.0, 3, "refused"))
    (failed,) = judge_all((PodReady(within=30.0),), after.plus(pod(45.0, False)), 46.0, final=True).results
    assert failed.outcome is Outcome.FAILED, failed.seen
