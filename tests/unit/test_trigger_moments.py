"""A fault's trigger waits for its moment in the recorded timeline: each moment on made-up snapshots,
the moment a previous fault caused before the wait began, and a moment that never comes or a pod
that goes first failing the run."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pytest

from podchaos.engine.trigger import await_trigger, moment_seen
from podchaos.errors import TriggerNotReached, WaitTimeout
from podchaos.model import RunResult, ScenarioRun, Verdict
from podchaos.model.faults import ContainerKill
from podchaos.model.timeline import (
    ContainerSnapshot,
    EventRecord,
    FaultRecord,
    PodSnapshot,
    PodState,
    Timeline,
)
from podchaos.model.triggers import Trigger, TriggerRecord
from podchaos.report.json_report import run_from_dict, run_to_dict
from podchaos.report.svg import render_timeline_svg

T = TypeVar("T")
POD = PodSnapshot(at=0.0, pod="web", pod_uid="u1", node="n1", phase="Running", ready=True, deleting=False)


def container(
    at: float, state: str = "running", cid: str = "a", restarts: int = 0, name: str = "app"
) -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod="web",
        pod_uid="u1",
        container=name,
        role="init" if name == "setup" else "main",
        state=state,  # type: ignore[arg-type]
        reason="",
        restart_count=restarts,
        ready=state == "running",
        container_id=f"containerd://{cid}" if cid else "",
    )


def state(*containers: ContainerSnapshot, **pod: object) -> PodState:
    return PodState(replace(POD, **pod), containers)  # type: ignore[arg-type]


STARTED = Trigger("container-started", "app")


def test_container_started_is_a_new_instance_after_the_wait_began() -> None:
    history = [
        container(1.0, cid="a"),
        container(5.0, "terminated", cid="a"),
        container(5.8, cid="b", restarts=1),
    ]
    timeline = Timeline(tuple(history))
    now = state(history[-1])
    seen = moment_seen(STARTED, timeline, now, since=4.0)
    assert seen is not None
    assert seen.at == 5.8
    assert "instance b running (was a), restartCount 1" in seen.detail
    # Looked for from after the restart: the instance running then is not new.
    assert moment_seen(STARTED, timeline, now, since=6.0) is None


def test_init_running_and_restarted_are_states_of_the_pod_now() -> None:
    empty = Timeline()
    setup = Trigger("init-running", "setup")
    assert moment_seen(setup, empty, state(container(2.0, name="setup")), 0.0) is not None
    assert moment_seen(setup, empty, state(container(2.0, "terminated", name="setup")), 0.0) is None
    twice = Trigger("restarted", "app", restarts=2)
    assert moment_seen(twice, empty, state(container(3.0, restarts=1)), 0.0) is None
    assert moment_seen(twice, empty, state(container(3.0, restarts=2)), 0.0) is not None


def killing(at: float, container: str, until: float | None = None) -> EventRecord:
    return EventRecord(at, "web", "Killing", f"Stopping container {container}", "Normal", until=until)


def test_pod_terminating_waits_for_kubelet_to_begin_stopping_the_container() -> None:
    terminating = Trigger("pod-terminating", "app")
    deleting = state(container(3.0), deleting=True)
    assert moment_seen(terminating, Timeline(), state(container(3.0)), 0.0) is None
    # The API marked the pod, but kubelet has not acted yet: a container that died now would restart.
    assert moment_seen(terminating, Timeline(), deleting, 2.0) is None
    # Kubelet stopping another container, or a Killing from before the wait, is not this moment.
    assert moment_seen(terminating, Timeline((killing(4.0, "sidecar"),)), deleting, 2.0) is None
    assert moment_seen(terminating, Timeline((killing(1.0, "app", until=2.0),)), deleting, 2.0) is None
    seen = moment_seen(terminating, Timeline((killing(2.0, "app", until=3.0),)), deleting, 2.5)
    assert seen is not None
    assert seen.detail == "deletion began, kubelet: Stopping container app, app still running"
    # The container named has ended: its preStop and grace period are over.
    ended = state(container(3.0, "terminated"), deleting=True)
    assert moment_seen(terminating, Timeline((killing(4.0, "app"),)), ended, 2.0) is None
    any_container = Trigger("pod-terminating")
    assert (
        moment_seen(any_container, Timeline((killing(4.0, "sidecar"),)), state(deleting=True), 2.0)
        is not None
    )


@dataclass
class FakeView:
    """The recorder as the wait sees it: the pods now and the timeline, changing on each wait."""

    steps: list[tuple[list[PodState], Timeline]]
    ticks: float = 10.0
    asked: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.ticks

    def live_pods(self) -> list[PodState]:
        return self.steps[0][0]

    def timeline(self) -> Timeline:
        return self.steps[0][1]

    def wait_until(
        self,
        what: str,
        condition: Callable[[], T | None],
        timeout: float,
        last_seen: Callable[[], str] | None = None,
    ) -> T:
        while True:
            value = condition()
            if value is not None:
                return value
            if len(self.steps) == 1:
                raise WaitTimeout(what, timeout, last_seen() if last_seen else "")
            self.steps.pop(0)
            self.ticks += 1


def test_the_record_says_when_the_moment_was_seen_and_when_the_fault_was_released() -> None:
    before = state(container(1.0, cid="a"))
    after = state(container(11.5, cid="b", restarts=1))
    view = FakeView(
        [
            ([before], Timeline((before.containers[0],))),
            ([after], Timeline((*before.containers, *after.containers))),
        ]
    )
    record = await_trigger(view, "startup-probe-fail", before, STARTED, since=10.0)
    assert (record.at, record.seen_at, record.since) == (11.0, 11.5, 10.0)
    assert (record.fault, record.moment, record.pod, record.container) == (
        "startup-probe-fail",
        "container-started",
        "web",
        "app",
    )
    assert record.detail.startswith("container app started (a new instance): instance b running")


def test_a_moment_that_never_comes_fails_the_run_saying_what_was_seen() -> None:
    pod = state(container(1.0, "terminated", name="setup"))
    view = FakeView([([pod], Timeline(pod.containers))])
    with pytest.raises(TriggerNotReached) as caught:
        await_trigger(view, "container-kill", pod, Trigger("init-running", "setup", within=30.0), since=0.0)
    message = str(caught.value)
    assert message.startswith(
        "trigger never happened: container-kill waited 30s for init container setup running"
    )
    assert "so it never fired; last seen: pod Running ready=True, setup terminated restartCount=0" in message


def test_a_pod_gone_before_its_moment_fails_at_once() -> None:
    pod = state(container(1.0))
    view = FakeView([([], Timeline())])
    with pytest.raises(TriggerNotReached, match="but the pod is gone"):
        await_trigger(view, "container-kill", pod, Trigger("pod-terminating"), since=0.0)


def test_a_triggered_fault_and_its_trigger_record_round_trip_through_the_json_report() -> None:
    result = RunResult(
        scenario="s",
        namespace="ns",
        verdict=Verdict(()),
        started_at="2026-01-01T00:00:00+00:00",
        duration_s=5.0,
        timeline=Timeline(
            (
                TriggerRecord(
                    4.0, "container-kill", "init-running", "web", "u1", "setup", 1.0, 3.9, "init running"
                ),
            )
        ),
        faults=(
            ContainerKill("setup", when=Trigger("init-running", "setup", within=30.0)),
            ContainerKill("app"),
        ),
    )
    document = run_to_dict(ScenarioRun(result=result))
    assert document["faults"][0]["when"] == {
        "moment": "init-running",
        "container": "setup",
        "restarts": None,
        "within": 30.0,
    }
    assert "when" not in document["faults"][1]  # a fault that fires at once is written as before
    assert run_from_dict(json.loads(json.dumps(document))).result == result


def test_the_drawn_timeline_says_which_trigger_released_each_fault() -> None:
    timeline = Timeline(
        (
            FaultRecord(2.0, "container-kill", "web", "u1", "app", "SIGKILL to host PID 7"),
            TriggerRecord(
                3.1, "startup-probe-fail", "container-started", "web", "u1", "app", 2.0, 3.0, "app started"
            ),
            FaultRecord(3.3, "startup-probe-fail", "web", "u1", "app", "startup probe: /tmp/started hidden"),
        )
    )
    svg = render_timeline_svg(timeline, "run")
    assert "startup probe: /tmp/started hidden (fired by its trigger at 3.10s: app started)" in svg
    assert "SIGKILL to host PID 7</title>" in svg  # the first fault fired at once
