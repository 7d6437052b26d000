"""Cleanup: remove a run's namespace (and with it every object and agent pod), and sweep leftovers."""

from __future__ import annotations

from podchaos.deploy import LEFTOVER_SELECTOR
from podchaos.errors import ObjectNotFound
from podchaos.k8s.client import Kube
from podchaos.waiting import wait_for


def delete_namespace(kube: Kube, namespace: str, timeout: float = 120.0) -> None:
    """Delete the namespace and wait until it is gone."""
    try:
        kube.delete_namespace(namespace)
    except ObjectNotFound:
        return
    wait_for(
        f"namespace {namespace} deleted",
        lambda: True if not kube.namespace_exists(namespace) else None,
        timeout,
        interval=1.0,
    )


def sweep(kube: Kube, timeout: float = 120.0) -> list[str]:
    """Delete every namespace podchaos created (left by a killed run); returns their names."""
    names = kube.namespaces_labelled(LEFTOVER_SELECTOR)
    for name in names:
        delete_namespace(kube, name, timeout)
    return names
