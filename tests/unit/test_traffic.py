"""Traffic probes over recorded timelines (pure): the loader's traffic section, outages, the traffic
expectations' verdicts, the client's lines, and the JSON report's traffic block."""

from __future__ import annotations

import re

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader import parse_scenario
from podchaos.model import RequestRecord, RunResult, ScenarioRun, Timeline, Traffic, Verdict
from podchaos.model.expectations import Availability, FailedRequests, Latency, LongestOutage
from podchaos.model.timeline import FaultRecord, PodGone, PodSnapshot, TimelineEntry
from podchaos.model.traffic import TrafficSummary
from podchaos.model.verdict import Outcome
from podchaos.observe.traffic import client_manifest, parse_record
from podchaos.report.json_report import run_from_dict, run_to_dict
from podchaos.verdict import judge

SCENARIO = """
name: web-delete
workload:
  target: {app: web}
  manifests:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: app, image: busybox}]
    - apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
TRAFFIC
faults:
  - {type: pod-delete}
expect:
  - {type: failed-requests, atMost: 0}
"""


def scenario(traffic: str) -> str:
    return SCENARIO.replace("TRAFFIC", traffic)


def test_a_traffic_section_is_read_with_its_defaults() -> None:
    loaded = parse_scenario(scenario("traffic: {service: web, port: 80}"), "s.yaml")
    assert loaded.traffic == Traffic("web", 80)
    assert loaded.traffic.target == "web:80"
    custom = parse_scenario(
        scenario("traffic: {service: web, port: 80, mode: tcp, rate: 50, timeout: 250ms, steady: 2s}"),
        "s.yaml",
    )
    assert custom.traffic == Traffic("web", 80, "tcp", "/", 50.0, 0.25, 2.0)


@pytest.mark.parametrize(
    ("traffic", "field", "words"),
    [
        ("traffic: {service: api, port: 80}", "traffic.service", "it has: web"),
        ("traffic: {service: web, port: 8080}", "traffic.port", "exposes 80, not 8080"),
        ("traffic: {service: web, port: 80, mode: udp}", "traffic.mode", "http or tcp"),
        ("traffic: {service: web, port: 80, rate: 0}", "traffic.rate", "above 0"),
        ("traffic: {service: web, port: 80, rate: 5000}", "traffic.rate", "at most 200"),
        ("traffic: {service: web, port: 80, path: health}", "traffic.path", "absolute"),
        ("traffic: {service: web, port: 80, mode: tcp, path: /x}", "traffic.path", "only with mode http"),
        ("traffic: {service: web, port: 80, retries: 3}", "traffic.retries", "unknown field"),
        ("", "expect[0].type", "needs a traffic probe"),
    ],
)
def test_a_bad_traffic_section_names_the_field(traffic: str, field: str, words: str) -> None:
    with pytest.raises(ScenarioError, match=f"s.yaml: {re.escape(field)}: .*{words}"):
        parse_scenario(scenario(traffic), "s.yaml")


def test_ratios_are_shares() -> None:
    text = scenario("traffic: {service: web, port: 80}").replace(
        "{type: failed-requests, atMost: 0}", "{type: availability, atLeast: 99}"
    )
    with pytest.raises(ScenarioError, match=r"expect\[0\]\.atLeast: expected a share"):
        parse_scenario(text, "s.yaml")


FAULT = FaultRecord(10.0, "pod-delete", "web-1", "uid-1", "", "delete")


def pod(at: float, uid: str, ready: bool = True, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(at, uid.replace("uid", "web"), uid, "n1", "Running", ready, deleting)


def requests(
    start: float, end: float, failing: tuple[float, float] | None = None, rate: int = 10
) -> list[RequestRecord]:
    records = []
    for index in range(int((end - start) * rate)):
        at = round(start + index / rate, 3)
        failed = failing is not None and failing[0] <= at < failing[1]
        records.append(
            RequestRecord(at, index, "refused" if failed else "ok", 0 if failed else 200, 2.0 + index % 5)
        )
    return records


def timeline(*entries: TimelineEntry) -> Timeline:
    return Timeline().plus(*entries)


def replaced(failing: tuple[float, float] | None, until: float = 16.0) -> Timeline:
    """Two replicas; the faulted one terminates and is gone at 13 s, its replacement Ready at 12 s."""
    return timeline(
        pod(1.0, "uid-1"),
        pod(1.0, "uid-2"),
        FAULT,
        pod(10.1, "uid-1", ready=False, deleting=True),
        pod(11.0, "uid-3", ready=False),
        pod(12.0, "uid-3"),
        PodGone(13.0, "web-1", "uid-1"),
        *requests(8.0, until, failing),
    )


def test_failed_requests_wait_for_the_pods_to_recover_then_count_every_failure() -> None:
    # While a pod terminates, nothing is concluded, even with no failure so far.
    terminating = timeline(
        pod(1.0, "uid-1"), pod(1.0, "uid-2"), FAULT, pod(10.1, "uid-1", False, True), *requests(8, 12)
    )
    early = judge(FailedRequests(0), terminating, 12.0)
    assert early.outcome is Outcome.PENDING
    clean = judge(FailedRequests(0), replaced(None), 16.0)
    assert clean.outcome is Outcome.PASSED
    assert clean.seen == "all 60 requests after the fault succeeded"
    lost = judge(FailedRequests(0), replaced((10.2, 10.5)), 16.0)
    assert lost.outcome is Outcome.FAILED
    assert lost.seen.startswith("3 of 60 requests failed (refused 3) between +0.20 s and +0.40 s")
    assert "web-1 terminating at +0.10 s" in lost.seen
    # Too many failures fail at once, pods recovered or not.
    assert (
        judge(FailedRequests(0), timeline(FAULT, *requests(9, 11, (10.2, 10.4))), 11).outcome
        is Outcome.FAILED
    )


def test_the_longest_outage_runs_from_the_first_failure_to_the_next_success() -> None:
    summary = TrafficSummary.of(tuple(requests(8, 16, (10.2, 11.0))), 10.0)
    (outage,) = summary.outages()
    assert (outage.start, outage.end, outage.failed) == (10.2, 11.0, 8)
    assert judge(LongestOutage(1.0), replaced((10.2, 11.0)), 16).outcome is Outcome.PASSED
    failed = judge(LongestOutage(0.5), replaced((10.2, 11.0)), 16)
    assert failed.outcome is Outcome.FAILED
    assert failed.seen.startswith("longest outage 0.80s from +0.20 s (8 failed request(s))")
    # An outage still going on fails as soon as it is too long.
    ongoing = judge(LongestOutage(0.5), timeline(FAULT, *requests(9, 11, (10.2, 12))), 11)
    assert ongoing.outcome is Outcome.FAILED
    assert "still going on" in ongoing.seen


def test_availability_over_the_observation_or_until_recovered() -> None:
    lossy = replaced((10.0, 11.0))
    over_all = judge(Availability(0.8), lossy, 16)  # 50 of 60
    assert over_all.outcome is Outcome.PASSED
    assert over_all.seen.startswith("83.33% succeeded: 10 of 60 requests failed (refused 10)")
    assert judge(Availability(0.85), lossy, 16).outcome is Outcome.FAILED
    # Until the pods recovered (13 s, the old pod gone): 20 of 30.
    assert judge(Availability(0.7, "recovered"), lossy, 16).outcome is Outcome.FAILED
    assert judge(Availability(0.6, "recovered"), lossy, 16).outcome is Outcome.PASSED


def test_latency_quantile_of_the_successful_requests() -> None:
    result = judge(Latency(0.99, 0.006), replaced(None), 16)
    assert result.outcome is Outcome.PASSED
    assert result.seen == "p99 6.0 ms over 60 successful request(s)"
    assert judge(Latency(0.5, 0.003), replaced(None), 16).outcome is Outcome.FAILED


def test_the_clients_lines_become_records_on_the_runs_clock() -> None:
    line = (
        '2026-11-27T03:50:00.1Z {"t": 1000123.5, "seq": 7, "outcome": "timeout", "status": 0,'
        ' "latency_ms": 1000.2, "error": "context deadline exceeded"}'
    )
    record = parse_record(line, wall_origin=1000.0)
    assert record == RequestRecord(0.1235, 7, "timeout", 0, 1000.2, "context deadline exceeded")
    assert parse_record('2026-11-27T03:50:00Z {"summary": true, "sent": 3}', 1000.0) is None
    assert parse_record("2026-11-27T03:50:00Z not json", 1000.0) is None
    args = client_manifest(Traffic("web", 80, rate=20, timeout=0.25))["spec"]["containers"][0]["args"]
    assert args == [
        "--target",
        "web:80",
        "--mode",
        "http",
        "--rate",
        "20",
        "--timeout",
        "250ms",
        "--path",
        "/",
    ]


def test_the_run_document_has_the_probe_and_what_it_saw() -> None:
    lossy = replaced((10.2, 10.5))
    result = RunResult("web-delete", "pc-web-1", Verdict(()), lossy, "", 16.0, traffic=Traffic("web", 80))
    document = run_to_dict(ScenarioRun(result))
    seen = document["traffic"]["after_fault"]
    assert seen["outcomes"] == {"ok": 57, "refused": 3}
    assert seen["longest_outage_s"] == 0.3
    assert [f["seq"] for f in seen["failures"]] == [22, 23, 24]
    assert seen["buckets"][0] == {"at": 10.0, "succeeded": 7, "failed": 3}
    assert run_from_dict(document).result.traffic == Traffic("web", 80)


def test_the_report_draws_a_traffic_lane_and_the_summary_has_availability() -> None:
    from podchaos.model import RunReport
    from podchaos.report.html import render_html
    from podchaos.report.lanes import build_lanes

    lossy = replaced((10.2, 10.5))
    (lane,) = [lane for lane in build_lanes(lossy) if lane.kind == "traffic"]
    states = {segment.start: segment.state for segment in lane.segments}
    assert (states[8.0], states[10.0], states[10.5]) == ("s-traffic-ok", "s-traffic-mixed", "s-traffic-ok")
    assert [mark.title for mark in lane.marks] == [f"request {n}: refused" for n in (22, 23, 24)]
    result = RunResult("web-delete", "pc-web-1", Verdict(()), lossy, "", 16.0, traffic=Traffic("web", 80))
    html = render_html(RunReport("r", "", "", (ScenarioRun(result),)))
    assert "<th>availability</th><th>longest outage</th>" in html
    assert '<td class="num">95.00%</td><td class="num">0.30 s</td>' in html
    assert "traffic (requests)" in html


def test_tokens_are_read_back_from_the_faulted_pod_or_the_one_that_took_its_name() -> None:
    from podchaos.engine.decide import token_target
    from podchaos.model.timeline import PodState

    def state(name: str, uid: str, deleting: bool = False) -> PodState:
        return PodState(PodSnapshot(1.0, name, uid, "n1", "Running", True, deleting), ())

    fault = FaultRecord(10.0, "pod-delete", "db-1", "uid-old", "", "delete")
    # A StatefulSet's db-1 came back under its name (new uid): its claim holds the token, not db-0's.
    recreated = [state("db-0", "uid-0"), state("db-1", "uid-new"), state("db-1", "uid-old", deleting=True)]
    assert token_target(recreated, fault).pod.pod_uid == "uid-new"
    living = [state("db-0", "uid-0"), state("db-1", "uid-old")]
    assert token_target(living, fault).pod.pod_uid == "uid-old"
    replaced = [state("web-a", "uid-a"), state("web-z", "uid-z")]
    assert token_target(replaced, fault).pod.pod == "web-a"


def test_every_timeline_entry_kind_round_trips_through_the_run_document() -> None:
    from typing import get_args

    from podchaos.model.controllers import JobSnapshot
    from podchaos.model.timeline import TimelineEntry
    from podchaos.report.json_report import ENTRY_KINDS, entry_from_dict, entry_to_dict

    assert set(ENTRY_KINDS.values()) == set(get_args(TimelineEntry))
    job = JobSnapshot(3.0, "work", "uid-j", 0, 0, 2, 1, "Failed", "BackoffLimitExceeded")
    assert entry_from_dict(entry_to_dict(job)) == job
