"""Plain-text rendering of a run: what a failing test prints."""

from __future__ import annotations

from podchaos.model import (
    ApiOutage,
    CgroupOomKills,
    ContainerSnapshot,
    EndpointsSnapshot,
    EventRecord,
    EvictionRecord,
    FaultRecord,
    FileToken,
    LogLine,
    Outcome,
    PodGone,
    PodSnapshot,
    RunResult,
    Timeline,
    TimelineEntry,
)
from podchaos.model.controllers import JobSnapshot
from podchaos.model.triggers import TriggerRecord

# Events that repeat on every pod sync and say nothing about the fault.
QUIET_EVENTS = frozenset({"MissingClusterDNS"})


def describe_entry(entry: TimelineEntry) -> str | None:
    """One line for a timeline entry, or None for entries not worth a line."""
    match entry:
        case FaultRecord():
            return f"FAULT {entry.fault} {entry.pod} {entry.container}: {entry.detail}".replace("  ", " ")
        case PodSnapshot():
            flags = " deleting" if entry.deleting else ""
            flags += f" DisruptionTarget ({entry.disruption[:100]})" if entry.disruption else ""
            return f"pod {entry.pod} {entry.phase} ready={entry.ready}{flags} node={entry.node}"
        case PodGone():
            return f"pod {entry.pod} deleted from the API"
        case ContainerSnapshot():
            last = entry.last_termination
            ended = f" last={last.reason}/{last.exit_code}" if last else ""
            reason = f" {entry.reason}" if entry.reason else ""
            return (
                f"  {entry.pod}/{entry.container} {entry.state}{reason} restarts={entry.restart_count}"
                f" ready={entry.ready}{ended}"
            )
        case EventRecord():
            if entry.reason in QUIET_EVENTS:
                return None
            return f"  event {entry.type} {entry.reason} {entry.pod}: {entry.message}"
        case FileToken():
            shown = "absent" if entry.content is None else repr(entry.content[:40])
            shown = f"unreadable: {entry.error[:80]}" if entry.error else shown
            via = f" (via {entry.via})" if entry.via else ""
            return f"  probe {entry.phase} {entry.pod}/{entry.container}:{entry.path} = {shown}{via}"
        case EndpointsSnapshot():
            if entry.deleted:
                return f"  endpoints {entry.slice}: slice deleted"
            states = [
                f"{e.pod} ready={e.ready} serving={e.serving}{' terminating' if e.terminating else ''}"
                for e in entry.endpoints
            ]
            return f"  endpoints {entry.service or entry.slice}: {', '.join(states) or 'none'}"
        case CgroupOomKills():
            return f"  oom-kill evidence {entry.pod}/{entry.container}: {entry.describe()}"
    return _describe_recorded(entry)


def _describe_recorded(entry: TimelineEntry) -> str | None:
    """Lines for what podchaos read or met itself: logs, evictions, API outages."""
    match entry:
        case LogLine():
            return f"  log {entry.pod}/{entry.container}: {entry.text[:100]}"
        case EvictionRecord():
            return f"  eviction {entry.pod}: {entry.outcome} ({entry.message[:100]})"
        case JobSnapshot():
            return f"  job {entry.job}: {entry.describe()}"
        case ApiOutage():
            return f"GAP {entry.describe()}"
        case TriggerRecord():
            return f"TRIGGER {entry.fault} {entry.pod}: {entry.detail} (seen at {entry.seen_at:.3f}s)"
    return None


def format_timeline(timeline: Timeline, limit: int = 200) -> str:
    """The timeline, one line per entry, with seconds since the run started."""
    lines = []
    for entry in timeline.entries:
        text = describe_entry(entry)
        if text is not None:
            lines.append(f"{entry.at:8.3f}s {text}")
    if len(lines) > limit:
        lines = [
            *lines[: limit // 2],
            f"   ... {len(lines) - limit} lines left out ...",
            *lines[-limit // 2 :],
        ]
    return "\n".join(lines)


def format_result(result: RunResult) -> str:
    """Expected vs seen for every expectation, then the error, diagnostics and timeline."""
    sections = []
    if result.notes:
        sections.append("notes:\n" + "\n".join(f"  {note}" for note in result.notes))
    if result.error:
        sections.append(f"error: {result.error}")
    if result.verdict.results:
        rows = []
        for r in result.verdict.results:
            mark = {Outcome.PASSED: "PASS", Outcome.UNDECIDED: "UNDECIDED"}.get(r.outcome, "FAIL")
            rows.append(f"  [{mark}] expected {r.expected}\n         seen     {r.seen}")
        sections.append("expectations:\n" + "\n".join(rows))
    if result.diagnostics:
        sections.append("diagnostics:\n" + "\n".join(result.diagnostics))
    recorded = format_timeline(result.timeline) or "  (nothing recorded: the run ended before observing)"
    sections.append(f"timeline (namespace {result.namespace}):\n{recorded}")
    return "\n\n".join(sections)


def headline(result: RunResult) -> str:
    """One line: the error of a run that could not complete, else its first failed expectation (and how
    many more failed): what pytest's short summary shows."""
    if result.error:
        return result.error.splitlines()[0] if result.error.strip() else "error"
    failures = result.verdict.failures()
    if not failures:
        return "expectations failed"
    first = failures[0]
    more = f" (+{len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"{first.expectation.type}: expected {first.expected}; seen {first.seen}{more}"
