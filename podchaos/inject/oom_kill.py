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
from typing import Literal

from podchaos.errors import FaultError
from podchaos.inject.agent import NodeAgent
from podchaos.inject.base import FaultContext, confirm, running_container, took_effect_at
from podchaos.model.faults import OomKill
from podchaos.model.timeline import CgroupOomKills, ContainerSnapshot, FaultRecord, PodState

# $1 container ID. Prints "hog <pid> limit <bytes> cgroup <dir> events <file> watch <pid> before <n> <n>"
# or fails with a reason on stderr. Before the hog starts it reads the OOM-kill counters of the
# container's and the pod's memory cgroups and starts a watcher that keeps the container cgroup's last
# counter in /tmp/podchaos-oom-<cid>: the runtime removes that cgroup soon after the container dies.
START_HOG = r"""
cid="$1"; pids=""
for d in /proc/[0-9]*; do grep -qs "$cid" "$d/cgroup" && pids="$pids ${d#/proc/}"; done
[ -n "$pids" ] || { echo "no process of container $cid on this node" >&2; exit 3; }
root=/host/sys/fs/cgroup
base="$root/memory"; file=memory.limit_in_bytes; events=memory.oom_control
[ -f "$root/cgroup.controllers" ] && { base="$root"; file=memory.max; events=memory.events; }
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
count() { n=$(sed -n 's/^oom_kill //p' "$1" 2>/dev/null); echo "${n:--}"; }
before=$(count "$cg/$events"); pod_before=$(count "${cg%/*}/$events")
out="/tmp/podchaos-oom-$cid"; echo "$before" > "$out"
watch='last=""; i=0
while [ $i -lt 2400 ] && [ -f "$1" ]; do
  n=$(sed -n "s/^oom_kill //p" "$1" 2>/dev/null)
  [ -n "$n" ] && [ "$n" != "$last" ] && { echo "$n" > "$2"; last=$n; }
  i=$((i + 1)); sleep 0.05
done'
sh -c "$watch" podchaos-oom-watch "$cg/$events" "$out" < /dev/null > /dev/null 2>&1 &
watcher=$!
for p in $pids; do echo 1000 > "/proc/$p/oom_score_adj"; done
hog='echo $$ > "$1/cgroup.procs" || exit 6; echo 0 > /proc/$$/oom_score_adj; head -c "$2" /dev/zero | tail'
sh -c "$hog > /dev/null" podchaos-oom-hog "$cg" $((limit * 2)) < /dev/null > /dev/null 2>&1 &
echo "hog $! limit $limit cgroup ${cg#/host} events $events watch $watcher before $before $pod_before"
"""

# $1 container ID, $2 the pod cgroup's counter file. Prints "after <container> <pod>" ("-": no counter).
READ_COUNTS = r"""
out="/tmp/podchaos-oom-$1"
n=$(cat "$out" 2>/dev/null); p=$(sed -n 's/^oom_kill //p' "/host$2" 2>/dev/null)
echo "after ${n:--} ${p:--}"
"""

# $1 the hog's PID, $2 the watcher's PID, $3 container ID.
STOP_HOG = r"""
for p in $(cat /proc/[0-9]*/stat 2>/dev/null | awk -v hog="$1" '$4 == hog || $1 == hog {print $1}'); do
  kill -9 "$p" 2>/dev/null
done
kill -9 "$2" 2>/dev/null
rm -f "/tmp/podchaos-oom-$3"
true
"""

_STARTED = re.compile(r"hog (\d+) limit (\d+) cgroup (\S+) events (\S+) watch (\d+) before (\S+) (\S+)")


def _count(word: str) -> int | None:
    """A counter the scripts printed; ``-`` where the kernel has none."""
    return int(word) if word.isdigit() else None


def _restarted(before: ContainerSnapshot, now: ContainerSnapshot | None) -> bool:
    return now is not None and (now.restart_count > before.restart_count or now.state == "terminated")


@dataclass
class _Hog:
    """What START_HOG left running on the node, and the counters it read first."""

    agent: NodeAgent
    pid: str
    watcher: str
    container_id: str
    cgroup: str
    events: str
    before: int | None
    pod_before: int | None


@dataclass
class OomKillFault:
    """OOM-kill one container of the target pod; it must have a memory limit.

    The OOM-kill counters of the container's and the pod's memory cgroups are read before and after
    and recorded as :class:`CgroupOomKills` entries: the evidence the ``oom-killed`` expectation uses
    when the runtime does not report reason OOMKilled.
    """

    spec: OomKill
    _hog: _Hog | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        target, before = running_container(context, self.spec.container)
        if not context.kube.memory_limit(context.namespace, target.pod.pod, self.spec.container):
            raise FaultError(
                f"oom-kill needs a memory limit on container {self.spec.container!r} of pod {target.pod.pod}"
                " (resources.limits.memory); without one the hog would fill the node"
            )
        agent = context.agents.on(target.pod.node)
        container_id = before.container_id.split("://", 1)[-1]
        issued = context.journal.clock()
        result = agent.run(START_HOG, container_id)
        at = took_effect_at(context, issued)
        started = _STARTED.search(result.stdout)
        if result.exit_code != 0 or started is None:
            raise FaultError(
                f"oom-kill could not start its memory hog on {target.pod.node}: {result.stderr.strip()}"
            )
        hog_pid, limit, cgroup, events, watcher, count, pod_count = started.groups()
        self._hog = _Hog(
            agent, hog_pid, watcher, container_id, cgroup, events, _count(count), _count(pod_count)
        )
        record = FaultRecord(
            at=at,
            fault=OomKill.type,
            pod=target.pod.pod,
            pod_uid=target.pod.pod_uid,
            container=self.spec.container,
            detail=f"memory hog PID {hog_pid} in cgroup {cgroup} (limit {limit} bytes) on {target.pod.node}",
        )
        context.journal.add(record)
        try:
            self._confirm(context, before)
        finally:
            try:
                self._record_counts(context, target)
            finally:
                self.restore(context)
        return record

    def _confirm(self, context: FaultContext, before: ContainerSnapshot) -> None:
        seen: list[str] = []

        def killed() -> bool | None:
            pod = context.journal.pod(before.pod)
            if pod is None:
                return True
            now = pod.container(before.container)
            seen[:] = [f"restartCount={now.restart_count} state={now.state}" if now else "no status"]
            return True if _restarted(before, now) else None

        confirm(
            context,
            f"OOM kill of {before.container}",
            killed,
            lambda exc: f"oom-kill did nothing: {before.container} in {before.pod} still runs ({exc})",
            last_seen=lambda: seen[0] if seen else "",
        )

    def _record_counts(self, context: FaultContext, target: PodState) -> None:
        """Read the counters again and add both readings (container and pod cgroup) to the timeline;
        a reading that failed is recorded as unknown (None) rather than hiding the fault's own error."""
        hog = self._hog
        if hog is None:
            return
        pod_cgroup = hog.cgroup.rsplit("/", 1)[0]
        result = hog.agent.run(READ_COUNTS, hog.container_id, f"{pod_cgroup}/{hog.events}")
        counts = re.search(r"after (\S+) (\S+)", result.stdout)
        after, pod_after = (counts.group(1), counts.group(2)) if counts else ("-", "-")
        at = context.journal.clock()

        def reading(scope: Literal["container", "pod"], cgroup: str, first: int | None, last: str) -> None:
            context.journal.add(
                CgroupOomKills(
                    at=at,
                    pod=target.pod.pod,
                    pod_uid=target.pod.pod_uid,
                    container=self.spec.container,
                    scope=scope,
                    source=f"{cgroup}/{hog.events}",
                    before=first,
                    after=_count(last),
                )
            )

        reading("container", hog.cgroup, hog.before, after)
        reading("pod", pod_cgroup, hog.pod_before, pod_after)

    def restore(self, context: FaultContext) -> None:
        """Kill the hog (and its pipeline) and the counter watcher if they still run."""
        if self._hog is not None:
            hog = self._hog
            self._hog = None
            hog.agent.run(STOP_HOG, hog.pid, hog.watcher, hog.container_id)
