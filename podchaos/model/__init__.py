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
from podchaos.model.scenario import Manifest, Scenario, Workload
from podchaos.model.timeline import (
    ContainerSnapshot,
    EndpointsSnapshot,
    EndpointState,
    EventRecord,
    EvictionRecord,
    FaultRecord,
    FileProbe,
    LogLine,
    PodGone,
    PodSnapshot,
    Timeline,
    TimelineEntry,
)
from podchaos.model.verdict import ExpectationResult, Outcome, RunResult, Verdict

__all__ = [
    "EXPECTATION_TYPES",
    "FAULT_TYPES",
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
    "FileProbe",
    "LastTerminated",
    "LogLine",
    "Manifest",
    "Outcome",
    "PodDelete",
    "PodGone",
    "PodReady",
    "PodSnapshot",
    "RestartCount",
    "RunResult",
    "Scenario",
    "Timeline",
    "TimelineEntry",
    "Verdict",
    "Workload",
]
