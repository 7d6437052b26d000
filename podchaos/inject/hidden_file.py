"""Hiding a file from a container and putting it back, from the node side (shared by the probe faults).

The node agent renames the file inside the container's filesystem, seen from the node through
``/proc/<pid>/root``, so images without a shell work too; putting it back renames it again, unless
the container made a new one meanwhile.
"""

from __future__ import annotations

HIDDEN_SUFFIX = ".podchaos-hidden"

# $1 host PID of the container's init process, $2 absolute path in the container.
HIDE = r"""
f="/proc/$1/root$2"
[ -e "$f" ] || { echo "no file $2 in the container" >&2; exit 3; }
mv "$f" "$f.podchaos-hidden"
"""

# As HIDE, but waits up to $3 tenths of a second for the file to appear (a container that makes it
# while it starts); fails if the process ends first.
HIDE_ONCE_THERE = r"""
f="/proc/$1/root$2"; i=0
while [ ! -e "$f" ]; do
  [ -d "/proc/$1" ] || { echo "process $1 ended before $2 appeared" >&2; exit 4; }
  [ "$i" -lt "$3" ] || { echo "no file $2 appeared in the container" >&2; exit 3; }
  i=$((i + 1)); sleep 0.1
done
mv "$f" "$f.podchaos-hidden"
"""

PUT_BACK = r"""
f="/proc/$1/root$2"
[ -e "$f.podchaos-hidden" ] || exit 0
if [ -e "$f" ]; then rm -f "$f.podchaos-hidden"; else mv "$f.podchaos-hidden" "$f"; fi
"""
