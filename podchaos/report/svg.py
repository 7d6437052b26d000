"""The timeline drawn as SVG: a readiness band per pod, a lane per container coloured by its state,
faults as red lines across all lanes, restarts and terminations as marks, Kubernetes events on their
own lane. Inline and self-contained: the HTML report embeds it, its CSS classes styled by the page."""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from podchaos.model import FaultRecord, Timeline
from podchaos.model.triggers import TriggerRecord
from podchaos.report.lanes import Lane, build_lanes

# Geometry of the timeline drawing, in SVG user units (the drawing scales to the page width).
WIDTH = 1100
LABEL_WIDTH = 250
RIGHT_MARGIN = 24
TOP = 34
LANE_HEIGHT = 18
LANE_GAP = 7
AXIS_HEIGHT = 34
LEGEND_ROW = 20

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
