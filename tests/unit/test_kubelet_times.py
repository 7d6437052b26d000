"""Time from the kubelet: back-off waits taken from the kubelet's own stamps when an API outage made
the watch hear of a restart late or not at all (a real recorded run, with a gap cut into it)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from podchaos.model import ApiOutage, ContainerSnapshot, Timeline
from podchaos.model.expectations import RestartBackoff
from podchaos.model.timeline import ContainerState, Termination
from podchaos.model.verdict import Outcome
from podchaos.report.json_report import entry_from_dict
from podchaos.verdict import backoff_delays, judge
from podchaos.verdict.common import container_history
from podchaos.verdict.kubelet_times import epoch, instances, restart_waits

# crashloop-backoff-cap on the local cluster (v1.35.4, cap 20 s): kubelet times 1, 14, 27 s.
RECORDED = Path(__file__).with_name("recorded") / "crashloop-backoff-cap.timeline.json"
UID = "bf8d8429-1703-4c62-b530-f43cc4dd2a57"


def recorded() -> Timeline:
    return Timeline().plus(*(entry_from_dict(entry) for entry in json.loads(RECORDED.read_text())))


def with_gap(timeline: Timeline, start: float, end: float) -> Timeline:
    """The timeline as a watch broken from ``start`` to ``end`` records it: no snapshot in between,
    and at ``end`` the re-list's: each container's latest state then."""
    kept, hidden = [], {}
    for entry in timeline.entries:
        if isinstance(entry, ContainerSnapshot) and start < entry.at < end:
            hidden[(entry.pod_uid, entry.container)] = entry
        else:
            kept.append(entry)
    relisted = [dataclasses.replace(s, at=end) for s in hidden.values()]
    return Timeline().plus(*kept, *relisted, ApiOutage(start, end, 12, "connection refused"))


def flaky(timeline: Timeline) -> list[ContainerSnapshot]:
    return container_history(timeline, UID, "flaky")


def verdict(timeline: Timeline, expectation: RestartBackoff) -> tuple[Outcome, str]:
    result = judge(expectation, timeline, max(entry.at for entry in timeline.entries))
    return result.outcome, result.seen


def test_the_watch_and_the_kubelet_agree_on_the_undisturbed_run() -> None:
    history = flaky(recorded())
    fault_at = 2.974
    assert backoff_delays(history, fault_at) == [1.0, 14.0, 26.1, 27.1]
    waits = restart_waits(history, fault_at)
    assert waits.delays == [1.0, 14.0, 26.1, 27.1]  # the watch's, refining the kubelet's 1, 14, 27
    assert waits.notes == []


def test_a_restart_inside_a_gap_is_timed_by_the_kubelet_and_the_verdict_says_so() -> None:
    # The watch is down from +6 s to +46 s: it saw the 2nd instance end and, after the gap, the 4th
    # run; the 3rd instance (started and ended inside) it never saw. By the watch alone: 1, 41.1, 27.1
    # s: "above the cap" (the 0.1, 50.8, 25.8 s after an apiserver stop of 20 s).
    gapped = with_gap(recorded(), 6.0, 46.0)
    history = flaky(gapped)
    assert backoff_delays(history, 2.974) == [1.0, 41.1, 27.1]
    outcome, seen = verdict(gapped, RestartBackoff("flaky", restarts=4, cap=20.0))
    assert outcome is Outcome.PASSED, seen
    assert seen.startswith("back-off delays 1s, 14s, 27s, 27.1s (")
    assert "restart 2: 14s by the kubelet's times (the watch missed it)" in seen
    assert "restart 3: 27s by the kubelet's times, the watch saw 41.1s" in seen
    assert "evidence may have fallen into a gap (API unreachable +6.0 s to +46.0 s" in seen


def test_a_gap_that_delays_a_start_within_the_stamps_precision_keeps_the_watchs_time() -> None:
    # Down from +19 s to +20.5 s: the 3rd instance's start is heard of 0.8 s late, within AGREE_S of
    # the kubelet's 14 s, so the watch's time stands; nothing is noted.
    waits = restart_waits(flaky(with_gap(recorded(), 19.0, 20.5)), 2.974)
    assert waits.delays == [1.0, 14.8, 26.1, 27.1]
    assert waits.notes == []


def test_a_real_stall_is_still_a_failure() -> None:
    # Kubelet stamps that show no back-off at all fail whatever the watch saw.
    def snapshot(
        at: float, state: ContainerState, restarts: int, last: Termination | None, since: str = ""
    ) -> ContainerSnapshot:
        return ContainerSnapshot(
            at,
            "p",
            "u",
            "app",
            "main",
            state,
            "",
            restarts,
            state == "running",
            "c",
            last,
            running_since=since,
        )

    def ended(start: str, end: str) -> Termination:
        return Termination("Error", 1, f"2026-12-07T06:00:{start}Z", f"2026-12-07T06:00:{end}Z")

    history = [
        snapshot(1.0, "running", 0, None, "2026-12-07T06:00:00Z"),
        snapshot(3.0, "running", 1, ended("00", "02"), "2026-12-07T06:00:02Z"),
        snapshot(5.0, "running", 2, ended("02", "04"), "2026-12-07T06:00:05Z"),
        snapshot(7.0, "running", 3, ended("05", "06"), "2026-12-07T06:00:07Z"),
    ]
    assert [(i.started, i.finished) for i in instances(history)][:2] == [
        (epoch("2026-12-07T06:00:00Z"), epoch("2026-12-07T06:00:02Z")),
        (epoch("2026-12-07T06:00:02Z"), epoch("2026-12-07T06:00:04Z")),
    ]
    assert restart_waits(history, 1.5).delays == [0.0, 1.0, 1.0]
    assert epoch("") is None
    assert epoch("not a time") is None


def test_two_instances_started_in_the_same_second_are_not_taken_for_one() -> None:
    # A nightly crashloop-backoff run (5 repetitions, 1 failed): the first instance started at
    # second 10 and the one that replaced it 0.95 s later, still in second 10. Keyed by their start,
    # the two were one, and every kubelet wait was shifted onto the restart before it ("restart 1:
    # 12s by the kubelet's times, the watch saw 0.1s"): a false FAIL of a healthy back-off.
    def at(second: int) -> str:
        return f"2026-12-07T06:00:{second:02d}Z"

    def snapshot(
        when: float, state: ContainerState, restarts: int, last: tuple[int, int] | None, since: int = -1
    ) -> ContainerSnapshot:
        termination = None if last is None else Termination("Error", 137, at(last[0]), at(last[1]))
        running = at(since) if since >= 0 else ""
        return ContainerSnapshot(
            when, "p", "u", "app", "main", state, "", restarts, state == "running", "c", termination,
            running_since=running,
        )  # fmt: skip

    history = [
        snapshot(0.8, "running", 0, None, since=10),
        snapshot(1.5, "terminated", 0, (10, 10)),
        snapshot(1.6, "running", 1, (10, 10), since=10),
        snapshot(2.5, "terminated", 1, (10, 11)),
        snapshot(13.8, "waiting", 1, (10, 11)),
        snapshot(13.97, "running", 2, (10, 11), since=23),
        snapshot(14.5, "terminated", 2, (23, 23)),
        snapshot(38.0, "running", 3, (23, 23), since=47),
    ]
    assert [i.index for i in instances(history)] == [0, 1, 2, 3]
    waits = restart_waits(history, 1.2)
    assert waits.delays == [0.1, 11.5, 23.5]
    assert waits.notes == []
