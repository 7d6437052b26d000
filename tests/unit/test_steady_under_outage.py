"""A steady phase an API outage fell into is undecided, naming the gap, and keeps what it recorded;
one without an outage fails as before (pure: a recorded timeline, no cluster)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from podchaos.deploy.steady import undecided_if_blind
from podchaos.errors import ScenarioError, Undecided, WaitTimeout
from podchaos.model import ApiOutage, Timeline


@dataclass
class Recorded:
    gaps: list[ApiOutage] = field(default_factory=list)

    def timeline(self) -> Timeline:
        return Timeline().plus(*self.gaps)

    def outages(self) -> list[ApiOutage]:
        return list(self.gaps)

    def clock(self) -> float:
        return 61.0


def test_pods_not_ready_across_an_outage_are_undecided_and_the_timeline_is_kept() -> None:
    kept: list[Timeline] = []
    recorded = Recorded([ApiOutage(3.0, 21.0, 40, "connection refused")])
    with pytest.raises(Undecided) as raised, undecided_if_blind(recorded, kept.append):
        raise WaitTimeout("target pods (app=web) Ready", 60.0, "web Pending ready=False")
    assert "API unreachable +3.0 s to +21.0 s" in str(raised.value)
    assert "web Pending" in str(raised.value)
    assert kept == [recorded.timeline()]


def test_without_an_outage_the_steady_failure_stands() -> None:
    kept: list[Timeline] = []
    with pytest.raises(WaitTimeout), undecided_if_blind(Recorded(), kept.append):
        raise WaitTimeout("target pods (app=web) Ready", 60.0, "web Pending ready=False")
    assert len(kept) == 1


def test_a_scenario_mistake_is_never_blamed_on_an_outage() -> None:
    recorded = Recorded([ApiOutage(3.0, 21.0, 40, "connection refused")])
    with pytest.raises(ScenarioError), undecided_if_blind(recorded, lambda _t: None):
        raise ScenarioError("s.yaml", "target", "expected labels")
