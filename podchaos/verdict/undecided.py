"""Undecided is not failed: what the final judgement makes of an expectation still pending when
observation ended.

Pending means the evidence had not decided it yet. That becomes a failure only when nothing hid the
evidence: an expectation judged from when things happened, whose observation overlapped an API outage,
is undecided instead (the run ends as an error naming the gap), and so is anything still pending while
an outage is going on at the end. Traffic whose window never closed (the pods never all recovered) is
judged over the requests that were seen, the reason stated, so a traffic expectation never fails with a
``seen`` that says every request succeeded.
"""

from __future__ import annotations

from podchaos.model.timeline import FaultRecord, Timeline
from podchaos.model.verdict import ExpectationResult, Outcome
from podchaos.verdict import gaps, traffic


def _ongoing(timeline: Timeline, fault: FaultRecord, now: float) -> str:
    """The outages still going on at ``now``, described."""
    return "; ".join(g.describe() for g in gaps.gaps_in(timeline, fault.at, now) if g.until is None)


def finalised(
    result: ExpectationResult, timeline: Timeline, fault: FaultRecord, now: float
) -> ExpectationResult:
    """``result`` as the final judgement has it: a pending result becomes failed, undecided, or (for
    traffic) judged over what was seen; any other result is returned as it is."""
    if result.outcome is not Outcome.PENDING:
        return result
    e = result.expectation
    ongoing = _ongoing(timeline, fault, now)
    if ongoing:
        note = (
            f"observation ended while the API could not be used ({ongoing}): what happened since is unknown"
        )
        return result.undecided(note)
    if isinstance(e, traffic.TRAFFIC_EXPECTATIONS):
        judged = traffic.as_seen(e, timeline, fault, now)
        return gaps.noted(
            ExpectationResult(e, judged.outcome, judged.expected, judged.seen), timeline, fault, now
        )
    hidden = gaps.hidden_by_gaps(result, timeline, fault, now)
    if hidden:
        note = f"observation ended with this open after a gap ({hidden}): what happened then was not seen"
        return result.undecided(note)
    return ExpectationResult(e, Outcome.FAILED, result.expected, f"{result.seen} (when observation ended)")
