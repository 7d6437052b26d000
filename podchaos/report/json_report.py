"""The JSON report: one document per scenario run, and ``results.json`` gathering a whole pytest run.

The documents round-trip to the model: :func:`run_from_dict` rebuilds the same frozen objects that
:func:`run_to_dict` was given, so the HTML report and ``podchaos report`` work from the JSON alone.
Derived values (``outcome``, ``measurements``) are written for readers of the JSON and derived again
from the run, not trusted, when a document is read back.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from podchaos.errors import ReportError
from podchaos.model import (
    EXPECTATION_TYPES,
    FAULT_TYPES,
    ClusterInfo,
    ContainerSnapshot,
    EventRecord,
    Expectation,
    ExpectationResult,
    FaultRecord,
    FaultSpec,
    FileToken,
    Outcome,
    PhaseTimes,
    PodGone,
    PodSnapshot,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    TimelineEntry,
    Traffic,
    Verdict,
)
from podchaos.model.controllers import JobSnapshot
from podchaos.model.repetitions import REPETITION_TYPES, RepetitionExpectation
from podchaos.model.timeline import (
    ApiOutage,
    CgroupOomKills,
    EndpointsSnapshot,
    EndpointState,
    EvictionRecord,
    LogLine,
    Termination,
)
from podchaos.model.traffic import RequestRecord, TrafficSummary
from podchaos.model.triggers import Trigger, TriggerRecord

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")

SCHEMA_VERSION = 2

# Timeline entries are tagged by class name; the names are part of the JSON format.
ENTRY_KINDS: dict[str, type[TimelineEntry]] = {
    cls.__name__: cls
    for cls in (
        ApiOutage,
        ContainerSnapshot,
        PodSnapshot,
        PodGone,
        EventRecord,
        FaultRecord,
        FileToken,
        EndpointsSnapshot,
        LogLine,
        EvictionRecord,
        CgroupOomKills,
        RequestRecord,
        JobSnapshot,
        TriggerRecord,
    )
}


# --- encoding ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _typed(spec: FaultSpec | Expectation | RepetitionExpectation) -> dict[str, Any]:
    # ``type`` is a ClassVar, so dataclass fields leave it out; it is the YAML discriminator.
    data = {"type": spec.type, **_plain(spec)}
    if "when" in data and data["when"] is None:
        del data["when"]  # a fault that fired at once: written as before triggers existed
    return data


def entry_to_dict(entry: TimelineEntry) -> dict[str, Any]:
    """A timeline entry as JSON data, tagged with its ``kind``."""
    return {"kind": type(entry).__name__, **_plain(entry)}


def run_to_dict(run: ScenarioRun) -> dict[str, Any]:
    """One scenario run as a JSON document."""
    result = run.result
    return {
        "schema": SCHEMA_VERSION,
        "scenario": result.scenario,
        "description": run.description,
        "source": run.source,
        "nodeid": run.nodeid,
        "worker": run.worker,
        "namespace": result.namespace,
        "started_at": result.started_at,
        "duration_s": result.duration_s,
        "outcome": run.outcome.value,
        "error": result.error,
        "target": dict(result.target),
        "phases": dict(result.phases.items()),
        "traffic": traffic_to_dict(result),
        "faults": [_typed(spec) for spec in result.faults],
        "expectations": [_typed(spec) for spec in result.expectations],
        "verdict": {
            "passed": result.verdict.passed,
            "results": [
                {
                    "expectation": _typed(r.expectation),
                    "outcome": r.outcome.value,
                    "expected": r.expected,
                    "seen": r.seen,
                }
                for r in result.verdict.results
            ],
        },
        "measurements": dict(result.measurements.items()),
        "diagnostics": list(result.diagnostics),
        "notes": list(result.notes),
        "versions": {"podchaos": run.podchaos_version, "cluster": run.cluster.server_version or None},
        "cluster": _plain(run.cluster),
        "timeline": [entry_to_dict(entry) for entry in result.timeline.entries],
        "repetition": {"index": run.repetition, "expect": [_typed(spec) for spec in run.repetitions]},
    }


def traffic_to_dict(result: RunResult) -> dict[str, Any] | None:
    """The traffic probe and what it saw after the first fault: requests per outcome, per-second
    buckets, the outages and each failed request (every request is in the timeline too)."""
    if result.traffic is None:
        return None
    fault_at = result.timeline.first_fault_at
    summary = TrafficSummary.of(
        result.timeline.of_type(RequestRecord), fault_at if fault_at is not None else 0.0
    )
    longest = max((o.length(result.duration_s) for o in summary.outages()), default=0.0)
    return {
        "probe": _plain(result.traffic),
        "after_fault": {
            "requests": len(summary.requests),
            "outcomes": summary.counts(),
            "availability": summary.availability,
            "longest_outage_s": round(longest, 3),
            "outages": [_plain(outage) for outage in summary.outages()],
            "buckets": [
                {"at": at, "succeeded": succeeded, "failed": failed}
                for at, succeeded, failed in summary.buckets()
            ],
            "failures": [_plain(record) for record in summary.failed],
        },
    }


def report_to_dict(report: RunReport) -> dict[str, Any]:
    """``results.json``: the run's metadata and every scenario run."""
    cluster = report.cluster
    return {
        "schema": SCHEMA_VERSION,
        "run_id": report.run_id,
        "created_at": report.created_at,
        "versions": {"podchaos": report.podchaos_version, "cluster": cluster.server_version or None},
        "cluster": _plain(cluster),
        "summary": {"scenarios": len(report.runs), **report.counts()},
        "leftovers": list(report.leftovers),
        "scenarios": [run_to_dict(run) for run in report.runs],
    }


# --- decoding ---------------------------------------------------------------------------------------


def _object(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ReportError(f"{where}: expected an object, got {type(data).__name__}")
    return data


def _list(data: Any, where: str) -> Sequence[Any]:
    if not isinstance(data, list):
        raise ReportError(f"{where}: expected a list, got {type(data).__name__}")
    return data


def _build(cls: type[D], data: Mapping[str, Any], where: str, **nested: Any) -> D:
    """An instance of a frozen dataclass from its fields; unknown keys are ignored (newer writers)."""
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    values = {key: value for key, value in data.items() if key in names}
    values.update(nested)
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    try:
        return cls(**values)
    except TypeError as exc:
        raise ReportError(f"{where}: not a valid {cls.__name__}: {exc}") from exc


def _tagged(table: Mapping[str, type[D]], tag: str, data: Any, where: str) -> D:
    item = _object(data, where)
    cls = table.get(str(item.get(tag)))
    if cls is None:
        raise ReportError(f"{where}: unknown {tag} {item.get(tag)!r}; known: {', '.join(sorted(table))}")
    return _build(cls, item, where)


def entry_from_dict(data: Any, where: str = "timeline entry") -> TimelineEntry:
    """A timeline entry from :func:`entry_to_dict` data."""
    item = _object(data, where)
    if item.get("kind") == ContainerSnapshot.__name__ and item.get("last_termination") is not None:
        termination = _build(Termination, _object(item["last_termination"], where), where)
        return _build(ContainerSnapshot, item, where, last_termination=termination)
    if item.get("kind") == EndpointsSnapshot.__name__:
        endpoints = tuple(
            _build(EndpointState, _object(e, f"{where}.endpoints"), f"{where}.endpoints")
            for e in _list(item.get("endpoints", []), f"{where}.endpoints")
        )
        return _build(EndpointsSnapshot, item, where, endpoints=endpoints)
    entry: TimelineEntry = _tagged(ENTRY_KINDS, "kind", item, where)
    return entry


def _expectation(data: Any, where: str) -> Expectation:
    spec: Expectation = _tagged(EXPECTATION_TYPES, "type", data, where)
    return spec


def _fault(data: Any, where: str) -> FaultSpec:
    spec: FaultSpec = _tagged(FAULT_TYPES, "type", data, where)
    if isinstance(spec.when, Mapping):  # the trigger, a nested object
        trigger = _build(Trigger, spec.when, f"{where}.when")
        spec = dataclasses.replace(spec, when=trigger)
    return spec


def _result(data: Any, where: str) -> ExpectationResult:
    item = _object(data, where)
    try:
        outcome = Outcome(str(item.get("outcome")))
    except ValueError as exc:
        raise ReportError(f"{where}.outcome: {exc}") from exc
    return ExpectationResult(
        expectation=_expectation(item.get("expectation"), f"{where}.expectation"),
        outcome=outcome,
        expected=str(item.get("expected", "")),
        seen=str(item.get("seen", "")),
    )


def _each(data: Any, where: str, parse: Callable[[Any, str], Any]) -> tuple[Any, ...]:
    return tuple(parse(item, f"{where}[{index}]") for index, item in enumerate(_list(data, where)))


def run_from_dict(data: Any, where: str = "scenario run") -> ScenarioRun:
    """A scenario run from :func:`run_to_dict` data."""
    doc = _object(data, where)
    verdict = _object(doc.get("verdict", {}), f"{where}.verdict")
    for key in ("scenario", "namespace"):
        if not isinstance(doc.get(key), str):
            raise ReportError(f"{where}.{key}: missing")
    result = RunResult(
        scenario=doc["scenario"],
        namespace=doc["namespace"],
        verdict=Verdict(_each(verdict.get("results", []), f"{where}.verdict.results", _result)),
        timeline=Timeline(_each(doc.get("timeline", []), f"{where}.timeline", entry_from_dict)),
        started_at=str(doc.get("started_at", "")),
        duration_s=float(doc.get("duration_s", 0.0)),
        error=str(doc.get("error", "")),
        diagnostics=tuple(str(line) for line in _list(doc.get("diagnostics", []), f"{where}.diagnostics")),
        faults=_each(doc.get("faults", []), f"{where}.faults", _fault),
        expectations=_each(doc.get("expectations", []), f"{where}.expectations", _expectation),
        target={str(k): str(v) for k, v in _object(doc.get("target", {}), f"{where}.target").items()},
        phases=_build(PhaseTimes, _object(doc.get("phases", {}), f"{where}.phases"), f"{where}.phases"),
        traffic=_traffic(doc.get("traffic"), f"{where}.traffic"),
        notes=tuple(str(line) for line in _list(doc.get("notes", []), f"{where}.notes")),
    )
    versions = _object(doc.get("versions", {}), f"{where}.versions")
    return ScenarioRun(
        result=result,
        description=str(doc.get("description", "")),
        source=str(doc.get("source", "")),
        nodeid=str(doc.get("nodeid", "")),
        worker=str(doc.get("worker", "")),
        cluster=_build(ClusterInfo, _object(doc.get("cluster", {}), f"{where}.cluster"), f"{where}.cluster"),
        podchaos_version=str(versions.get("podchaos") or ""),
        **_repetition(doc.get("repetition"), f"{where}.repetition"),
    )


def _repetition(data: Any, where: str) -> dict[str, Any]:
    """The run's place among its scenario's repetitions (absent in documents of older writers)."""
    if data is None:
        return {}
    item = _object(data, where)
    index = item.get("index", 0)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ReportError(f"{where}.index: expected a whole number >= 0, got {index!r}")
    expect = _each(
        item.get("expect", []), f"{where}.expect", lambda d, w: _tagged(REPETITION_TYPES, "type", d, w)
    )
    return {"repetition": index, "repetitions": expect}


def _traffic(data: Any, where: str) -> Traffic | None:
    if data is None:
        return None
    probe = _object(_object(data, where).get("probe"), f"{where}.probe")
    return _build(Traffic, probe, f"{where}.probe")


def report_from_dict(data: Any, where: str = "results.json") -> RunReport:
    """A run report from :func:`report_to_dict` data."""
    doc = _object(data, where)
    if doc.get("schema") != SCHEMA_VERSION or not isinstance(doc.get("scenarios"), list):
        raise ReportError(f"{where}: not a podchaos results document (schema {SCHEMA_VERSION})")
    versions = _object(doc.get("versions", {}), f"{where}.versions")
    return RunReport(
        run_id=str(doc.get("run_id", "")),
        created_at=str(doc.get("created_at", "")),
        podchaos_version=str(versions.get("podchaos") or ""),
        runs=_each(doc["scenarios"], f"{where}.scenarios", run_from_dict),
        leftovers=tuple(str(name) for name in _list(doc.get("leftovers", []), f"{where}.leftovers")),
    )


def dumps(document: Mapping[str, Any]) -> str:
    """The JSON text of a document, stable key order for diffs."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
