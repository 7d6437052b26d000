"""Rules about containers: restart counts and back-off, terminations, what they printed."""

from __future__ import annotations

from podchaos.model.expectations import LastTerminated, LogSeen, OomKilled, RestartBackoff, RestartCount
from podchaos.model.timeline import (
    CgroupOomKills,
    ContainerSnapshot,
    FaultRecord,
    LogLine,
    Termination,
    Timeline,
)
from podchaos.model.verdict import Outcome
from podchaos.verdict.backoff import DEFAULT_CAP_S, PLATEAU_ON_CAP, backoff_shape, ordinal
from podchaos.verdict.common import Judgement, container_history
from podchaos.verdict.kubelet_times import restart_waits, restarts_seen


def restart_count(e: RestartCount, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"{e.container} restartCount +{e.delta} in pod {fault.pod}"
    history = container_history(timeline, fault.pod_uid, e.container)
    if not history:
        return Judgement(Outcome.FAILED, expected, f"no status of container {e.container} was observed")
    before = [s for s in history if s.at <= fault.at] or history[:1]
    base = before[-1].restart_count
    latest = history[-1].restart_count
    delta = latest - base
    seen = f"restartCount {base} -> {latest} (+{delta})"
    if delta == e.delta:
        return Judgement(Outcome.PASSED, expected, seen)
    return Judgement(Outcome.PENDING if delta < e.delta else Outcome.FAILED, expected, seen)


def describe_termination(termination: Termination) -> str:
    return f"reason {termination.reason or '(none)'}, exit code {termination.exit_code}"


def first_termination_after(timeline: Timeline, fault: FaultRecord, container: str) -> Termination | None:
    """The container's first termination (lastState) in the faulted pod not there before the fault."""
    history = container_history(timeline, fault.pod_uid, container)
    before = {s.last_termination for s in history if s.at <= fault.at}
    after = [s.last_termination for s in history if s.at > fault.at and s.last_termination is not None]
    return next((t for t in after if t not in before), None)


def last_terminated(e: LastTerminated, timeline: Timeline, fault: FaultRecord) -> Judgement:
    wanted = [f"reason {e.reason}"] if e.reason is not None else []
    wanted += [f"exit code {e.exit_code}"] if e.exit_code is not None else []
    expected = f"{e.container} last terminated with {', '.join(wanted) or 'any termination'}"
    termination = first_termination_after(timeline, fault, e.container)
    if termination is None:
        return Judgement(Outcome.PENDING, expected, "no termination after the fault yet")
    ok = (e.reason is None or termination.reason == e.reason) and (
        e.exit_code is None or termination.exit_code == e.exit_code
    )
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, describe_termination(termination))


OOM_EXIT_CODE = 137  # 128 + SIGKILL: how the kernel's OOM kill ends a container


def oom_killed(e: OomKilled, timeline: Timeline, fault: FaultRecord) -> Judgement:
    """Reason OOMKilled, or exit code 137 with a risen cgroup OOM-kill counter; says which it used.

    containerd reports OOMKilled only when it saw the OOM event of the container's own cgroup, so the
    reason can be missing although the kernel did OOM-kill it (upstream e2e tests check exit code 137
    and treat the reason as optional). The counters come from the oom-kill fault's readings.
    """
    expected = (
        f"{e.container} OOM-killed: reason OOMKilled, or exit code {OOM_EXIT_CODE}"
        " with its memory cgroup's oom_kill counter risen"
    )
    termination = first_termination_after(timeline, fault, e.container)
    if termination is None:
        return Judgement(Outcome.PENDING, expected, "no termination after the fault yet")
    counters = [
        c
        for c in timeline.of_type(CgroupOomKills)
        if c.pod_uid == fault.pod_uid and c.container == e.container
    ]
    evidence = "; ".join(c.describe() for c in counters) or "no cgroup OOM-kill counter was read"
    if termination.reason == "OOMKilled":
        return Judgement(
            Outcome.PASSED,
            expected,
            f"by reason OOMKilled (exit code {termination.exit_code}) as the runtime reported it; {evidence}",
        )
    if termination.exit_code == OOM_EXIT_CODE and any(c.rose for c in counters):
        return Judgement(
            Outcome.PASSED,
            expected,
            f"by exit code {OOM_EXIT_CODE} and the cgroup counter ({evidence});"
            f" the runtime gave reason {termination.reason or '(none)'}, not OOMKilled",
        )
    return Judgement(Outcome.FAILED, expected, f"{describe_termination(termination)}; {evidence}")


def backoff_delays(history: list[ContainerSnapshot], since: float) -> list[float]:
    """Seconds each restart waited, as the watch saw it: from a container instance's termination to
    the next one running."""
    return [wait for _snapshot, wait in restarts_seen(history, since)]


def restart_backoff(e: RestartBackoff, timeline: Timeline, fault: FaultRecord) -> Judgement:
    """``restarts`` restarts whose waits double up to the cap and then stay on it; with a stated
    ``cap``, the plateau must be seen (two delays on it), so the node's cap is checked too."""
    cap = e.cap if e.cap is not None else DEFAULT_CAP_S
    expected = f"{e.restarts} restarts of {e.container}, each back-off growing from the 2nd" + (
        f" up to the cap {e.cap:g}s, then on it" if e.cap is not None else f" (or on the {cap:g}s cap)"
    )
    # The kubelet's own times where the watch heard late or not at all (an API outage).
    waits = restart_waits(container_history(timeline, fault.pod_uid, e.container), fault.at)
    delays = waits.delays
    sources = f" ({'; '.join(waits.notes)})" if waits.notes else ""
    seen = f"back-off delays {', '.join(f'{d:g}s' for d in delays) or 'none yet'}{sources}"
    if len(delays) < e.restarts:
        return Judgement(Outcome.PENDING, expected, seen)
    delays = delays[: e.restarts]
    seen = f"back-off delays {', '.join(f'{d:g}s' for d in delays)}{sources}"
    shape = backoff_shape(delays, cap)
    if shape.problem:
        lower = shape.stalled and e.cap is None
        hint = " (does the node cap its back-off lower? say so with `cap`)" if lower else ""
        return Judgement(Outcome.FAILED, expected, f"{seen}: {shape.problem}{hint}")
    on_cap = shape.on_plateau(delays)
    if e.cap is None:
        return Judgement(Outcome.PASSED, expected, seen + (f"; {on_cap} on the cap" if on_cap else ""))
    if on_cap < PLATEAU_ON_CAP:
        return Judgement(
            Outcome.FAILED,
            expected,
            f"{seen}: {on_cap} on the cap {e.cap:g}s, the plateau needs {PLATEAU_ON_CAP}"
            + (" (more restarts?)" if on_cap else ""),
        )
    first = ordinal((shape.plateau_from or 0) + 1)
    return Judgement(Outcome.PASSED, expected, f"{seen}; on the cap {e.cap:g}s from the {first} on")


def log_seen(e: LogSeen, timeline: Timeline, fault: FaultRecord) -> Judgement:
    expected = f"{e.container} prints a line containing {e.contains!r} after the fault"
    lines = [
        line for line in timeline.of_type(LogLine) if line.container == e.container and line.at >= fault.at
    ]
    match = next((line for line in lines if e.contains in line.text), None)
    if match is not None:
        return Judgement(Outcome.PASSED, expected, f"{match.pod} printed {match.text[:120]!r}")
    tail = "; ".join(line.text[:60] for line in lines[-3:])
    return Judgement(
        Outcome.PENDING, expected, f"{len(lines)} lines since the fault{': ' + tail if tail else ''}"
    )
