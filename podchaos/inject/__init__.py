"""Inject: one module per fault kind, each behind the :class:`~podchaos.inject.base.Fault` protocol."""

from __future__ import annotations

from podchaos.inject.base import Fault, FaultContext
from podchaos.inject.container_freeze import ContainerFreezeFault
from podchaos.inject.container_kill import ContainerKillFault
from podchaos.inject.emptydir_fill import EmptyDirFillFault
from podchaos.inject.node_cordon import NodeCordonFault
from podchaos.inject.node_drain import NodeDrainFault
from podchaos.inject.oom_kill import OomKillFault
from podchaos.inject.pod_delete import PodDeleteFault
from podchaos.inject.probe_fail import ProbeFailFault
from podchaos.inject.startup_probe_fail import StartupProbeFailFault
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
