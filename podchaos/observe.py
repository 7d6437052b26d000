"""Observe: record pods, containers and events by watches into a timeline while faults play out."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator

from podchaos.errors import PodchaosError
from podchaos.k8s.client import Kube, LogStream
from podchaos.model.timeline import (
    ContainerSnapshot,
    EndpointsSnapshot,
    EventRecord,
    LogLine,
    PodGone,
    PodSnapshot,
    PodState,
    Timeline,
    TimelineEntry,
)


class Recorder:
    """Background watches on a namespace, building a timeline stamped in seconds since ``start``.

    Only changes are recorded: a pod or container snapshot equal (but for its time) to the previous
    one of the same object is dropped, so the timeline reads as a list of transitions.
    """

    def __init__(self, kube: Kube, namespace: str, selector: str) -> None:
        self.kube = kube
        self.namespace = namespace
        self.selector = selector
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._entries: list[TimelineEntry] = []
        self._last: dict[tuple[str, str], object] = {}
        self._latest: dict[str, PodState] = {}
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._streams: list[LogStream] = []
        self._changed = threading.Condition(self._lock)

    def clock(self) -> float:
        """Seconds since the recorder started."""
        return round(time.monotonic() - self.started, 3)

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the pod, event and EndpointSlice watches."""
        watches = (
            ("pods", self._watch_pods),
            ("events", self._watch_events),
            ("endpointslices", self._watch_endpoints),
        )
        for name, target in watches:
            self._spawn(f"podchaos-watch-{name}", self._guard(target))

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def follow_logs(self, pods: list[PodState]) -> None:
        """Record what the containers of these pods print from now on, until each container ends.

        A log stream that breaks is not an error of the run: log lines are evidence for ``log-seen``
        expectations, which then say they saw nothing.
        """
        for state in pods:
            for container in state.containers:
                if container.state == "running":
                    follow = self._follower(state.pod.pod, state.pod.pod_uid, container.container)
                    self._spawn(f"podchaos-logs-{state.pod.pod}-{container.container}", follow)

    def stop(self) -> None:
        """Stop the watches (they end within one watch window) and the log streams (closed now)."""
        self._stop.set()
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.close()
        for thread in self._threads:
            thread.join(timeout=10)

    def _guard(self, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # surfaced by check() in the caller's thread
                with self._lock:
                    self._errors.append(exc)

        return run

    def check(self) -> None:
        """Raise in the caller's thread if a watch failed."""
        with self._lock:
            if self._errors:
                raise PodchaosError(f"watch failed: {self._errors[0]}") from self._errors[0]

    def _watch_pods(self) -> None:
        for kind, state in self.kube.watch_pods(self.namespace, self.selector, self._stop, self.clock):
            if kind == "DELETED":
                self.add(PodGone(state.pod.at, state.pod.pod, state.pod.pod_uid))
                with self._lock:
                    self._latest.pop(state.pod.pod_uid, None)
                continue
            with self._lock:
                self._latest[state.pod.pod_uid] = state
            self.add(state.pod, *state.containers)

    def _follower(self, pod: str, pod_uid: str, container: str) -> Callable[[], None]:
        def follow() -> None:
            try:
                stream = self.kube.open_logs(self.namespace, pod, container)
                with self._lock:
                    self._streams.append(stream)
                for line in stream.lines():
                    self.add(LogLine(self.clock(), pod, pod_uid, container, line))
            except PodchaosError:
                return

        return follow

    def _watch_endpoints(self) -> None:
        for snapshot in self.kube.watch_endpoint_slices(self.namespace, self._stop, self.clock):
            self.add(snapshot)

    def _watch_events(self) -> None:
        for event in self.kube.watch_events(self.namespace, self._stop, self.clock):
            self.add(event)

    def add(self, *entries: TimelineEntry) -> None:
        """Append entries (faults and probes add theirs here too), dropping unchanged snapshots."""
        with self._lock:
            for entry in entries:
                key = _identity(entry)
                if key is not None:
                    comparable = _without_time(entry)
                    if self._last.get(key) == comparable:
                        continue
                    self._last[key] = comparable
                self._entries.append(entry)
            self._changed.notify_all()

    def timeline(self) -> Timeline:
        """The timeline so far."""
        with self._lock:
            return Timeline(tuple(sorted(self._entries, key=lambda entry: entry.at)))

    def live_pods(self) -> list[PodState]:
        """The latest state of every target pod still in the API."""
        with self._lock:
            return list(self._latest.values())

    def wait_change(self, timeout: float) -> None:
        """Block until something is recorded or ``timeout`` passes."""
        with self._changed:
            self._changed.wait(timeout)

    def events(self) -> Iterator[EventRecord]:
        yield from self.timeline().of_type(EventRecord)


def _identity(entry: TimelineEntry) -> tuple[str, str] | None:
    if isinstance(entry, EndpointsSnapshot):
        return ("endpointslice", entry.slice)
    if isinstance(entry, ContainerSnapshot):
        return (entry.pod_uid, entry.container)
    if isinstance(entry, PodSnapshot):
        return (entry.pod_uid, "")
    return None


def _without_time(entry: TimelineEntry) -> object:
    return dataclasses.replace(entry, at=0.0)
