"""The Grafana dashboard podchaos ships, against a real Prometheus (Debian's ``prometheus``) that scrapes a
real Pushgateway holding two pushed runs: every panel's PromQL, with the template variables at "All",
returns data, and the pass-rate panel splits by Kubernetes release.

The runs are recorded results (no cluster): a container kill and a pod delete whose timelines show
every recovery step, a failed expectation and a traffic outage, so an empty panel means a query that
does not match what podchaos exports.
"""

from __future__ import annotations

import json
import math
import time
import urllib.parse
from pathlib import Path
from typing import Any

from host_tools import get, running_prometheus, running_pushgateway

from podchaos.model import (
    ClusterInfo,
    ContainerSnapshot,
    EndpointsSnapshot,
    ExpectationResult,
    FaultRecord,
    Outcome,
    PodReady,
    PodSnapshot,
    RequestRecord,
    RestartCount,
    RunResult,
    ScenarioRun,
    Timeline,
    Traffic,
    Verdict,
)
from podchaos.model.measure import measure
from podchaos.model.timeline import EndpointState
from podchaos.report import metrics
from podchaos.report.dashboard import load_dashboard, panel_queries, with_all_values

SCRAPE_TIMEOUT_S = 90.0


def pod(at: float, name: str, uid: str, node: str, ready: bool, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(at, name, uid, node, "Running", ready, deleting)


def endpoints(at: float, *states: tuple[str, str, bool]) -> EndpointsSnapshot:
    return EndpointsSnapshot(
        at,
        "web-abc",
        "web",
        tuple(EndpointState(name, uid, "10.251.1.5", ok, ok, False) for name, uid, ok in states),
    )


def requests(start: float, end: float, failing: tuple[float, float]) -> list[RequestRecord]:
    records = []
    for seq in range(int((end - start) * 10)):
        at = round(start + seq / 10, 3)
        failed = failing[0] <= at < failing[1]
        records.append(RequestRecord(at, seq, "refused" if failed else "ok", 0 if failed else 200, 2.0))
    return records


def cluster(version: str) -> ClusterInfo:
    return ClusterInfo("local", "podchaos-local", version)


def kill_run(version: str, ready_after: float) -> ScenarioRun:
    fault = FaultRecord(10.0, "container-kill", "web", "u1", "app", "SIGKILL")
    timeline = Timeline().plus(
        pod(1.0, "web", "u1", "node-1", True),
        ContainerSnapshot(1.0, "web", "u1", "app", "main", "running", "", 0, True, "containerd://a"),
        fault,
        pod(10.2, "web", "u1", "node-1", False),
        ContainerSnapshot(10.6, "web", "u1", "app", "main", "running", "", 1, False, "containerd://b"),
        pod(10.0 + ready_after, "web", "u1", "node-1", True),
    )
    verdict = Verdict((ExpectationResult(RestartCount("app", 1), Outcome.PASSED, "app +1", "0 -> 1"),))
    result = RunResult("kill-app", f"pc-kill-{version}", verdict, timeline, "2026-12-01T02:00:00+00:00", 20.0)
    return ScenarioRun(
        result, cluster=ClusterInfo("local", "podchaos-local", version), podchaos_version="0.1.0"
    )


def delete_run(version: str) -> ScenarioRun:
    fault = FaultRecord(10.0, "pod-delete", "web-1", "u1", "", "grace 30")
    timeline = Timeline().plus(
        pod(1.0, "web-1", "u1", "node-1", True),
        endpoints(1.0, ("web-1", "u1", True)),
        *requests(5.0, 10.0, (0.0, 0.0)),
        fault,
        pod(10.1, "web-1", "u1", "node-1", False, deleting=True),
        endpoints(10.2, ("web-1", "u1", False)),
        *requests(10.0, 20.0, (10.3, 12.0)),
        pod(11.0, "web-2", "u2", "node-2", False),
        pod(11.8, "web-2", "u2", "node-2", True),
        endpoints(11.9, ("web-2", "u2", True)),
    )
    verdict = Verdict((ExpectationResult(PodReady(1.0), Outcome.FAILED, "Ready within 1 s", "after 1.8 s"),))
    result = RunResult(
        "delete-web",
        f"pc-delete-{version}",
        verdict,
        timeline,
        "2026-12-01T02:01:00+00:00",
        25.0,
        traffic=Traffic(service="web", port=80),
    )
    return ScenarioRun(
        result, cluster=ClusterInfo("local", "podchaos-local", version), podchaos_version="0.1.0"
    )


def query(url: str, expr: str) -> list[dict[str, Any]]:
    status, body = get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
    document = json.loads(body)
    assert status == 200, body
    assert document["status"] == "success", document
    result: list[dict[str, Any]] = document["data"]["result"]
    return result


def finite(series: list[dict[str, Any]]) -> bool:
    values = [float(s["value"][1]) for s in series]
    return any(math.isfinite(value) for value in values)


def test_every_panel_query_returns_data_from_prometheus_scraping_the_pushgateway(tmp_path: Path) -> None:
    first = [kill_run("v1.36.3", 1.1), delete_run("v1.36.3")]
    second = [kill_run("v1.37.2", 1.4), delete_run("v1.37.2")]
    # The recorded runs show every recovery step, so each panel has something to show.
    steps = {
        step for run in first for step, value in measure(run.result.timeline).items() if value is not None
    }
    assert steps == {name for name, _ in measure(Timeline()).items()}

    dashboard = load_dashboard()
    queries = panel_queries(dashboard)
    assert len({q.panel for q in queries}) == len(dashboard["panels"]) >= 8

    with running_pushgateway(tmp_path) as gateway, running_prometheus(tmp_path, gateway) as prometheus:
        metrics.push(gateway, metrics.build_registry(first), "night-1")
        metrics.push(gateway, metrics.build_registry(second), "night-2")
        deadline = time.monotonic() + SCRAPE_TIMEOUT_S
        while len(query(prometheus, "podchaos_run_info")) < 2:
            assert time.monotonic() < deadline, "Prometheus never scraped both pushes from the Pushgateway"
            time.sleep(0.5)

        empty = []
        for q in queries:
            expr = with_all_values(q.expr, dashboard)
            series = query(prometheus, expr)
            if not series or not finite(series):
                empty.append(f"{q.panel} ({q.ref_id}): {expr}")
        assert not empty, "panels without data:\n" + "\n".join(empty)

        pass_rate = next(q for q in queries if q.panel == "Pass rate by scenario and release")
        rates = {
            (s["metric"]["scenario"], s["metric"]["kubernetes_version"]): float(s["value"][1])
            for s in query(prometheus, with_all_values(pass_rate.expr, dashboard))
        }
        assert rates == {
            ("kill-app", "v1.36.3"): 1.0,
            ("kill-app", "v1.37.2"): 1.0,
            ("delete-web", "v1.36.3"): 0.0,
            ("delete-web", "v1.37.2"): 0.0,
        }
