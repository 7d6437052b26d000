"""Sweep what killed runs left behind: their namespaces, the nodes they cordoned, the node-fault lease
(``podchaos sweep``)."""

from __future__ import annotations

from dataclasses import dataclass

from podchaos.cleanup.attached import mark_of, restore_marked
from podchaos.cleanup.namespace import delete_namespace
from podchaos.deploy.namespace import LEFTOVER_SELECTOR
from podchaos.inject import cordon, node_lease, shared_hold
from podchaos.inject.node_lease import LEASE_NAME, LEASE_NAMESPACE
from podchaos.k8s.client import Kube


@dataclass(frozen=True)
class Swept:
    """What ``sweep`` cleaned up after killed runs."""

    namespaces: tuple[str, ...] = ()
    uncordoned: tuple[str, ...] = ()
    lease_from: str | None = None
    shared_from: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """One line per thing cleaned up, for the CLI."""
        return [
            *self.restored,
            *(f"namespace {name} deleted" for name in self.namespaces),
            *(f"node {name} uncordoned" for name in self.uncordoned),
            *(
                [f"lease {LEASE_NAMESPACE}/{LEASE_NAME} released (held by {self.lease_from})"]
                if self.lease_from
                else []
            ),
            *(f"shared hold of {holder} released" for holder in self.shared_from),
        ]


def sweep(kube: Kube, timeout: float = 120.0, older_than: float = 0.0) -> Swept:
    """Clean up after killed runs: delete the namespaces podchaos created (those at least
    ``older_than`` seconds old: runs still going are younger), then uncordon the nodes podchaos cordoned
    for runs whose namespace is gone (only those: the cordon mark names the run) and release the
    node-fault Lease and the shared holds if their holder's namespace is gone or it expired."""
    ages = kube.namespaces_labelled(LEFTOVER_SELECTOR)
    names = sorted(name for name, age in ages.items() if age >= older_than)
    # Before their namespaces go (they carry the marks): what killed attached runs left changed.
    marks = {name: mark for name in names if (mark := mark_of(kube, name)) is not None}
    restored = restore_marked(kube, marks)
    for name in names:
        delete_namespace(kube, name, timeout)
    # Namespaces first: a cordon or lease whose run namespace still existed would be left alone.
    uncordoned = cordon.uncordon_leftovers(kube)
    lease_from = node_lease.release_leftover(kube)
    shared = tuple(shared_hold.release_leftovers(kube))
    return Swept(tuple(names), tuple(uncordoned), lease_from, shared, tuple(restored))
