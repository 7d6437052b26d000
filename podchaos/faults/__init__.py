"""Inject: one module per fault kind, each behind the :class:`~podchaos.faults.base.Fault` protocol."""

from __future__ import annotations

from podchaos.faults.base import Fault, FaultContext
from podchaos.faults.container_kill import ContainerKillFault
from podchaos.faults.pod_delete import PodDeleteFault
from podchaos.model.faults import ContainerKill, FaultSpec, PodDelete


def fault_for(spec: FaultSpec) -> Fault:
    """The implementation of a fault spec."""
    if isinstance(spec, ContainerKill):
        return ContainerKillFault(spec)
    if isinstance(spec, PodDelete):
        return PodDeleteFault(spec)
    raise TypeError(f"no implementation for fault {spec!r}")  # every FaultSpec is handled above


__all__ = ["Fault", "FaultContext", "fault_for"]
