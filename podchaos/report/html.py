"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external resources).

Each scenario gets a drawn timeline: a readiness band per pod, a lane per container coloured by its
state, faults as red lines across all lanes, restarts and terminations as marks, Kubernetes events on
their own lane; then the verdict (expected vs seen), the recovery times and the diagnostics.

Rendering works from a :class:`~podchaos.report.json_report.RunReport`, which ``results.json`` loads
back, so ``podchaos report`` redraws a report from the JSON alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from podchaos.model import (
    Expectation,
    FaultSpec,
    Outcome,
    RunReport,
    ScenarioRun,
)
from podchaos.model.measure import Measurements
from podchaos.model.traffic import RequestRecord, TrafficSummary
from podchaos.report.repetitions import group_runs, render_html_section
from podchaos.report.svg import render_timeline_svg
from podchaos.report.text import format_timeline

STEP_LABELS = {
    "not_ready": "not Ready",
    "container_restart": "container restarted",
    "ready": "Ready again",
    "endpoint_removed": "removed from endpoints",
    "endpoint_returned": "back in endpoints",
    "rescheduled": "rescheduled on another node",
}

# --- the page -----------------------------------------------------------------------------------------

CSS = """
:root { color-scheme: light; --fg: #1f2933; --muted: #616e7c; --line: #d9e2ec; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0;
  background: #f5f7fa; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 0 0 6px; } h3 { font-size: 15px;
  margin: 18px 0 6px; }
code, pre { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #fff; border: 1px solid var(--line); padding: 8px; overflow-x: auto;
  white-space: pre-wrap; }
.meta, .description { color: var(--muted); margin: 4px 0; }
section.scenario { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px;
  margin: 0 0 20px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: 700;
  color: #fff; text-transform: uppercase; }
.badge.passed { background: #2f8132; } .badge.failed { background: #c62828; }
.badge.error { background: #8e24aa; } .badge.pending { background: #b7791f; }
.badge.undecided { background: #5d6d7e; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.error-box { border-left: 4px solid #8e24aa; background: #f8f0fb; padding: 6px 10px; white-space: pre-wrap; }
svg.timeline { width: 100%; height: auto; display: block; background: #fff; }
svg.timeline text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg.timeline .lane-label { font-size: 11px; }
svg.timeline .events-lane .lane-label, svg.timeline .tick, svg.timeline .axis-title { fill: var(--muted); }
svg.timeline .pod-lane .lane-label { font-weight: 600; }
.track { fill: #f0f4f8; }
.grid { stroke: #e4e7eb; stroke-width: 1; }
.seg.s-ready { fill: #3f9142; } .seg.s-not-ready { fill: #e57373; } .seg.s-deleting { fill: #f0a04b; }
.seg.s-running { fill: #4a90d9; } .seg.s-running-unready { fill: #a9c9ee; } .seg.s-waiting { fill: #f2c94c; }
.seg.s-traffic-ok { fill: #7cc47f; } .seg.s-traffic-mixed { fill: #f0a04b; }
.seg.s-traffic-failed { fill: #c62828; } .seg.s-api-down { fill: #6d4c41; }
.seg.s-terminated { fill: #9aa5b1; } .seg.s-unknown { fill: #cbd2d9; } .seg.s-absent { fill: #eceff1; }
.m-fault { stroke: #d0021b; stroke-width: 2; stroke-dasharray: 5 3; } .m-fault-head { fill: #d0021b; }
svg.timeline .fault-label { fill: #d0021b; font-weight: 700; }
.m-restart { fill: #fff; stroke: #102a43; stroke-width: 2.5; }
.m-terminated { stroke: #102a43; stroke-width: 2.5; fill: none; }
.m-gone { fill: #102a43; } .m-probe { fill: #7b61ff; }
.m-event { stroke: #52606d; stroke-width: 2; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
"""


def _describe_spec(spec: FaultSpec | Expectation) -> str:
    values = ", ".join(f"{k}={v}" for k, v in vars(spec).items() if v is not None and v != "")
    return f"{spec.type}({values})"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _anchor(index: int, name: str) -> str:
    return f"scenario-{index}-{re.sub(r'[^a-zA-Z0-9-]', '-', name)}"


def _traffic_cells(run: ScenarioRun) -> str:
    """Availability and the longest outage after the fault, for a run with a traffic probe."""
    fault_at = run.result.timeline.first_fault_at
    if run.result.traffic is None or fault_at is None:
        return '<td class="num">—</td><td class="num">—</td>'
    seen = TrafficSummary.of(run.result.timeline.of_type(RequestRecord), fault_at)
    share = "—" if seen.availability is None else f"{seen.availability:.2%}"
    longest = max((o.length(run.result.duration_s) for o in seen.outages()), default=0.0)
    return f'<td class="num">{share}</td><td class="num">{longest:.2f} s</td>'


def _summary_table(report: RunReport) -> str:
    rows = []
    for index, run in enumerate(report.runs):
        m = run.result.measurements
        traffic = _traffic_cells(run)
        rows.append(
            f'<tr><td><a href="#{_anchor(index, run.result.scenario)}">{escape(run.result.scenario)}</a></td>'
            f'<td><span class="badge {run.outcome.value}">{run.outcome.value}</span></td>'
            f'<td class="num">{run.result.duration_s:.1f} s</td>'
            + "".join(
                f'<td class="num">{_seconds(value)}</td>'
                for value in (m.not_ready_s, m.container_restart_s, m.ready_s, m.rescheduled_s)
            )
            + traffic
            + "</tr>"
        )
    head = (
        "<tr><th>scenario</th><th>outcome</th><th>duration</th><th>not Ready</th><th>restarted</th>"
        "<th>Ready again</th><th>rescheduled</th><th>availability</th><th>longest outage</th></tr>"
    )
    return f'<table class="summary">{head}{"".join(rows)}</table>'


def _verdict_table(run: ScenarioRun) -> str:
    if not run.result.verdict.results:
        return '<p class="meta">no expectation was judged</p>'
    rows = []
    for judged in run.result.verdict.results:
        css = judged.outcome.value if judged.outcome is not Outcome.PENDING else "pending"
        rows.append(
            f'<tr class="result {css}"><td><span class="badge {css}">{judged.outcome.value}</span></td>'
            f"<td><code>{escape(_describe_spec(judged.expectation))}</code></td>"
            f"<td>{escape(judged.expected)}</td><td>{escape(judged.seen)}</td></tr>"
        )
    head = "<tr><th>result</th><th>expectation</th><th>expected</th><th>seen</th></tr>"
    return f'<table class="verdict">{head}{"".join(rows)}</table>'


def _measurements_table(measurements: Measurements) -> str:
    cells = "".join(
        f'<tr><td>{escape(STEP_LABELS.get(name, name))}</td><td class="num">{_seconds(value)}</td></tr>'
        for name, value in measurements.items()
    )
    return (
        f'<table class="measurements"><tr><th>after the first fault</th><th>seconds</th></tr>{cells}</table>'
    )


PHASE_LABELS = {
    "queued": "queued (another run's node fault)",
    "deploy": "deploy (namespace, objects)",
    "steady": "steady (targets Ready, tokens written)",
    "inject": "inject (faults, confirmed)",
    "observe": "observe (until every expectation decided)",
    "settle": "settle",
    "restore": "restore (faults undone)",
    "cleanup": "cleanup (namespace deletion started)",
}


def _phases_table(run: ScenarioRun) -> str:
    phases = list(run.result.phases.items())
    total = run.result.duration_s
    other = max(0.0, total - sum(seconds for _name, seconds in phases))
    cells = "".join(
        f'<tr><td>{escape(PHASE_LABELS.get(name, name))}</td><td class="num">{seconds:.2f} s</td></tr>'
        for name, seconds in [*phases, ("other", other)]
    )
    return f'<table class="phases"><tr><th>phase</th><th>seconds</th></tr>{cells}</table>'


def _spec_list(specs: Sequence[FaultSpec | Expectation]) -> str:
    if not specs:
        return "<p class='meta'>none recorded</p>"
    return "<ul>" + "".join(f"<li><code>{escape(_describe_spec(s))}</code></li>" for s in specs) + "</ul>"


def _scenario_section(index: int, run: ScenarioRun) -> str:
    result = run.result
    facts = [
        ("namespace", result.namespace),
        ("started", result.started_at),
        ("duration", f"{result.duration_s:.1f} s"),
        ("source", run.source),
        ("test", run.nodeid),
        ("worker", run.worker),
    ]
    facts_html = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts if v)
    parts = [
        f'<section class="scenario" id="{_anchor(index, result.scenario)}" '
        f'data-scenario="{escape(result.scenario)}">',
        f'<h2><span class="badge {run.outcome.value}">{run.outcome.value}</span> '
        f"{escape(result.scenario)}</h2>",
    ]
    if run.description:
        parts.append(f'<p class="description">{escape(run.description)}</p>')
    parts.append(f'<dl class="facts">{facts_html}</dl>')
    if result.error:
        parts.append(f'<div class="error-box">{escape(result.error)}</div>')
    parts += [
        "<h3>Timeline</h3>",
        render_timeline_svg(result.timeline, f"timeline of scenario {result.scenario}"),
        "<h3>Verdict: expected vs seen</h3>",
        _verdict_table(run),
        "<h3>Recovery times</h3>",
        _measurements_table(result.measurements),
        "<h3>Where the time went</h3>",
        _phases_table(run),
        "<h3>Faults</h3>",
        _spec_list(run.faults),
        *(
            ["<h3>Notes</h3>", "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in result.notes) + "</ul>"]
            if result.notes
            else []
        ),
        "<h3>Expectations</h3>",
        _spec_list(run.expectations),
        "<h3>Diagnostics</h3>",
    ]
    if result.diagnostics:
        parts.append(
            f"<details open><summary>{len(result.diagnostics)} section(s)</summary>"
            + "".join(f'<pre class="diagnostics">{escape(d)}</pre>' for d in result.diagnostics)
            + "</details>"
        )
    else:
        parts.append('<p class="meta">none (collected only when a run fails)</p>')
    parts.append(
        f"<details><summary>timeline as text ({len(result.timeline.entries)} entries)</summary>"
        f"<pre>{escape(format_timeline(result.timeline))}</pre></details></section>"
    )
    return "".join(parts)


def render_html(report: RunReport) -> str:
    """The whole report as one HTML document."""
    cluster = report.cluster
    cluster_text = cluster.server_version or "version unknown"
    if cluster.description:
        cluster_text += f" — {cluster.description}"
    counts = report.counts()
    summary = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    title = f"podchaos run {report.run_id}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="meta">{len(report.runs)} scenario run(s): {escape(summary or "none")} · created '
        f"{escape(report.created_at)} · podchaos {escape(report.podchaos_version)} · cluster "
        f"{escape(cluster_text)}</p>{_summary_table(report)}"
        f"{render_html_section(group_runs(report.runs))}</header><main>"
        + "".join(_scenario_section(index, run) for index, run in enumerate(report.runs))
        + "</main></body></html>\n"
    )
