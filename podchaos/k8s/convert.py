"""Kubernetes client objects to podchaos timeline entries. Only this package sees client objects."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podchaos.model.controllers import JobSnapshot
from podchaos.model.timeline import (
    ContainerRole,
    ContainerSnapshot,
    ContainerState,
    EndpointsSnapshot,
    EndpointState,
    EventRecord,
    PodSnapshot,
    PodState,
    Termination,
)

# The scheduler a pod names when it names none (spec.schedulerName's default).
DEFAULT_SCHEDULER = "default-scheduler"


def _stamp(value: Any) -> str:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else ""


def _termination(terminated: Any) -> Termination | None:
    if terminated is None:
        return None
    return Termination(
        reason=str(terminated.reason or ""),
        exit_code=int(terminated.exit_code if terminated.exit_code is not None else -1),
        started_at=_stamp(terminated.started_at),
        finished_at=_stamp(terminated.finished_at),
        message=str(terminated.message or ""),
    )


def _state(status: Any) -> tuple[ContainerState, str, str, Termination | None]:
    state = status.state
    if state is None:
        return "unknown", "", "", None
    if state.running is not None:
        return "running", "", "", None
    if state.terminated is not None:
        terminated = state.terminated
        return (
            "terminated",
            str(terminated.reason or ""),
            str(terminated.message or ""),
            _termination(terminated),
        )
    if state.waiting is not None:
        return "waiting", str(state.waiting.reason or ""), str(state.waiting.message or ""), None
    return "unknown", "", "", None


def roles(pod: Any) -> dict[str, ContainerRole]:
    """Container name -> init, sidecar (an init container with restartPolicy Always) or main."""
    result: dict[str, ContainerRole] = {}
    for container in pod.spec.init_containers or []:
        result[container.name] = "sidecar" if container.restart_policy == "Always" else "init"
    for container in pod.spec.containers or []:
        result[container.name] = "main"
    return result


def _restart_rules(container: Any) -> str:
    """A container's own restartPolicy and restartPolicyRules in words, ``Never; Restart on exit codes
    In [42]``; empty when it has neither (a cluster without ContainerRestartRules drops both)."""
    rules = [
        f"{rule.action} on exit codes {rule.exit_codes.operator} {list(rule.exit_codes.values or [])}"
        for rule in getattr(container, "restart_policy_rules", None) or []
        if rule.exit_codes is not None
    ]
    policy = getattr(container, "restart_policy", None)
    return "; ".join([*([str(policy)] if policy and rules else []), *rules])


def container_specs(pod: Any) -> dict[str, tuple[str, str]]:
    """Container name -> (terminationMessagePolicy, restart rules in words) as the API holds them."""
    return {
        container.name: (str(container.termination_message_policy or ""), _restart_rules(container))
        for container in [*(pod.spec.init_containers or []), *(pod.spec.containers or [])]
    }


def pod_ready(pod: Any) -> bool:
    """The pod's Ready condition."""
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def pod_owner(pod: Any) -> str:
    """The pod's controller as ``Kind/name``, empty when nothing controls it."""
    for ref in pod.metadata.owner_references or []:
        if ref.controller:
            return f"{ref.kind}/{ref.name}"
    return ""


def pod_claims(pod: Any) -> tuple[str, ...]:
    """The PersistentVolumeClaims the pod's volumes name, sorted."""
    claims = {
        str(volume.persistent_volume_claim.claim_name)
        for volume in pod.spec.volumes or []
        if volume.persistent_volume_claim is not None
    }
    return tuple(sorted(claims))


def pod_disruption(pod: Any) -> str:
    """The pod's DisruptionTarget condition when True, as ``Reason: message``; empty otherwise."""
    for condition in pod.status.conditions or []:
        if condition.type == "DisruptionTarget" and condition.status == "True":
            return f"{condition.reason or 'DisruptionTarget'}: {condition.message or ''}".rstrip(": ")
    return ""


def pod_snapshot(pod: Any, at: float) -> PodSnapshot:
    """A pod's phase and readiness, its controller, claims and disruption condition."""
    return PodSnapshot(
        at=at,
        pod=pod.metadata.name,
        pod_uid=pod.metadata.uid,
        node=pod.spec.node_name or "",
        phase=str(pod.status.phase or ""),
        ready=pod_ready(pod),
        deleting=pod.metadata.deletion_timestamp is not None,
        owner=pod_owner(pod),
        claims=pod_claims(pod),
        disruption=pod_disruption(pod),
        ready_since=next(
            (_stamp(c.last_transition_time) for c in pod.status.conditions or [] if c.type == "Ready"), ""
        ),
        scheduler="" if pod.spec.scheduler_name in (None, DEFAULT_SCHEDULER) else pod.spec.scheduler_name,
        gates=tuple(gate.name for gate in pod.spec.scheduling_gates or ()),
    )


def job_snapshot(job: Any, at: float) -> JobSnapshot:
    """A Job's pod counts and its terminal condition (Complete or Failed), if it has one."""
    status = job.status
    terminal = next(
        (
            c
            for c in (status.conditions if status is not None else None) or []
            if c.type in {"Complete", "Failed"} and c.status == "True"
        ),
        None,
    )
    return JobSnapshot(
        at=at,
        job=str(job.metadata.name),
        job_uid=str(job.metadata.uid),
        active=int((status.active if status else 0) or 0),
        succeeded=int((status.succeeded if status else 0) or 0),
        failed=int((status.failed if status else 0) or 0),
        backoff_limit=job.spec.backoff_limit,
        condition=str(terminal.type) if terminal is not None else "",
        reason=str(terminal.reason or "") if terminal is not None else "",
        message=str(terminal.message or "") if terminal is not None else "",
    )


def _running_since(status: Any) -> str:
    """When the kubelet started the running instance (``state.running.startedAt``), empty otherwise."""
    running = status.state.running if status.state is not None else None
    return _stamp(running.started_at) if running is not None else ""


def container_snapshots(pod: Any, at: float) -> list[ContainerSnapshot]:
    """Every container status of a pod (init, sidecar and main)."""
    kinds = roles(pod)
    specs = container_specs(pod)
    statuses = [*(pod.status.init_container_statuses or []), *(pod.status.container_statuses or [])]
    snapshots = []
    for status in statuses:
        state, reason, message, current_termination = _state(status)
        last = _termination(status.last_state.terminated) if status.last_state else None
        snapshots.append(
            ContainerSnapshot(
                at=at,
                pod=pod.metadata.name,
                pod_uid=pod.metadata.uid,
                container=status.name,
                role=kinds.get(status.name, "main"),
                state=state,
                reason=reason,
                restart_count=int(status.restart_count or 0),
                ready=bool(status.ready),
                container_id=str(status.container_id or ""),
                last_termination=current_termination if state == "terminated" else last,
                message=message,
                started=status.started,
                message_policy=specs.get(status.name, ("", ""))[0],
                restart_rules=specs.get(status.name, ("", ""))[1],
                running_since=_running_since(status),
            )
        )
    return snapshots


def pod_state(pod: Any, at: float) -> PodState:
    """A pod and its containers."""
    return PodState(pod_snapshot(pod, at), tuple(container_snapshots(pod, at)))


# metav1.Time fields (firstTimestamp, lastTimestamp, creationTimestamp) are serialised to the second;
# metav1.MicroTime fields (eventTime, series.lastObservedTime) to the microsecond.
WHOLE_SECOND = 1.0


def event_occurrence(event: Any) -> tuple[str, int]:
    """(uid, occurrence number): what tells one occurrence of an event from a repeat of it.

    Kubelet repeats an event by bumping ``count`` and ``lastTimestamp`` of the same object; the
    events.k8s.io API by bumping ``series.count``. A re-list or re-watch delivers the same pair again.
    """
    series = event.series
    count = series.count if series is not None and series.count else event.count
    return str(event.metadata.uid or event.metadata.name or ""), int(count or 1)


def event_time(event: Any) -> tuple[datetime.datetime | None, float]:
    """When the event's latest occurrence happened by its own account, and the precision of that time.

    In order: ``series.lastObservedTime`` (a repeated events.k8s.io event), ``eventTime`` of an event
    that happened once, ``lastTimestamp``, ``eventTime``, ``firstTimestamp``, the object's creation.
    """
    series = event.series
    if series is not None and series.last_observed_time is not None:
        return series.last_observed_time, 0.0
    once = (event.count or 1) <= 1
    if event.event_time is not None and (once or event.last_timestamp is None):
        return event.event_time, 0.0
    for stamp in (event.last_timestamp, event.first_timestamp, event.metadata.creation_timestamp):
        if stamp is not None:
            return stamp, WHOLE_SECOND
    return None, 0.0


def on_clock(wall: float, received: float, wall_origin: float) -> float:
    """A wall-clock time (seconds since the epoch) on the run's clock, whose zero is ``wall_origin``:
    never before the run's start, never later than ``received`` (when podchaos got it)."""
    return round(min(max(wall - wall_origin, 0.0), received), 3)


def event_record(event: Any, received: float, wall_origin: float | None = None) -> EventRecord:
    """A core/v1 Event about a pod, stamped with its own time on the run's clock (``wall_origin``: the
    wall-clock time of the clock's zero); without ``wall_origin``, stamped ``received``."""
    uid, count = event_occurrence(event)
    at, until = received, None
    stamp, precision = event_time(event)
    if wall_origin is not None and stamp is not None:
        wall = stamp.timestamp()
        at = on_clock(wall, received, wall_origin)
        until = on_clock(wall + precision, received, wall_origin) if precision else None
    return EventRecord(
        at=at,
        pod=str(event.involved_object.name or ""),
        reason=str(event.reason or ""),
        message=str(event.message or ""),
        type=str(event.type or ""),
        uid=uid,
        count=count,
        until=until,
    )


def log_timestamp(raw: str) -> tuple[str, float | None, str]:
    """Split a line of a log read with ``timestamps=true`` into (the runtime's timestamp as written,
    wall-clock seconds, text).

    The kubelet prefixes each line with an RFC 3339 time with nanoseconds and a space: as written it
    tells one line from another (the seconds keep microseconds only). A line without one (an older
    runtime, a garbled prefix) gives ``("", None, raw)``.
    """
    stamp, sep, text = raw.partition(" ")
    if not sep or not stamp.endswith("Z") or "T" not in stamp:
        return "", None, raw
    whole, _dot, fraction = stamp[:-1].partition(".")
    try:
        parsed = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC)
    except ValueError:
        return "", None, raw
    digits = fraction[:6].ljust(6, "0")
    micros = int(digits) if digits.isdigit() else 0
    return stamp, parsed.timestamp() + micros / 1e6, text


def endpoints_snapshot(endpoint_slice: Any, at: float, deleted: bool = False) -> EndpointsSnapshot:
    """The pod endpoints of a discovery/v1 EndpointSlice (``None`` conditions mean true, per the API)."""
    endpoints = []
    for endpoint in endpoint_slice.endpoints or []:
        ref = endpoint.target_ref
        if ref is None or ref.kind != "Pod":
            continue
        conditions = endpoint.conditions
        endpoints.append(
            EndpointState(
                pod=str(ref.name or ""),
                pod_uid=str(ref.uid or ""),
                address=",".join(endpoint.addresses or []),
                ready=conditions is None or conditions.ready is not False,
                serving=conditions is None or conditions.serving is not False,
                terminating=conditions is not None and conditions.terminating is True,
            )
        )
    labels = endpoint_slice.metadata.labels or {}
    return EndpointsSnapshot(
        at=at,
        slice=str(endpoint_slice.metadata.name),
        service=str(labels.get("kubernetes.io/service-name", "")),
        endpoints=tuple(sorted(endpoints, key=lambda e: e.pod)),
        deleted=deleted,
    )


@dataclass(frozen=True)
class NodeInfo:
    """What node faults read of a node: whether it is cordoned, and its annotations (who cordoned it)."""

    name: str
    unschedulable: bool
    annotations: Mapping[str, str]


def node_info(node: Any) -> NodeInfo:
    return NodeInfo(
        str(node.metadata.name), bool(node.spec.unschedulable), dict(node.metadata.annotations or {})
    )
