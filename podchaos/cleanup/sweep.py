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
    dry_run: bool = False
    """Nothing was changed: the fields say what a sweep would clean up."""
    restored: tuple[str, ...] = ()
    """What killed attached runs had changed in their workloads, put back (see cleanup/attached.py)."""

    def items(self) -> list[dict[str, str]]:
        """One entry per thing cleaned up (or that would be): its kind, name, what happens to it and,
        for the holds, whose it was."""
        would = "would be " if self.dry_run else ""
        lease = [(LEASE_NAMESPACE + "/" + LEASE_NAME, self.lease_from)] if self.lease_from else []
        return [
            *({"kind": "restored", "name": r, "action": "put back"} for r in self.restored),
            *({"kind": "namespace", "name": n, "action": f"{would}deleted"} for n in self.namespaces),
            *({"kind": "node", "name": n, "action": f"{would}uncordoned"} for n in self.uncordoned),
            *({"kind": "lease", "name": n, "action": f"{would}released", "holder": h} for n, h in lease),
            *(
                {"kind": "shared hold", "name": h, "action": f"{would}released", "holder": h}
                for h in self.shared_from
            ),
        ]

    def lines(self) -> list[str]:
        """One line per thing cleaned up (or that would be), for the CLI."""
        return [_line(item) for item in self.items()]


def _line(item: dict[str, str]) -> str:
    if item["kind"] == "restored":
        return item["name"]
    shared = item["kind"] == "shared hold"
    subject = f"shared hold of {item['name']}" if shared else f"{item['kind']} {item['name']}"
    held = f" (held by {item['holder']})" if item["kind"] == "lease" else ""
    return f"{subject} {item['action']}{held}"


def sweep(kube: Kube, timeout: float = 120.0, older_than: float = 0.0, *, dry_run: bool = False) -> Swept:
    """Clean up after killed runs: delete the namespaces podchaos created (those at least
    ``older_than`` seconds old: runs still going are younger), then uncordon the nodes podchaos cordoned
    for runs whose namespace is gone (only those: the cordon mark names the run) and release the
    node-fault Lease and the shared holds if their holder's namespace is gone or it expired.

    With ``dry_run`` nothing changes: the result names what would be cleaned up. A cordon or hold of a
    run whose namespace a real sweep would delete first is then not named (its namespace still exists)."""
    ages = kube.namespaces_labelled(LEFTOVER_SELECTOR)
    names = sorted(name for name, age in ages.items() if age >= older_than)
    # Before their namespaces go (they carry the marks): what killed attached runs left changed. A dry
    # run reads no marks: restoring is part of deleting the namespace.
    marks = {} if dry_run else {name: mark for name in names if (mark := mark_of(kube, name)) is not None}
    restored = restore_marked(kube, marks)
    for name in [] if dry_run else names:
        delete_namespace(kube, name, timeout)
    # Namespaces first: a cordon or lease whose run namespace still existed would be left alone.
    uncordoned = cordon.uncordon_leftovers(kube, dry_run=dry_run)
    lease_from = node_lease.release_leftover(kube, dry_run=dry_run)
    shared = shared_hold.release_leftovers(kube, dry_run=dry_run)
    return Swept(tuple(names), tuple(uncordoned), lease_from, tuple(shared), dry_run, tuple(restored))
