"""Cleanup: remove a run's namespace (and with it every object and agent pod), started at once and
confirmed gone at the end of the session."""

from __future__ import annotations

import threading

from podchaos.deploy.namespace import LEFTOVER_SELECTOR
from podchaos.errors import ClusterError, ObjectNotFound
from podchaos.k8s.client import Kube

# How long the namespaces of a session may take to go once their deletion started.
GONE_TIMEOUT_S = 120.0


def start_deleting(kube: Kube, namespace: str) -> None:
    """Start deleting the namespace; returns at once.

    Its pods are then deleted with grace 0: the run is over, and waiting out every pod's grace
    period (30 s for a shell that ignores SIGTERM) would only slow the catalogue down. Doing it after
    the namespace turned Terminating means no controller can create replacements any more.
    """
    try:
        kube.delete_namespace(namespace)
        kube.delete_pods_now(namespace)
    except ObjectNotFound:
        return


def delete_namespace(kube: Kube, namespace: str, timeout: float = GONE_TIMEOUT_S) -> None:
    """Delete the namespace and wait (on a watch) until it is gone; ClusterError if it is not."""
    start_deleting(kube, namespace)
    if kube.wait_namespaces_gone([namespace], LEFTOVER_SELECTOR, timeout):
        raise ClusterError(f"namespace {namespace} still exists {timeout:g}s after its deletion started")


class NamespaceCleaner:
    """Deletes run namespaces without making the next run wait, and confirms they are gone later.

    A run only starts the deletion (:meth:`delete`); :meth:`confirm`, at the end of a session (or of
    a pytest-xdist worker), watches until every namespace it was given is gone and names those that
    are not: nothing is left behind unnoticed.
    """

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self._lock = threading.Lock()
        self._pending: list[str] = []

    def delete(self, namespace: str) -> None:
        """Start deleting ``namespace``; its end is confirmed by :meth:`confirm`."""
        with self._lock:
            self._pending.append(namespace)
        start_deleting(self.kube, namespace)

    def confirm(self, timeout: float = GONE_TIMEOUT_S) -> tuple[str, ...]:
        """Wait until every namespace given to :meth:`delete` is gone; those still there."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return ()
        return self.kube.wait_namespaces_gone(pending, LEFTOVER_SELECTOR, timeout)
