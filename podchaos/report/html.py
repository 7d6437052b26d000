"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external resources).

Each scenario gets a drawn timeline: a readiness band per pod, a lane per container coloured by its
state, faults as red lines across all lanes, restarts and terminations as marks, Kubernetes events on
their own lane; then the verdict (expected vs seen), the recovery times and the diagnostics.

Rendering works from a :class:`~podchaos.report.json_report.RunReport`, which ``results.json`` loads
back, so ``podchaos report`` redraws a report from the JSON alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape

from podchaos.measure import Measurements, measure
from podchaos.model import (
    Expectation,
    FaultRecord,
    FaultSpec,
    Outcome,
    RunReport,
    ScenarioRun,
    Timeline,
)
from podchaos.model.traffic import RequestRecord, TrafficSummary
from podchaos.model.triggers import TriggerRecord
from podchaos.report.lanes import Lane, build_lanes
from podchaos.report.repetitions import group_runs, render_html_section
from podchaos.report.text import format_timeline

# Geometry of the timeline drawing, in SVG user units (the drawing scales to the page width).
WIDTH = 1100
LABEL_WIDTH = 250
RIGHT_MARGIN = 24
TOP = 34
LANE_HEIGHT = 18
LANE_GAP = 7
AXIS_HEIGHT = 34
LEGEND_ROW = 20

STEP_LABELS = {
    "not_ready": "not Ready",
    "container_restart": "container restarted",
    "ready": "Ready again",
    "endpoint_removed": "removed from endpoints",
    "endpoint_returned": "back in endpoints",
    "rescheduled": "rescheduled on another node",
}

# (css class, label) of every colour and mark the drawing uses, in legend order.
LEGEND: tuple[tuple[str, str, str], ...] = (
    ("band", "s-ready", "pod Ready"),
    ("band", "s-not-ready", "pod not Ready"),
    ("band", "s-deleting", "pod terminating"),
    ("band", "s-running", "container running, ready"),
    ("band", "s-running-unready", "running, not ready"),
    ("band", "s-waiting", "waiting"),
    ("band", "s-terminated", "terminated"),
    ("band", "s-traffic-ok", "requests succeeded"),
    ("band", "s-traffic-mixed", "some requests failed"),
    ("band", "s-traffic-failed", "all requests failed"),
    ("band", "s-api-down", "API unreachable (state re-listed after)"),
    ("mark", "m-fault", "fault injected"),
    ("mark", "m-restart", "container restart"),
    ("mark", "m-terminated", "container terminated"),
    ("mark", "m-gone", "pod deleted"),
    ("mark", "m-event", "event"),
    ("mark", "m-probe", "file token"),
)


# --- drawing ------------------------------------------------------------------------------------------


def nice_step(span: float, target: int = 8) -> float:
    """A 1/2/5 x 10^n tick step giving about ``target`` ticks over ``span``."""
    raw = max(span, 1e-9) / target
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _el(tag: str, content: str = "", /, **attrs: float | str) -> str:
    """An SVG element; ``class_`` is ``class``, other underscores become dashes (``text_anchor``)."""
    spelt = " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{_attr(value) if isinstance(value, str) else _num(value)}"'
        for name, value in attrs.items()
    )
    return f"<{tag} {spelt}>{content}</{tag}>" if content else f"<{tag} {spelt}/>"


def _tip(title: str) -> str:
    return f"<title>{escape(title)}</title>"


def _mark_svg(kind: str, x: float, y: float, title: str) -> str:
    tip = _tip(title)
    mid = y + LANE_HEIGHT / 2
    match kind:
        case "restart":
            return _el("circle", tip, class_="m-restart", cx=x, cy=mid, r=5)
        case "terminated":
            d = 5
            path = f"M{_num(x - d)} {_num(mid - d)}L{_num(x + d)} {_num(mid + d)}"
            path += f"M{_num(x - d)} {_num(mid + d)}L{_num(x + d)} {_num(mid - d)}"
            return _el("path", tip, class_="m-terminated", d=path)
        case "gone":
            return _el("rect", tip, class_="m-gone", x=x - 5, y=mid - 5, width=10, height=10)
        case "probe":
            corners = ((x, mid - 6), (x + 5, mid), (x, mid + 6), (x - 5, mid))
            points = " ".join(f"{_num(px)},{_num(py)}" for px, py in corners)
            return _el("polygon", tip, class_="m-probe", points=points)
        case _:
            return _el("line", tip, class_="m-event", x1=x, y1=y + 2, x2=x, y2=y + LANE_HEIGHT - 2)


def _legend_svg(y: float) -> tuple[str, int]:
    """The legend drawn below the axis, wrapped into rows; returns it and its row count."""
    parts = []
    x = 10.0
    row = 0
    for shape, css, label in LEGEND:
        width = 34 + 6.8 * len(label)
        if x + width > WIDTH - RIGHT_MARGIN:
            row += 1
            x = 10.0
        top = y + row * LEGEND_ROW
        kind = css.removeprefix("m-")
        if shape == "band":
            swatch = _el("rect", class_=f"seg {css}", x=x, y=top + 3, width=16, height=10)
        elif kind == "fault":
            swatch = _el("line", class_="m-fault", x1=x + 8, y1=top, x2=x + 8, y2=top + 16)
        else:
            swatch = _mark_svg(kind, x + 8, top - 1, label)
        parts.append(
            _el("g", swatch + _el("text", escape(label), x=x + 22, y=top + 12), class_="legend-item")
        )
        x += width
    return _el("g", "".join(parts), class_="legend"), row + 1


def _lane_svg(lane: Lane, y: float, x_of: Callable[[float], float]) -> str:
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    rows = [
        _el(
            "text",
            escape(lane.label),
            class_="lane-label",
            x=LABEL_WIDTH - 8,
            y=y + LANE_HEIGHT - 5,
            text_anchor="end",
        ),
        _el("rect", class_="track", x=LABEL_WIDTH, y=y, width=plot_width, height=LANE_HEIGHT),
    ]
    for segment in lane.segments:
        left = x_of(segment.start)
        width = max(x_of(segment.end) - left, 1.0)
        tip = _tip(f"{segment.title} ({segment.start:.2f}s to {segment.end:.2f}s)")
        rows.append(
            _el(
                "rect",
                tip,
                class_=f"seg s-{segment.state}",
                x=left,
                y=y + 2,
                width=width,
                height=LANE_HEIGHT - 4,
            )
        )
    rows.extend(_mark_svg(m.kind, x_of(m.at), y, f"{m.at:.2f}s {m.title}") for m in lane.marks)
    return _el("g", "".join(rows), class_=f"lane {lane.kind}-lane", data_lane=lane.label)


def render_timeline_svg(timeline: Timeline, title: str) -> str:
    """The timeline drawn as an inline SVG: lanes over time, faults, restarts, terminations, legend."""
    end = max((entry.at for entry in timeline.entries), default=0.0)
    # Room after the last entry, so its marks are not cut at the edge and the state it reports
    # (often the recovery itself) shows as a stretch rather than a zero-width sliver.
    span = max(end * 1.05, end + 0.5, 1.0)
    lanes = build_lanes(timeline, until=span)
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN

    def x_of(at: float) -> float:
        return LABEL_WIDTH + at / span * plot_width

    body: list[str] = []
    y = float(TOP)
    for lane in lanes:
        body.append(_lane_svg(lane, y, x_of))
        y += LANE_HEIGHT + LANE_GAP
    if not lanes:
        body.append(_el("text", "no pod was observed", class_="empty", x=LABEL_WIDTH, y=y + LANE_HEIGHT - 4))
        y += LANE_HEIGHT + LANE_GAP
    bottom = y
    fired_by = _fired_by(timeline)
    for index, fault in enumerate(timeline.of_type(FaultRecord)):
        x = x_of(fault.at)
        trigger = fired_by.get(index)
        when = f" (fired by its trigger at {trigger.at:.2f}s: {trigger.detail})" if trigger else ""
        tip = _tip(f"{fault.at:.2f}s {fault.fault} {fault.pod} {fault.container}: {fault.detail}{when}")
        head = f"M{_num(x - 6)} {TOP - 22}L{_num(x + 6)} {TOP - 22}L{_num(x)} {TOP - 12}Z"
        # Alternate label heights so faults injected close together stay readable.
        label_y = TOP - 13 - 10 * (index % 2)
        body.append(
            _el(
                "g",
                tip
                + _el("line", class_="m-fault", x1=x, y1=TOP - 12, x2=x, y2=bottom)
                + _el("path", class_="m-fault-head", d=head)
                + _el("text", escape(fault.fault), class_="fault-label", x=x + 9, y=label_y),
                class_="fault",
            )
        )
    step = nice_step(span)
    ticks = []
    for index in range(int(span / step) + 1):
        x = x_of(index * step)
        ticks.append(_el("line", class_="grid", x1=x, y1=TOP, x2=x, y2=bottom))
        ticks.append(_el("text", _num(index * step), class_="tick", x=x, y=bottom + 14, text_anchor="middle"))
    axis_title = _el(
        "text",
        "seconds since the run started",
        class_="axis-title",
        x=LABEL_WIDTH + plot_width / 2,
        y=bottom + 29,
        text_anchor="middle",
    )
    legend, legend_rows = _legend_svg(bottom + AXIS_HEIGHT + 6)
    height = bottom + AXIS_HEIGHT + 10 + legend_rows * LEGEND_ROW
    return (
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'role="img" aria-label="{_attr(title)}">{_tip(title)}'
        f'<g class="axis">{"".join(ticks)}{axis_title}</g>{"".join(body)}{legend}</svg>'
    )


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


def _fired_by(timeline: Timeline) -> dict[int, TriggerRecord]:
    """Which fault (by its index among the fault records) each trigger released: the first record of
    its fault kind at or after the trigger fired."""
    faults = timeline.of_type(FaultRecord)
    fired: dict[int, TriggerRecord] = {}
    for trigger in timeline.of_type(TriggerRecord):
        index = next(
            (
                i
                for i, f in enumerate(faults)
                if f.fault == trigger.fault and f.at >= trigger.at and i not in fired
            ),
            None,
        )
        if index is not None:
            fired[index] = trigger
    return fired


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
        m = measure(run.result.timeline)
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
        f'data-scenario="{_attr(result.scenario)}">',
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
        _measurements_table(measure(run.result.timeline)),
        "<h3>Where the time went</h3>",
        _phases_table(run),
        "<h3>Faults</h3>",
        _spec_list(run.faults),
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
