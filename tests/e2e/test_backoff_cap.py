"""The crash-loop back-off under the local kubelets' 20 s cap: the catalogue scenario's waits double
once and plateau on the cap, and the same recorded timeline fails the expectation that states another
cap (tests/unit/test_backoff_plateau.py judges a recorded run without a stated cap)."""

from __future__ import annotations

from pathlib import Path

from podchaos.cluster.local.config import CRASH_LOOP_CAP
from podchaos.cluster.provider import ClusterAccess
from podchaos.engine import Services
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.model.expectations import RestartBackoff
from podchaos.model.timeline import FaultRecord
from podchaos.model.verdict import Outcome
from podchaos.runner import run_scenario
from podchaos.verdict import backoff_delays, judge_all
from podchaos.verdict.backoff import cap_bounds
from podchaos.verdict.common import container_history

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "crashloop-backoff-cap.scenario.yaml"


def test_the_back_off_plateaus_on_the_nodes_cap_and_another_cap_fails(
    local_cluster: ClusterAccess, kube: Kube
) -> None:
    scenario = load_scenario(SCENARIO)
    stated = next(e for e in scenario.expectations if isinstance(e, RestartBackoff))
    cap = float(CRASH_LOOP_CAP.removesuffix("s"))
    assert stated.cap == cap, "the scenario states the local kubelets' cap"
    result = run_scenario(lambda: Services(kube), scenario)
    assert not result.error, result.error
    assert result.passed, [(r.expectation.type, r.seen) for r in result.verdict.results]
    fault = result.timeline.of_type(FaultRecord)[0]
    delays = backoff_delays(container_history(result.timeline, fault.pod_uid, "flaky"), fault.at)
    print(f"back-off delays under the {CRASH_LOOP_CAP} cap: {delays}")
    low, high = cap_bounds(cap)
    assert all(low <= delay <= high for delay in delays[2:4]), delays  # 20 s again, not 40 s

    end = max(entry.at for entry in result.timeline.entries)
    wrong = (RestartBackoff("flaky", restarts=4, cap=40.0), RestartBackoff("flaky", restarts=4, cap=10.0))
    verdict = judge_all(wrong, result.timeline, end, final=True)
    for spec, r in zip(wrong, verdict.results, strict=True):
        print(f"wrong variant cap {spec.cap:g}s: {r.outcome.value}: {r.seen}")
        assert r.outcome is Outcome.FAILED
    assert "the cap 40s" in verdict.results[0].seen
    assert "is above the cap 10s" in verdict.results[1].seen
