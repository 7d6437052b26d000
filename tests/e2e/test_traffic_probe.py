"""The traffic probe on the real local cluster: a wrong expectation fails with the requests it lost,
and traffic that never succeeds keeps the run from reaching steady state."""

from __future__ import annotations

from typing import Any

import pytest

from podchaos.errors import WorkloadNotSteady
from podchaos.library import Chaos
from podchaos.model import RequestRecord, Traffic
from podchaos.model.expectations import Availability, FailedRequests, LongestOutage

pytestmark = pytest.mark.e2e

SERVER = (
    "mkdir -p /www; echo ok > /www/index.html; httpd -f -p 8080 -h /www & pid=$!;"
    " trap 'kill $pid; exit 0' TERM; wait $pid"
)


def web(replicas: int, target_port: int = 8080) -> list[dict[str, Any]]:
    container = {
        "name": "app",
        "image": "docker.io/library/busybox:1.35",
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", SERVER],
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
    }
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": target_port}]},
        },
    ]


def test_deleting_the_only_replica_fails_an_expectation_of_no_lost_request(chaos: Chaos) -> None:
    chaos.apply(web(replicas=1))
    with chaos.record(app="web", traffic=Traffic(service="web", port=80)) as run:
        run.delete_pod()
        verdict = run.expect(FailedRequests(at_most=0), LongestOutage(at_most=60.0), Availability(0.1))
    lost, bounded, available = verdict.results
    assert lost.outcome.value != "passed", lost.seen
    assert "requests failed (" in lost.seen
    assert "pod-delete at +0.00 s" in lost.seen
    assert bounded.outcome.value == "passed", bounded.seen
    assert available.outcome.value == "passed", available.seen
    records = run.timeline.of_type(RequestRecord)
    failed = [record for record in records if not record.ok]
    assert failed, "the client recorded no failed request"
    # Every request after the last failure succeeded: the replacement served them.
    assert all(record.ok for record in records if record.at > failed[-1].at)
    assert records == tuple(sorted(records, key=lambda record: record.at))


def test_traffic_that_never_succeeds_is_not_a_steady_state(chaos: Chaos) -> None:
    chaos.apply(web(replicas=1, target_port=9999))  # nothing listens there
    with (
        pytest.raises(WorkloadNotSteady, match=r"traffic to web:80 before any fault: refused \d+"),
        chaos.record(app="web", timeout=15, traffic=Traffic(service="web", port=80, steady=2)),
    ):
        pass
