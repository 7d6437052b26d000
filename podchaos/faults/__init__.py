"""Inject: one module per fault kind, each behind the :class:`~podchaos.faults.base.Fault` protocol."""

from __future__ import annotations

from podchaos.faults.base import Fault, FaultContext
from podchaos.faults.container_freeze import ContainerFreezeFault
from podchaos.faults.container_kill import ContainerKillFault
from podchaos.faults.emptydir_fill import EmptyDirFillFault
from podchaos.faults.node_cordon import NodeCordonFault
from podchaos.faults.node_drain import NodeDrainFault
from podchaos.faults.oom_kill import OomKillFault
from podchaos.faults.pod_delete import PodDeleteFault
from podchaos.faults.probe_fail import ProbeFailFault
from podchaos.faults.startup_probe_fail import StartupProbeFailFault
from podchaos.model.faults import (
    ContainerFreeze,
    ContainerKill,
    EmptyDirFill,
    FaultSpec,
    NodeCordon,
    NodeDrain,
    OomKill,
    PodDelete,
    ProbeFail,
    StartupProbeFail,
)


def fault_for(spec: FaultSpec) -> Fault:
    """A fresh implementation of a fault spec (faults that must be restored keep state per run)."""
    match spec:
        case ContainerKill():
            return ContainerKillFault(spec)
        case PodDelete():
            return PodDeleteFault(spec)
        case OomKill():
            return OomKillFault(spec)
        case ProbeFail():
            return ProbeFailFault(spec)
        case NodeCordon():
            return NodeCordonFault(spec)
        case NodeDrain():
            return NodeDrainFault(spec)
        case StartupProbeFail():
            return StartupProbeFailFault(spec)
        case ContainerFreeze():
            return ContainerFreezeFault(spec)
        case EmptyDirFill():
            return EmptyDirFillFault(spec)


__all__ = ["Fault", "FaultContext", "fault_for"]
