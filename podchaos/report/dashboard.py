"""The Grafana dashboard shipped with podchaos (``podchaos/dashboards/podchaos-resilience.json``) over
the metrics it exports: pass rate, recovery-time percentiles and histograms, traffic availability and
outages, expectation failures, by scenario and Kubernetes release. ``podchaos dashboard`` prints it for
Grafana's import; its PromQL is checked against a real Prometheus by
``tests/e2e/test_dashboard_prometheus.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podchaos.errors import ReportError

DASHBOARD_FILE = Path(__file__).resolve().parents[1] / "dashboards" / "podchaos-resilience.json"


@dataclass(frozen=True)
class PanelQuery:
    """One query of one panel."""

    panel: str
    ref_id: str
    expr: str


def load_dashboard(path: Path = DASHBOARD_FILE) -> dict[str, Any]:
    """The dashboard's JSON model."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read the dashboard {path}: {exc}") from exc
    return data


def panel_queries(dashboard: dict[str, Any]) -> tuple[PanelQuery, ...]:
    """Every panel's PromQL queries, in panel order."""
    return tuple(
        PanelQuery(str(panel["title"]), str(target["refId"]), str(target["expr"]))
        for panel in dashboard.get("panels", [])
        for target in panel.get("targets", [])
    )


def with_all_values(expr: str, dashboard: dict[str, Any]) -> str:
    """The query as Grafana sends it with every template variable at "All" (its ``allValue``)."""
    values = {
        str(var["name"]): str(var["allValue"])
        for var in dashboard.get("templating", {}).get("list", [])
        if "allValue" in var
    }

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            raise ReportError(
                f"dashboard query uses ${name}, which is not a template variable with an allValue"
            )
        return values[name]

    # A name starts with a letter: label_replace's "$1" is PromQL's own, as Grafana leaves it too.
    return re.sub(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)", substitute, expr)
