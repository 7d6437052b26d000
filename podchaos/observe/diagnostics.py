"""Evidence attached to a failed run: container statuses, events and previous logs."""

from __future__ import annotations

from podchaos.errors import PodchaosError
from podchaos.k8s.client import Kube


def collect(kube: Kube, namespace: str, selector: str) -> tuple[str, ...]:
    """Best-effort: whatever the cluster still shows about the target pods; never raises."""
    sections: list[str] = []
    try:
        pods = kube.pods(namespace, selector)
    except PodchaosError as exc:
        return (f"could not list pods: {exc}",)
    for state in pods:
        lines = [f"pod {state.pod.pod} phase={state.pod.phase} ready={state.pod.ready} node={state.pod.node}"]
        for c in state.containers:
            last = c.last_termination
            ended = f" last={last.reason}/{last.exit_code}" if last else ""
            lines.append(f"  {c.role} {c.container}: {c.state} {c.reason} restarts={c.restart_count}{ended}")
        sections.append("\n".join(lines))
        for c in state.containers:
            if c.restart_count > 0:
                try:
                    log = kube.logs(namespace, state.pod.pod, c.container, previous=True, tail=20)
                except PodchaosError as exc:
                    log = f"(unavailable: {exc})"
                sections.append(f"previous log of {state.pod.pod}/{c.container}:\n{log.rstrip()}")
    try:
        events = kube.events(namespace)
    except PodchaosError as exc:
        events = []
        sections.append(f"could not list events: {exc}")
    if events:
        sections.append(
            "events:\n" + "\n".join(f"  {e.type} {e.reason} {e.pod}: {e.message}" for e in events)
        )
    return tuple(sections)
