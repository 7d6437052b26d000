"""Observe until decided: watch after the faults until every expectation is decided, read back the
file tokens once the targets recovered, then settle until nothing in flight can change a verdict."""

from __future__ import annotations

from podchaos.engine.phases import PhaseClock
from podchaos.inject import tokens
from podchaos.model import Expectation, FaultRecord, Outcome, Verdict
from podchaos.model.timeline import PodState
from podchaos.observe import Recorder
from podchaos.verdict import judge_all


def _live(pods: list[PodState]) -> list[PodState]:
    """The pods neither being deleted nor finished: a pod evicted by kubelet stays in the API, Failed,
    while its replacement takes over."""
    return [s for s in pods if not s.pod.deleting and s.pod.phase not in {"Failed", "Succeeded"}]


def token_target(pods: list[PodState], fault: FaultRecord) -> PodState:
    """Where file tokens are read back: the faulted pod if it lives on, else its replacement: the pod
    of the same name (a StatefulSet's, with the same claim), else the first by name. Never a pod that
    is being deleted: its emptyDir still exists until it is gone; nor one that has finished."""
    live = _live(pods)
    live.sort(key=lambda s: (s.pod.pod_uid != fault.pod_uid, s.pod.pod != fault.pod, s.pod.pod))
    return live[0]


def recovered(pods: list[PodState]) -> bool:
    """Some target pod exists and every one not being deleted or finished is Ready."""
    live = _live(pods)
    return bool(live) and all(state.pod.ready for state in live)


def quiet(pods: list[PodState]) -> bool:
    """Nothing is in flight that could still change a verdict: every target pod is Running and Ready,
    none is being deleted, and every container is running and ready (init containers completed).

    A restart, a termination, a replacement or a reschedule all pass through a state this rejects,
    so settling can end here instead of waiting out its whole window.
    """
    if not pods:
        return False
    for state in pods:
        if state.pod.deleting or state.pod.phase != "Running" or not state.pod.ready:
            return False
        for container in state.containers:
            if container.role == "init":
                if container.state != "terminated" or (
                    container.last_termination is not None and container.last_termination.exit_code
                ):
                    return False
            elif container.state != "running" or not container.ready:
                return False
    return True


def observe_until_decided(
    files: tokens.ContainerFiles,
    recorder: Recorder,
    expectations: tuple[Expectation, ...],
    fault: FaultRecord,
    timeout: float,
    settle: float,
    phases: PhaseClock,
) -> Verdict:
    """Watch until every expectation is decided and the file tokens are read back, then settle for up
    to ``settle`` seconds (less once the target pods are quiet), or until ``timeout`` after the fault.

    Files the expectations need are read back once the target pods are Ready again and the other
    expectations are decided: a fault may take a while to play out (kubelet evicts a pod whose
    emptyDir was filled only once it has measured the volume), and a token read before would be read
    in the pod the fault has not yet ended.
    """
    started = recorder.clock()
    checks = tokens.file_checks(expectations)
    read_back = not checks
    deadline = fault.at + timeout
    decided_at: float | None = None
    verdict = judge_all(expectations, recorder.timeline(), recorder.clock(), final=False)
    while recorder.clock() < deadline:
        recorder.check()
        if not read_back and recovered(recorder.live_pods()) and not _others_pending(verdict, checks):
            read_back = _read_back(files, recorder, fault, checks)
        verdict = judge_all(expectations, recorder.timeline(), recorder.clock(), final=False)
        now = recorder.clock()
        if verdict.pending or not read_back:
            decided_at = None
        elif decided_at is None:
            decided_at = now
        if decided_at is not None and (now >= decided_at + settle or quiet(recorder.live_pods())):
            break
        recorder.wait_change(0.5 if decided_at is None else min(0.5, max(0.01, decided_at + settle - now)))
    if not read_back and recovered(recorder.live_pods()):
        read_back = _read_back(files, recorder, fault, checks)  # what can still be read, for the verdict
    ended = recorder.clock()
    settled = ended - decided_at if decided_at is not None else 0.0
    phases.add("observe", max(0.0, ended - started - settled))
    phases.add("settle", settled)
    return judge_all(expectations, recorder.timeline(), ended, final=True)


def _others_pending(verdict: Verdict, checks: list[tuple[str, str]]) -> bool:
    """An expectation other than the file tokens' is still pending: the fault may not have played out."""
    return any(
        result.outcome is Outcome.PENDING
        and (getattr(result.expectation, "container", None), getattr(result.expectation, "path", None))
        not in checks
        for result in verdict.results
    )


def _read_back(
    files: tokens.ContainerFiles, recorder: Recorder, fault: FaultRecord, checks: list[tuple[str, str]]
) -> bool:
    """Read every file token back from where it should be now; True."""
    target = token_target(recorder.live_pods(), fault)
    for container, path in checks:
        recorder.add(tokens.read_file(files, target, container, path, recorder.clock()))
    return True
