"""The attach guard: a run touches a namespace it did not create only when that namespace was allowed
explicitly (``--podchaos-allow-namespace``), and never a system namespace, whatever is allowed."""

from __future__ import annotations

from collections.abc import Sequence

from podchaos.errors import UnsafeNamespace

# The cluster's own namespaces: chaos there hits the control plane or everyone's defaults.
REFUSED_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")
ALLOW_OPTION = "--podchaos-allow-namespace"


def check_namespace(namespace: str, allowed: Sequence[str]) -> None:
    """Raise :class:`UnsafeNamespace` unless chaos may attach to ``namespace``."""
    if namespace in REFUSED_NAMESPACES:
        raise UnsafeNamespace(
            f"refused to attach to namespace {namespace!r}: {', '.join(REFUSED_NAMESPACES)} are never"
            " chaos targets, whatever is allowed"
        )
    if namespace not in allowed:
        have = f" (allowed: {', '.join(allowed)})" if allowed else " (none is allowed)"
        raise UnsafeNamespace(
            f"refused to attach to namespace {namespace!r}: it is not allowed explicitly{have}; pods"
            f" there would be disrupted. Pass {ALLOW_OPTION} {namespace} (ini podchaos_allow_namespaces,"
            " env PODCHAOS_ALLOW_NAMESPACES) to allow it"
        )
