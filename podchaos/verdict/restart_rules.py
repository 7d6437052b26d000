"""Rules about restarts decided per container: ``restartPolicyRules`` on exit codes.

A cluster without ContainerRestartRules (before 1.34, or with the feature gate off in the apiserver)
drops a container's ``restartPolicy`` and ``restartPolicyRules`` from the pod it stores, and the pod's
restartPolicy decides instead: the rule fails at once when the pod the API holds has no rules for the
container, so such a cluster never passes it by the pod policy's accident.
"""

from __future__ import annotations

from podchaos.model.lifecycle import RestartRule
from podchaos.model.timeline import FaultRecord, PodSnapshot, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement, container_history
from podchaos.verdict.containers import describe_termination, first_termination_after

TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})


def restart_rule(e: RestartRule, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    outcome = "restarted" if e.restarted else "not restarted"
    expected = (
        f"{e.container} exits with code {e.exit_code} after the fault and is {outcome} within"
        f" {e.within:g}s, by its restartPolicyRules"
    )
    history = container_history(timeline, fault.pod_uid, e.container)
    if not history:
        return Judgement(Outcome.FAILED, expected, f"no status of container {e.container} was observed")
    rules = history[-1].restart_rules
    if not rules:
        return Judgement(
            Outcome.FAILED,
            expected,
            f"the pod as the API holds it has no restartPolicyRules for {e.container}: the cluster dropped"
            " them (ContainerRestartRules needs Kubernetes 1.34 with the feature gate on, or 1.35+),"
            " so the pod's restartPolicy decides instead",
        )
    termination = first_termination_after(timeline, fault, e.container)
    if termination is None:
        return Judgement(
            Outcome.PENDING, expected, f"{e.container} ({rules}) has not terminated since the fault"
        )
    ended = f"{e.container} ({rules}) ended with {describe_termination(termination)}"
    if termination.exit_code != e.exit_code:
        return Judgement(Outcome.FAILED, expected, ended)
    ended_at = next(s.at for s in history if s.at > fault.at and s.last_termination == termination)
    before = [s for s in history if s.at <= fault.at] or history[:1]
    base = before[-1].restart_count
    again = next(
        (s for s in history if s.at >= ended_at and s.state == "running" and s.restart_count > base), None
    )
    if again is not None:
        took = again.at - ended_at
        seen = f"{ended}; running again {took:.1f}s later (restartCount {base} -> {again.restart_count})"
        ok = e.restarted and took <= e.within
        return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen)
    phases = [s.phase for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid]
    if phases and phases[-1] in TERMINAL_PHASES:
        seen = f"{ended}; not restarted: the pod ended in phase {phases[-1]}"
        return Judgement(Outcome.FAILED if e.restarted else Outcome.PASSED, expected, seen)
    waited = now - ended_at
    seen = f"{ended}; not restarted {waited:.1f}s later (restartCount {history[-1].restart_count})"
    if waited < e.within:
        return Judgement(Outcome.PENDING, expected, seen)
    return Judgement(Outcome.FAILED if e.restarted else Outcome.PASSED, expected, seen)
