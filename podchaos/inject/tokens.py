"""File tokens: podchaos writes a token into a volume before the fault and reads it back after recovery.

A token only podchaos writes tells "kept" from "lost" even when the workload rewrites its own
files on every start. Reading it back tells three cases apart: the token (or other content), the
file does not exist, and the file could not be read at all (exec refused, not a regular file, the
container not running). Only the second is "absent": a read that fails for another reason must
never pass for an emptyDir that lost its data.

The file is reached from the node: the node agent (privileged, hostPID) finds the container's init
process and opens the path under ``/proc/<pid>/root``, which is the container's own view of its
filesystem, volume mounts included. Nothing runs inside the container, so images without a shell
(or without any tool) work. Where the agent cannot run (Pod Security admission or a policy engine
refuses privileged pods, RBAC forbids creating them), the token is written and read by ``sh`` exec'd
in the container instead, as far as the image has a shell; each token records which way it went.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from podchaos.errors import PodchaosError, TokenError
from podchaos.k8s.client import Kube
from podchaos.k8s.execute import ExecResult
from podchaos.model.controllers import PvcKept
from podchaos.model.expectations import EmptyDirKept, EmptyDirLost, Expectation
from podchaos.model.timeline import FileToken, PodState

# The read scripts print this on stderr and exit with ABSENT_EXIT when nothing exists at the path;
# both must be seen, so a shell or exec failing with the same code is not taken for an absent file.
ABSENT_MARK = "podchaos: no such file"
ABSENT_EXIT = 3

VIA_AGENT = "node agent"
VIA_EXEC = "exec"

# Node side: $1 the host PID of the container's init process, $2 the absolute path in the container.
# /proc/<pid>/root resolves the first step in the container's root, but an absolute symbolic link met
# further on would resolve in the node's (the agent's) root and silently reach another file, so no
# link is followed: not on the way to the file, and not the file itself.
_IN_CONTAINER = r"""
root="/proc/$1/root"; f="$root$2"; d="$2"
[ -d "$root/" ] || { echo "cannot open the root of process $1" >&2; exit 4; }
while d="${d%/*}"; [ -n "$d" ]; do
  [ -L "$root$d" ] && { echo "$d is a symbolic link (not followed from the node)" >&2; exit 4; }
done
[ -L "$f" ] && { echo "$2 is a symbolic link (not followed from the node)" >&2; exit 4; }
"""

# $3 the token. The new file gets the owner of its directory, so the workload's user can replace it.
NODE_WRITE = (
    _IN_CONTAINER
    + r"""
printf %s "$3" > "$f" || exit 1
chown "$(stat -c %u:%g "${f%/*}")" "$f" 2>/dev/null
exec cat -- "$f"
"""
)

NODE_READ = (
    _IN_CONTAINER
    + f"""
[ -e "$f" ] && exec cat -- "$f"
echo {shlex.quote(ABSENT_MARK)} >&2; exit {ABSENT_EXIT}
"""
)


def file_checks(expectations: tuple[Expectation, ...]) -> list[tuple[str, str]]:
    """(container, path) pairs the expectations need probed (emptyDir and PersistentVolumeClaim tokens
    alike: one token per pair, written and read back the same way), each once."""
    wanted = [
        (e.container, e.path) for e in expectations if isinstance(e, EmptyDirKept | EmptyDirLost | PvcKept)
    ]
    return list(dict.fromkeys(wanted))


def read_script(path: str) -> list[str]:
    """The in-container command that prints ``path``, or reports its absence with ABSENT_MARK /
    ABSENT_EXIT (the exec way, for an image with a shell)."""
    quoted = shlex.quote(path)
    return [
        "sh",
        "-c",
        f"if [ -e {quoted} ] || [ -L {quoted} ]; then exec cat -- {quoted}; fi;"
        f" echo {shlex.quote(ABSENT_MARK)} >&2; exit {ABSENT_EXIT}",
    ]


class NodeShell(Protocol):
    """A shell on a node that sees the node's processes (the node agent)."""

    def run(self, script: str, *args: str) -> ExecResult: ...

    def container_init_pid(self, container_id: str) -> int: ...


class ContainerFiles(Protocol):
    """A way to write and read a file as one container of a pod sees it. Both answer as the read
    scripts do: exit 0 with the content, ABSENT_EXIT with ABSENT_MARK, or another failure."""

    def write(self, pod: PodState, container: str, path: str, content: str) -> tuple[ExecResult, str]:
        """Write ``content`` to ``path`` and print it back; the result and the way it went."""
        ...

    def read(self, pod: PodState, container: str, path: str) -> tuple[ExecResult, str]:
        """Print ``path``; the result and the way it went."""
        ...


@dataclass(frozen=True)
class ExecFiles:
    """``sh`` exec'd in the container itself: needs a shell and the tools in the image."""

    kube: Kube
    namespace: str

    def write(self, pod: PodState, container: str, path: str, content: str) -> tuple[ExecResult, str]:
        script = f"printf %s {shlex.quote(content)} > {shlex.quote(path)} && cat {shlex.quote(path)}"
        return self.kube.exec(self.namespace, pod.pod.pod, container, ["sh", "-c", script]), VIA_EXEC

    def read(self, pod: PodState, container: str, path: str) -> tuple[ExecResult, str]:
        return self.kube.exec(self.namespace, pod.pod.pod, container, read_script(path)), VIA_EXEC


class AgentFiles:
    """The container's root seen from its node through the node agent (no shell needed in the image);
    the exec way instead, for this run, once the agent could not be started."""

    def __init__(self, agent_on: Callable[[str], NodeShell], fallback: ExecFiles) -> None:
        self._agent_on = agent_on
        self._fallback = fallback
        self._unavailable = ""

    def write(self, pod: PodState, container: str, path: str, content: str) -> tuple[ExecResult, str]:
        return self._node(pod, container, path, NODE_WRITE, content) or self._fallback_way(
            self._fallback.write(pod, container, path, content)
        )

    def read(self, pod: PodState, container: str, path: str) -> tuple[ExecResult, str]:
        return self._node(pod, container, path, NODE_READ) or self._fallback_way(
            self._fallback.read(pod, container, path)
        )

    def _fallback_way(self, done: tuple[ExecResult, str]) -> tuple[ExecResult, str]:
        return done[0], f"{done[1]} (node agent unavailable: {self._unavailable})"

    def _node(
        self, pod: PodState, container: str, path: str, script: str, *args: str
    ) -> tuple[ExecResult, str] | None:
        """The node way's answer; None when the agent cannot run (the caller then execs)."""
        if self._unavailable:
            return None
        problem = path_problem(path)
        if problem:
            raise TokenError(problem)
        current = pod.container(container)
        if current is None or current.state != "running" or not current.container_id:
            state = current.state if current is not None else "not in the pod"
            raise TokenError(f"container {container} of pod {pod.pod.pod} is not running ({state})")
        try:
            agent = self._agent_on(pod.pod.node)
        except PodchaosError as exc:
            self._unavailable = str(exc)[:200]
            return None
        pid = agent.container_init_pid(current.container_id)
        return agent.run(script, str(pid), path, *args), VIA_AGENT


def path_problem(path: str) -> str:
    """Why ``path`` cannot be opened from the node ("" when it can): it must be absolute, and a
    ``..`` step would climb out of ``/proc/<pid>/root`` instead of stopping at the container's root."""
    if not path.startswith("/"):
        return f"path {path!r} is not absolute"
    if ".." in path.split("/"):
        return f"path {path!r} has a '..' step"
    return ""


def write_token(files: ContainerFiles, pod: PodState, container: str, path: str, at: float) -> FileToken:
    """Write a fresh random token to ``path``; content None (and ``error`` why) when the write failed."""
    token = f"podchaos-{secrets.token_hex(8)}"
    try:
        result, via = files.write(pod, container, path, token)
    except PodchaosError as exc:
        return _probe(pod, container, path, None, at, "before-fault", str(exc))
    if result.exit_code == 0 and result.stdout == token:
        return _probe(pod, container, path, token, at, "before-fault", via=via)
    return _probe(pod, container, path, None, at, "before-fault", _failure(result), via)


def read_file(files: ContainerFiles, pod: PodState, container: str, path: str, at: float) -> FileToken:
    """Read ``path``: its content; absent (content None, no error) only when nothing exists there;
    otherwise content None and ``error`` saying why it could not be read."""
    try:
        result, via = files.read(pod, container, path)
    except PodchaosError as exc:
        return _probe(pod, container, path, None, at, "after-recovery", str(exc))
    if result.exit_code == 0:
        return _probe(pod, container, path, result.stdout, at, "after-recovery", via=via)
    if result.exit_code == ABSENT_EXIT and result.stderr.strip() == ABSENT_MARK and not result.stdout:
        return _probe(pod, container, path, None, at, "after-recovery", via=via)
    return _probe(pod, container, path, None, at, "after-recovery", _failure(result), via)


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
    via: str = "",
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
        via=via,
    )
