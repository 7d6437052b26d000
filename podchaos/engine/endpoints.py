"""Steady means steady for what is judged: when expectations or traffic depend on endpoints, the
target pods' EndpointSlice endpoints must be ready before the first fault, not only the pods.

A pod turns Ready a moment before the EndpointSlice controller marks its endpoint ready; a fault in
between (seen: 0.2 s after Ready) leaves the endpoint expectation no ready-to-not-ready change to find.
"""

from __future__ import annotations

from typing import Literal

from podchaos.model.expectations import Endpoint, Expectation
from podchaos.model.timeline import EndpointsSnapshot, PodState, Timeline
from podchaos.model.traffic import Traffic
from podchaos.observe import Recorder

EndpointWait = Literal["none", "listed", "every"]
"""``every``: each target pod has a ready endpoint (an endpoint expectation judges them); ``listed``:
each target pod some EndpointSlice lists has it ready (traffic, whose Service may select only some of
the targets); ``none``: nothing waits for endpoints."""


def endpoint_wait(expectations: tuple[Expectation, ...], traffic: Traffic | None) -> EndpointWait:
    """What the steady state waits for, given what is judged."""
    if any(isinstance(e, Endpoint) for e in expectations):
        return "every"
    return "listed" if traffic is not None else "none"


def endpoints_pending(timeline: Timeline, pods: list[PodState], wait: EndpointWait) -> list[str]:
    """The target pods whose endpoints are not ready yet (by name; empty when steady), as the latest
    state of each EndpointSlice shows them."""
    if wait == "none":
        return []
    latest: dict[str, EndpointsSnapshot] = {}
    for snapshot in timeline.of_type(EndpointsSnapshot):
        latest[snapshot.slice] = snapshot
    ready: dict[str, bool] = {}
    for snapshot in latest.values():
        for endpoint in () if snapshot.deleted else snapshot.endpoints:
            ready[endpoint.pod_uid] = ready.get(endpoint.pod_uid, False) or endpoint.ready
    return sorted(
        state.pod.pod
        for state in pods
        if not ready.get(state.pod.pod_uid, wait == "listed" and state.pod.pod_uid not in ready)
    )


def wait_endpoints(recorder: Recorder, targets: list[PodState], wait: EndpointWait, timeout: float) -> None:
    """Wait (on the recorder's watches) until :func:`endpoints_pending` names no target pod;
    WaitTimeout naming those still not ready."""
    if wait == "none":
        return
    recorder.wait_until(
        "the target pods' endpoints ready",
        lambda: None if endpoints_pending(recorder.timeline(), targets, wait) else True,
        timeout,
        last_seen=lambda: "not ready: " + ", ".join(endpoints_pending(recorder.timeline(), targets, wait)),
    )
