"""oom-kill: have the kernel OOM-kill one container by filling its memory cgroup from the node side.

The node agent moves a memory hog into the container's memory cgroup and makes the container's own
processes the preferred victims (oom_score_adj 1000, the hog 0). On cgroup v2 kubelet sets
memory.oom.group, so the whole container dies; on cgroup v1 the kernel kills one process at a time,
and the scores make that the container's. The hog is capped at twice the limit, so a container that
is not killed leaves no hog behind; it is killed when the fault is confirmed or restored anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from podchaos.errors import FaultError, ObjectNotFound, WaitTimeout
from podchaos.faults.agent import NodeAgent
from podchaos.faults.base import CONFIRM_TIMEOUT_S, FaultContext, running_container
from podchaos.model.faults import OomKill
from podchaos.model.timeline import ContainerSnapshot, FaultRecord
from podchaos.waiting import wait_for

# $1 container ID. Prints "hog <pid> limit <bytes> cgroup <dir>" or fails with a reason on stderr.
START_HOG = r"""
cid="$1"; pids=""
for d in /proc/[0-9]*; do grep -qs "$cid" "$d/cgroup" && pids="$pids ${d#/proc/}"; done
[ -n "$pids" ] || { echo "no process of container $cid on this node" >&2; exit 3; }
root=/host/sys/fs/cgroup
base="$root/memory"; file=memory.limit_in_bytes
[ -f "$root/cgroup.controllers" ] && { base="$root"; file=memory.max; }
set -- $pids
# cgroup v1: the memory hierarchy path as the process sees it; v2 (maybe in a cgroup namespace): by name.
cg="$base$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' "/proc/$1/cgroup")"
if [ "$cg" = "$base" ] || [ ! -f "$cg/$file" ]; then
  cg=$(find "$base" -maxdepth 10 -type d -name "*$cid*" 2>/dev/null | head -n 1)
fi
[ -n "$cg" ] || { echo "no memory cgroup of container $cid under $base" >&2; exit 4; }
limit=$(cat "$cg/$file")
case "$limit" in max|"") echo "container has no memory limit" >&2; exit 5;; esac
[ "$limit" -lt 17179869184 ] || { echo "container has no memory limit (limit $limit)" >&2; exit 5; }
for p in $pids; do echo 1000 > "/proc/$p/oom_score_adj"; done
hog='echo $$ > "$1/cgroup.procs" || exit 6; echo 0 > /proc/$$/oom_score_adj; head -c "$2" /dev/zero | tail'
sh -c "$hog > /dev/null" podchaos-oom-hog "$cg" $((limit * 2)) < /dev/null > /dev/null 2>&1 &
echo "hog $! limit $limit cgroup ${cg#/host}"
"""

STOP_HOG = r"""
for p in $(cat /proc/[0-9]*/stat 2>/dev/null | awk -v hog="$1" '$4 == hog || $1 == hog {print $1}'); do
  kill -9 "$p" 2>/dev/null
done
true
"""


def _restarted(before: ContainerSnapshot, now: ContainerSnapshot | None) -> bool:
    return now is not None and (now.restart_count > before.restart_count or now.state == "terminated")


@dataclass
class OomKillFault:
    """OOM-kill one container of the target pod; it must have a memory limit."""

    spec: OomKill
    _hog: tuple[NodeAgent, str] | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        target, before = running_container(context, self.spec.container)
        if not context.kube.memory_limit(context.namespace, target.pod.pod, self.spec.container):
            raise FaultError(
                f"oom-kill needs a memory limit on container {self.spec.container!r} of pod {target.pod.pod}"
                " (resources.limits.memory); without one the hog would fill the node"
            )
        agent = NodeAgent(context, target.pod.node).ensure()
        at = context.journal.clock()
        result = agent.run(START_HOG, before.container_id.split("://", 1)[-1])
        started = re.search(r"hog (\d+) limit (\d+) cgroup (\S+)", result.stdout)
        if result.exit_code != 0 or started is None:
            raise FaultError(
                f"oom-kill could not start its memory hog on {target.pod.node}: {result.stderr.strip()}"
            )
        self._hog = (agent, started.group(1))
        record = FaultRecord(
            at=at,
            fault=OomKill.type,
            pod=target.pod.pod,
            pod_uid=target.pod.pod_uid,
            container=self.spec.container,
            detail=f"memory hog PID {started.group(1)} in cgroup {started.group(3)}"
            f" (limit {started.group(2)} bytes) on {target.pod.node}",
        )
        context.journal.add(record)
        try:
            self._confirm(context, before)
        finally:
            self.restore(context)
        return record

    def _confirm(self, context: FaultContext, before: ContainerSnapshot) -> None:
        seen: list[str] = []

        def killed() -> bool | None:
            try:
                now = context.kube.pod(context.namespace, before.pod).container(before.container)
            except ObjectNotFound:
                return True
            seen[:] = [f"restartCount={now.restart_count} state={now.state}" if now else "no status"]
            return True if _restarted(before, now) else None

        try:
            wait_for(f"OOM kill of {before.container}", killed, CONFIRM_TIMEOUT_S, last_seen=lambda: seen[0])
        except WaitTimeout as exc:
            raise FaultError(
                f"oom-kill did nothing: {before.container} in {before.pod} still runs ({exc})"
            ) from exc

    def restore(self, context: FaultContext) -> None:
        """Kill the hog (and its pipeline) if it still runs."""
        if self._hog is not None:
            agent, pid = self._hog
            self._hog = None
            agent.run(STOP_HOG, pid)
