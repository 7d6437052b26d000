"""File probes: podchaos writes a token into a volume before the fault and reads it back after recovery.

A token only podchaos writes tells "kept" from "lost" even when the workload rewrites its own
files on every start.
"""

from __future__ import annotations

import secrets
import shlex
from typing import Literal

from podchaos.k8s.client import Kube
from podchaos.model.expectations import EmptyDirKept, EmptyDirLost, Expectation
from podchaos.model.timeline import FileProbe, PodState


def file_checks(expectations: tuple[Expectation, ...]) -> list[tuple[str, str]]:
    """(container, path) pairs the expectations need probed."""
    return [(e.container, e.path) for e in expectations if isinstance(e, EmptyDirKept | EmptyDirLost)]


def write_token(kube: Kube, namespace: str, pod: PodState, container: str, path: str, at: float) -> FileProbe:
    """Write a fresh random token to ``path``; content None when the write failed."""
    token = f"podchaos-{secrets.token_hex(8)}"
    script = f"printf %s {shlex.quote(token)} > {shlex.quote(path)} && cat {shlex.quote(path)}"
    result = kube.exec(namespace, pod.pod.pod, container, ["sh", "-c", script])
    content = token if result.exit_code == 0 and result.stdout == token else None
    return _probe(pod, container, path, content, at, "before-fault")


def read_file(kube: Kube, namespace: str, pod: PodState, container: str, path: str, at: float) -> FileProbe:
    """Read ``path``; content None when it does not exist."""
    result = kube.exec(
        namespace,
        pod.pod.pod,
        container,
        ["sh", "-c", f"test -f {shlex.quote(path)} && cat {shlex.quote(path)}"],
    )
    return _probe(
        pod, container, path, result.stdout if result.exit_code == 0 else None, at, "after-recovery"
    )


def _probe(
    pod: PodState,
    container: str,
    path: str,
    content: str | None,
    at: float,
    phase: Literal["before-fault", "after-recovery"],
) -> FileProbe:
    return FileProbe(
        at=at,
        pod=pod.pod.pod,
        pod_uid=pod.pod.pod_uid,
        container=container,
        path=path,
        content=content,
        phase=phase,
    )
