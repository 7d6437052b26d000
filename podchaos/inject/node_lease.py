"""One node fault at a time on a cluster: a Lease that runs (pytest-xdist workers, other CI jobs) take
before they cordon or drain a node, so two runs never take both nodes of a small cluster away at once.

A Lease that expired, names no holder, or whose holder's namespace is gone was left by a killed run
and is taken over.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from podchaos.errors import Conflict, FaultError, ObjectNotFound, WaitTimeout
from podchaos.k8s.client import Kube
from podchaos.k8s.waiting import wait_for

LEASE_NAMESPACE = "default"
LEASE_NAME = "podchaos-node-faults"
LEASE_DURATION_S = 600
ACQUIRE_TIMEOUT_S = 900.0
ACQUIRE_INTERVAL_S = 2.0


def _take_over_if_stale(kube: Kube, holder: str, seconds_left: float, version: str) -> bool:
    """Delete the Lease at ``version`` unless a live run holds it, so the next create takes it over;
    True when this call deleted it.

    An empty holder counts as stale: podchaos always names one, and Kubernetes leader election clears
    it to release a Lease. (Asking whether namespace "" exists would read the namespace list: yes.)
    """
    if seconds_left > 0 and holder and kube.namespace_exists(holder):
        return False  # a live run holds it
    try:
        kube.delete_lease(LEASE_NAMESPACE, LEASE_NAME, version)
    except (ObjectNotFound, Conflict):
        return False  # released or taken over meanwhile
    return True


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
        seen[0] = f"held by {current or '(no holder)'} for {seconds_left:.0f}s more"
        _take_over_if_stale(kube, current, seconds_left, version)
        return None  # deleted or not, the next attempt creates it or waits

    try:
        wait_for(
            "the node-fault lease",
            taken,
            ACQUIRE_TIMEOUT_S,
            interval=ACQUIRE_INTERVAL_S,
            last_seen=lambda: seen[0],
        )
    except WaitTimeout as exc:
        raise FaultError(f"another run keeps cordoning or draining nodes: {exc}") from exc


def release(kube: Kube, holder: str) -> None:
    """Give the Lease back if ``holder`` still has it."""
    with contextlib.suppress(ObjectNotFound, Conflict):
        current, _left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
        if current == holder:
            kube.delete_lease(LEASE_NAMESPACE, LEASE_NAME, version)


@contextlib.contextmanager
def held(kube: Kube, holder: str) -> Iterator[None]:
    """Hold the Lease for ``holder`` while the block runs (a cordon inside it takes it again at once)."""
    acquire(kube, holder)
    try:
        yield
    finally:
        release(kube, holder)


def release_leftover(kube: Kube) -> str | None:
    """Delete the Lease if a killed run left it (expired, no holder, or its holder's namespace gone);
    returns the holder it was taken from, None when there was nothing to release."""
    try:
        holder, seconds_left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
    except ObjectNotFound:
        return None
    if not _take_over_if_stale(kube, holder, seconds_left, version):
        return None
    return holder or "(no holder)"
