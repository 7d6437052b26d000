"""The timeline-triggered and lifecycle faults on the real cluster: each catalogue scenario's run passes,
the same recorded timeline judged with a wrong variant (what another restart policy or outcome would
have shown) fails, and a fault that did nothing, or a trigger whose moment never came, fails the run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from podchaos.engine import Services
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.model import Expectation, FaultRecord, RunResult, Scenario
from podchaos.model.expectations import EmptyDirKept, EventSeen, LogSeen, PodPhase, RestartCount
from podchaos.model.faults import StartupProbeFail
from podchaos.model.triggers import Trigger, TriggerRecord
from podchaos.model.verdict import Outcome
from podchaos.runner import run_scenario
from podchaos.verdict import judge_all

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def scenario(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.scenario.yaml")


def passing(kube: Kube, name: str) -> RunResult:
    result = run_scenario(lambda: Services(kube), scenario(name))
    assert not result.error, result.error
    assert result.passed, [(r.expectation.type, r.seen) for r in result.verdict.results]
    return result


def injected(result: RunResult) -> list[FaultRecord]:
    """The faults as injected (not their later recoveries), in order."""
    return [f for f in result.timeline.of_type(FaultRecord) if not f.detail.startswith("recover:")]


def rejudged(result: RunResult, wrong: Expectation) -> tuple[Outcome, str]:
    """A wrong variant judged, as the run ended, against the run's own timeline."""
    end = max(entry.at for entry in result.timeline.entries)
    [judged] = judge_all((wrong,), result.timeline, end, final=True).results
    return judged.outcome, judged.seen


def test_startup_probe_fail_restarts_the_new_instance_after_its_trigger(kube: Kube) -> None:
    result = passing(kube, "startup-probe-fail-restart")
    [trigger] = result.timeline.of_type(TriggerRecord)
    kill, hide = injected(result)
    assert kill.at < trigger.seen_at <= trigger.at <= hide.at, (kill, trigger, hide)
    assert "instance" in trigger.detail
    assert "restartCount 1" in trigger.detail
    # Wrong variant: the hidden file cost the instance its life, so one restart is not what happened.
    outcome, seen = rejudged(result, RestartCount("app", 1))
    assert outcome is Outcome.FAILED, seen
    assert "(+2)" in seen


def test_a_startup_probe_fail_on_a_file_the_probe_does_not_check_fails_the_run(kube: Kube) -> None:
    original = scenario("startup-probe-fail-restart")
    kill, hide = original.faults
    assert isinstance(hide, StartupProbeFail)
    wrong = dataclasses.replace(original, faults=(kill, dataclasses.replace(hide, path="/etc/hostname")))
    result = run_scenario(lambda: Services(kube), wrong)
    assert "startup-probe-fail did nothing: the startup probe of app passed" in result.error, result.error


def test_a_trigger_whose_moment_never_comes_fails_the_run(kube: Kube) -> None:
    original = scenario("startup-probe-fail-restart")
    _, hide = original.faults
    # Without the kill before it, no new instance of app starts: the fault never fires.
    waiting = dataclasses.replace(hide, when=Trigger("container-started", "app", within=8.0))
    result = run_scenario(lambda: Services(kube), dataclasses.replace(original, faults=(waiting,)))
    assert not result.passed
    assert result.error.startswith(
        "TriggerNotReached: trigger never happened: startup-probe-fail waited 8s"
    ), result.error
    assert "last seen: pod Running ready=True, app running" in result.error


def test_an_init_container_killed_while_it_runs_is_rerun_or_fails_the_pod(kube: Kube) -> None:
    rerun = passing(kube, "init-container-kill-always")
    [trigger] = rerun.timeline.of_type(TriggerRecord)
    assert (trigger.moment, trigger.container) == ("init-running", "setup")
    # Wrong variant: what restartPolicy Never would have done.
    outcome, seen = rejudged(rerun, PodPhase("Failed"))
    assert outcome is Outcome.FAILED, seen

    failed = passing(kube, "init-container-kill-never")
    outcome, seen = rejudged(failed, RestartCount("setup", 1))
    assert outcome is Outcome.FAILED, seen
    assert "restartCount 0 -> 0" in seen


def test_a_frozen_container_is_restarted_by_its_liveness_probe_or_resumes(kube: Kube) -> None:
    killed = passing(kube, "container-freeze-liveness-restart")
    outcome, seen = rejudged(killed, LogSeen("app", "resumed after"))
    assert outcome is not Outcome.PASSED, seen

    resumed = passing(kube, "container-freeze-resumes")
    thawed = [f for f in resumed.timeline.entries if getattr(f, "detail", "").startswith("recover: cgroup")]
    assert thawed, "the freeze was not undone while the run went on"
    # Wrong variant: a liveness restart, which a 6 s freeze under this probe does not cause.
    outcome, seen = rejudged(resumed, RestartCount("app", 1))
    assert outcome is not Outcome.PASSED, seen


def test_an_emptydir_filled_past_its_limit_gets_the_pod_evicted_and_replaced_empty(kube: Kube) -> None:
    evicted = passing(kube, "emptydir-fill-evicted")
    [fill] = injected(evicted)
    assert "kubernetes.io~empty-dir/scratch" in fill.detail, fill.detail
    # Wrong variants: the data kept (as after a container restart), no eviction but a kill.
    outcome, seen = rejudged(evicted, EmptyDirKept("worker", "/scratch/podchaos-token"))
    assert outcome is Outcome.FAILED, seen
    outcome, seen = rejudged(evicted, EventSeen("OOMKilling"))
    assert outcome is Outcome.FAILED, seen


def test_a_fault_after_the_nth_restart_fires_once_the_count_is_reached(kube: Kube) -> None:
    original = scenario("main-kill-restart-always")
    [kill] = original.faults
    # The second kill waits until the first one's restart is counted, then kills the new instance.
    again = dataclasses.replace(kill, when=Trigger("restarted", "worker", restarts=1, within=30.0))
    twice = dataclasses.replace(original, faults=(kill, again), expectations=(RestartCount("worker", 2),))
    result = run_scenario(lambda: Services(kube), twice)
    assert not result.error, result.error
    assert result.passed, [(r.expectation.type, r.seen) for r in result.verdict.results]
    [trigger] = result.timeline.of_type(TriggerRecord)
    assert "restartCount 1 (>= 1)" in trigger.detail


def test_a_container_killed_during_its_pods_termination_is_not_restarted(kube: Kube) -> None:
    result = passing(kube, "sidecar-kill-during-prestop")
    [trigger] = result.timeline.of_type(TriggerRecord)
    assert trigger.detail.endswith("kubelet: Stopping container log-agent, log-agent still running"), (
        trigger.detail
    )
    # Wrong variant: what a kill outside termination gets (a restart).
    outcome, seen = rejudged(result, RestartCount("log-agent", 1))
    assert outcome is Outcome.FAILED, seen
