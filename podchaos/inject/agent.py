"""The node agent: a privileged, hostPID toolbox pod on the target's node.

Faults act from the node side because a container's PID 1 ignores signals sent from inside its
own PID namespace, and because images without a shell must be killable too. An :class:`AgentPool`
starts one agent per node on first use and keeps it for every later fault: under pytest, in a
namespace of the session's own (deleted at session end, and by ``podchaos sweep``); for a library
user without a session, in the run's namespace, so deleting the namespace removes it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from podchaos.errors import FaultError, ObjectNotFound
from podchaos.k8s.client import Kube
from podchaos.k8s.execute import ExecResult
from podchaos.k8s.waiting import wait_for
from podchaos.model.toolbox import TOOLBOX_IMAGE

AGENT_LABEL = "podchaos.io/role"
HOST_CGROUP = "/host/sys/fs/cgroup"
START_TIMEOUT_S = 60.0

# Finds the processes whose cgroup path names the container ID and prints the container's init
# process: the one whose parent (the runtime shim) is outside the container.
FIND_INIT = r"""
cid="$1"; pids=""
for d in /proc/[0-9]*; do
  grep -qs "$cid" "$d/cgroup" && pids="$pids ${d#/proc/}"
done
for p in $pids; do
  ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
  case " $pids " in *" $ppid "*) ;; *) echo "$p";; esac
done
"""


def agent_name(node: str) -> str:
    return "podchaos-agent-" + re.sub(r"[^a-z0-9-]", "-", node.lower())[:40]


def agent_manifest(node: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": agent_name(node), "labels": {AGENT_LABEL: "agent"}},
        "spec": {
            "nodeName": node,
            "hostPID": True,
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "tolerations": [{"operator": "Exists"}],
            # The node's cgroup tree, for faults that act on a container's cgroup (oom-kill).
            "volumes": [{"name": "cgroup", "hostPath": {"path": "/sys/fs/cgroup", "type": "Directory"}}],
            "containers": [
                {
                    "name": "agent",
                    "image": TOOLBOX_IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["sleep", "86400"],
                    "securityContext": {"privileged": True},
                    "volumeMounts": [{"name": "cgroup", "mountPath": HOST_CGROUP}],
                }
            ],
        },
    }


class NodeAgent:
    """Runs commands with host PID visibility on one node (its pod must be running: see AgentPool)."""

    def __init__(self, kube: Kube, namespace: str, node: str) -> None:
        self.kube = kube
        self.namespace = namespace
        self.node = node
        self.name = agent_name(node)

    def start(self) -> NodeAgent:
        """Start the agent pod on the node unless it already runs; wait until it is Running."""
        try:
            self.kube.pod(self.namespace, self.name)
        except ObjectNotFound:
            self.kube.create_pod(self.namespace, agent_manifest(self.node))

        def running() -> bool | None:
            state = self.kube.pod(self.namespace, self.name)
            if state.pod.phase in {"Failed", "Succeeded"}:
                raise FaultError(f"node agent {self.name} on {self.node} ended ({state.pod.phase})")
            return True if state.pod.phase == "Running" else None

        wait_for(f"node agent on {self.node} running", running, START_TIMEOUT_S)
        return self

    def run(self, script: str, *args: str) -> ExecResult:
        """Run a shell script on the node (host PID namespace) with positional arguments."""
        return self.kube.exec(
            self.namespace, self.name, "agent", ["sh", "-c", script, "podchaos-agent", *args]
        )

    def container_init_pid(self, container_id: str) -> int:
        """The host PID of a container's init process, found by its cgroup."""
        bare = container_id.split("://", 1)[-1]
        if not re.fullmatch(r"[0-9a-f]{12,64}", bare):
            raise FaultError(f"unexpected container ID {container_id!r}")
        result = self.run(FIND_INIT, bare)
        pids = [int(word) for word in result.stdout.split() if word.isdigit()]
        if len(pids) != 1:
            raise FaultError(
                f"expected one init process for container {bare[:12]} on {self.node}, found {pids or 'none'}"
                f" (stderr: {result.stderr.strip()})"
            )
        return pids[0]


class AgentPool:
    """One node agent per node, started on first use and reused by every fault after it.

    ``prepare`` runs once before the first agent starts (it creates the agents' namespace when that
    is not the run's own).
    """

    def __init__(self, kube: Kube, namespace: str, prepare: Callable[[], None] | None = None) -> None:
        self.kube = kube
        self.namespace = namespace
        self._prepare = prepare
        self._lock = threading.Lock()
        self._started: dict[str, NodeAgent] = {}

    def on(self, node: str) -> NodeAgent:
        """The running agent on ``node``."""
        with self._lock:
            agent = self._started.get(node)
            if agent is None:
                if self._prepare is not None:
                    self._prepare()
                    self._prepare = None
                agent = NodeAgent(self.kube, self.namespace, node).start()
                self._started[node] = agent
            return agent

    @property
    def nodes(self) -> tuple[str, ...]:
        """Nodes with a started agent."""
        with self._lock:
            return tuple(self._started)
