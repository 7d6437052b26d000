"""Checks of the faults that wait for a timeline moment (``when``) and of the faults that need one:
what a moment names must exist in the workload, and a fault that acts on a moment must wait for it.

Each would otherwise surface only after deploying, as a trigger that never comes or a fault that
cannot take effect.
"""

from __future__ import annotations

from podchaos.k8s.units import bytes_of
from podchaos.loader.fields import Reader
from podchaos.loader.workload import Container, PodTemplate
from podchaos.model.faults import ContainerKill, EmptyDirFill, FaultSpec, StartupProbeFail
from podchaos.model.triggers import MOMENT_NEEDS_CONTAINER, Trigger


def check_triggers(reader: Reader, templates: list[PodTemplate], faults: tuple[FaultSpec, ...]) -> None:
    """Every ``when`` names what its moment needs; faults that act on a moment wait for it."""
    containers = {c.name: c for t in templates for c in t.containers}
    for index, fault in enumerate(faults):
        if fault.when is not None:
            _check_trigger(reader, f"faults[{index}].when", fault.when, containers)
        if isinstance(fault, StartupProbeFail):
            _check_startup_probe_fail(reader, index, fault, containers)
        elif isinstance(fault, EmptyDirFill):
            _check_emptydir_fill(reader, index, fault, containers)


def init_kill_waits(fault: FaultSpec) -> bool:
    """A container-kill that waits for its (regular init) container to run: it can kill it."""
    when = fault.when
    return (
        isinstance(fault, ContainerKill)
        and when is not None
        and when.moment == "init-running"
        and when.container == fault.container
    )


def _check_trigger(reader: Reader, path: str, when: Trigger, containers: dict[str, Container]) -> None:
    if when.moment in MOMENT_NEEDS_CONTAINER and when.container is None:
        raise reader.fail(f"{path}.container", f"required for moment {when.moment!r}")
    if when.container is not None and containers and when.container not in containers:
        raise reader.fail(
            f"{path}.container",
            f"expected a container of the workload ({', '.join(containers)}), got {when.container!r}",
        )
    if when.moment == "restarted" and when.restarts is None:
        raise reader.fail(f"{path}.restarts", "required for moment 'restarted' (after the Nth restart)")
    if when.moment != "restarted" and when.restarts is not None:
        raise reader.fail(f"{path}.restarts", f"only with moment 'restarted', not {when.moment!r}")
    if when.within <= 0:
        raise reader.fail(f"{path}.within", "expected a duration > 0 to wait for the moment")
    container = containers.get(when.container or "")
    if (
        when.moment == "init-running"
        and container is not None
        and not (container.init and not container.sidecar)
    ):
        raise reader.fail(
            f"{path}.container",
            f"{when.container!r} is not a regular init container ({container.path}): only those run before"
            " the pod starts (a native sidecar runs all along; a main container: use container-started)",
        )


def _check_startup_probe_fail(
    reader: Reader, index: int, fault: StartupProbeFail, containers: dict[str, Container]
) -> None:
    """The startup probe of a running container has passed already: only a new instance can fail it."""
    when = fault.when
    if when is None or when.moment != "container-started" or when.container != fault.container:
        raise reader.fail(
            f"faults[{index}].when",
            f"startup-probe-fail acts on a new instance of {fault.container!r}: expected"
            f" when: {{moment: container-started, container: {fault.container}}} (the running instance's"
            " startup probe has passed already)",
        )
    if not fault.path.startswith("/"):
        raise reader.fail(f"faults[{index}].path", f"expected an absolute path, got {fault.path!r}")
    container = containers.get(fault.container)
    if container is not None and not container.startup_probe:
        raise reader.fail(
            f"faults[{index}].container",
            f"{fault.container!r} has no startupProbe ({container.path}.startupProbe); nothing would fail",
        )


def _check_emptydir_fill(
    reader: Reader, index: int, fault: EmptyDirFill, containers: dict[str, Container]
) -> None:
    """The fill must land on a disk emptyDir with a sizeLimit, and exceed it: else nothing is evicted."""
    size = bytes_of(fault.size)
    if size is None or size <= 0:
        raise reader.fail(
            f"faults[{index}].size", f"expected a byte quantity such as 48Mi or 100M, got {fault.size!r}"
        )
    container = containers.get(fault.container)
    if container is None:
        return  # custom kinds only: nothing to check against
    mount = next(
        (
            m
            for m in container.empty_dirs
            if fault.path == m[0] or fault.path.startswith(m[0].rstrip("/") + "/")
        ),
        None,
    )
    if mount is None:
        shown = ", ".join(m[0] for m in container.empty_dirs) or "none"
        raise reader.fail(
            f"faults[{index}].path",
            f"expected a path on a disk emptyDir of {fault.container!r} (its emptyDir mounts: {shown}),"
            f" got {fault.path!r}",
        )
    limit = bytes_of(mount[1]) if mount[1] else None
    if limit is None:
        raise reader.fail(
            f"faults[{index}].path",
            f"the emptyDir at {mount[0]} has no sizeLimit: kubelet evicts for an emptyDir only past its"
            " sizeLimit",
        )
    if size <= limit:
        raise reader.fail(
            f"faults[{index}].size",
            f"{fault.size} does not exceed the emptyDir's sizeLimit {mount[1]}: kubelet would not evict",
        )
