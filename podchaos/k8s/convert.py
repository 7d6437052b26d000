"""Kubernetes client objects to podchaos timeline entries. Only this package sees client objects."""

from __future__ import annotations

from typing import Any

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


def pod_ready(pod: Any) -> bool:
    """The pod's Ready condition."""
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def pod_snapshot(pod: Any, at: float) -> PodSnapshot:
    """A pod's phase and readiness."""
    return PodSnapshot(
        at=at,
        pod=pod.metadata.name,
        pod_uid=pod.metadata.uid,
        node=pod.spec.node_name or "",
        phase=str(pod.status.phase or ""),
        ready=pod_ready(pod),
        deleting=pod.metadata.deletion_timestamp is not None,
    )


def container_snapshots(pod: Any, at: float) -> list[ContainerSnapshot]:
    """Every container status of a pod (init, sidecar and main)."""
    kinds = roles(pod)
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
            )
        )
    return snapshots


def pod_state(pod: Any, at: float) -> PodState:
    """A pod and its containers."""
    return PodState(pod_snapshot(pod, at), tuple(container_snapshots(pod, at)))


def event_record(event: Any, at: float) -> EventRecord:
    """A core/v1 Event about a pod."""
    return EventRecord(
        at=at,
        pod=str(event.involved_object.name or ""),
        reason=str(event.reason or ""),
        message=str(event.message or ""),
        type=str(event.type or ""),
    )


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
