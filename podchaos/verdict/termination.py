"""Rules about how containers ended: the termination message, and the order they stopped in.

The order comes from two kinds of evidence, since kubelet reports a container's end only in seconds:

- ``finishedAt`` of each termination, which the API keeps to the whole second: an earlier second
  shows the earlier end;
- the pod status updates: one that reports a container terminated while another still runs shows
  which ended first (each update is kubelet's snapshot of the runtime at one moment).

When a pod is deleted kubelet stops its containers inside one sync and reports them all in one status
update (measured on the local cluster: app, proxy and log shipper reported together), so for a
deletion only ``finishedAt`` tells the order, and containers that stop within the same second cannot be
told apart: such a pair fails as unresolved rather than passing on no evidence.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from podchaos.model.lifecycle import TerminationMessage, TerminationOrder
from podchaos.model.timeline import ContainerSnapshot, FaultRecord, LogLine, Termination, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement, container_history
from podchaos.verdict.containers import first_termination_after

FALLBACK = "FallbackToLogsOnError"


def termination_message(e: TerminationMessage, timeline: Timeline, fault: FaultRecord) -> Judgement:
    wanted = f"equal to {e.equals!r}" if e.equals is not None else f"containing {e.contains!r}"
    expected = f"{e.container} terminated with a message {wanted}"
    termination = first_termination_after(timeline, fault, e.container)
    if termination is None:
        return Judgement(Outcome.PENDING, expected, "no termination after the fault yet")
    history = container_history(timeline, fault.pod_uid, e.container)
    policy = next((s.message_policy for s in reversed(history) if s.message_policy), "") or "File"
    message = termination.message
    if e.equals is not None:
        ok = message.strip() == e.equals.strip()
    else:
        ok = e.contains is not None and e.contains in message
    shown = repr(message[-300:]) if message else "no message"
    seen = f"{shown} (terminationMessagePolicy {policy}, exit code {termination.exit_code}"
    if policy == FALLBACK and termination.exit_code != 0 and message:
        printed = [
            line.text
            for line in timeline.of_type(LogLine)
            if line.pod_uid == fault.pod_uid and line.container == e.container
        ]
        if printed and printed[-1] and message.rstrip("\n").endswith(printed[-1]):
            seen += ": its log's last line, so the file was empty"
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen + ")")


@dataclass(frozen=True)
class Ending:
    """One container's first termination after the fault, and how the timeline knows it."""

    container: str
    termination: Termination
    finished: datetime.datetime | None
    reported_at: float
    """When a status update first reported it (seconds on the run's clock)."""

    def finished_second(self) -> str:
        return self.finished.strftime("%H:%M:%S") if self.finished is not None else "(unknown)"


def termination_order(e: TerminationOrder, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"containers of pod {fault.pod} terminated in the order {' -> '.join(e.containers)}"
    endings = {name: _ending(timeline, fault, name) for name in e.containers}
    missing = [name for name, ending in endings.items() if ending is None]
    if missing:
        return Judgement(Outcome.PENDING, expected, f"not terminated yet: {', '.join(missing)}")
    snapshots = [s for s in timeline.of_type(ContainerSnapshot) if s.pod_uid == fault.pod_uid]
    told: list[str] = []
    unresolved: list[str] = []
    for earlier, later in zip(e.containers, e.containers[1:], strict=False):
        first, second = endings[earlier], endings[later]
        assert first is not None
        assert second is not None
        wrong = _shows_before(second, first, snapshots, fault.at)
        if wrong:
            return Judgement(Outcome.FAILED, expected, f"{later} ended before {earlier}: {wrong}")
        right = _shows_before(first, second, snapshots, fault.at)
        if right:
            told.append(f"{earlier} before {later}: {right}")
        else:
            unresolved.append(
                f"{earlier} and {later} both finished at {first.finished_second()} and were reported in"
                f" one status update (+{first.reported_at - fault.at:.1f}s)"
            )
    if unresolved:
        seen = "; ".join(told + [f"cannot tell the order: {u}" for u in unresolved])
        seen += " (finishedAt has whole seconds: each needs a second or more to stop after the one before)"
        return Judgement(Outcome.FAILED, expected, seen)
    return Judgement(Outcome.PASSED, expected, "; ".join(told))


def _ending(timeline: Timeline, fault: FaultRecord, container: str) -> Ending | None:
    termination = first_termination_after(timeline, fault, container)
    if termination is None:
        return None
    history = container_history(timeline, fault.pod_uid, container)
    reported = next(s.at for s in history if s.at > fault.at and s.last_termination == termination)
    return Ending(container, termination, _parse(termination.finished_at), reported)


def _parse(stamp: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def _shows_before(first: Ending, second: Ending, snapshots: list[ContainerSnapshot], fault_at: float) -> str:
    """The evidence that ``first`` ended before ``second``, in words, or ""."""
    if first.finished is not None and second.finished is not None and first.finished < second.finished:
        return (
            f"finishedAt {first.finished_second()} < {second.finished_second()}"
            f" (exit codes {first.termination.exit_code}, {second.termination.exit_code})"
        )
    # The status update that first reported ``first`` terminated: what did it say of ``second``? The
    # recorder keeps only changes, so its state then is its latest snapshot up to that update.
    then = [s for s in snapshots if s.container == second.container and s.at <= first.reported_at]
    if then and then[-1].state == "running" and then[-1].last_termination != second.termination:
        return (
            f"the status update at +{first.reported_at - fault_at:.1f}s reported {first.container}"
            f" terminated while {second.container} still ran"
        )
    return ""
