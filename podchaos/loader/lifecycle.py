"""Checks of the termination and restart expectations against the workload and themselves.

Each catches, before deploying, a ``termination-message``, ``termination-order``, ``not-ready-for`` or
``restart-rule`` that could never pass (or never fail) whatever Kubernetes does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podchaos.loader.fields import Reader
from podchaos.loader.workload import PodTemplate, pod_specs
from podchaos.model import Workload
from podchaos.model.expectations import Expectation
from podchaos.model.lifecycle import NotReadyFor, RestartRule, TerminationMessage, TerminationOrder


def check_lifecycle(
    reader: Reader, workload: Workload, templates: list[PodTemplate], expectations: tuple[Expectation, ...]
) -> None:
    names = list(dict.fromkeys(c.name for t in templates for c in t.containers))
    for index, spec in enumerate(expectations):
        where = f"expect[{index}]"
        if isinstance(spec, TerminationMessage) and (spec.contains is None) == (spec.equals is None):
            raise reader.fail(where, "expected exactly one of 'contains' and 'equals'")
        if isinstance(spec, TerminationOrder):
            _check_order(reader, spec, names, where)
        if isinstance(spec, NotReadyFor):
            _check_bounds(reader, spec, where)
        if isinstance(spec, RestartRule) and names:
            _check_rules(reader, spec, workload, where)


def _check_order(reader: Reader, spec: TerminationOrder, names: list[str], where: str) -> None:
    if len(spec.containers) < 2:
        raise reader.fail(f"{where}.containers", "expected at least two containers to put in order")
    for i, name in enumerate(spec.containers):
        if names and name not in names:
            raise reader.fail(
                f"{where}.containers[{i}]",
                f"expected a container of the workload ({', '.join(names)}), got {name!r}",
            )
        if name in spec.containers[:i]:
            raise reader.fail(f"{where}.containers[{i}]", f"{name!r} is listed twice")


def _check_bounds(reader: Reader, spec: NotReadyFor, where: str) -> None:
    if spec.at_most is None and not spec.at_least:
        raise reader.fail(where, "expected 'atLeast' (above 0) or 'atMost', or both")
    if spec.at_most is not None and spec.at_least > spec.at_most:
        raise reader.fail(
            f"{where}.atLeast", f"expected atLeast <= atMost, got {spec.at_least:g}s > {spec.at_most:g}s"
        )


def _check_rules(reader: Reader, spec: RestartRule, workload: Workload, where: str) -> None:
    """The container must have restartPolicyRules: without them the expectation judges nothing."""
    containers = [
        container
        for manifest in workload.manifests
        for pod_spec in pod_specs(manifest)
        for key in ("initContainers", "containers")
        for container in _items(pod_spec.get(key))
        if container.get("name") == spec.container
    ]
    if containers and not any(container.get("restartPolicyRules") for container in containers):
        raise reader.fail(
            f"{where}.container",
            f"{spec.container!r} has no restartPolicyRules: restart-rule judges what they decide"
            " (use restart-count for the pod's restartPolicy)",
        )


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list | tuple) else []
