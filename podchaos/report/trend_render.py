"""A trend (:mod:`podchaos.report.trend`) as Markdown (for CI job summaries: sparklines as block
characters) and as one self-contained HTML page (sparklines as inline SVG). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from podchaos.model.repetitions import STEP_LABELS
from podchaos.report.trend import Night, NightPoint, ScenarioTrend, Trend

BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_W, SPARK_H, PAD = 140, 28, 3


def _label(what: str) -> str:
    return "pass rate" if what == "pass-rate" else STEP_LABELS.get(what, what)


def _p50(point: NightPoint | None, step: str) -> float | None:
    dist = point.distribution(step) if point else None
    return dist.p50 if dist else None


def _p95(point: NightPoint | None, step: str) -> float | None:
    dist = point.distribution(step) if point else None
    return dist.p95 if dist else None


def _rates(trend: ScenarioTrend) -> list[float | None]:
    return [point.pass_rate if point else None for point in trend.points]


def block_sparkline(values: Sequence[float | None], top: float | None = None) -> str:
    """One block character per night (a space where there is no value), scaled from 0 to ``top``."""
    seen = [value for value in values if value is not None]
    high = top if top is not None else max(seen, default=0.0)
    chars = []
    for value in values:
        if value is None:
            chars.append(" ")
        else:
            level = 0 if high <= 0 else round(value / high * (len(BLOCKS) - 1))
            chars.append(BLOCKS[max(0, min(len(BLOCKS) - 1, level))])
    return "".join(chars)


def svg_sparkline(
    series: Sequence[tuple[str, Sequence[float | None]]], title: str, top: float | None = None
) -> str:
    """An inline SVG of one or more series over the nights (a gap where a night has no value), scaled
    from 0 to ``top`` (default: the largest value); the last night's points are marked."""
    count = max((len(values) for _, values in series), default=0)
    seen = [value for _, values in series for value in values if value is not None]
    high = top if top is not None else max(seen, default=0.0) or 1.0
    step = (SPARK_W - 2 * PAD) / max(1, count - 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return PAD + index * step, SPARK_H - PAD - (value / high) * (SPARK_H - 2 * PAD)

    parts = [
        f'<svg class="spark" width="{SPARK_W}" height="{SPARK_H}" viewBox="0 0 {SPARK_W} {SPARK_H}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for colour, values in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append(xy(index, value))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'
                )
            for x, y in run:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6" fill="{colour}"/>')
        if values and values[-1] is not None:
            x, y = xy(len(values) - 1, values[-1])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _night_counts(night: Night) -> str:
    passed = sum(run.result.passed for run in night.runs)
    return f"{passed} of {len(night.runs)} passed"


def method_text(trend: Trend) -> str:
    """The statistics used, with their thresholds."""
    s = trend.settings
    return (
        f"A recovery time regressed when tonight's runs are slower than the baseline's by a one-sided "
        f"Mann-Whitney U test at alpha = {s.alpha:g} and the Hodges-Lehmann shift is at least "
        f"{s.min_shift_s:g} s and {s.min_shift_share:.0%} of the baseline median; a pass rate dropped when "
        f"it fell by at least {s.min_drop:.0%} and Fisher's exact test (one-sided) is below {s.alpha:g}. "
        "Percentiles are nearest-rank. Flaky: passed and failed on the same podchaos and Kubernetes versions."
    )


def _window(trend: Trend) -> str:
    tonight = trend.nights[trend.tonight]
    if not trend.baseline:
        return f"tonight: {tonight.run_id}; no baseline nights, so no regression can be judged"
    ids = ", ".join(trend.nights[i].run_id for i in trend.baseline)
    return f"tonight: {tonight.run_id}; baseline: {len(trend.baseline)} night(s) ({ids})"


def _md_recovery(scenario: ScenarioTrend, step: str, tonight: int) -> str:
    p50 = [_p50(point, step) for point in scenario.points]
    p95 = [_p95(point, step) for point in scenario.points]
    sparks = f"`{block_sparkline(p50)}` / `{block_sparkline(p95)}`"
    return f"{_label(step)} {sparks} {_seconds(p50[tonight])} / {_seconds(p95[tonight])}"


def render_markdown(trend: Trend) -> str:
    """The trend as Markdown."""
    first, last = trend.nights[0], trend.nights[-1]
    lines = [
        f"# podchaos trend: {len(trend.nights)} night(s), {first.created_at} to {last.created_at}",
        "",
        _window(trend) + ".",
        "",
        method_text(trend),
        "",
        "## Regressions",
        "",
    ]
    if not trend.regressions:
        lines.append("None.")
    else:
        lines += [
            "| scenario | what | baseline | tonight | effect | p | test |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in trend.regressions:
            lines.append(
                f"| {r.scenario} | {_label(r.what)} | {_md(r.baseline)} | {_md(r.tonight)} | {_md(r.effect)} "
                f"| {r.p_value:.3g} | {_md(r.method)} |"
            )
    lines += ["", "## Flaky scenarios", ""]
    if not trend.flaky:
        lines.append("None.")
    else:
        lines += ["| scenario | Kubernetes | podchaos | passed | failed | error | nights not passed |"]
        lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
        for f in trend.flaky:
            versions = f"{f.kubernetes or '?'} | {f.podchaos_version or '?'}"
            counts = f"{f.passed} | {f.failed} | {f.errors}"
            lines.append(f"| {f.scenario} | {versions} | {counts} | {', '.join(f.nights)} |")
    lines += [
        "",
        "## Nights",
        "",
        "| # | run | created | Kubernetes | podchaos | runs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for index, night in enumerate(trend.nights):
        lines.append(
            f"| {index + 1}{_role(trend, index)} | {night.run_id} | {night.created_at} "
            f"| {night.kubernetes or '?'} | {night.podchaos_version or '?'} | {_night_counts(night)} |"
        )
    lines += [
        "",
        "## Every scenario",
        "",
        "One character per night, oldest first; recovery times are each night's p50 and p95.",
        "",
        "| scenario | pass rate | tonight | recovery p50 / p95 over the nights |",
        "| --- | --- | --- | --- |",
    ]
    for scenario in trend.scenarios:
        rates = _rates(scenario)
        tonight = rates[trend.tonight]
        steps = "<br>".join(_md_recovery(scenario, step, trend.tonight) for step in scenario.steps)
        lines.append(
            f"| {scenario.scenario} | `{block_sparkline(rates, 1.0)}` | "
            f"{'-' if tonight is None else f'{tonight:.0%}'} | {steps or '-'} |"
        )
    return "\n".join(lines) + "\n"


_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 20px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .bad { background: #fbe3e3; } .warn { background: #fbeed5; }
.small { color: #555; font-size: 12px; } .spark { vertical-align: middle; }
.key { display: inline-block; width: 10px; height: 3px; vertical-align: middle; }
"""


def _head(*names: str) -> str:
    return "<table><tr>" + "".join(f"<th>{escape(name)}</th>" for name in names) + "</tr>"


def _row(*cells: object, css: str = "", raw: int = 0) -> str:
    """A table row; the last ``raw`` cells are HTML already, the others text."""
    split = len(cells) - raw
    shown = [escape(str(cell)) for cell in cells[:split]] + [str(cell) for cell in cells[split:]]
    klass = f' class="{css}"' if css else ""
    return f"<tr{klass}>" + "".join(f"<td>{cell}</td>" for cell in shown) + "</tr>"


def _recovery_cell(scenario: ScenarioTrend, step: str, tonight: int) -> str:
    p50 = [_p50(point, step) for point in scenario.points]
    p95 = [_p95(point, step) for point in scenario.points]
    title = f"{scenario.scenario}: {_label(step)} p50 and p95 per night"
    svg = svg_sparkline([("#1565c0", p50), ("#c62828", p95)], title)
    return f"{svg} {escape(_label(step))}: {_seconds(p50[tonight])} / {_seconds(p95[tonight])}"


def _role(trend: Trend, index: int) -> str:
    return " (tonight)" if index == trend.tonight else " (baseline)" if index in trend.baseline else ""


def render_html(trend: Trend) -> str:
    """The trend as one self-contained HTML page with inline SVG sparklines."""
    first, last = trend.nights[0], trend.nights[-1]
    title = f"podchaos trend: {len(trend.nights)} night(s)"
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>",
        f"<p>{escape(first.created_at)} to {escape(last.created_at)}; {escape(_window(trend))}.</p>",
        f'<p class="small">{escape(method_text(trend))}</p>',
        "<h2>Regressions</h2>",
    ]
    if trend.regressions:
        parts.append(_head("scenario", "what", "baseline", "tonight", "effect", "p", "test"))
        for r in trend.regressions:
            cells = (
                r.scenario,
                _label(r.what),
                r.baseline,
                r.tonight,
                r.effect,
                f"{r.p_value:.3g}",
                r.method,
            )
            parts.append(_row(*cells, css="bad"))
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>Flaky scenarios</h2>")
    if trend.flaky:
        parts.append(
            _head("scenario", "Kubernetes", "podchaos", "passed", "failed", "error", "nights not passed")
        )
        for f in trend.flaky:
            versions = (f.kubernetes or "?", f.podchaos_version or "?")
            counts = (f.passed, f.failed, f.errors)
            parts.append(_row(f.scenario, *versions, *counts, ", ".join(f.nights), css="warn"))
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>Nights</h2>" + _head("#", "run", "created", "Kubernetes", "podchaos", "runs"))
    for index, night in enumerate(trend.nights):
        versions = (night.kubernetes or "?", night.podchaos_version or "?")
        number = f"{index + 1}{_role(trend, index)}"
        parts.append(_row(number, night.run_id, night.created_at, *versions, _night_counts(night)))
    parts.append(
        "</table><h2>Every scenario</h2><p class='small'>Oldest night first; the last point is tonight. "
        "Recovery: <span class='key' style='background:#1565c0'></span> p50, "
        "<span class='key' style='background:#c62828'></span> p95, seconds.</p>"
        + _head("scenario", "pass rate", "recovery times")
    )
    flagged = {r.scenario for r in trend.regressions}
    for scenario in trend.scenarios:
        rates = _rates(scenario)
        tonight = rates[trend.tonight]
        rate_svg = svg_sparkline([("#2f8132", rates)], f"{scenario.scenario}: pass rate per night", 1.0)
        steps = "<br>".join(_recovery_cell(scenario, step, trend.tonight) for step in scenario.steps)
        rate = "-" if tonight is None else f"{tonight:.0%}"
        css = "bad" if scenario.scenario in flagged else ""
        parts.append(_row(scenario.scenario, f"{rate_svg} {rate}", steps or "-", css=css, raw=2))
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"
