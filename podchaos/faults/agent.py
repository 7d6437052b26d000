"""The node agent: a privileged, hostPID toolbox pod on the target's node.

Faults act from the node side because a container's PID 1 ignores signals sent from inside its
own PID namespace, and because images without a shell must be killable too. The agent lives in the
run's namespace, so deleting the namespace removes it.
"""

from __future__ import annotations

import re
from typing import Any

from podchaos.errors import FaultError, ObjectNotFound
from podchaos.faults.base import FaultContext
from podchaos.k8s.client import ExecResult
from podchaos.model.toolbox import TOOLBOX_IMAGE
from podchaos.waiting import wait_for

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
    """Runs commands with host PID visibility on one node."""

    def __init__(self, context: FaultContext, node: str) -> None:
        self.context = context
        self.node = node
        self.name = agent_name(node)

    def ensure(self) -> NodeAgent:
        """Start the agent pod on the node unless it already runs; wait until it is Running."""
        kube, namespace = self.context.kube, self.context.namespace
        try:
            kube.pod(namespace, self.name)
        except ObjectNotFound:
            kube.create_pod(namespace, agent_manifest(self.node))

        def running() -> bool | None:
            state = kube.pod(namespace, self.name)
            if state.pod.phase in {"Failed", "Succeeded"}:
                raise FaultError(f"node agent {self.name} on {self.node} ended ({state.pod.phase})")
            return True if state.pod.phase == "Running" else None

        wait_for(f"node agent on {self.node} running", running, START_TIMEOUT_S)
        return self

    def run(self, script: str, *args: str) -> ExecResult:
        """Run a shell script on the node (host PID namespace) with positional arguments."""
        return self.context.kube.exec(
            self.context.namespace, self.name, "agent", ["sh", "-c", script, "podchaos-agent", *args]
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
