"""The shipped Grafana dashboard, checked without Grafana: every query names metrics podchaos exports and
only template variables the dashboard defines (tests/e2e/test_dashboard_prometheus.py runs them on
Prometheus)."""

from __future__ import annotations

import re

from podchaos.report import metrics
from podchaos.report.dashboard import load_dashboard, panel_queries, with_all_values


def test_every_query_uses_exported_metrics_and_defined_variables() -> None:
    dashboard = load_dashboard()
    queries = panel_queries(dashboard)
    assert queries
    exported = {*metrics.METRIC_NAMES, *(f"{name}_total" for name in metrics.METRIC_NAMES)}
    for query in queries:
        expanded = with_all_values(query.expr, dashboard)
        assert "$" not in expanded.replace("$1", ""), query
        # Metric names (a label, podchaos_version, and the recovery regex's stem aside).
        tokens = set(re.findall(r"podchaos_\w+", expanded)) - {"podchaos_version", "podchaos_recovery_"}
        names = {re.sub(r"_(bucket|count|sum)$", "", token) for token in tokens}
        assert names, query
        unknown = names - exported
        assert not unknown, (query.panel, unknown)


def test_panels_have_titles_descriptions_and_a_templated_datasource() -> None:
    dashboard = load_dashboard()
    assert dashboard["uid"] == "podchaos-resilience"
    names = {var["name"] for var in dashboard["templating"]["list"]}
    assert {"datasource", "scenario", "release", "step"} <= names
    for panel in dashboard["panels"]:
        assert panel["title"]
        assert panel["description"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
