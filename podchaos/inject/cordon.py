"""Cordoning a node for a node fault (node-cordon, node-drain), under the node-fault lease.

A cordon podchaos makes carries the annotation ``podchaos.io/cordoned-by: <run namespace>`` (the
namespace names the scenario and the run id), set and removed in the same patch as
``spec.unschedulable``. A marked node whose run namespace is gone was left cordoned by a killed run:
the next node fault (under the lease, so no live podchaos run can be cordoning) and ``podchaos sweep``
uncordon it. Nodes cordoned by anyone else are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podchaos.errors import FaultError, ObjectNotFound, WaitTimeout
from podchaos.inject import node_lease
from podchaos.inject.base import CONFIRM_TIMEOUT_S, FaultContext
from podchaos.inject.holds import Renewal
from podchaos.k8s.client import Kube
from podchaos.k8s.waiting import wait_for

CORDONED_BY = "podchaos.io/cordoned-by"


def podchaos_cordons(kube: Kube) -> dict[str, str]:
    """Nodes carrying podchaos's cordon mark -> the run namespace that cordoned them."""
    return {node.name: by for node in kube.nodes() if (by := node.annotations.get(CORDONED_BY))}


def uncordon_leftovers(kube: Kube, *, dry_run: bool = False) -> list[str]:
    """Uncordon the nodes podchaos cordoned for runs whose namespace no longer exists; their names
    (with ``dry_run``, those it would uncordon, changing nothing)."""
    released = []
    for node, namespace in podchaos_cordons(kube).items():
        if kube.namespace_exists(namespace):
            continue  # that run may still be going: its own restore uncordons
        if dry_run:
            released.append(node)
            continue
        try:
            kube.set_unschedulable(node, False, {CORDONED_BY: None})
        except ObjectNotFound:
            continue  # the node itself went away
        released.append(node)
    return released


@dataclass
class Cordon:
    """Cordons one node under the cluster's node-fault lease and always gives both back."""

    node: str
    _cordoned: bool = field(default=False, init=False)
    _leased: bool = field(default=False, init=False)
    _renewal: Renewal | None = field(default=None, init=False)

    def apply(self, context: FaultContext) -> None:
        """Take the lease, cordon, confirm; a node someone else cordoned is an error, not a no-op."""
        node_lease.acquire(context.kube, context.holder)
        self._leased = True
        # Renewed here too: a library test cordons without a run-wide hold around it.
        self._renewal = Renewal(context.kube, node_lease.LEASE_NAME, context.holder).start()
        # Holding the lease, no live podchaos run is cordoning: marked nodes of gone runs are leftovers.
        uncordon_leftovers(context.kube)
        node = context.kube.node(self.node)
        if node.unschedulable:
            by = node.annotations.get(CORDONED_BY)
            who = f"by the podchaos run in namespace {by}" if by else "not by podchaos"
            raise FaultError(
                f"node {self.node} is already cordoned ({who}): cordoning it would change nothing"
            )
        context.kube.set_unschedulable(self.node, True, {CORDONED_BY: context.holder})
        self._cordoned = True
        try:
            wait_for(
                f"node {self.node} unschedulable",
                lambda: True if context.kube.node(self.node).unschedulable else None,
                CONFIRM_TIMEOUT_S,
            )
        except WaitTimeout as exc:
            raise FaultError(f"cordon did nothing: {exc}") from exc

    def undo(self, context: FaultContext) -> None:
        """Uncordon and remove the mark (if this cordoned), and release the lease."""
        try:
            if self._cordoned:
                context.kube.set_unschedulable(self.node, False, {CORDONED_BY: None})
                self._cordoned = False
        finally:
            if self._renewal is not None:
                self._renewal.stop()
                self._renewal = None
            if self._leased:
                node_lease.release(context.kube, context.holder)
                self._leased = False
