"""emptydir-fill: fill an emptyDir past its sizeLimit from the node side, so that kubelet evicts the pod.

The node agent finds the volume's directory on the node, under the kubelet's pods dir
(``<kubelet root>/pods/<pod UID>/volumes/kubernetes.io~empty-dir/<volume>``), from the container's
mount table; reaches it through the node's filesystem as the container's runtime shim (its parent,
outside the container) sees it, ``/proc/<shim>/root``; checks that it is the very directory the
container has at ``path``; and writes ``size`` bytes of zeros into a file there (real blocks, as a
workload's logs would be). The container's processes play no part, so images without a shell work.
Should the node's directory not be reachable that way (the kubelet's dir on a file system of its
own), the same directory is written through the container's root (/proc/<pid>/root) instead; the
record says which.

Confirmed by the volume's usage (``du``) having passed ``size``. What kubelet does next (evict the pod
once its eviction manager has measured the volume) is for the expectations to judge. ``restore``
deletes the file if the pod and its volume are still there (a pod that was not evicted).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from podchaos.errors import FaultError, PodchaosError
from podchaos.inject.agent import NodeAgent
from podchaos.inject.base import FaultContext, record_fault, running_container, took_effect_at
from podchaos.k8s.units import bytes_of
from podchaos.model.faults import EmptyDirFill
from podchaos.model.timeline import FaultRecord

FILL_FILE = "podchaos-fill"

# $1 host PID of the container's init process, $2 the emptyDir's path in the container, $3 MiB to
# write. Prints "filled <dir written> <KiB used by the volume> <node dir or ->".
FILL = r"""
inside="/proc/$1/root$2"
[ -d "$inside" ] || { echo "no directory $2 in the container" >&2; exit 3; }
# The mount whose mount point is the path (or the longest one above it): its root is the node's dir.
node_dir=$(awk -v p="$2" '{
    mp = $5
    if ((p == mp || index(p, mp "/") == 1) && length(mp) > best) {
      best = length(mp); r = $4; rest = substr(p, length(mp) + 1)
    }
  }
  END { if (best) print r rest }' "/proc/$1/mountinfo")
# The node's filesystem as the runtime shim (the container's parent, outside the container) sees it.
shim=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$1/status")
dir="$inside"
case "$node_dir" in
  */pods/*/volumes/kubernetes.io~empty-dir/*)
    [ "/proc/$shim/root$node_dir" -ef "$inside" ] && dir="/proc/$shim/root$node_dir" ;;
esac
[ "$dir" = "$inside" ] && node_dir=-
dd if=/dev/zero of="$dir/podchaos-fill" bs=1048576 count="$3" 2>/dev/null \
  || { echo "writing $3 MiB into $2 failed" >&2; exit 5; }
sync
echo "filled $dir $(du -sk "$dir" | cut -f1) $node_dir"
"""

# $1 the dir written. Nothing to do once kubelet removed the volume.
REMOVE = r"""
[ -d "$1" ] && rm -f "$1/podchaos-fill"
exit 0
"""


@dataclass
class EmptyDirFillFault:
    """Write ``size`` bytes into one emptyDir of the target pod, from the node."""

    spec: EmptyDirFill
    _written: tuple[NodeAgent, str] | None = field(default=None, init=False)

    def inject(self, context: FaultContext) -> FaultRecord:
        size = bytes_of(self.spec.size)
        if size is None:
            raise FaultError(f"emptydir-fill size must be a byte quantity, got {self.spec.size!r}")
        mib = -(-size // 2**20)
        target, container = running_container(context, self.spec.container)
        agent = context.agents.on(target.pod.node)
        pid = agent.container_init_pid(container.container_id)
        issued = context.journal.clock()
        result = agent.run(FILL, str(pid), self.spec.path, str(mib))
        at = took_effect_at(context, issued)
        words = result.stdout.split()
        if result.exit_code != 0 or len(words) != 4 or words[0] != "filled":
            raise FaultError(f"emptydir-fill could not fill {self.spec.path}: {result.stderr.strip()}")
        written, used_kib, node_dir = words[1], int(words[2]), words[3]
        self._written = (agent, written)
        if used_kib * 1024 < size:
            raise FaultError(
                f"emptydir-fill did nothing: {self.spec.path} holds {used_kib} KiB after writing {mib} MiB"
            )
        where = f"node dir {node_dir}" if node_dir != "-" else f"the container's root (/proc/{pid}/root)"
        return record_fault(
            context,
            at,
            EmptyDirFill.type,
            target,
            self.spec.container,
            f"{mib} MiB written to {self.spec.path} through {where} on {target.pod.node};"
            f" the volume now uses {used_kib} KiB",
        )

    def restore(self, context: FaultContext) -> None:
        """Delete the fill file if its volume is still there (a pod that was not evicted)."""
        written, self._written = self._written, None
        if written is not None:
            agent, directory = written
            # The pod may be gone with its namespace: then nothing of the fault outlives it.
            with contextlib.suppress(PodchaosError):
                agent.run(REMOVE, directory)
