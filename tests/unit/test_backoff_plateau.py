"""restart-backoff knows the node's cap: the waits double up to it and then plateau on it (pure: delays
and a timeline recorded on the local cluster, whose kubelets cap the back-off at 20 s)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podchaos.model import Timeline
from podchaos.model.expectations import RestartBackoff
from podchaos.model.verdict import Outcome
from podchaos.report.json_report import entry_from_dict
from podchaos.verdict import judge
from podchaos.verdict.backoff import backoff_shape, cap_bounds, ordinal

# crashloop-backoff-cap as it ran on the local cluster (v1.35.4, cap 20 s): the faults and the flaky
# container's snapshots from its results.json.
RECORDED = Path(__file__).with_name("recorded") / "crashloop-backoff-cap.timeline.json"


def recorded() -> Timeline:
    entries = json.loads(RECORDED.read_text())
    return Timeline().plus(*(entry_from_dict(entry) for entry in entries))


@pytest.mark.parametrize(
    ("delays", "cap", "plateau_from"),
    [
        ([0.5, 10.3, 20.4, 20.6], 20.0, 2),  # doubles once, then on the cap
        ([1.0, 11.0, 25.1, 27.3], 20.0, 2),  # requeued up to 50 % late (seen on the local cluster)
        ([0.5, 14.9, 20.1, 29.8], 20.0, 2),  # late, then on time, then late again: still the cap
        ([0.5, 10.2, 20.1, 40.5, 80.3, 160.2, 300.4, 299.8], 300.0, 6),  # the default cap, reached
        ([0.6, 4.2, 4.1, 5.9], 4.0, 1),  # a cap below the first wait: on it from the 2nd restart
        ([0.5, 14.9, 20.1], 300.0, None),  # still doubling, the first one requeued late
    ],
)
def test_doubling_then_the_plateau_is_the_kubelets_back_off(
    delays: list[float], cap: float, plateau_from: int | None
) -> None:
    shape = backoff_shape(delays, cap)
    assert (shape.problem, shape.plateau_from) == ("", plateau_from)


@pytest.mark.parametrize(
    ("delays", "cap", "problem", "stalled"),
    [
        (
            [0.5, 10, 20, 40],
            20.0,
            "the 4th back-off 40s is above the cap 20s (at most 34s with the kubelet's requeue jitter)",
            False,
        ),
        (
            [0.5, 10, 25, 21],
            40.0,
            "the 4th back-off 21s did not grow from the previous 25s and is below the cap 40s",
            True,
        ),
        ([0.5, 10, 20, 20, 9], 20.0, "the 5th back-off 9s fell below the cap 20s it had reached", False),
        ([0.5, 0.6, 0.5], 20.0, "the 2nd restart waited only 0.6s: not backed off", False),
    ],
)
def test_what_the_kubelet_would_not_do_is_named(
    delays: list[float], cap: float, problem: str, stalled: bool
) -> None:
    shape = backoff_shape(delays, cap)
    assert (shape.problem, shape.stalled) == (problem, stalled)


def test_a_cap_is_measured_from_a_little_under_it_to_half_again_as_long() -> None:
    assert cap_bounds(20.0) == (18.0, 34.0)
    assert cap_bounds(300.0) == (270.0, 454.0)


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip


def judged(expectation: RestartBackoff) -> tuple[Outcome, str]:
    timeline = recorded()
    result = judge(expectation, timeline, max(entry.at for entry in timeline.entries))
    return result.outcome, result.seen


def test_the_recorded_run_plateaus_on_its_stated_cap() -> None:
    outcome, seen = judged(RestartBackoff("flaky", restarts=4, cap=20.0))
    assert outcome is Outcome.PASSED, seen
    assert seen.endswith("; on the cap 20s from the 3rd on")


def test_the_recorded_run_fails_a_wrong_cap_or_none() -> None:
    higher, seen = judged(RestartBackoff("flaky", restarts=4, cap=40.0))
    assert higher is Outcome.FAILED
    assert "the 4th back-off" in seen
    assert "below the cap 40s" in seen
    lower, seen = judged(RestartBackoff("flaky", restarts=4, cap=10.0))
    assert lower is Outcome.FAILED
    assert "is above the cap 10s" in seen
    unstated, seen = judged(RestartBackoff("flaky", restarts=4))
    assert unstated is Outcome.FAILED
    assert seen.endswith("(does the node cap its back-off lower? say so with `cap`)")


def test_a_stated_cap_needs_the_plateau_seen() -> None:
    # Three restarts wait 0, 10 and 20 s: the last lands on the cap by doubling alone.
    outcome, seen = judged(RestartBackoff("flaky", restarts=3, cap=20.0))
    assert outcome is Outcome.FAILED
    assert seen.endswith(": 1 on the cap 20s, the plateau needs 2 (more restarts?)")
    # Without a stated cap the same three restarts are plain doubling, as before.
    assert judged(RestartBackoff("flaky", restarts=3))[0] is Outcome.PASSED
