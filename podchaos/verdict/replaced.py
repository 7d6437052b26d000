"""``replaced``: the controller replaced the target pods the faults deleted or evicted."""

from __future__ import annotations

from podchaos.model.controllers import Replaced
from podchaos.model.timeline import FaultRecord, PodGone, PodSnapshot, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement


def replaced(e: Replaced, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    """As many target pods Ready (not terminating) as at the fault, once at least one pod there at the
    fault went (deleting or gone), within ``within`` of the fault."""
    ready: dict[str, bool] = {}
    went: set[str] = set()
    before = 0
    checked = False
    for entry in timeline.entries:
        if entry.at > fault.at and not checked:
            before, checked = sum(ready.values()), True
        if isinstance(entry, PodSnapshot):
            ready[entry.pod_uid] = entry.ready and not entry.deleting
            if entry.deleting and checked:
                went.add(entry.pod_uid)
        elif isinstance(entry, PodGone):
            ready[entry.pod_uid] = False
            if checked:
                went.add(entry.pod_uid)
        else:
            continue
        if checked and went and sum(ready.values()) >= before:
            took = entry.at - fault.at
            expected = f"{before} target pods Ready again within {e.within:g}s of the fault"
            seen = f"{sum(ready.values())} Ready {took:.1f}s after, {len(went)} replaced"
            return Judgement(Outcome.PASSED if took <= e.within else Outcome.FAILED, expected, seen)
    if not checked:
        before = sum(ready.values())
    expected = f"{before} target pods Ready again within {e.within:g}s of the fault"
    if not went:
        seen = "no target pod was deleted or evicted"
        return Judgement(Outcome.FAILED if now - fault.at > e.within else Outcome.PENDING, expected, seen)
    seen = f"{sum(ready.values())} Ready now, {len(went)} pods gone"
    return Judgement(Outcome.FAILED if now - fault.at > e.within else Outcome.PENDING, expected, seen)
