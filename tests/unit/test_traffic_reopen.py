"""The traffic probe opens its client's log again after an outage broke the stream, and reads what
the client wrote meanwhile exactly once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

from podchaos.errors import ApiUnreachable
from podchaos.k8s.client import Kube
from podchaos.model.timeline import TimelineEntry
from podchaos.model.traffic import RequestRecord, Traffic
from podchaos.observe import traffic as probe_module
from podchaos.observe.traffic import TrafficProbe


def line(seq: int) -> str:
    record = {"t": 1_000_000 + seq * 100, "seq": seq, "outcome": "ok", "status": 200, "latency_ms": 1.5}
    return f"2026-12-07T06:00:00.000000000Z {json.dumps(record)}"


class Stream:
    """A followed log: ``seqs`` lines, then broken (``breaks``) or ended."""

    def __init__(self, seqs: range, breaks: bool) -> None:
        self.seqs = seqs
        self.breaks = breaks

    def lines(self) -> Iterator[str]:
        for seq in self.seqs:
            yield line(seq)
        if self.breaks:
            raise ApiUnreachable("follow logs: connection refused")

    def close(self) -> None:
        pass


class LogsKube:
    """Answers each open_logs with the next stream: the API's log endpoint across an outage."""

    def __init__(self, streams: list[Stream]) -> None:
        self.streams = streams
        self.opened = 0

    def open_logs(self, namespace: str, pod: str, container: str, since_seconds: int | None = 1) -> Stream:
        assert since_seconds is None  # from the log's start: the gap's lines come again
        self.opened += 1
        if not self.streams:
            raise ApiUnreachable("follow logs: connection refused")
        return self.streams.pop(0)


def run_probe(kube: LogsKube) -> tuple[TrafficProbe, list[TimelineEntry]]:
    added: list[TimelineEntry] = []
    done = threading.Event()

    def spawn(_name: str, target: Any) -> None:
        def run() -> None:
            target()
            done.set()

        threading.Thread(target=run, daemon=True).start()

    probe = TrafficProbe(cast(Kube, kube), "ns", Traffic("web", 80), added.append, 1000.0, spawn)
    probe._stream = cast(Any, kube.open_logs("ns", "podchaos-traffic", "traffic", since_seconds=None))
    probe._spawn("podchaos-traffic", probe._read)
    assert done.wait(10)
    return probe, added


def test_a_broken_stream_is_opened_again_and_the_gaps_records_are_read_once(monkeypatch: Any) -> None:
    monkeypatch.setattr(probe_module, "REOPEN_PAUSE_S", 0.01)
    # Read 0-4, the API goes away; the client went on writing 5-11 meanwhile; the reopened log has all.
    kube = LogsKube([Stream(range(5), breaks=True), Stream(range(12), breaks=False)])
    probe, added = run_probe(kube)
    assert [r.seq for r in probe.records()] == list(range(12))
    assert [r.seq for r in added if isinstance(r, RequestRecord)] == list(range(12))
    # The ended stream is tried again until IDLE_REOPENS of them bring nothing new (or it cannot open).
    assert kube.opened >= 3


def test_a_stopped_probe_does_not_open_the_log_again(monkeypatch: Any) -> None:
    monkeypatch.setattr(probe_module, "REOPEN_PAUSE_S", 5.0)
    kube = LogsKube([Stream(range(3), breaks=True), Stream(range(9), breaks=False)])
    added: list[TimelineEntry] = []
    probe = TrafficProbe(cast(Kube, kube), "ns", Traffic("web", 80), added.append, 1000.0, lambda *_: None)
    probe._stream = cast(Any, kube.open_logs("ns", "podchaos-traffic", "traffic", since_seconds=None))
    reader = threading.Thread(target=probe._read, daemon=True)
    reader.start()
    time.sleep(0.2)
    probe.stop()
    reader.join(2)
    assert not reader.is_alive()
    assert [r.seq for r in probe.records()] == [0, 1, 2]
    assert kube.opened == 1
