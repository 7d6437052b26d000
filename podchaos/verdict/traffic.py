"""Rules on what the traffic probe saw: availability, failed requests, the longest outage, latency.

A traffic expectation stays pending while the service may still be disrupted: until the target pods
are all Ready with none terminating, and the probe has then seen ``TAIL_S`` seconds of requests with no
failure. So the requests that fail while a pod shuts down, or while its replacement starts, are all
counted before anything is concluded. When observation ends first, :func:`as_seen` judges over the
requests seen (``final``), the reason stated.
"""

from __future__ import annotations

from podchaos.model.expectations import Availability, Expectation, FailedRequests, Latency, LongestOutage
from podchaos.model.timeline import (
    ContainerSnapshot,
    EndpointsSnapshot,
    EventRecord,
    FaultRecord,
    PodGone,
    PodSnapshot,
    Timeline,
)
from podchaos.model.traffic import RequestRecord, TrafficSummary
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement

TAIL_S = 1.0
"""Seconds of failure-free requests, after the pods recovered, before traffic is judged."""


def recovered_at(timeline: Timeline, fault: FaultRecord) -> float | None:
    """Since when (at or after the fault) every target pod is Ready and none is terminating; None when
    that is not so at the end of the timeline."""
    pods: dict[str, PodSnapshot] = {}
    since: float | None = None
    for entry in timeline.entries:
        if isinstance(entry, PodSnapshot):
            pods[entry.pod_uid] = entry
        elif isinstance(entry, PodGone):
            pods.pop(entry.pod_uid, None)
        else:
            continue
        healthy = bool(pods) and all(p.ready and not p.deleting for p in pods.values())
        if not healthy:
            since = None
        elif since is None:
            since = entry.at
    return None if since is None else max(since, fault.at)


def _decided(timeline: Timeline, fault: FaultRecord, summary: TrafficSummary) -> bool:
    """The pods recovered and the probe saw TAIL_S seconds of requests after that with no failure."""
    since = recovered_at(timeline, fault)
    if since is None or not summary.requests:
        return False
    last_failure = max((r.at for r in summary.failed), default=fault.at)
    return summary.requests[-1].at - max(since, last_failure) >= TAIL_S


def _summary(timeline: Timeline, fault: FaultRecord) -> TrafficSummary:
    return TrafficSummary.of(timeline.of_type(RequestRecord), fault.at)


def _context(timeline: Timeline, start: float, end: float, fault: FaultRecord) -> str:
    """What else happened around the failed requests, relative to the fault."""
    notes: list[str] = []
    seen_endpoints: dict[str, bool] = {}
    for entry in timeline.entries:
        if isinstance(entry, EndpointsSnapshot):
            for endpoint in entry.endpoints:
                was = seen_endpoints.get(endpoint.pod_uid)
                seen_endpoints[endpoint.pod_uid] = endpoint.ready
                if was and not endpoint.ready and start - 2 <= entry.at <= end + 1:
                    notes.append(f"endpoint of {endpoint.pod} not ready at {_rel(entry.at, fault)}")
                elif was is False and endpoint.ready and start - 2 <= entry.at <= end + 1:
                    notes.append(f"endpoint of {endpoint.pod} ready at {_rel(entry.at, fault)}")
        if not start - 2 <= entry.at <= end + 1:
            continue
        if isinstance(entry, FaultRecord):
            notes.append(f"{entry.fault} at {_rel(entry.at, fault)}")
        elif isinstance(entry, EventRecord) and entry.reason in {"Killing", "Unhealthy"}:
            # Kubelet events carry whole seconds: the occurrence lies somewhere in [at, until).
            when = _rel(entry.at, fault) + (f" to {_rel(entry.until, fault)}" if entry.until else "")
            notes.append(
                f"{entry.reason} {entry.pod} between {when}"
                if entry.until
                else f"{entry.reason} {entry.pod} at {when}"
            )
        elif isinstance(entry, ContainerSnapshot) and entry.state == "terminated":
            notes.append(f"{entry.pod}/{entry.container} terminated at {_rel(entry.at, fault)}")
        elif isinstance(entry, PodSnapshot) and entry.deleting:
            notes.append(f"{entry.pod} terminating at {_rel(entry.at, fault)}")
        elif isinstance(entry, PodGone):
            notes.append(f"{entry.pod} gone at {_rel(entry.at, fault)}")
    unique = list(dict.fromkeys(notes))
    return "; ".join(unique[:8]) + (f"; and {len(unique) - 8} more" if len(unique) > 8 else "")


def _rel(at: float, fault: FaultRecord) -> str:
    return f"{at - fault.at:+.2f} s"


def describe(timeline: Timeline, fault: FaultRecord, summary: TrafficSummary) -> str:
    """Which requests failed and when, next to what the pods and endpoints did meanwhile."""
    total = len(summary.requests)
    failed = summary.failed
    if not failed:
        return f"all {total} requests after the fault succeeded"
    kinds = ", ".join(f"{outcome} {count}" for outcome, count in sorted(_outcomes(failed).items()))
    start, end = failed[0].at, failed[-1].at
    around = _context(timeline, start, end, fault)
    return (
        f"{len(failed)} of {total} requests failed ({kinds}) between {_rel(start, fault)} and "
        f"{_rel(end, fault)}" + (f"; meanwhile: {around}" if around else "")
    )


def _outcomes(records: tuple[RequestRecord, ...]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for record in records:
        counted[record.outcome] = counted.get(record.outcome, 0) + 1
    return counted


def availability(
    e: Availability, timeline: Timeline, fault: FaultRecord, _now: float, final: bool = False
) -> Judgement:
    window = "the observation" if e.window == "observation" else "the fault until the pods recovered"
    expected = f"at least {e.at_least:.2%} of requests succeed over {window}"
    summary = _summary(timeline, fault)
    if not final and not _decided(timeline, fault, summary):
        return Judgement(Outcome.PENDING, expected, describe(timeline, fault, summary) + " (so far)")
    if e.window == "recovered":
        # Never recovered (judged as seen): the whole observation is the window.
        summary = TrafficSummary.of(summary.requests, fault.at, recovered_at(timeline, fault))
    share = summary.availability
    if share is None:
        return Judgement(Outcome.FAILED, expected, "no request was sent in that window")
    seen = f"{share:.2%} succeeded: " + describe(timeline, fault, summary)
    return Judgement(Outcome.PASSED if share >= e.at_least else Outcome.FAILED, expected, seen)


def failed_requests(
    e: FailedRequests, timeline: Timeline, fault: FaultRecord, _now: float, final: bool = False
) -> Judgement:
    expected = f"at most {e.at_most} failed request(s) after the fault"
    summary = _summary(timeline, fault)
    seen = describe(timeline, fault, summary)
    if len(summary.failed) > e.at_most:
        return Judgement(Outcome.FAILED, expected, seen)
    if not final and not _decided(timeline, fault, summary):
        return Judgement(Outcome.PENDING, expected, seen + " (so far)")
    return Judgement(Outcome.PASSED, expected, seen)


def longest_outage(
    e: LongestOutage, timeline: Timeline, fault: FaultRecord, now: float, final: bool = False
) -> Judgement:
    expected = f"no outage (consecutive failed requests) longer than {e.at_most:g}s"
    summary = _summary(timeline, fault)
    outages = summary.outages()
    longest = max(outages, key=lambda o: o.length(now), default=None)
    if longest is None:
        seen = describe(timeline, fault, summary)
    else:
        ongoing = "" if longest.end is not None else ", still going on"
        seen = (
            f"longest outage {longest.length(now):.2f}s from {_rel(longest.start, fault)} "
            f"({longest.failed} failed request(s){ongoing}); " + describe(timeline, fault, summary)
        )
    if longest is not None and longest.length(now) > e.at_most:
        return Judgement(Outcome.FAILED, expected, seen)
    if not final and not _decided(timeline, fault, summary):
        return Judgement(Outcome.PENDING, expected, seen + " (so far)")
    return Judgement(Outcome.PASSED, expected, seen)


def latency(
    e: Latency, timeline: Timeline, fault: FaultRecord, _now: float, final: bool = False
) -> Judgement:
    expected = f"p{e.quantile * 100:g} latency of successful requests at most {e.at_most * 1000:g} ms"
    summary = _summary(timeline, fault)
    value = summary.latency_quantile(e.quantile)
    seen = "no successful request" if value is None else f"p{e.quantile * 100:g} {value * 1000:.1f} ms"
    seen += f" over {len(summary.requests) - len(summary.failed)} successful request(s)"
    if not final and not _decided(timeline, fault, summary):
        return Judgement(Outcome.PENDING, expected, seen + " (so far)")
    if value is None:
        return Judgement(Outcome.FAILED, expected, seen)
    return Judgement(Outcome.PASSED if value <= e.at_most else Outcome.FAILED, expected, seen)


def _still_open(timeline: Timeline, fault: FaultRecord, summary: TrafficSummary) -> str:
    """Why the traffic window had not closed when observation ended, in words."""
    if recovered_at(timeline, fault) is None:
        return "the target pods had not all recovered (Ready, none terminating) when observation ended"
    return f"observation ended before {TAIL_S:g} s of failure-free requests after the pods recovered"


def as_seen(e: Expectation, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    """A traffic expectation still pending when observation ended, judged over the requests that were
    seen, with the reason the window never closed stated: never a failure whose ``seen`` says every
    request succeeded. Without any request after the fault there is nothing to judge: undecided."""
    summary = _summary(timeline, fault)
    caveat = f" [judged over the requests seen: {_still_open(timeline, fault, summary)}]"
    if isinstance(e, Availability):
        judged = availability(e, timeline, fault, now, final=True)
    elif isinstance(e, FailedRequests):
        judged = failed_requests(e, timeline, fault, now, final=True)
    elif isinstance(e, LongestOutage):
        judged = longest_outage(e, timeline, fault, now, final=True)
    elif isinstance(e, Latency):
        judged = latency(e, timeline, fault, now, final=True)
    else:
        raise TypeError(f"not a traffic expectation: {type(e).__name__}")
    if not summary.requests:
        return Judgement(
            Outcome.UNDECIDED, judged.expected, "no request after the fault was recorded" + caveat
        )
    return Judgement(judged.outcome, judged.expected, judged.seen + caveat)


TRAFFIC_EXPECTATIONS = (Availability, FailedRequests, LongestOutage, Latency)
