"""One node fault at a time on a cluster: a Lease that runs (pytest-xdist workers, other CI jobs) take
before they cordon or drain a node, so two runs never take both nodes of a small cluster away at once.

A Lease whose holder namespace is gone, or that expired, was left by a killed run and is taken over.
"""

from __future__ import annotations

import contextlib

from podchaos.errors import Conflict, FaultError, ObjectNotFound, WaitTimeout
from podchaos.k8s.client import Kube
from podchaos.waiting import wait_for

LEASE_NAMESPACE = "default"
LEASE_NAME = "podchaos-node-faults"
LEASE_DURATION_S = 600
ACQUIRE_TIMEOUT_S = 900.0


def acquire(kube: Kube, holder: str) -> None:
    """Take the node-fault Lease for ``holder`` (a run's namespace), waiting while another run has it."""
    seen = [""]

    def taken() -> bool | None:
        try:
            kube.create_lease(LEASE_NAMESPACE, LEASE_NAME, holder, LEASE_DURATION_S)
            return True
        except Conflict:
            pass
        try:
            current, seconds_left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
        except ObjectNotFound:
            return None  # released meanwhile: try again
        if current == holder:
            return True
        seen[0] = f"held by {current} for {seconds_left:.0f}s more"
        if seconds_left <= 0 or not kube.namespace_exists(current):
            with contextlib.suppress(ObjectNotFound, Conflict):
                kube.delete_lease(LEASE_NAMESPACE, LEASE_NAME, version)
        return None

    try:
        wait_for("the node-fault lease", taken, ACQUIRE_TIMEOUT_S, interval=2.0, last_seen=lambda: seen[0])
    except WaitTimeout as exc:
        raise FaultError(f"another run keeps cordoning or draining nodes: {exc}") from exc


def release(kube: Kube, holder: str) -> None:
    """Give the Lease back if ``holder`` still has it."""
    with contextlib.suppress(ObjectNotFound, Conflict):
        current, _left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
        if current == holder:
            kube.delete_lease(LEASE_NAMESPACE, LEASE_NAME, version)


def release_leftover(kube: Kube) -> str | None:
    """Delete the Lease if a killed run left it (its holder's namespace is gone, or it expired);
    returns the holder it was taken from, None when there was nothing to release."""
    try:
        holder, seconds_left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
    except ObjectNotFound:
        return None
    if seconds_left > 0 and holder and kube.namespace_exists(holder):
        return None  # a live run holds it
    try:
        kube.delete_lease(LEASE_NAMESPACE, LEASE_NAME, version)
    except (ObjectNotFound, Conflict):
        return None  # released or taken over meanwhile
    return holder or "(no holder)"
