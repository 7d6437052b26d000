"""Steady waits for the target pods' endpoints when expectations or traffic depend on them."""

from __future__ import annotations

from podchaos.engine.endpoints import endpoint_wait, endpoints_pending
from podchaos.model import Timeline
from podchaos.model.expectations import Endpoint, PodReady
from podchaos.model.timeline import EndpointsSnapshot, EndpointState, PodSnapshot, PodState
from podchaos.model.traffic import Traffic


def target(name: str) -> PodState:
    return PodState(PodSnapshot(1.0, name, f"uid-{name}", "n1", "Running", True, False), ())


def slice_of(at: float, *ready: tuple[str, bool], deleted: bool = False) -> EndpointsSnapshot:
    endpoints = tuple(EndpointState(n, f"uid-{n}", "10.0.0.1", r, r, False) for n, r in ready)
    return EndpointsSnapshot(at, "web-abc", "web", endpoints, deleted)


PODS = [target("web-0"), target("web-1")]


def test_what_is_waited_for_follows_what_is_judged() -> None:
    assert endpoint_wait((Endpoint("not-ready"),), None) == "every"
    assert endpoint_wait((PodReady(30.0),), Traffic("web", 80)) == "listed"
    assert endpoint_wait((PodReady(30.0),), None) == "none"


def test_every_target_needs_a_ready_endpoint_for_an_endpoint_expectation() -> None:
    # readiness-flap: the pod Ready 0.2 s before its endpoint was; the fault must wait for it.
    line = Timeline().plus(slice_of(1.1, ("web-0", False)))
    assert endpoints_pending(line, PODS, "every") == ["web-0", "web-1"]
    line = line.plus(slice_of(1.6, ("web-0", True), ("web-1", False)))
    assert endpoints_pending(line, PODS, "every") == ["web-1"]
    line = line.plus(slice_of(2.0, ("web-0", True), ("web-1", True)))
    assert endpoints_pending(line, PODS, "every") == []
    assert endpoints_pending(line.plus(slice_of(3.0, deleted=True)), PODS, "every") == ["web-0", "web-1"]


def test_traffic_waits_only_for_the_targets_a_slice_lists() -> None:
    line = Timeline().plus(slice_of(1.1, ("web-0", False)))
    assert endpoints_pending(line, PODS, "listed") == ["web-0"]
    assert endpoints_pending(line.plus(slice_of(1.5, ("web-0", True))), PODS, "listed") == []
    assert endpoints_pending(line, PODS, "none") == []
