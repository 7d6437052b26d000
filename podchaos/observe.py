"""Observe: record pods, containers and events by watches into a timeline while faults play out."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator

from podchaos.errors import PodchaosError
from podchaos.k8s.client import Kube, LogStream
from podchaos.k8s.convert import log_timestamp, on_clock
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


class EventOccurrences:
    """Which event occurrences were recorded already, by (uid, occurrence count).

    A watch delivers the same occurrence more than once (a re-list after 410 Gone, an update that is
    not a repeat); recording it again would put an old event after the fault.
    """

    def __init__(self) -> None:
        self._seen: set[tuple[str, int]] = set()

    def admit(self, event: EventRecord) -> bool:
        """True the first time this occurrence is offered."""
        key = (event.uid, event.count)
        if event.uid and key in self._seen:
            return False
        self._seen.add(key)
        return True


class Recorder:
    """Background watches on a namespace, building a timeline stamped in seconds since ``start``.

    Only changes are recorded: a pod or container snapshot equal (but for its time) to the previous
    one of the same object is dropped, so the timeline reads as a list of transitions. Events and log
    lines carry their own (wall-clock) times, mapped onto the same clock through ``wall_origin``.
    """

    def __init__(self, kube: Kube, namespace: str, selector: str) -> None:
        self.kube = kube
        self.namespace = namespace
        self.selector = selector
        self.started = time.monotonic()
        # The wall-clock time of the clock's zero: events and log lines are stamped in wall-clock time.
        self.wall_origin = time.time() - (time.monotonic() - self.started)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._entries: list[TimelineEntry] = []
        self._last: dict[tuple[str, str], object] = {}
        self._latest: dict[str, PodState] = {}
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._streams: list[LogStream] = []
        self._changed = threading.Condition(self._lock)
        self._occurrences = EventOccurrences()
        # Log following: off until follow_logs(); then one stream per container instance (container ID).
        self._following = False
        self._followed: set[tuple[str, str, str]] = set()
        # Lines read so far per (pod uid, container), by the runtime's timestamp as written and text: a
        # line can be read by a second stream of the same pod (see _add_line), so these are kept until
        # the pod is gone and none of its streams is left (``_following_pod`` counts them by pod uid;
        # ``_gone``: pods deleted while a stream of theirs was still reading).
        self._lines_seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._following_pod: dict[str, int] = {}
        self._gone: set[str] = set()

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
        with self._lock:
            self._threads.append(thread)

    def follow_logs(self, pods: list[PodState]) -> None:
        """Record what the target containers print from now on, until the recorder stops.

        The containers running now are followed from about now; every container instance that starts
        later (a restart, a replacement pod) is followed from its start, each by one stream that ends
        with the instance. A log stream that breaks is not an error of the run: log lines are evidence
        for ``log-seen`` expectations, which then say they saw nothing.
        """
        with self._lock:
            known = [*pods, *self._latest.values()]
            self._following = True
        for state in known:
            self._follow_new(state, since_seconds=1)

    def _follow_new(self, state: PodState, since_seconds: int | None) -> None:
        """Follow each container instance of the pod not followed yet that has a log to read."""
        for container in state.containers:
            if not container.container_id or container.state == "waiting":
                continue  # not started yet: nothing to read until it runs
            key = (state.pod.pod_uid, container.container, container.container_id)
            with self._lock:
                if not self._following or self._stop.is_set() or key in self._followed:
                    continue
                self._followed.add(key)
                self._following_pod[state.pod.pod_uid] = self._following_pod.get(state.pod.pod_uid, 0) + 1
            follow = self._follower(state.pod.pod, state.pod.pod_uid, container.container, since_seconds)
            self._spawn(f"podchaos-logs-{state.pod.pod}-{container.container}", follow)

    def stop(self) -> None:
        """Stop the watches (they end within one watch window) and the log streams (closed now)."""
        self._stop.set()
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
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
                    self._gone.add(state.pod.pod_uid)
                    self._forget_lines(state.pod.pod_uid)
                continue
            with self._lock:
                self._latest[state.pod.pod_uid] = state
            self.add(state.pod, *state.containers)
            # An instance that started after follow_logs() is read from its start: its first lines
            # (a start-up banner) are printed before the pod watch reports it running.
            self._follow_new(state, since_seconds=None)

    def _follower(
        self, pod: str, pod_uid: str, container: str, since_seconds: int | None
    ) -> Callable[[], None]:
        def follow() -> None:
            try:
                read(self.kube.open_logs(self.namespace, pod, container, since_seconds))
            except PodchaosError:
                return
            finally:
                with self._lock:
                    self._following_pod[pod_uid] -= 1
                    self._forget_lines(pod_uid)

        def read(stream: LogStream) -> None:
            with self._lock:
                stopped = self._stop.is_set()
                if not stopped:
                    self._streams.append(stream)
            if stopped:
                stream.close()
                return
            try:
                for raw in stream.lines():
                    self._add_line(pod, pod_uid, container, raw)
            finally:
                with self._lock:
                    if stream in self._streams:
                        self._streams.remove(stream)
                stream.close()

        return follow

    def _add_line(self, pod: str, pod_uid: str, container: str, raw: str) -> None:
        received = self.clock()
        stamp, wall, text = log_timestamp(raw)
        if wall is None:
            self.add(LogLine(received, pod, pod_uid, container, text))
            return
        # Two streams of a pod can read the same line: the kubelet serves the instance that is current
        # (or, between restarts, last ended) when a stream opens, so a stream opened for an instance
        # that had just ended reads its successor, whose own stream reads it again, at the same time or
        # later (a short-lived successor is read whole after it ended). The runtime stamps each line to
        # the nanosecond: stamp and text tell one line from another of the same container.
        with self._lock:
            seen = self._lines_seen.setdefault((pod_uid, container), set())
            if (stamp, text) in seen:
                return
            seen.add((stamp, text))
        self.add(LogLine(on_clock(wall, received, self.wall_origin), pod, pod_uid, container, text))

    def _forget_lines(self, pod_uid: str) -> None:
        """Drop the lines seen of a pod that is gone once none of its streams is left: no stream opens
        for a pod no longer in the API, so no line of it can come again. Called holding the lock."""
        if self._following_pod.get(pod_uid, 0):
            return
        self._following_pod.pop(pod_uid, None)
        if pod_uid not in self._gone:
            return
        self._gone.discard(pod_uid)
        for key in [key for key in self._lines_seen if key[0] == pod_uid]:
            del self._lines_seen[key]

    def _watch_endpoints(self) -> None:
        for snapshot in self.kube.watch_endpoint_slices(self.namespace, self._stop, self.clock):
            self.add(snapshot)

    def _watch_events(self) -> None:
        for event in self.kube.watch_events(self.namespace, self._stop, self.clock, self.wall_origin):
            with self._lock:
                fresh = self._occurrences.admit(event)
            if fresh:
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
