"""Undo what a killed attached run left changed in a workload it did not create.

The run's own namespace carries a :class:`~podchaos.model.restore_mark.RestoreMark`: the attached
namespace, the target selector, and the files its probe faults hide, the containers it freezes and the
paths of its file tokens. Before ``podchaos sweep`` deletes such a leftover namespace, it puts hidden
files back, thaws frozen containers and removes the run's tokens (files holding a podchaos token, and
nothing else) in every running target pod, from the node through node agents it starts in a namespace
of its own (deleted again afterwards). Each step is idempotent: nothing changed, nothing done.
"""

from __future__ import annotations

from podchaos import deploy
from podchaos.cleanup.namespace import delete_namespace
from podchaos.errors import ObjectNotFound, PodchaosError
from podchaos.inject.agent import AgentPool, NodeAgent
from podchaos.inject.hidden_file import PUT_BACK
from podchaos.k8s.client import Kube
from podchaos.model.restore_mark import MARK_ANNOTATION, RestoreMark

# $1 host PID of a process of the container: thaw its cgroup (v1 freezer or v2 cgroup.freeze).
THAW_BY_PID = r"""
root=/host/sys/fs/cgroup
if [ -f "$root/cgroup.controllers" ]; then
  cg="$root$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
  [ "$(sed -n 's/^frozen //p' "$cg/cgroup.events")" = 1 ] || exit 0
  echo 0 > "$cg/cgroup.freeze" && echo thawed
else
  cg="$root/freezer$(sed -n 's/^[0-9]*:freezer:\(.*\)/\1/p' "/proc/$1/cgroup")"
  [ "$(cat "$cg/freezer.state")" = THAWED ] && exit 0
  echo THAWED > "$cg/freezer.state" && echo thawed
fi
"""

# $1 host PID, $2 path in the container: remove it if it holds a podchaos token (podchaos-<16 hex>).
REMOVE_TOKEN = r"""
f="/proc/$1/root$2"
[ -f "$f" ] && [ ! -L "$f" ] || exit 0
grep -qxE 'podchaos-[0-9a-f]{16}' "$f" && [ "$(wc -c < "$f")" -eq 25 ] || exit 0
rm -f -- "$f" && echo removed
"""


# The probe faults' own put-back, saying when it put something back (it exits early otherwise).
PUT_BACK_SAYING = PUT_BACK + "echo put-back\n"


def mark_of(kube: Kube, run_namespace: str) -> RestoreMark | None:
    """The restore mark a run namespace carries, if any."""
    try:
        text = kube.namespace_annotations(run_namespace).get(MARK_ANNOTATION)
    except ObjectNotFound:
        return None
    return RestoreMark.from_annotation(text) if text else None


def restore_marked(kube: Kube, marks: dict[str, RestoreMark]) -> list[str]:
    """Undo what each marked run may have left in its attached pods; what was done, one line each."""
    if not marks:
        return []
    run_id = deploy.new_run_id()
    namespace = deploy.namespace_name("agents", run_id)
    agents = AgentPool(
        kube, namespace, prepare=lambda: deploy.create_namespace(kube, namespace, "agents", run_id)
    )
    done: list[str] = []
    try:
        for run, mark in sorted(marks.items()):
            done += [f"{line} (left by {run})" for line in _restore(kube, agents, mark)]
    finally:
        if kube.namespace_exists(namespace):
            delete_namespace(kube, namespace)
    return done


def _restore(kube: Kube, agents: AgentPool, mark: RestoreMark) -> list[str]:
    done = []
    for pod in kube.pods(mark.namespace, mark.selector):
        if pod.pod.deleting:
            continue
        steps = [
            *((c, PUT_BACK_SAYING, (p,), f"{p} put back") for c, p in mark.hidden),
            *((c, THAW_BY_PID, (), "thawed") for c in mark.frozen),
            *((c, REMOVE_TOKEN, (p,), f"token {p} removed") for c, p in mark.tokens),
        ]
        for container, script, args, what in steps:
            current = pod.container(container)
            if current is None or current.state != "running" or not current.container_id:
                continue
            try:
                agent: NodeAgent = agents.on(pod.pod.node)
                pid = agent.container_init_pid(current.container_id)
                result = agent.run(script, str(pid), *args)
            except PodchaosError as exc:
                done.append(f"{mark.namespace}/{pod.pod.pod} {container}: could not restore: {exc}")
                continue
            if result.exit_code != 0:
                problem = result.stderr.strip() or f"exit {result.exit_code}"
                done.append(f"{mark.namespace}/{pod.pod.pod} {container}: could not restore: {problem}")
            elif result.stdout.strip():  # the scripts print only when they changed something
                done.append(f"{mark.namespace}/{pod.pod.pod} {container}: {what}")
    return done
