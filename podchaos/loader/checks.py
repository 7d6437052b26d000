"""Checks across fields: what a scenario asks must be possible on its workload and must not contradict itself.

Each would otherwise surface only after deploying, as a fault error or an expectation that can never pass.
"""

from __future__ import annotations

from typing import Any

from podchaos.loader.fields import Reader
from podchaos.loader.lifecycle import check_lifecycle
from podchaos.loader.trigger_checks import check_triggers, init_kill_waits
from podchaos.loader.workload import PodTemplate
from podchaos.model import EmptyDirKept, EmptyDirLost, FaultSpec, PodDelete, RestartCount, Workload
from podchaos.model.controllers import PvcKept
from podchaos.model.expectations import Eviction, Expectation, RestartBackoff, TerminationDuration
from podchaos.model.faults import OomKill


def check_scenario(
    reader: Reader,
    workload: Workload,
    templates: list[PodTemplate],
    faults: tuple[FaultSpec, ...],
    expectations: tuple[Expectation, ...],
) -> None:
    _check_target(reader, workload, templates)
    _check_container_names(reader, templates, faults, "faults")
    _check_fault_containers(reader, workload, templates, faults)
    _check_pod_deletes(reader, faults)
    check_triggers(reader, templates, faults)
    _check_container_names(reader, templates, expectations, "expect")
    _check_evictions(reader, expectations)
    _check_backoff_caps(reader, expectations)
    _check_contradictions(reader, expectations)
    check_lifecycle(reader, workload, templates, expectations)


def _check_target(reader: Reader, workload: Workload, templates: list[PodTemplate]) -> None:
    """Target labels no pod of the workload carries would only show as a steady phase that times out."""
    if not templates or any(t.selected_by(workload.target) for t in templates):
        return  # only custom kinds (an operator's pods are not known here), or a match
    seen = "; ".join(
        f"{t.owner}: {','.join(f'{k}={v}' for k, v in sorted(t.labels.items())) or '(no labels)'}"
        for t in templates
    )
    raise reader.fail(
        "workload.target",
        f"{workload.target_selector} matches no pod of the workload; its pods are labelled {seen}",
    )


def _check_container_names(
    reader: Reader, templates: list[PodTemplate], specs: tuple[Any, ...], section: str
) -> None:
    """A fault or expectation naming a container the workload does not have fails before deploying."""
    names = list(dict.fromkeys(c.name for t in templates for c in t.containers))
    if not names:
        return  # only custom kinds: nothing to check against
    for index, spec in enumerate(specs):
        container = getattr(spec, "container", None)
        if container is not None and container not in names:
            raise reader.fail(
                f"{section}[{index}].container",
                f"expected a container of the workload ({', '.join(names)}), got {container!r}",
            )


def _check_fault_containers(
    reader: Reader, workload: Workload, templates: list[PodTemplate], faults: tuple[FaultSpec, ...]
) -> None:
    """A fault on a container that cannot take it: a regular init container has finished before the
    fault; the oom-kill fault needs a memory limit to reach (unless a LimitRange gives one)."""
    limit_range = any(m.kind == "LimitRange" for m in workload.manifests)
    for index, fault in enumerate(faults):
        name = getattr(fault, "container", None)
        containers = [c for t in templates for c in t.containers if c.name == name]
        for container in containers:
            if container.init and not container.sidecar and not init_kill_waits(fault):
                raise reader.fail(
                    f"faults[{index}].container",
                    f"{name!r} is a regular init container ({container.path}): it has run to completion"
                    " before the pod starts; faults take main containers and native sidecars"
                    " (init containers with restartPolicy: Always), and container-kill takes a regular"
                    f" init container while it runs: when: {{moment: init-running, container: {name}}}",
                )
            if isinstance(fault, OomKill) and not container.memory_limit and not limit_range:
                raise reader.fail(
                    f"faults[{index}].container",
                    f"{name!r} has no memory limit ({container.path}.resources.limits.memory);"
                    " oom-kill needs one for the kernel to kill at",
                )


def _check_pod_deletes(reader: Reader, faults: tuple[FaultSpec, ...]) -> None:
    """A pod-delete grace period the API would round into another fault fails before deploying."""
    for index, fault in enumerate(faults):
        if isinstance(fault, PodDelete) and (problem := fault.grace_problem()) is not None:
            raise reader.fail(f"faults[{index}].gracePeriod", problem)


def _check_evictions(reader: Reader, expectations: tuple[Expectation, ...]) -> None:
    """``refusedFirst`` says how an allowed eviction went; with ``outcome: refused`` it means nothing."""
    for index, spec in enumerate(expectations):
        if isinstance(spec, Eviction) and spec.outcome == "refused" and spec.refused_first is not None:
            raise reader.fail(
                f"expect[{index}].refusedFirst",
                "only with outcome 'evicted' (a refused eviction is refused at every attempt)",
            )


def _check_backoff_caps(reader: Reader, expectations: tuple[Expectation, ...]) -> None:
    """A back-off cap the kubelet would refuse (it takes 1 s to 300 s) can never be the node's."""
    for index, spec in enumerate(expectations):
        if isinstance(spec, RestartBackoff) and spec.cap is not None and not 1.0 <= spec.cap <= 300.0:
            raise reader.fail(
                f"expect[{index}].cap",
                f"expected a back-off cap from 1s to 300s (the kubelet's range), got {spec.cap:g}s",
            )


def _check_contradictions(reader: Reader, expectations: tuple[Expectation, ...]) -> None:
    """Expectations that cannot all pass: one of them would fail every run, whatever Kubernetes does."""
    deltas: dict[str, tuple[int, int]] = {}
    files: dict[tuple[str, str], tuple[int, str]] = {}
    for index, spec in enumerate(expectations):
        if isinstance(spec, RestartCount):
            first = deltas.setdefault(spec.container, (index, spec.delta))
            if first[1] != spec.delta:
                raise reader.fail(
                    f"expect[{index}].delta",
                    f"contradicts expect[{first[0]}]: restart-count of {spec.container!r} cannot rise by"
                    f" both {first[1]} and {spec.delta}",
                )
        elif isinstance(spec, EmptyDirKept | EmptyDirLost | PvcKept):
            earlier = files.setdefault((spec.container, spec.path), (index, spec.type))
            if earlier[1] != spec.type:
                raise reader.fail(
                    f"expect[{index}].type",
                    f"contradicts expect[{earlier[0]}]: {spec.path} in {spec.container!r} cannot be both"
                    f" {_both(earlier[1], spec.type)}",
                )
        elif isinstance(spec, TerminationDuration) and spec.at_least > spec.at_most:
            raise reader.fail(
                f"expect[{index}].atLeast",
                f"expected atLeast <= atMost, got {spec.at_least:g}s > {spec.at_most:g}s",
            )


def _both(first: str, second: str) -> str:
    """Two file expectations that contradict, in words."""
    if {first, second} == {EmptyDirKept.type, EmptyDirLost.type}:
        return "kept and lost"
    # pvc-kept wants the token in a new pod; emptydir-kept in the same pod; emptydir-lost nowhere.
    return f"{first} and {second} (pvc-kept reads it back unchanged in a replacement pod)"
