"""Traffic probes: what a client of the workload asks for while faults play out, and what it saw."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

TrafficMode = Literal["http", "tcp"]

# Outcomes the client reports: "ok" (HTTP 2xx/3xx, or a TCP connect), "http-<code>" for other
# statuses, and the ways a request fails before an answer.
OK = "ok"


@dataclass(frozen=True)
class Traffic:
    """A client in the run's namespace calling a Service at a fixed rate from steady state until the
    observation ends (YAML ``traffic:``).

    ``service`` and ``port`` name a Service of the workload; ``mode`` is ``http`` (a GET of ``path``;
    2xx and 3xx succeed) or ``tcp`` (a connect succeeds); ``rate`` requests per second, each with its
    own ``timeout``. Before any fault, ``steady`` seconds of traffic must succeed (at least 99 %).
    """

    service: str
    port: int
    mode: TrafficMode = "http"
    path: str = "/"
    rate: float = 20.0
    timeout: float = 1.0
    steady: float = 3.0
    namespace: str = ""
    """The Service's namespace when it is not the client's (an attached workload's)."""

    @property
    def target(self) -> str:
        """``host:port`` as the client in the run's namespace calls it (the Service's DNS name: its full
        name when the Service lives in another namespace)."""
        if self.namespace:
            return f"{self.service}.{self.namespace}.svc.cluster.local:{self.port}"
        return f"{self.service}:{self.port}"


STEADY_SUCCESS_RATIO = 0.99
"""Share of the steady window's requests that must succeed before any fault."""


@dataclass(frozen=True)
class RequestRecord:
    """One request the traffic client finished, stamped with its send time on the run's clock."""

    at: float
    seq: int
    outcome: str
    status: int
    latency_ms: float
    error: str = ""

    @property
    def ok(self) -> bool:
        """The request succeeded."""
        return self.outcome == OK


@dataclass(frozen=True)
class Outage:
    """A run of consecutive failed requests: from the first one's send until the next successful
    request's send (``end`` None while no request has succeeded since)."""

    start: float
    end: float | None
    failed: int

    def length(self, now: float) -> float:
        """Seconds the outage lasted (until ``now`` while it goes on)."""
        return (self.end if self.end is not None else now) - self.start


@dataclass(frozen=True)
class TrafficSummary:
    """What a window of requests shows: counts per outcome, the outages, latencies of the successes."""

    requests: tuple[RequestRecord, ...]

    @classmethod
    def of(
        cls, records: tuple[RequestRecord, ...], since: float, until: float | None = None
    ) -> TrafficSummary:
        """The requests sent from ``since`` (up to ``until``), in send order."""
        chosen = [r for r in records if r.at >= since and (until is None or r.at <= until)]
        return cls(tuple(sorted(chosen, key=lambda r: (r.at, r.seq))))

    @property
    def failed(self) -> tuple[RequestRecord, ...]:
        """The requests that did not succeed."""
        return tuple(r for r in self.requests if not r.ok)

    @property
    def availability(self) -> float | None:
        """Share of requests that succeeded (None without requests)."""
        if not self.requests:
            return None
        return 1 - len(self.failed) / len(self.requests)

    def counts(self) -> dict[str, int]:
        """Requests per outcome."""
        counted: dict[str, int] = {}
        for record in self.requests:
            counted[record.outcome] = counted.get(record.outcome, 0) + 1
        return counted

    def outages(self) -> tuple[Outage, ...]:
        """Every run of consecutive failed requests, in order."""
        found: list[Outage] = []
        start: float | None = None
        failed = 0
        for record in self.requests:
            if not record.ok:
                start = record.at if start is None else start
                failed += 1
            elif start is not None:
                found.append(Outage(start, record.at, failed))
                start, failed = None, 0
        if start is not None:
            found.append(Outage(start, None, failed))
        return tuple(found)

    def latency_quantile(self, quantile: float) -> float | None:
        """The ``quantile`` of the successful requests' latency in seconds (nearest rank)."""
        latencies = sorted(r.latency_ms for r in self.requests if r.ok)
        if not latencies:
            return None
        rank = max(1, min(len(latencies), math.ceil(quantile * len(latencies))))
        return latencies[rank - 1] / 1000.0

    def buckets(self, width: float = 1.0) -> list[tuple[float, int, int]]:
        """(bucket start, succeeded, failed) per ``width`` seconds of send time, from the first request."""
        if not self.requests:
            return []
        origin = math.floor(self.requests[0].at / width) * width
        table: dict[int, list[int]] = {}
        for record in self.requests:
            counts = table.setdefault(int((record.at - origin) // width), [0, 0])
            counts[0 if record.ok else 1] += 1
        return [
            (round(origin + index * width, 3), table[index][0], table[index][1]) for index in sorted(table)
        ]
