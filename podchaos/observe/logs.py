"""Following container logs into the timeline: one stream per container instance, each line once."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from podchaos.errors import PodchaosError
from podchaos.k8s.client import Kube
from podchaos.k8s.convert import log_timestamp, on_clock
from podchaos.k8s.streams import LogStream
from podchaos.model.timeline import LogLine, PodState, TimelineEntry

Spawn = Callable[[str, Callable[[], None]], None]

# A reopened stream starts this much before the last line read: the gap's lines come again, and the
# lines already read are told apart by their runtime timestamps (see _add_line).
REOPEN_OVERLAP_S = 2.0
# The kubelet ends a stream when its container exits, and reports the exit in the pod's status up to
# about a second later: a stream's end is judged after this pause, so an exit is not taken for a break.
STATUS_LAG_S = 1.0


class LogFollower:
    """Reads what target containers print, from :meth:`start` until :meth:`stop`.

    Log lines are evidence for ``log-seen`` expectations. A stream that ends while its container
    instance still runs was broken (the apiserver restarted, a connection was reset): it is opened
    again from just before its last line, so what the container printed meanwhile is still read. A
    stream that cannot be reopened is not an error of the run (those expectations then say they saw
    nothing).
    """

    def __init__(
        self,
        kube: Kube,
        namespace: str,
        add: Callable[..., None],
        clock: Callable[[], float],
        wall_origin: float,
        spawn: Spawn,
    ) -> None:
        self._kube = kube
        self._namespace = namespace
        self._add: Callable[[TimelineEntry], None] = add
        self._clock = clock
        self._wall_origin = wall_origin
        self._spawn = spawn
        self._lock = threading.Lock()
        # Set (under the lock) by stop(); also wakes followers pausing before a reopen.
        self._stop = threading.Event()
        self._following = False
        self._streams: list[LogStream] = []
        # One stream per container instance (container ID).
        self._followed: set[tuple[str, str, str]] = set()
        # Lines read so far per (pod uid, container), by the runtime's timestamp as written and text: a
        # line can be read by a second stream of the same pod (see _add_line), so these are kept until
        # the pod is gone and none of its streams is left (``_streams_of`` counts them by pod uid;
        # ``_gone``: pods deleted while a stream of theirs was still reading).
        self._lines_seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._streams_of: dict[str, int] = {}
        self._gone: set[str] = set()

    def start(self, pods: list[PodState]) -> None:
        """Follow the containers running now from about now; later instances are followed from their
        start as :meth:`seen` reports them."""
        with self._lock:
            self._following = True
        for state in pods:
            self.seen(state, since_seconds=1)

    def seen(self, state: PodState, since_seconds: int | None = None) -> None:
        """A pod as the watch reports it: follow each container instance not followed yet that has a
        log to read (an instance that started after :meth:`start` is read from its start: its first
        lines, a start-up banner, are printed before the watch reports it running)."""
        for container in state.containers:
            if not container.container_id or container.state == "waiting":
                continue  # not started yet: nothing to read until it runs
            key = (state.pod.pod_uid, container.container, container.container_id)
            with self._lock:
                if not self._following or self._stop.is_set() or key in self._followed:
                    continue
                self._followed.add(key)
                self._streams_of[state.pod.pod_uid] = self._streams_of.get(state.pod.pod_uid, 0) + 1
            follow = self._follower(
                state.pod.pod, state.pod.pod_uid, container.container, container.container_id, since_seconds
            )
            self._spawn(f"podchaos-logs-{state.pod.pod}-{container.container}", follow)

    def gone(self, pod_uid: str) -> None:
        """The pod was deleted from the API."""
        with self._lock:
            self._gone.add(pod_uid)
            self._forget_lines(pod_uid)

    def stop(self) -> None:
        """Close every stream now (their threads end at once)."""
        with self._lock:
            self._stop.set()
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.close()

    def _follower(
        self, pod: str, pod_uid: str, container: str, container_id: str, since_seconds: int | None
    ) -> Callable[[], None]:
        def follow() -> None:
            since = since_seconds
            try:
                while True:
                    last_read = read(self._kube.open_logs(self._namespace, pod, container, since))
                    if last_read is None or not self._still_runs(pod, container, container_id):
                        return
                    since = math.ceil(time.monotonic() - last_read + REOPEN_OVERLAP_S)
            except PodchaosError:
                return
            finally:
                with self._lock:
                    self._streams_of[pod_uid] -= 1
                    self._forget_lines(pod_uid)

        def read(stream: LogStream) -> float | None:
            """Read the stream to its end; returns when (monotonic) the last line, or the opening, was
            (None: the follower was stopped before it could read)."""
            last_read = time.monotonic()
            with self._lock:
                stopped = self._stop.is_set()
                if not stopped:
                    self._streams.append(stream)
            if stopped:
                stream.close()
                return None
            try:
                for raw in stream.lines():
                    last_read = time.monotonic()
                    self._add_line(pod, pod_uid, container, raw)
            except PodchaosError:
                pass  # broken mid-read: _still_runs decides whether to open it again
            finally:
                with self._lock:
                    if stream in self._streams:
                        self._streams.remove(stream)
                stream.close()
            return last_read

        return follow

    def _still_runs(self, pod: str, container: str, container_id: str) -> bool:
        """Whether the instance a stream followed still runs, so its stream ended by breaking (a
        stopped follower never reopens)."""
        if self._stop.wait(STATUS_LAG_S):
            return False
        current = self._kube.pod(self._namespace, pod).container(container)
        return current is not None and current.container_id == container_id and current.state == "running"

    def _add_line(self, pod: str, pod_uid: str, container: str, raw: str) -> None:
        received = self._clock()
        stamp, wall, text = log_timestamp(raw)
        if wall is None:
            self._add(LogLine(received, pod, pod_uid, container, text))
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
        self._add(LogLine(on_clock(wall, received, self._wall_origin), pod, pod_uid, container, text))

    def _forget_lines(self, pod_uid: str) -> None:
        """Drop the lines seen of a pod that is gone once none of its streams is left: no stream opens
        for a pod no longer in the API, so no line of it can come again. Called holding the lock."""
        if self._streams_of.get(pod_uid, 0):
            return
        self._streams_of.pop(pod_uid, None)
        if pod_uid not in self._gone:
            return
        self._gone.discard(pod_uid)
        for key in [key for key in self._lines_seen if key[0] == pod_uid]:
            del self._lines_seen[key]
