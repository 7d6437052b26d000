"""Pure data: scenarios, what was observed, and what was concluded. No I/O here."""

from podchaos.model.expectations import (
    EXPECTATION_TYPES,
    EmptyDirKept,
    EmptyDirLost,
    EventSeen,
    Expectation,
    LastTerminated,
    PodReady,
    RestartCount,
)
from podchaos.model.faults import FAULT_TYPES, ContainerKill, FaultSpec, PodDelete
from podchaos.model.run import ClusterInfo, PhaseTimes, RunOutcome, RunReport, RunResult, ScenarioRun
from podchaos.model.scenario import Manifest, Scenario, Workload
from podchaos.model.timeline import (
    CgroupOomKills,
    ContainerSnapshot,
    EndpointsSnapshot,
    EndpointState,
    EventRecord,
    EvictionRecord,
    FaultRecord,
    FileToken,
    LogLine,
    PodGone,
    PodSnapshot,
    Timeline,
    TimelineEntry,
)
from podchaos.model.traffic import RequestRecord, Traffic
from podchaos.model.verdict import ExpectationResult, Outcome, Verdict

__all__ = [
    "EXPECTATION_TYPES",
    "FAULT_TYPES",
    "CgroupOomKills",
    "ClusterInfo",
    "ContainerKill",
    "ContainerSnapshot",
    "EmptyDirKept",
    "EmptyDirLost",
    "EndpointState",
    "EndpointsSnapshot",
    "EventRecord",
    "EventSeen",
    "EvictionRecord",
    "Expectation",
    "ExpectationResult",
    "FaultRecord",
    "FaultSpec",
    "FileToken",
    "LastTerminated",
    "LogLine",
    "Manifest",
    "Outcome",
    "PhaseTimes",
    "PodDelete",
    "PodGone",
    "PodReady",
    "PodSnapshot",
    "RequestRecord",
    "RestartCount",
    "RunOutcome",
    "RunReport",
    "RunResult",
    "Scenario",
    "ScenarioRun",
    "Timeline",
    "TimelineEntry",
    "Traffic",
    "Verdict",
    "Workload",
]
