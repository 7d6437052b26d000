"""File tokens: podchaos writes a token into a volume before the fault and reads it back after recovery.

A token only podchaos writes tells "kept" from "lost" even when the workload rewrites its own
files on every start. Reading it back tells three cases apart: the token (or other content), the
file does not exist, and the file could not be read at all (no shell in the image, exec refused,
not a regular file). Only the second is "absent": an exec that fails for another reason must never
pass for an emptyDir that lost its data.
"""

from __future__ import annotations

import secrets
import shlex
from typing import Literal

from podchaos.errors import PodchaosError
from podchaos.k8s.client import ExecResult, Kube
from podchaos.model.controllers import PvcKept
from podchaos.model.expectations import EmptyDirKept, EmptyDirLost, Expectation
from podchaos.model.timeline import FileToken, PodState

# The read script prints this on stderr and exits with ABSENT_EXIT when nothing exists at the path;
# both must be seen, so a shell or exec failing with the same code is not taken for an absent file.
ABSENT_MARK = "podchaos: no such file"
ABSENT_EXIT = 3


def file_checks(expectations: tuple[Expectation, ...]) -> list[tuple[str, str]]:
    """(container, path) pairs the expectations need probed (emptyDir and PersistentVolumeClaim tokens
    alike: one token per pair, written and read back the same way), each once."""
    wanted = [
        (e.container, e.path) for e in expectations if isinstance(e, EmptyDirKept | EmptyDirLost | PvcKept)
    ]
    return list(dict.fromkeys(wanted))


def read_script(path: str) -> list[str]:
    """The command that prints ``path``, or reports its absence with ABSENT_MARK / ABSENT_EXIT."""
    quoted = shlex.quote(path)
    return [
        "sh",
        "-c",
        f"if [ -e {quoted} ] || [ -L {quoted} ]; then exec cat -- {quoted}; fi;"
        f" echo {shlex.quote(ABSENT_MARK)} >&2; exit {ABSENT_EXIT}",
    ]


def write_token(kube: Kube, namespace: str, pod: PodState, container: str, path: str, at: float) -> FileToken:
    """Write a fresh random token to ``path``; content None (and ``error`` why) when the write failed."""
    token = f"podchaos-{secrets.token_hex(8)}"
    script = f"printf %s {shlex.quote(token)} > {shlex.quote(path)} && cat {shlex.quote(path)}"
    try:
        result = kube.exec(namespace, pod.pod.pod, container, ["sh", "-c", script])
    except PodchaosError as exc:
        return _probe(pod, container, path, None, at, "before-fault", str(exc))
    if result.exit_code == 0 and result.stdout == token:
        return _probe(pod, container, path, token, at, "before-fault")
    return _probe(pod, container, path, None, at, "before-fault", _failure(result))


def read_file(kube: Kube, namespace: str, pod: PodState, container: str, path: str, at: float) -> FileToken:
    """Read ``path``: its content; absent (content None, no error) only when nothing exists there;
    otherwise content None and ``error`` saying why it could not be read."""
    try:
        result = kube.exec(namespace, pod.pod.pod, container, read_script(path))
    except PodchaosError as exc:
        return _probe(pod, container, path, None, at, "after-recovery", str(exc))
    if result.exit_code == 0:
        return _probe(pod, container, path, result.stdout, at, "after-recovery")
    if result.exit_code == ABSENT_EXIT and result.stderr.strip() == ABSENT_MARK and not result.stdout:
        return _probe(pod, container, path, None, at, "after-recovery")
    return _probe(pod, container, path, None, at, "after-recovery", _failure(result))


def _failure(result: ExecResult) -> str:
    said = (result.stderr.strip() or result.stdout.strip())[:200]
    return f"exit code {result.exit_code}" + (f": {said}" if said else "")


def _probe(
    pod: PodState,
    container: str,
    path: str,
    content: str | None,
    at: float,
    phase: Literal["before-fault", "after-recovery"],
    error: str = "",
) -> FileToken:
    return FileToken(
        at=at,
        pod=pod.pod.pod,
        pod_uid=pod.pod.pod_uid,
        container=container,
        path=path,
        content=content,
        phase=phase,
        error=error,
    )
