"""Observation without a cluster: event occurrences and their own times, log timestamps, the watch's
resume points, and which container instances get a log stream.

The event objects are kubelet and scheduler events as the local cluster recorded them (managedFields
dropped), deserialised by the Kubernetes client exactly as a watch deserialises them.
"""

from __future__ import annotations

import copy
import datetime
import inspect
import json
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

from kubernetes import client

from podchaos.k8s.convert import (
    event_occurrence,
    event_record,
    event_time,
    log_timestamp,
    on_clock,
    pod_state,
)
from podchaos.k8s.watch import SYNCED, watch_collection
from podchaos.model.expectations import EventSeen, LogSeen
from podchaos.model.timeline import (
    ContainerSnapshot,
    EventRecord,
    FaultRecord,
    LogLine,
    PodGone,
    PodSnapshot,
    PodState,
    Timeline,
)
from podchaos.model.verdict import Outcome
from podchaos.observe import EventOccurrences, Recorder
from podchaos.verdict import judge
from podchaos.verdict.common import event_after

NAMESPACE = "pc-node-drain-with-pdb-6a5a97e6"
POD = "catalog-959b996b9-4bgxl"

# Kubelet: a readiness probe failing three times during start-up (count 3, whole-second times).
UNHEALTHY = {
    "metadata": {
        "name": f"{POD}.18ea7573f28e1afc",
        "namespace": NAMESPACE,
        "uid": "c45614b9-89ee-432e-a2bd-05df1bb152df",
        "resourceVersion": "2319",
        "creationTimestamp": "2026-11-22T19:42:22Z",
    },
    "involvedObject": {
        "kind": "Pod",
        "namespace": NAMESPACE,
        "name": POD,
        "uid": "1659aa2b-ac66-4d61-9a98-de874d7d0f69",
        "apiVersion": "v1",
        "resourceVersion": "2261",
        "fieldPath": "spec.containers{catalog}",
    },
    "reason": "Unhealthy",
    "message": "Readiness probe errored and resulted in unknown state: rpc error: code = Canceled",
    "source": {"component": "kubelet", "host": "podchaos-node-2"},
    "firstTimestamp": "2026-11-22T19:42:22Z",
    "lastTimestamp": "2026-11-22T19:42:24Z",
    "count": 3,
    "type": "Warning",
    "eventTime": None,
    "reportingComponent": "kubelet",
    "reportingInstance": "podchaos-node-2",
}

# The scheduler (events.k8s.io): a microsecond eventTime, no count, no first/last timestamps.
SCHEDULED = {
    "metadata": {
        "name": f"{POD}.18ea75727fe2b3f1",
        "namespace": NAMESPACE,
        "uid": "31fe0e7b-8b46-487d-a824-2a619f45aad9",
        "resourceVersion": "2264",
        "creationTimestamp": "2026-11-22T19:42:16Z",
    },
    "involvedObject": {
        "kind": "Pod",
        "namespace": NAMESPACE,
        "name": POD,
        "uid": "1659aa2b-ac66-4d61-9a98-de874d7d0f69",
        "apiVersion": "v1",
        "resourceVersion": "2257",
    },
    "reason": "Scheduled",
    "message": f"Successfully assigned {NAMESPACE}/{POD} to podchaos-node-2",
    "source": {},
    "firstTimestamp": None,
    "lastTimestamp": None,
    "type": "Normal",
    "eventTime": "2026-11-22T19:42:16.092841Z",
    "action": "Binding",
    "reportingComponent": "default-scheduler",
    "reportingInstance": "default-scheduler-vm",
}

# The run's clock started at 19:42:20 wall-clock time.
ORIGIN = datetime.datetime(2026, 11, 22, 19, 42, 20, tzinfo=datetime.UTC).timestamp()


def v1_event(data: dict[str, Any]) -> Any:
    deserialize: Any = client.ApiClient().deserialize
    if "content_type" in inspect.signature(deserialize).parameters:  # kubernetes >= 37
        return deserialize(json.dumps(data), "CoreV1Event", "application/json")
    # kubernetes 31 to 36 read the body from a response object.
    return deserialize(types.SimpleNamespace(data=json.dumps(data)), "CoreV1Event")


def with_changes(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    changed.update(changes)
    return changed


# --- event occurrences and their own times ----------------------------------------------------------


def test_an_occurrence_is_the_event_uid_and_its_count() -> None:
    assert event_occurrence(v1_event(UNHEALTHY)) == ("c45614b9-89ee-432e-a2bd-05df1bb152df", 3)
    assert event_occurrence(v1_event(SCHEDULED)) == ("31fe0e7b-8b46-487d-a824-2a619f45aad9", 1)
    series = with_changes(SCHEDULED, series={"count": 4, "lastObservedTime": "2026-11-22T19:42:31.500000Z"})
    assert event_occurrence(v1_event(series))[1] == 4


def test_the_event_time_is_its_latest_occurrence_with_its_precision() -> None:
    stamp, precision = event_time(v1_event(UNHEALTHY))
    assert stamp is not None
    assert stamp.isoformat() == "2026-11-22T19:42:24+00:00"
    assert precision == 1.0
    stamp, precision = event_time(v1_event(SCHEDULED))
    assert stamp is not None
    assert stamp.isoformat() == "2026-11-22T19:42:16.092841+00:00"
    assert precision == 0.0
    series = with_changes(SCHEDULED, series={"count": 4, "lastObservedTime": "2026-11-22T19:42:31.500000Z"})
    stamp, precision = event_time(v1_event(series))
    assert stamp is not None
    assert stamp.isoformat() == "2026-11-22T19:42:31.500000+00:00"
    assert precision == 0.0
    # Only the object's creation is known: whole seconds.
    bare = with_changes(UNHEALTHY, firstTimestamp=None, lastTimestamp=None)
    assert event_time(v1_event(bare)) == (
        datetime.datetime(2026, 11, 22, 19, 42, 22, tzinfo=datetime.UTC),
        1.0,
    )


def test_a_whole_second_event_time_becomes_a_window_on_the_run_clock() -> None:
    record = event_record(v1_event(UNHEALTHY), received=30.0, wall_origin=ORIGIN)
    assert (record.at, record.until) == (4.0, 5.0)
    assert (record.uid, record.count, record.reason, record.pod) == (
        "c45614b9-89ee-432e-a2bd-05df1bb152df",
        3,
        "Unhealthy",
        POD,
    )
    # Received within its second: the window ends when podchaos received it.
    assert event_record(v1_event(UNHEALTHY), received=4.4, wall_origin=ORIGIN).until == 4.4


def test_an_exact_event_time_and_times_before_the_run() -> None:
    # Scheduled 3.9 s before the run's clock started: it is put at the start, not before it.
    record = event_record(v1_event(SCHEDULED), received=12.0, wall_origin=ORIGIN - 10)
    assert (record.at, record.until) == (6.093, None)
    assert event_record(v1_event(SCHEDULED), received=12.0, wall_origin=ORIGIN).at == 0.0
    # No clock mapping (a plain listing for diagnostics): stamped when received.
    assert event_record(v1_event(UNHEALTHY), received=7.5).at == 7.5


def test_on_clock_never_later_than_received() -> None:
    assert on_clock(ORIGIN + 9.0, received=8.2, wall_origin=ORIGIN) == 8.2
    assert on_clock(ORIGIN + 2.0004, received=8.2, wall_origin=ORIGIN) == 2.0


def test_an_event_counts_after_the_fault_only_if_its_own_time_allows() -> None:
    fault_at = 20.0
    old = event_record(v1_event(UNHEALTHY), received=35.0, wall_origin=ORIGIN)  # happened at 4-5 s
    assert not event_after(old, fault_at)
    straddling = EventRecord(19.0, POD, "Killing", "", "Normal", "u", 1, until=20.3)
    assert event_after(straddling, fault_at)
    ended_before = EventRecord(19.0, POD, "Killing", "", "Normal", "u", 1, until=20.0)
    assert not event_after(ended_before, fault_at)
    exact = EventRecord(20.0, POD, "Scheduled", "", "Normal", "u", 1)
    assert event_after(exact, fault_at)


def test_dedupe_drops_a_relisted_occurrence_and_keeps_a_repeat() -> None:
    occurrences = EventOccurrences()
    first = event_record(v1_event(UNHEALTHY), received=5.0, wall_origin=ORIGIN)
    assert occurrences.admit(first)
    # The same occurrence delivered again after a re-list, long after the fault.
    assert not occurrences.admit(event_record(v1_event(UNHEALTHY), received=35.0, wall_origin=ORIGIN))
    repeat = with_changes(UNHEALTHY, count=4, lastTimestamp="2026-11-22T19:42:45Z")
    fourth = event_record(v1_event(repeat), received=25.3, wall_origin=ORIGIN)
    assert occurrences.admit(fourth)
    assert (fourth.count, fourth.at, fourth.until) == (4, 25.0, 25.3)


def test_event_seen_ignores_a_start_up_event_delivered_again_after_the_fault() -> None:
    snapshot = PodSnapshot(1.0, POD, "pod-uid", "podchaos-node-2", "Running", True, False)
    fault = FaultRecord(20.0, "probe-fail", POD, "pod-uid", "catalog", "liveness probe")
    relisted = event_record(v1_event(UNHEALTHY), received=35.0, wall_origin=ORIGIN)
    timeline = Timeline((snapshot, relisted, fault))
    result = judge(EventSeen("Unhealthy"), timeline, 36.0)
    assert result.outcome is Outcome.PENDING
    repeat = with_changes(UNHEALTHY, count=4, lastTimestamp="2026-11-22T19:42:41Z")
    fresh = event_record(v1_event(repeat), received=21.6, wall_origin=ORIGIN)
    result = judge(EventSeen("Unhealthy"), timeline.plus(fresh), 36.0)
    assert result.outcome is Outcome.PASSED
    assert "at +1.0s to +1.6s from the fault" in result.seen


# --- the watch: list, then resume from the right resourceVersion ------------------------------------


def pod_object(name: str, resource_version: str, uid: str | None = None) -> Any:
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, resource_version=resource_version, uid=uid))


def pod_list(resource_version: str, *items: Any) -> Any:
    return client.V1PodList(metadata=client.V1ListMeta(resource_version=resource_version), items=list(items))


class ScriptedApi:
    """A lister and a watch factory playing back lists and watch windows; stops the loop when done."""

    def __init__(self, lists: list[Any], windows: list[list[dict[str, Any]] | Exception]) -> None:
        self.lists = lists
        self.windows = windows
        self.stop = threading.Event()
        self.listed = 0
        self.watched_from: list[str | None] = []

    def list_namespaced_pod(self, namespace: str, **_kwargs: Any) -> Any:
        assert namespace == "ns"
        self.listed += 1
        return self.lists.pop(0)

    def watcher(self) -> Any:
        api = self

        class Watcher:
            def stream(
                self, _func: Any, namespace: str, resource_version: str | None, **kw: Any
            ) -> Iterator[Any]:
                assert namespace == "ns"
                assert kw["allow_watch_bookmarks"] is True
                api.watched_from.append(resource_version)
                window = api.windows.pop(0)
                if not api.windows:
                    api.stop.set()
                if isinstance(window, Exception):
                    raise window
                yield from window

            def stop(self) -> None:
                pass

        return Watcher()


def test_watch_resumes_from_the_list_then_the_last_event_or_bookmark_and_relists_after_410() -> None:
    api = ScriptedApi(
        lists=[
            # Items of a list are not in resourceVersion order; the list's own version is the newest.
            pod_list("120", pod_object("b", "110"), pod_object("a", "100")),
            pod_list("200", pod_object("a", "130"), pod_object("c", "190")),
        ],
        windows=[
            [{"type": "MODIFIED", "object": pod_object("a", "130"), "raw_object": {}}],
            [{"type": "BOOKMARK", "object": {}, "raw_object": {"metadata": {"resourceVersion": "150"}}}],
            client.exceptions.ApiException(status=410, reason="Gone"),
            [],
        ],
    )
    seen = [
        (kind, obj.metadata.name, obj.metadata.resource_version)
        for kind, obj in watch_collection(api.list_namespaced_pod, "ns", api.stop, api.watcher)
        if kind != SYNCED
    ]
    assert api.watched_from == ["120", "130", "150", "200"]
    assert api.listed == 2
    assert seen == [
        ("ADDED", "b", "110"),
        ("ADDED", "a", "100"),
        ("MODIFIED", "a", "130"),
        # After 410 Gone: listed again; "b" is no longer there, the rest come again as ADDED (consumers
        # drop what they saw).
        ("DELETED", "b", "110"),
        ("ADDED", "a", "130"),
        ("ADDED", "c", "190"),
    ]


def test_a_relist_reports_objects_deleted_while_the_watch_was_down() -> None:
    api = ScriptedApi(
        lists=[
            pod_list("120", pod_object("a", "100", "uid-a"), pod_object("b", "110", "uid-b")),
            # "b" went while the watch was down; "a" was deleted and created again under its name;
            # "d" was created and deleted again in a window (its DELETED came then).
            pod_list("300", pod_object("a", "250", "uid-a2"), pod_object("c", "190", "uid-c")),
        ],
        windows=[
            [
                {"type": "MODIFIED", "object": pod_object("b", "130", "uid-b"), "raw_object": {}},
                {"type": "ADDED", "object": pod_object("d", "140", "uid-d"), "raw_object": {}},
                {"type": "DELETED", "object": pod_object("d", "145", "uid-d"), "raw_object": {}},
            ],
            client.exceptions.ApiException(status=410, reason="Gone"),
            [],
        ],
    )
    seen = [
        (kind, obj.metadata.name, obj.metadata.uid, obj.metadata.resource_version)
        for kind, obj in watch_collection(api.list_namespaced_pod, "ns", api.stop, api.watcher)
        if kind != SYNCED
    ]
    assert api.listed == 2
    assert seen[5:] == [
        # Gone before the new listing's items come: each with the last state the watch saw of it.
        ("DELETED", "a", "uid-a", "100"),
        ("DELETED", "b", "uid-b", "130"),
        ("ADDED", "a", "uid-a2", "250"),
        ("ADDED", "c", "uid-c", "190"),
    ]


# --- log lines --------------------------------------------------------------------------------------


def test_log_timestamps_are_split_off() -> None:
    wall = datetime.datetime(2026, 11, 22, 19, 42, 24, tzinfo=datetime.UTC).timestamp()
    stamp, seconds, text = log_timestamp("2026-11-22T19:42:24.123456789Z TERM handled, shutting down")
    assert (stamp, text) == ("2026-11-22T19:42:24.123456789Z", "TERM handled, shutting down")
    assert seconds is not None
    assert abs(seconds - (wall + 0.123456)) < 1e-6
    assert log_timestamp("2026-11-22T19:42:24Z ") == ("2026-11-22T19:42:24Z", wall, "")
    assert log_timestamp("no timestamp here") == ("", None, "no timestamp here")
    assert log_timestamp("2026-99-22T19:42:24Z bad") == ("", None, "2026-99-22T19:42:24Z bad")


def rfc3339(wall: float) -> str:
    moment = datetime.datetime.fromtimestamp(wall, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def state(pod: str, uid: str, container_id: str, restarts: int, run: str = "running") -> PodState:
    snapshot = PodSnapshot(0.0, pod, uid, "node-1", "Running", run == "running", False)
    app = ContainerSnapshot(0.0, pod, uid, "app", "main", run, "", restarts, run == "running", container_id)  # type: ignore[arg-type]
    return PodState(snapshot, (app,))


class FakeStream:
    """Yields its lines, then ends (once ``held`` is set, when given: the instance still running)."""

    def __init__(self, lines: list[str], held: threading.Event | None = None) -> None:
        self._lines = lines
        self._held = held
        self.closed = False

    def lines(self) -> Iterator[str]:
        yield from self._lines
        if self._held is not None:
            self._held.wait(5)

    def close(self) -> None:
        self.closed = True


class FakeKube:
    """Plays pod watch batches (the second after ``go``), then the deletion of the ``gone`` pods (after
    ``delete``), and serves scripted logs per container ID (ending after ``held`` when given)."""

    def __init__(
        self,
        batches: list[list[PodState]],
        logs: dict[str, list[str]],
        gone: tuple[PodState, ...] = (),
        held: threading.Event | None = None,
    ) -> None:
        self.batches = batches
        self.logs = logs
        self.gone = gone
        self.held = held
        self.go = threading.Event()
        self.played = threading.Event()
        self.delete = threading.Event()
        self.opened: list[tuple[str, str, int | None]] = []
        self.latest: dict[tuple[str, str], str] = {}
        # How many more times a stream of the current instance ends by breaking (the instance still
        # runs, as when the apiserver restarts); otherwise a stream that ends is an instance that ended.
        self.breaks = 0

    def watch_pods(
        self, _ns: str, _sel: str, stop: threading.Event, clock: Any
    ) -> Iterator[tuple[str, PodState]]:
        for index, batch in enumerate(self.batches):
            if index:
                self.go.wait(5)
            for played in batch:
                for container in played.containers:
                    self.latest[(played.pod.pod, container.container)] = container.container_id
                yield "MODIFIED", played
        self.played.set()
        if self.gone and self.delete.wait(5):
            for played in self.gone:
                yield "DELETED", played
        stop.wait()

    def watch_events(self, _ns: str, stop: threading.Event, *_args: Any) -> Iterator[EventRecord]:
        stop.wait()
        yield from ()

    def watch_endpoint_slices(self, _ns: str, stop: threading.Event, _clock: Any) -> Iterator[Any]:
        stop.wait()
        yield from ()

    def pod(self, _ns: str, name: str) -> PodState:
        container_id = next(cid for (pod, _c), cid in self.latest.items() if pod == name)
        if self.breaks:
            self.breaks -= 1
            return state(name, "uid", container_id, 0)
        return state(name, "uid", container_id, 0, run="terminated")

    def open_logs(self, _ns: str, pod: str, container: str, since_seconds: int | None) -> FakeStream:
        self.opened.append((pod, container, since_seconds))
        # Like the kubelet: the log of the container's instance that is current now.
        return FakeStream(self.logs.get(self.latest[(pod, container)], []), self.held)


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_restarted_instances_and_replacement_pods_are_followed_from_their_start() -> None:
    steady = state("web", "uid-1", "containerd://c1", 0)
    restarted = state("web", "uid-1", "containerd://c2", 1)
    replacement = state("web-2", "uid-2", "containerd://c3", 0)
    starting = state("web-3", "uid-3", "", 0, run="waiting")
    kube = FakeKube(
        batches=[[steady], [restarted, restarted, starting, replacement]],
        logs={"containerd://c1": [], "containerd://c2": [], "containerd://c3": []},
    )
    recorder = Recorder(kube, "ns", "app=web")  # type: ignore[arg-type]
    # Lines printed 0.05 s after the clock started, read later: stamped with their own time.
    printed = recorder.wall_origin + 0.05
    kube.logs["containerd://c2"] = [f"{rfc3339(printed)} starting again", f"{rfc3339(printed + 0.01)} ready"]
    kube.logs["containerd://c3"] = [f"{rfc3339(printed)} replacement up"]
    with recorder:
        wait_until(lambda: bool(recorder.live_pods()))
        assert kube.opened == []  # nothing followed before follow_logs()
        wait_until(lambda: recorder.clock() > 0.2)
        recorder.follow_logs([steady])
        kube.go.set()
        wait_until(kube.played.is_set)
        wait_until(lambda: len(recorder.timeline().of_type(LogLine)) == 3)
    # One stream per instance: the steady one from about now, the new ones from their start; none for
    # an instance that has not started, none twice for the same instance.
    assert sorted(kube.opened, key=str) == [("web", "app", 1), ("web", "app", None), ("web-2", "app", None)]
    lines = recorder.timeline().of_type(LogLine)
    assert {(line.pod, line.text) for line in lines} == {
        ("web", "starting again"),
        ("web", "ready"),
        ("web-2", "replacement up"),
    }
    assert sorted(line.at for line in lines) == [0.05, 0.05, 0.06]


def test_a_line_read_by_two_streams_is_recorded_once() -> None:
    first = state("web", "uid-1", "containerd://c1", 0)
    second = state("web", "uid-1", "containerd://c2", 1)
    kube = FakeKube(batches=[[], [first, second]], logs={})
    recorder = Recorder(kube, "ns", "app=web")  # type: ignore[arg-type]
    line = f"{rfc3339(recorder.wall_origin + 0.1)} hello from c2"
    # Both streams read the current instance (c2): the race between a restart and a stream opening.
    kube.logs = {"containerd://c1": [line], "containerd://c2": [line]}
    with recorder:
        recorder.follow_logs([])
        kube.go.set()
        wait_until(lambda: len(kube.opened) == 2)
        wait_until(lambda: len(recorder.timeline().of_type(LogLine)) >= 1)
        time.sleep(0.1)
    assert [line.text for line in recorder.timeline().of_type(LogLine)] == ["hello from c2"]


def test_lines_are_told_apart_by_the_runtime_nanoseconds_and_forgotten_with_their_pod() -> None:
    web = state("web", "uid-1", "containerd://c1", 0)
    other = state("api", "uid-2", "containerd://c9", 0)
    held = threading.Event()
    kube = FakeKube(batches=[[], [web, other]], logs={}, gone=(web,), held=held)
    recorder = Recorder(kube, "ns", "app=web")  # type: ignore[arg-type]
    second = datetime.datetime.fromtimestamp(int(recorder.wall_origin) + 1, tz=datetime.UTC)
    stamp = second.strftime("%Y-%m-%dT%H:%M:%S")
    # The same line printed twice within one microsecond: two lines, as the runtime stamped them.
    kube.logs = {
        "containerd://c1": [f"{stamp}.123456001Z tick", f"{stamp}.123456002Z tick"],
        "containerd://c9": [f"{stamp}.5Z api up"],
    }
    with recorder:
        recorder.follow_logs([])
        kube.go.set()
        wait_until(lambda: len(recorder.timeline().of_type(LogLine)) == 3)
        kube.delete.set()
        wait_until(lambda: bool(recorder.timeline().of_type(PodGone)))
        # web is gone but its stream still reads (the kubelet serves a terminating pod's log): kept.
        assert set(recorder.logs._lines_seen) == {("uid-1", "app"), ("uid-2", "app")}
        held.set()
        # Its stream ended: no stream can open for a pod no longer in the API, so its lines go.
        wait_until(lambda: set(recorder.logs._lines_seen) == {("uid-2", "app")})
    assert [line.text for line in recorder.timeline().of_type(LogLine) if line.pod == "web"] == [
        "tick",
        "tick",
    ]


def test_a_stream_that_breaks_while_its_instance_runs_is_opened_again_and_no_line_is_read_twice() -> None:
    web = state("web", "uid-1", "containerd://c1", 0)
    kube = FakeKube(batches=[[web]], logs={})
    kube.breaks = 1
    recorder = Recorder(kube, "ns", "app=web")  # type: ignore[arg-type]
    printed = recorder.wall_origin + 0.05
    kube.logs["containerd://c1"] = [f"{rfc3339(printed)} one", f"{rfc3339(printed + 0.01)} two"]
    with recorder:
        wait_until(lambda: bool(recorder.live_pods()))
        recorder.follow_logs([web])
        # The first stream ends while c1 still runs: reopened from just before its last line, it
        # reads both lines again, which are dropped; then c1 has ended and nothing reopens.
        wait_until(lambda: len(kube.opened) == 2)
        time.sleep(1.5)
    (first, again) = [since for _pod, _container, since in kube.opened]
    # From 1 s ago at the start; the reopen reaches back past the pause (1 s) and 2 s of overlap.
    assert first == 1
    assert again is not None
    assert again >= 3
    assert [line.text for line in recorder.timeline().of_type(LogLine)] == ["one", "two"]


def running_pod(name: str, uid: str, resource_version: str) -> Any:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, uid=uid, resource_version=resource_version),
        spec=client.V1PodSpec(containers=[client.V1Container(name="app")], node_name="node-1"),
        status=client.V1PodStatus(phase="Running"),
    )


class RelistingKube(FakeKube):
    """Pods through the real watch loop: listed, the watch expires, listed again without web-1."""

    def watch_pods(
        self, namespace: str, _sel: str, stop: threading.Event, clock: Any
    ) -> Iterator[tuple[str, PodState]]:
        api = ScriptedApi(
            lists=[
                pod_list("10", running_pod("web-1", "uid-1", "5"), running_pod("web-2", "uid-2", "6")),
                pod_list("90", running_pod("web-2", "uid-2", "6")),
            ],
            windows=[client.exceptions.ApiException(status=410, reason="Gone"), []],
        )
        for kind, obj in watch_collection(api.list_namespaced_pod, namespace, api.stop, api.watcher):
            if kind != SYNCED:
                yield kind, pod_state(obj, clock())
        self.played.set()
        stop.wait()


def test_the_recorder_forgets_a_pod_deleted_while_the_watch_was_down() -> None:
    kube = RelistingKube(batches=[], logs={})
    with Recorder(kube, "ns", "app=web") as recorder:  # type: ignore[arg-type]
        wait_until(kube.played.is_set)
        assert [state.pod.pod for state in recorder.live_pods()] == ["web-2"]
    gone = recorder.timeline().of_type(PodGone)
    assert [(entry.pod, entry.pod_uid) for entry in gone] == [("web-1", "uid-1")]


def test_log_seen_finds_a_line_of_a_restarted_instance() -> None:
    fault = FaultRecord(10.0, "container-kill", "web", "uid-1", "app", "SIGKILL")
    line = LogLine(11.2, "web", "uid-1", "app", "app started")
    early = LogLine(2.0, "web", "uid-1", "app", "app started")
    assert judge(LogSeen("app", "app started"), Timeline((early, fault)), 12).outcome is Outcome.PENDING
    assert judge(LogSeen("app", "app started"), Timeline((early, fault, line)), 12).outcome is Outcome.PASSED
