"""The traffic probe: a client pod in the run's namespace calls the workload's Service at a fixed
rate; every request it finishes becomes a :class:`~podchaos.model.RequestRecord` on the timeline,
stamped with its own send time (the client's clock, on this machine's time) mapped onto the run's.

The client is ``gosrc/traffic`` (image ``TRAFFIC_IMAGE``): one JSON line per finished request on its
stdout, which the probe follows as the pod's log. The client keeps its own log while the API cannot be
used; a stream an outage broke is opened again from the log's start (retried through the outage), and
the records already read (by sequence number) are skipped, so what the client wrote during a gap is
still read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from podchaos.errors import ClusterError, PodchaosError, WorkloadNotSteady
from podchaos.k8s.client import Kube
from podchaos.k8s.convert import log_timestamp
from podchaos.k8s.streams import LogStream
from podchaos.model.timeline import TimelineEntry
from podchaos.model.toolbox import TRAFFIC_IMAGE
from podchaos.model.traffic import STEADY_SUCCESS_RATIO, RequestRecord, Traffic, TrafficSummary

CLIENT_POD = "podchaos-traffic"
ROLE_LABEL = "podchaos.io/role"
START_TIMEOUT_S = 60.0
REOPEN_PAUSE_S = 1.0
"""Pause before a broken stream is opened again."""
IDLE_REOPENS = 3
"""Reopened streams in a row that brought no new record before the probe gives up (the client ended)."""


def client_manifest(spec: Traffic) -> dict[str, Any]:
    """The client pod: the traffic image calling ``spec.target``."""
    args = ["--target", spec.target, "--mode", spec.mode, "--rate", f"{spec.rate:g}"]
    args += ["--timeout", f"{spec.timeout * 1000:.0f}ms"]
    if spec.mode == "http":
        args += ["--path", spec.path]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": CLIENT_POD, "labels": {ROLE_LABEL: "traffic"}},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "traffic",
                    "image": TRAFFIC_IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "args": args,
                }
            ],
        },
    }


def parse_record(raw: str, wall_origin: float) -> RequestRecord | None:
    """A request record from one line of the client's log (None for its summary or other lines)."""
    _stamp, _wall, text = log_timestamp(raw)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("summary") or "t" not in data:
        return None
    try:
        return RequestRecord(
            at=round(float(data["t"]) / 1000.0 - wall_origin, 4),
            seq=int(data.get("seq", 0)),
            outcome=str(data.get("outcome", "error")),
            status=int(data.get("status", 0)),
            latency_ms=round(float(data.get("latency_ms", 0.0)), 3),
            error=str(data.get("error", ""))[:200],
        )
    except (TypeError, ValueError):
        return None


class TrafficProbe:
    """Starts the client pod, follows its records into the timeline until :meth:`stop`."""

    def __init__(
        self,
        kube: Kube,
        namespace: str,
        spec: Traffic,
        add: Callable[[TimelineEntry], None],
        wall_origin: float,
        spawn: Callable[[str, Callable[[], None]], None],
    ) -> None:
        self.kube = kube
        self.namespace = namespace
        self.spec = spec
        self._add = add
        self._wall_origin = wall_origin
        self._spawn = spawn
        self._lock = threading.Lock()
        self._stream: LogStream | None = None
        self._stopped = False
        self._stop = threading.Event()
        self._records: list[RequestRecord] = []
        self._seen: set[int] = set()

    def start(self, wait_running: Callable[[str, float], object]) -> None:
        """Create the client pod, wait (``wait_running(pod, timeout)``) until it runs, follow its log."""
        self.kube.create_pod(self.namespace, client_manifest(self.spec))
        wait_running(CLIENT_POD, START_TIMEOUT_S)
        stream = self.kube.open_logs(self.namespace, CLIENT_POD, "traffic", since_seconds=None)
        with self._lock:
            self._stream = stream
        self._spawn("podchaos-traffic", self._read)

    def _read(self) -> None:
        idle = 0
        while True:
            with self._lock:
                stream = self._stream
            if stream is None:
                return
            fresh = self._drain(stream)
            idle = 0 if fresh else idle + 1
            if idle >= IDLE_REOPENS or not self._reopen():
                return  # the records so far stand, later expectations see no more

    def _drain(self, stream: LogStream) -> int:
        """Read ``stream`` until it ends or breaks; how many new records it brought."""
        fresh = 0
        try:
            for raw in stream.lines():
                record = parse_record(raw, self._wall_origin)
                if record is None:
                    continue
                with self._lock:
                    if self._stopped:
                        return fresh
                    if record.seq in self._seen:
                        continue  # read before the stream was opened again
                    self._seen.add(record.seq)
                    self._records.append(record)
                fresh += 1
                self._add(record)
        except PodchaosError:
            pass  # broken (the API went away): opened again below
        return fresh

    def _reopen(self) -> bool:
        """Open the client's log again from its start (the API's outage ridden out by the call's own
        retries); False once the probe is stopped or the log cannot be opened."""
        if self._stop.wait(REOPEN_PAUSE_S):
            return False
        try:
            stream = self.kube.open_logs(self.namespace, CLIENT_POD, "traffic", since_seconds=None)
        except PodchaosError:
            return False
        with self._lock:
            if self._stopped:
                stream.close()
                return False
            self._stream = stream
        return True

    def records(self) -> tuple[RequestRecord, ...]:
        """Every record so far."""
        with self._lock:
            return tuple(self._records)

    def check_steady(self, since: float) -> TrafficSummary:
        """The requests sent from ``since``; WorkloadNotSteady when too few of them succeeded, or
        ClusterError when every failure was the cluster DNS not resolving the Service."""
        summary = TrafficSummary.of(self.records(), since)
        share = summary.availability
        if share is None or share < STEADY_SUCCESS_RATIO:
            kinds = ", ".join(f"{outcome} {count}" for outcome, count in sorted(summary.counts().items()))
            errors = "; ".join(dict.fromkeys(r.error for r in summary.failed if r.error))[:300]
            if summary.failed and all(r.outcome == "dns" for r in summary.failed):
                # The Service exists (it was deployed or found): a name the cluster DNS does not
                # resolve is the DNS lagging behind the API (seen after apiserver restarts), not the
                # workload failing to start.
                raise ClusterError(
                    f"the cluster DNS did not resolve Service {self.spec.target} before any fault:"
                    f" {kinds} (at least {STEADY_SUCCESS_RATIO:.0%} must succeed); errors: {errors}"
                )
            raise WorkloadNotSteady(
                f"traffic to {self.spec.target} before any fault: {kinds or 'no request finished'}"
                f" (at least {STEADY_SUCCESS_RATIO:.0%} must succeed)"
                + (f"; errors: {errors}" if errors else "")
            )
        return summary

    def stop(self) -> None:
        """Stop recording (observation is over); the client pod goes with the namespace."""
        with self._lock:
            self._stopped = True
            self._stop.set()
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
