"""The exclusive hold (see :mod:`podchaos.inject.holds`): a run takes it before it cordons or drains a
node, so two runs never take both nodes of a small cluster away at once, and no run without node
faults is scheduling or observing pods while a node is cordoned.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from podchaos.errors import Conflict, FaultError, ObjectNotFound, WaitTimeout
from podchaos.inject import holds
from podchaos.inject.holds import ACQUIRE_INTERVAL_S, ACQUIRE_TIMEOUT_S, LEASE_DURATION_S
from podchaos.k8s.client import Kube
from podchaos.k8s.leases import LeaseInfo

LEASE_NAMESPACE = holds.LEASE_NAMESPACE
LEASE_NAME = holds.EXCLUSIVE_NAME


def _take(kube: Kube, holder: str, seen: list[str]) -> bool | None:
    """One attempt at the exclusive Lease: True once ``holder`` has it. Not while a run without node
    faults waits (for an earlier node fault): it goes first."""
    current = holds.exclusive_holder(kube)
    if current is not None and current.holder == holder:
        return True  # taken again, inside the run's own hold (the cordon)
    waiting = holds.live_shared(kube, selector=holds.WAITING_SELECTOR)
    if waiting:
        names = ", ".join(sorted(lease.holder for lease in waiting))
        seen[0] = f"letting {len(waiting)} waiting run(s) without node faults go first: {names}"
        return None
    try:
        kube.create_lease(LEASE_NAMESPACE, LEASE_NAME, holder, LEASE_DURATION_S)
        return True
    except Conflict:
        pass
    current = holds.exclusive_holder(kube)  # deletes a stale one: the next attempt creates it
    if current is None:
        return None
    if current.holder == holder:
        return True
    seen[0] = f"node faults of {current.holder} for up to {current.seconds_left:.0f}s more"
    return None


def _no_readers(kube: Kube, holder: str, seen: list[str]) -> bool | None:
    """True once no run holds a shared hold (new ones back off while this run holds the Lease)."""
    readers = holds.live_shared(kube, but=holder)
    if not readers:
        return True
    names = ", ".join(sorted(lease.holder for lease in readers))
    seen[0] = f"{len(readers)} run(s) without node faults still scheduling or observing: {names}"
    return None


def acquire(kube: Kube, holder: str) -> None:
    """Take the exclusive hold for ``holder`` (a run's namespace): wait while another run has it, then
    while runs without node faults finish (taking it again when ``holder`` has it returns at once)."""
    try:
        holds.poll(
            "the node-fault lease",
            lambda seen: _take(kube, holder, seen),
            ACQUIRE_TIMEOUT_S,
            ACQUIRE_INTERVAL_S,
        )
        holds.poll(
            "runs without node faults to leave the cluster's nodes alone",
            lambda seen: _no_readers(kube, holder, seen),
            ACQUIRE_TIMEOUT_S,
            ACQUIRE_INTERVAL_S,
        )
    except WaitTimeout as exc:
        release(kube, holder)
        raise FaultError(f"the cluster stayed busy with other runs: {exc}") from exc


def release(kube: Kube, holder: str) -> None:
    """Give the Lease back if ``holder`` still has it."""
    with contextlib.suppress(ObjectNotFound, Conflict):
        current, _left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
        if current == holder:
            kube.delete_lease(LEASE_NAMESPACE, LEASE_NAME, version)


@contextlib.contextmanager
def held(kube: Kube, holder: str) -> Iterator[None]:
    """Hold the Lease for ``holder``, renewed, while the block runs (a cordon inside it takes it again
    at once)."""
    acquire(kube, holder)
    renewal = holds.Renewal(kube, LEASE_NAME, holder).start()
    try:
        yield
    finally:
        renewal.stop()
        release(kube, holder)


def release_leftover(kube: Kube, *, dry_run: bool = False) -> str | None:
    """Delete the Lease if a killed run left it (expired, no holder, or its holder's namespace gone);
    returns the holder it was taken from, None when there was nothing to release. With ``dry_run``,
    the holder it would be taken from, deleting nothing."""
    try:
        holder, seconds_left, version = kube.lease_holder(LEASE_NAMESPACE, LEASE_NAME)
    except ObjectNotFound:
        return None
    if not holds.delete_if_stale(kube, LeaseInfo(LEASE_NAME, holder, seconds_left, version), dry_run=dry_run):
        return None
    return holder or "(no holder)"
