"""The cluster-wide holds that keep parallel runs (pytest-xdist workers, other CI jobs) from disturbing
each other: a readers-writer lock made of Leases in ``default``.

- A run with a node fault (cordon, drain) takes the *exclusive* hold, the Lease
  ``podchaos-node-faults`` (:mod:`podchaos.inject.node_lease`), then waits until no run holds a shared
  one. Holding it while it waits is what keeps new readers out, so a node fault is never starved.
- A run without node faults takes a *shared* hold (:mod:`podchaos.inject.shared_hold`), a Lease of its
  own labelled ``podchaos.io/hold=shared``, while its pods are scheduled and observed, so no other run's
  cordon changes where they can go. It adds its Lease and only then looks for an exclusive one (backing
  off when it finds one); the writer takes its Lease and only then looks for shared ones. Both orders
  are store-then-load on the same etcd, so at least one of the two sees the other.

Every hold names its run's namespace and is renewed while held. One that expired, names no holder, or
whose holder's namespace is gone was left by a killed run: it is ignored and deleted by whoever meets
it, and by ``podchaos sweep``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from podchaos.errors import Conflict, ObjectNotFound, PodchaosError
from podchaos.k8s.client import Kube
from podchaos.k8s.leases import LeaseInfo
from podchaos.k8s.waiting import wait_for

LEASE_NAMESPACE = "default"
EXCLUSIVE_NAME = "podchaos-node-faults"
SHARED_PREFIX = "podchaos-scheduling-"
HOLD_LABEL = "podchaos.io/hold"
SHARED_SELECTOR = f"{HOLD_LABEL}=shared"
WAITING_PREFIX = "podchaos-waiting-"
WAITING_SELECTOR = f"{HOLD_LABEL}=waiting"
# A killed run blocks others for at most this long; renewed every third of it, so two missed renewals
# (an API outage of up to ~80 s) do not lose a live hold.
LEASE_DURATION_S = 120
RENEW_INTERVAL_S = LEASE_DURATION_S / 3
ACQUIRE_TIMEOUT_S = 900.0
ACQUIRE_INTERVAL_S = 2.0


def shared_name(holder: str) -> str:
    """The shared hold's Lease name for a run (its namespace, at most 63 characters)."""
    return SHARED_PREFIX + holder


def waiting_name(holder: str) -> str:
    """The Lease a run without node faults keeps while a node fault makes it wait: a node fault that
    has not taken the exclusive hold yet lets it go first, so a stream of node faults (one taking the
    hold as the previous one gives it back) does not starve it."""
    return WAITING_PREFIX + holder


def is_stale(kube: Kube, lease: LeaseInfo) -> bool:
    """A Lease left by a killed run: expired, no holder, or its holder's namespace gone.

    An empty holder counts as stale: podchaos always names one, and Kubernetes leader election clears
    it to release a Lease. (Asking whether namespace "" exists would read the namespace list: yes.)
    """
    return lease.seconds_left <= 0 or not lease.holder or not kube.namespace_exists(lease.holder)


def delete_if_stale(kube: Kube, lease: LeaseInfo, *, dry_run: bool = False) -> bool:
    """Delete ``lease`` (at the version seen) unless a live run holds it; True when this call did
    (with ``dry_run``, when it would, deleting nothing)."""
    stale = is_stale(kube, lease)
    if not stale or dry_run:
        return stale
    try:
        kube.delete_lease(LEASE_NAMESPACE, lease.name, lease.version)
    except (ObjectNotFound, Conflict):
        return False  # released, renewed or taken over meanwhile
    return True


def exclusive_holder(kube: Kube) -> LeaseInfo | None:
    """The live exclusive hold, None when there is none (a stale one is deleted on the way)."""
    try:
        holder, left, version = kube.lease_holder(LEASE_NAMESPACE, EXCLUSIVE_NAME)
    except ObjectNotFound:
        return None
    lease = LeaseInfo(EXCLUSIVE_NAME, holder, left, version)
    return None if delete_if_stale(kube, lease) else lease


def live_shared(kube: Kube, but: str = "", selector: str = SHARED_SELECTOR) -> list[LeaseInfo]:
    """The live shared holds (other than ``but``'s; with WAITING_SELECTOR, the runs waiting for one);
    stale ones are deleted on the way."""
    return [
        lease
        for lease in kube.leases_labelled(LEASE_NAMESPACE, selector)
        if lease.holder != but and not delete_if_stale(kube, lease)
    ]


def poll(what: str, attempt: Callable[[list[str]], bool | None], timeout: float, interval: float) -> None:
    """Call ``attempt`` until it returns True; it writes what it last saw into the one-item list it is
    given, for the WaitTimeout raised after ``timeout`` seconds."""
    seen = [""]
    wait_for(what, lambda: attempt(seen), timeout, interval=interval, last_seen=lambda: seen[0])


class Renewal:
    """Renews one Lease every :data:`RENEW_INTERVAL_S` from a daemon thread until stopped, or until the
    Lease is gone or held by someone else (then it has nothing left to renew)."""

    def __init__(self, kube: Kube, name: str, holder: str, interval: float = RENEW_INTERVAL_S) -> None:
        self._kube = kube
        self._name = name
        self._holder = holder
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"renew {name}", daemon=True)

    def start(self) -> Renewal:
        """Start renewing; returns itself."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop renewing (before the Lease is released, so no renewal races the delete)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30.0)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            # An API outage is ridden out by the call policy; one that outlasts it skips a renewal,
            # and the next one tries again.
            with contextlib.suppress(PodchaosError):
                if not self._kube.renew_lease(LEASE_NAMESPACE, self._name, self._holder):
                    return
