"""Run one scenario: deploy -> steady -> inject -> observe -> verdict, with cleanup always."""

from __future__ import annotations

import datetime
import time
import traceback
from dataclasses import dataclass

from podchaos import cleanup, deploy, diagnostics, probes
from podchaos.errors import FaultError, PodchaosError
from podchaos.faults import Fault, FaultContext, fault_for
from podchaos.k8s.client import Kube
from podchaos.model import Expectation, FaultRecord, RunResult, Scenario, Timeline, Verdict
from podchaos.model.timeline import PodState
from podchaos.observe import Recorder
from podchaos.steady import wait_steady
from podchaos.verdict import judge_all


@dataclass(frozen=True)
class RunOptions:
    """How to run: keep the namespace for debugging, or a fixed run id."""

    keep_namespace: bool = False
    run_id: str = ""


def describe_error(exc: Exception) -> str:
    """A run's error as reports show it: the podchaos error's class and message, or, for anything
    outside the podchaos tree (a bug, an untranslated library error), the same marked ``unexpected``."""
    kind = type(exc).__name__
    return f"{kind}: {exc}" if isinstance(exc, PodchaosError) else f"unexpected {kind}: {exc}"


def _probe_target(recorder: Recorder, fault_pod_uid: str) -> PodState:
    """Where files are read back: the faulted pod if it lives on, else its replacement (never a pod
    that is being deleted: its emptyDir still exists until it is gone)."""
    pods = [state for state in recorder.live_pods() if not state.pod.deleting]
    pods.sort(key=lambda state: (state.pod.pod_uid != fault_pod_uid, state.pod.pod))
    return pods[0]


def _recovered(recorder: Recorder) -> bool:
    pods = [state for state in recorder.live_pods() if not state.pod.deleting]
    return bool(pods) and all(state.pod.ready for state in pods)


def observe_until_decided(
    kube: Kube,
    namespace: str,
    recorder: Recorder,
    expectations: tuple[Expectation, ...],
    fault: FaultRecord,
    timeout: float,
    settle: float,
) -> Verdict:
    """Watch until every expectation is decided, then ``settle`` more seconds, or ``timeout`` after the fault.

    Files the expectations need are read back once the target pods are Ready again.
    """
    checks = probes.file_checks(expectations)
    probed = not checks
    deadline = fault.at + timeout
    settle_until: float | None = None
    while recorder.clock() < deadline:
        recorder.check()
        if not probed and _recovered(recorder):
            target = _probe_target(recorder, fault.pod_uid)
            for container, path in checks:
                recorder.add(probes.read_file(kube, namespace, target, container, path, recorder.clock()))
            probed = True
        verdict = judge_all(expectations, recorder.timeline(), recorder.clock(), final=False)
        if verdict.pending or not probed:
            settle_until = None
        elif settle_until is None:
            settle_until = recorder.clock() + settle
        elif recorder.clock() >= settle_until:
            break
        recorder.wait_change(0.5)
    return judge_all(expectations, recorder.timeline(), recorder.clock(), final=True)


def inject_all(faults: list[Fault], context: FaultContext) -> FaultRecord:
    """Inject the faults in order; the first one's record starts the observation window."""
    records = [fault.inject(context) for fault in faults]
    return records[0]


def restore_all(faults: list[Fault], context: FaultContext) -> None:
    """Undo what the faults left in place, last first; every fault is restored even if one fails."""
    errors: list[PodchaosError] = []
    for fault in reversed(faults):
        try:
            fault.restore(context)
        except PodchaosError as exc:
            errors.append(exc)
    if errors:
        raise FaultError(f"could not restore after the faults: {'; '.join(map(str, errors))}") from errors[0]


def run_scenario(kube: Kube, scenario: Scenario, options: RunOptions | None = None) -> RunResult:
    """Run one scenario in its own namespace; the namespace is deleted afterwards whatever happens."""
    options = options or RunOptions()
    run_id = options.run_id or deploy.new_run_id()
    namespace = deploy.namespace_name(scenario.name, run_id)
    selector = scenario.workload.target_selector
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    timeline = Timeline()
    verdict = Verdict(())
    error = ""
    evidence: tuple[str, ...] = ()
    try:
        deploy.create_namespace(kube, namespace, scenario.name, run_id)
        deploy.deploy(kube, scenario, namespace)
        with Recorder(kube, namespace, selector) as recorder:
            try:
                targets = wait_steady(kube, namespace, selector, scenario.steady_timeout)
                for container, path in probes.file_checks(scenario.expectations):
                    recorder.add(
                        probes.write_token(kube, namespace, targets[0], container, path, recorder.clock())
                    )
                recorder.follow_logs(targets)
                context = FaultContext(kube, namespace, selector, tuple(targets), recorder)
                faults = [fault_for(spec) for spec in scenario.faults]
                try:
                    first = inject_all(faults, context)
                    verdict = observe_until_decided(
                        kube,
                        namespace,
                        recorder,
                        scenario.expectations,
                        first,
                        scenario.observe_timeout,
                        scenario.settle,
                    )
                finally:
                    restore_all(faults, context)
            finally:
                timeline = recorder.timeline()
        if not verdict.passed:
            evidence = diagnostics.collect(kube, namespace, selector)
    except PodchaosError as exc:
        error = describe_error(exc)
        evidence = diagnostics.collect(kube, namespace, selector)
    except Exception as exc:
        # Not translated into the podchaos tree (a bug, or a library error no boundary expected): the run
        # still counts, as an error with what was recorded so far and the traceback as evidence.
        error = describe_error(exc)
        trace = "".join(traceback.format_exception(exc)).rstrip()
        evidence = (f"traceback:\n{trace}", *diagnostics.collect(kube, namespace, selector))
    finally:
        if not options.keep_namespace:
            try:
                cleanup.delete_namespace(kube, namespace)
            except PodchaosError as exc:
                # The run's result still counts; the leftover is named so `podchaos sweep` can be used.
                error = error or f"cleanup of namespace {namespace} failed: {exc}"
    return RunResult(
        scenario=scenario.name,
        namespace=namespace,
        verdict=verdict,
        timeline=timeline,
        started_at=started_at,
        duration_s=round(time.monotonic() - started, 3),
        error=error,
        diagnostics=evidence,
    )
