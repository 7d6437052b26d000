"""Traffic that never became steady names who is to blame: a Service name the cluster DNS does not
resolve is the cluster's; refused connections or errors are the workload's (pure: recorded requests)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from podchaos.errors import ClusterError, WorkloadNotSteady
from podchaos.k8s.client import Kube
from podchaos.model import Traffic
from podchaos.model.traffic import RequestRecord
from podchaos.observe.traffic import TrafficProbe


def probe_with(outcome: str, error: str) -> TrafficProbe:
    probe = TrafficProbe(cast(Kube, None), "ns", Traffic("web", 80), lambda _e: None, 1000.0, lambda *_: None)
    failed = 0 if outcome == "ok" else 1
    cast(Any, probe)._records = [
        RequestRecord(i / 10, i, outcome, 200 if not failed else 0, 1.0, error) for i in range(60)
    ]
    return probe


def test_a_name_the_cluster_dns_never_resolved_is_the_clusters_problem() -> None:
    # Seen after apiserver restarts: CoreDNS lagged a minute behind a Service created meanwhile.
    probe = probe_with("dns", "lookup web on 10.250.0.2:53: server misbehaving")
    with pytest.raises(ClusterError, match="the cluster DNS did not resolve Service web"):
        probe.check_steady(0.0)


def test_refused_connections_are_the_workloads() -> None:
    probe = probe_with("refused", "connect: connection refused")
    with pytest.raises(WorkloadNotSteady, match="traffic to web:80 before any fault: refused 60"):
        probe.check_steady(0.0)
