"""The shared hold (see :mod:`podchaos.inject.holds`): a run without node faults takes it while its
pods are scheduled and observed, so no other run's cordon or drain changes where they can go. Shared
holds do not wait for each other; they wait while a run holds, or waits for, the exclusive one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from podchaos.errors import Conflict, FaultError, ObjectNotFound, WaitTimeout
from podchaos.inject import holds
from podchaos.inject.holds import (
    ACQUIRE_INTERVAL_S,
    ACQUIRE_TIMEOUT_S,
    HOLD_LABEL,
    LEASE_DURATION_S,
    LEASE_NAMESPACE,
    shared_name,
)
from podchaos.k8s.client import Kube


def _take(kube: Kube, holder: str, seen: list[str]) -> bool | None:
    """One attempt: True once ``holder`` holds a shared Lease and no exclusive one is held or wanted."""
    writer = holds.exclusive_holder(kube)
    if writer is None:
        with contextlib.suppress(Conflict):  # ours already, from an earlier attempt's lost answer
            kube.create_lease(
                LEASE_NAMESPACE, shared_name(holder), holder, LEASE_DURATION_S, {HOLD_LABEL: "shared"}
            )
        # Added first, looked for a writer second: a writer that took its Lease meanwhile sees ours.
        writer = holds.exclusive_holder(kube)
        if writer is None:
            _stop_waiting(kube, holder)
            return True
        release(kube, holder)  # back off: the writer waits for readers, not the other way round
    _wait(kube, holder)
    seen[0] = f"node faults of {writer.holder} for up to {writer.seconds_left:.0f}s more"
    return None


def _wait(kube: Kube, holder: str) -> None:
    """Say this run waits (or that it still does), so the next node fault lets it go first."""
    name = holds.waiting_name(holder)
    if not kube.renew_lease(LEASE_NAMESPACE, name, holder):
        with contextlib.suppress(Conflict):
            kube.create_lease(LEASE_NAMESPACE, name, holder, LEASE_DURATION_S, {HOLD_LABEL: "waiting"})


def _stop_waiting(kube: Kube, holder: str) -> None:
    with contextlib.suppress(ObjectNotFound):
        kube.delete_lease(LEASE_NAMESPACE, holds.waiting_name(holder))


def acquire(kube: Kube, holder: str) -> None:
    """Take a shared hold for ``holder`` (a run's namespace), waiting while a run with node faults holds
    or waits for the exclusive one."""
    try:
        holds.poll(
            "other runs' node faults to end",
            lambda seen: _take(kube, holder, seen),
            ACQUIRE_TIMEOUT_S,
            ACQUIRE_INTERVAL_S,
        )
    except WaitTimeout as exc:
        _stop_waiting(kube, holder)
        raise FaultError(f"another run keeps cordoning or draining nodes: {exc}") from exc


def release(kube: Kube, holder: str) -> None:
    """Give the shared hold back (nothing when ``holder`` has none)."""
    with contextlib.suppress(ObjectNotFound):
        kube.delete_lease(LEASE_NAMESPACE, shared_name(holder))


@contextlib.contextmanager
def held(kube: Kube, holder: str) -> Iterator[None]:
    """Hold a shared hold for ``holder``, renewed, while the block runs."""
    acquire(kube, holder)
    renewal = holds.Renewal(kube, shared_name(holder), holder).start()
    try:
        yield
    finally:
        renewal.stop()
        release(kube, holder)


def release_leftovers(kube: Kube, *, dry_run: bool = False) -> list[str]:
    """Delete the shared holds (and waits) killed runs left (expired, or their namespace gone); their
    holders (with ``dry_run``, those it would delete, deleting nothing)."""
    return sorted(
        lease.holder or "(no holder)"
        for selector in (holds.SHARED_SELECTOR, holds.WAITING_SELECTOR)
        for lease in kube.leases_labelled(LEASE_NAMESPACE, selector)
        if holds.delete_if_stale(kube, lease, dry_run=dry_run)
    )
