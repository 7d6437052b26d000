"""Observe: record pods, containers, endpoints and events by watches into a timeline while faults
play out; the same watches answer what the run waits for (steady state, fault confirmations)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from podchaos.errors import PodchaosError, WaitTimeout
from podchaos.k8s.client import Kube
from podchaos.k8s.heartbeat import INTERVAL_S as HEARTBEAT_INTERVAL_S
from podchaos.k8s.streams import Stopper
from podchaos.model.controllers import JobSnapshot
from podchaos.model.timeline import (
    ApiOutage,
    ContainerSnapshot,
    EndpointsSnapshot,
    EventRecord,
    PodGone,
    PodSnapshot,
    PodState,
    Timeline,
    TimelineEntry,
)
from podchaos.observe.logs import LogFollower

T = TypeVar("T")
# Threads end within milliseconds once their responses are shut down; this only bounds a stuck one.
JOIN_TIMEOUT_S = 2.0


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
    """Background watches on a namespace, building a timeline stamped in seconds since ``origin``
    (a ``time.monotonic()`` value; default: when the recorder is made).

    Only changes are recorded: a pod or container snapshot equal (but for its time) to the previous
    one of the same object is dropped, so the timeline reads as a list of transitions. Events and log
    lines carry their own (wall-clock) times, mapped onto the same clock through ``wall_origin``.
    """

    def __init__(self, kube: Kube, namespace: str, selector: str, origin: float | None = None) -> None:
        self.kube = kube
        self.namespace = namespace
        self.selector = selector
        self.started = time.monotonic() if origin is None else origin
        # The wall-clock time of the clock's zero: events and log lines are stamped in wall-clock time.
        self.wall_origin = time.time() - (time.monotonic() - self.started)
        self._stop = Stopper()
        # The recording's own span (monotonic): the API outages that overlap it are part of its timeline.
        self._opened: float | None = None
        self._closed: float | None = None
        self._lock = threading.Lock()
        self._entries: list[TimelineEntry] = []
        self._last: dict[tuple[str, str], object] = {}
        self._latest: dict[str, PodState] = {}
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._changed = threading.Condition(self._lock)
        self._occurrences = EventOccurrences()
        self.logs = LogFollower(kube, namespace, self.add, self.clock, self.wall_origin, self.spawn)

    def clock(self) -> float:
        """Seconds since the clock's zero."""
        return round(time.monotonic() - self.started, 3)

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the pod, event, EndpointSlice and Job watches."""
        self._opened = time.monotonic()
        watches = (
            ("pods", self._watch_pods),
            ("events", self._watch_events),
            ("endpointslices", self._watch_endpoints),
            ("jobs", self._watch_jobs),
        )
        for name, target in watches:
            self.spawn(f"podchaos-watch-{name}", self._guard(target))
        self.spawn("podchaos-heartbeat", self._heartbeat)

    def _heartbeat(self) -> None:
        """A cheap request each second until the recorder stops, so a gap's ends are known to the
        second even while the watches are idle (see :mod:`podchaos.k8s.heartbeat`)."""
        beat = getattr(self.kube, "heartbeat", None)  # a fake API in unit tests may have none
        while beat is not None and not self._stop.wait(HEARTBEAT_INTERVAL_S):
            beat(self.namespace)

    def spawn(self, name: str, target: Callable[[], None]) -> None:
        """Run ``target`` on a daemon thread that :meth:`stop` waits for (briefly)."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        with self._lock:
            self._threads.append(thread)

    def follow_logs(self, pods: list[PodState]) -> None:
        """Record what the target containers print from now on, until the recorder stops: the running
        ones from about now, every instance that starts later from its start."""
        with self._lock:
            known = {state.pod.pod_uid: state for state in [*pods, *self._latest.values()]}
        self.logs.start(list(known.values()))

    def stop(self) -> None:
        """Stop the watches and log streams: their responses are closed, so this takes milliseconds."""
        if self._closed is None:
            self._closed = time.monotonic()
        self._stop.set()
        self.logs.stop()
        with self._changed:
            self._changed.notify_all()
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _guard(self, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # surfaced by check() in the caller's thread
                if self._stop.is_set():
                    return
                with self._lock:
                    self._errors.append(exc)
                    self._changed.notify_all()

        return run

    def check(self) -> None:
        """Raise in the caller's thread if a watch failed."""
        with self._lock:
            if self._errors:
                raise PodchaosError(f"watch failed: {self._errors[0]}") from self._errors[0]

    def _watch_pods(self) -> None:
        for kind, state in self.kube.watch_pods(self.namespace, self.selector, self._stop, self.clock):
            if kind == "DELETED":
                with self._lock:
                    self._latest.pop(state.pod.pod_uid, None)
                self.add(PodGone(state.pod.at, state.pod.pod, state.pod.pod_uid))
                self.logs.gone(state.pod.pod_uid)
                continue
            with self._lock:
                self._latest[state.pod.pod_uid] = state
            self.add(state.pod, *state.containers)
            self.logs.seen(state)

    def _watch_endpoints(self) -> None:
        for snapshot in self.kube.watch_endpoint_slices(self.namespace, self._stop, self.clock):
            self.add(snapshot)

    def _watch_jobs(self) -> None:
        for snapshot in self.kube.watch_jobs(self.namespace, self._stop, self.clock):
            self.add(snapshot)

    def _watch_events(self) -> None:
        for event in self.kube.watch_events(self.namespace, self._stop, self.clock, self.wall_origin):
            with self._lock:
                fresh = self._occurrences.admit(event)
            if fresh:
                self.add(event)

    def add(self, *entries: TimelineEntry) -> None:
        """Append entries (faults and file tokens add theirs here too), dropping unchanged snapshots."""
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
        """The timeline so far, with the API outages the recording rode out."""
        outages = self.outages()
        with self._lock:
            ordered = tuple(sorted([*self._entries, *outages], key=lambda entry: entry.at))
            return Timeline(ordered, self.wall_origin)

    def outages(self) -> list[ApiOutage]:
        """The API outages (on the recording's clock) that overlapped the recording so far."""
        health = getattr(self.kube, "health", None)
        if health is None or self._opened is None:
            return []
        return [
            ApiOutage(
                round(outage.started - self.started, 3),
                None if outage.ended is None else round(outage.ended - self.started, 3),
                outage.failures,
                outage.first_error,
                outage.unreachable,
            )
            for outage in health.outages(self._opened, self._closed)
        ]

    def live_pods(self) -> list[PodState]:
        """The latest state of every target pod still in the API."""
        with self._lock:
            return list(self._latest.values())

    def pod(self, name: str) -> PodState | None:
        """The latest state of the target pod with this name, None when it is not in the API."""
        with self._lock:
            return next((state for state in self._latest.values() if state.pod.pod == name), None)

    def wait_change(self, timeout: float) -> None:
        """Block until something is recorded or ``timeout`` passes."""
        with self._changed:
            self._changed.wait(timeout)

    def wait_until(
        self,
        what: str,
        condition: Callable[[], T | None],
        timeout: float,
        last_seen: Callable[[], str] | None = None,
    ) -> T:
        """Call ``condition`` each time the watches record something until it returns a value; raise
        WaitTimeout after ``timeout`` s. No polling of the API: the watches already hold the answer.

        Exceptions from ``condition`` (and a failed watch) propagate at once.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.check()
            value = condition()
            if value is not None:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(what, timeout, last_seen() if last_seen else "")
            self.wait_change(min(left, 1.0))


def _identity(entry: TimelineEntry) -> tuple[str, str] | None:
    if isinstance(entry, EndpointsSnapshot):
        return ("endpointslice", entry.slice)
    if isinstance(entry, ContainerSnapshot):
        return (entry.pod_uid, entry.container)
    if isinstance(entry, PodSnapshot):
        return (entry.pod_uid, "")
    if isinstance(entry, JobSnapshot):
        return ("job", entry.job_uid)
    return None


def _without_time(entry: TimelineEntry) -> object:
    return dataclasses.replace(entry, at=0.0)
