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
    EventRecord,
    FaultRecord,
    FileProbe,
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
    "EventRecord",
    "EventSeen",
    "Expectation",
    "ExpectationResult",
    "FaultRecord",
    "FaultSpec",
    "FileProbe",
    "LastTerminated",
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
