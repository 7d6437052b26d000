"""A command run in a container through the API's exec websocket: opening it, reading its output to
the end or a deadline, and its exit code read back from the error channel."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from kubernetes import client
from kubernetes.stream import stream

from podchaos.errors import ApiError, ClusterError

# What the apiserver says in an exec's error channel when it could not reach the pod's kubelet.
KUBELET_UNREACHABLE = ("error sending request", "error dialing backend", "connect: connection refused")


@dataclass(frozen=True)
class ExecResult:
    """What a command run in a container printed and how it exited."""

    stdout: str
    stderr: str
    exit_code: int


@dataclass(frozen=True)
class ExecTarget:
    """Where a command runs, and the command."""

    namespace: str
    pod: str
    container: str
    command: tuple[str, ...]

    @property
    def action(self) -> str:
        """How errors name the call."""
        return f"exec in {self.namespace}/{self.pod}/{self.container}"


class ExecChannel:
    """The API client execs go through, apart from the shared one.

    kubernetes.stream.stream() swaps its ApiClient's request method for a websocket call while an
    exec runs; on the shared client, a watch thread's request in that moment goes out as a websocket
    handshake and fails ("Handshake status 400"). Execs get a client of their own.
    """

    def __init__(self, configuration: Any) -> None:
        self._api = client.ApiClient(configuration)
        self._core = client.CoreV1Api(self._api)
        # The swap is not thread-safe among execs either: one opens at a time (reading is concurrent).
        self._opening = threading.Lock()

    def open(self, target: ExecTarget) -> Any:
        """Open the exec websocket; the response to read with :func:`read_exec`."""
        with self._opening:
            return stream(
                self._core.connect_get_namespaced_pod_exec,
                target.pod,
                target.namespace,
                container=target.container,
                command=list(target.command),
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
                _preload_content=False,
            )

    def close(self) -> None:
        """Close the execs' connections."""
        self._api.close()


def read_exec(response: Any, target: ExecTarget, timeout: float) -> ExecResult:
    """Read an opened exec to its end; ClusterError when it outlives ``timeout`` s, the connection
    breaks (the command may have run: final) or the command could not run; ApiError (retried) when
    the apiserver could not reach the kubelet, so the command never ran."""
    action, command = target.action, list(target.command)
    namespace, pod, container = target.namespace, target.pod, target.container
    stdout: list[str] = []
    stderr: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while response.is_open() and time.monotonic() < deadline:
            response.update(timeout=1)
            stdout.append(response.read_stdout())
            stderr.append(response.read_stderr())
    except OSError as exc:
        # The command may have run: a lost connection now is final, never retried.
        raise ClusterError(f"{action}: connection lost while the command ran: {exc}") from exc
    timed_out = response.is_open()
    response.close()
    if timed_out:
        raise ClusterError(f"exec {command!r} in {namespace}/{pod}/{container} timed out after {timeout}s")
    try:
        code = response.returncode
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        # The client parses the exit code out of the error channel; when the runtime could not
        # start the command at all (no such executable: an image without a shell) that channel
        # holds the runtime's message instead, and the client fails parsing it.
        said = str(exc).removeprefix("invalid literal for int() with base 10: ").strip("'")
        if any(words in said for words in KUBELET_UNREACHABLE):
            # The apiserver could not hand the command to the node's kubelet: it never ran,
            # so trying again is safe (and the outage is ridden out like the API's own).
            raise ApiError(action, 502, "kubelet unreachable", said[:300]) from exc
        raise ClusterError(
            f"exec {command[0]!r} in {namespace}/{pod}/{container} could not run: {said}"
        ) from exc
    return ExecResult("".join(stdout), "".join(stderr), int(code) if code is not None else -1)
