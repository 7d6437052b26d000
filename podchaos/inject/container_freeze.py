"""container-freeze: stop every process of a container for a while (a hung app), then let it go on.

The node agent freezes the container's cgroup (cgroup v1 ``freezer.state`` FROZEN, v2 ``cgroup.freeze``
1), which stops all its processes at once, children included; SIGSTOP would stop one process only and
a shell could still notice. The kernel's own account of the cgroup (FROZEN, or ``frozen 1``) confirms
it. After ``duration`` the cgroup is thawed and the processes carry on where they stopped; a liveness
probe that times out meanwhile makes kubelet kill the frozen container instead (runc thaws a frozen
container it sends SIGKILL to). ``restore`` thaws it in any case when the run ends.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field

from podchaos.errors import FaultError, PodchaosError
from podchaos.inject.agent import NodeAgent
from podchaos.inject.base import FaultContext, record_fault, running_container, took_effect_at
from podchaos.model.faults import ContainerFreeze
from podchaos.model.timeline import FaultRecord

# $1 host PID of a process of the container. Freezes its cgroup and waits until the kernel says it is
# frozen; prints "frozen <cgroup dir as the node sees it> <v1|v2>".
FREEZE = r"""
root=/host/sys/fs/cgroup
if [ -f "$root/cgroup.controllers" ]; then
  cg="$root$(sed -n 's/^0:://p' "/proc/$1/cgroup")"; v=v2
  [ -f "$cg/cgroup.freeze" ] || { echo "no cgroup.freeze in $cg" >&2; exit 4; }
  echo 1 > "$cg/cgroup.freeze" || exit 5
  frozen() { grep -qx 'frozen 1' "$cg/cgroup.events"; }
else
  cg="$root/freezer$(sed -n 's/^[0-9]*:freezer:\(.*\)/\1/p' "/proc/$1/cgroup")"; v=v1
  [ -f "$cg/freezer.state" ] || { echo "no freezer.state in $cg" >&2; exit 4; }
  echo FROZEN > "$cg/freezer.state" || exit 5
  frozen() { [ "$(cat "$cg/freezer.state")" = FROZEN ]; }
fi
i=0
until frozen; do
  [ "$i" -lt 50 ] || { echo "cgroup $cg did not freeze" >&2; exit 6; }
  i=$((i + 1)); sleep 0.1
done
echo "frozen ${cg#/host} $v"
"""

# $1 the cgroup dir (as the node sees it), $2 v1 or v2. A cgroup already gone (the container was
# killed and removed) has nothing left to thaw.
THAW = r"""
cg="/host$1"
[ -d "$cg" ] || { echo gone; exit 0; }
if [ "$2" = v2 ]; then echo 0 > "$cg/cgroup.freeze"; else echo THAWED > "$cg/freezer.state"; fi
echo thawed
"""


@dataclass
class ContainerFreezeFault:
    """Freeze one container of the target pod for ``duration`` seconds."""

    spec: ContainerFreeze
    _frozen: tuple[NodeAgent, str, str] | None = field(default=None, init=False)
    _timer: threading.Timer | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        target, before = running_container(context, self.spec.container)
        agent = context.agents.on(target.pod.node)
        pid = agent.container_init_pid(before.container_id)
        issued = context.journal.clock()
        result = agent.run(FREEZE, str(pid))
        at = took_effect_at(context, issued)
        words = result.stdout.split()
        if result.exit_code != 0 or len(words) != 3 or words[0] != "frozen":
            raise FaultError(
                f"container-freeze could not freeze {self.spec.container}: {result.stderr.strip()}"
            )
        self._frozen = (agent, words[1], words[2])
        record = record_fault(
            context,
            at,
            ContainerFreeze.type,
            target,
            self.spec.container,
            f"cgroup {words[1]} frozen ({words[2]}, the kernel confirms) for {self.spec.duration:g}s"
            f" (container {before.container_id.split('://')[-1][:12]} on {target.pod.node})",
        )
        remaining = max(0.0, at + self.spec.duration - context.journal.clock())
        self._timer = threading.Timer(remaining, self._thaw_quietly, args=(context,))
        self._timer.daemon = True
        self._timer.start()
        return record

    def _thaw(self, context: FaultContext) -> None:
        with self._lock:
            frozen, self._frozen = self._frozen, None
        if frozen is None:
            return
        agent, cgroup, version = frozen
        result = agent.run(THAW, cgroup, version)
        if result.exit_code != 0:
            with self._lock:
                self._frozen = frozen  # restore() tries again
            raise FaultError(f"container-freeze could not thaw {cgroup}: {result.stderr.strip()}")
        gone = result.stdout.strip() == "gone"
        record_fault(
            context,
            context.journal.clock(),
            ContainerFreeze.type,
            context.target,
            self.spec.container,
            "recover: the container was gone before the thaw (killed while frozen)"
            if gone
            else f"recover: cgroup {cgroup} thawed",
        )

    def _thaw_quietly(self, context: FaultContext) -> None:
        # From the timer thread: a failure is retried by restore() when the run ends.
        with contextlib.suppress(PodchaosError):
            self._thaw(context)

    def restore(self, context: FaultContext) -> None:
        """Cancel the timer and thaw now if that has not happened yet."""
        if self._timer is not None:
            self._timer.cancel()
        self._thaw(context)
