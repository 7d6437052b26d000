"""Cleanup: remove a run's namespace (and with it every object and agent pod), and sweep leftovers."""

from __future__ import annotations

from podchaos.deploy import LEFTOVER_SELECTOR
from podchaos.errors import ObjectNotFound
from podchaos.k8s.client import Kube
from podchaos.waiting import wait_for


def delete_namespace(kube: Kube, namespace: str, timeout: float = 120.0) -> None:
    """Delete the namespace and wait until it is gone.

    Its pods are then deleted with grace 0: the run is over, and waiting out every pod's grace
    period (30 s for a shell that ignores SIGTERM) would only slow the catalogue down. Doing it after
    the namespace turned Terminating means no controller can create replacements any more.
    """
    try:
        kube.delete_namespace(namespace)
        kube.delete_pods_now(namespace)
    except ObjectNotFound:
        return
    wait_for(
        f"namespace {namespace} deleted",
        lambda: True if not kube.namespace_exists(namespace) else None,
        timeout,
        interval=0.5,
    )


def sweep(kube: Kube, timeout: float = 120.0) -> list[str]:
    """Delete every namespace podchaos created (left by a killed run); returns their names."""
    names = kube.namespaces_labelled(LEFTOVER_SELECTOR)
    for name in names:
        delete_namespace(kube, name, timeout)
    return names
