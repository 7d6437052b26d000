"""An attached ``workload``: ``{namespace: shop, target: {app: orders}}`` with no manifests or files.

The workload already runs (a team's CD deployed it); the run deploys nothing and picks the target pods
in that namespace. ``pods`` says which of them each fault takes (``one`` at random, the default;
``all``; a count like ``2``; a percentage like ``"50%"``) and ``maxPods`` the most pods the target may
select before the run refuses it. The namespace's guard (allowed explicitly, never a system namespace)
is the run's, as the allowed list is a setting of the session, not of the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from podchaos.loader.fields import Reader, describe
from podchaos.model import Workload
from podchaos.model.admission import NAMESPACE_NAME
from podchaos.model.blast import BlastRadius
from podchaos.model.controllers import Replaced
from podchaos.model.expectations import Expectation
from podchaos.model.faults import FaultSpec, NodeDrain, PodDelete

ATTACH_KEYS = {"namespace", "target", "pods", "maxPods"}
_PERCENT_RE = re.compile(r"^([0-9]{1,3})%$")


def is_attached(data: Mapping[str, Any]) -> bool:
    """The workload section names a namespace: the attached form."""
    return "namespace" in data


def read_namespace(reader: Reader, raw: Any) -> str:
    """``workload.namespace``: a namespace name (a DNS label)."""
    name = reader.string(raw, "workload.namespace")
    if not NAMESPACE_NAME.match(name):
        raise reader.fail(
            "workload.namespace",
            f"expected a namespace name (lowercase letters, digits and '-', at most 63), got {name!r}",
        )
    return name


def read_attach(reader: Reader, data: Mapping[str, Any]) -> tuple[str, BlastRadius]:
    """The attached form's namespace and blast radius; manifests or files with it are an error."""
    for key in ("manifests", "files"):
        if key in data:
            raise reader.fail(
                f"workload.{key}",
                "must be left out with workload.namespace: an attached workload already runs there"
                " (podchaos deploys nothing); leave out namespace to deploy the manifests instead",
            )
    reader.unknown_keys(data, ATTACH_KEYS, "workload")
    namespace = read_namespace(reader, data.get("namespace"))
    max_pods = _max_pods(reader, data.get("maxPods"))
    blast = _pods(reader, data.get("pods", "one"), max_pods)
    return namespace, blast


def _max_pods(reader: Reader, raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise reader.fail(
            "workload.maxPods", f"expected a whole number of pods of at least 1, got {describe(raw)}"
        )
    return raw


def _pods(reader: Reader, raw: Any, max_pods: int | None) -> BlastRadius:
    expected = "expected one, all, a number of pods (like 2) or a percentage (like '50%')"
    if isinstance(raw, bool):
        raise reader.fail("workload.pods", f"{expected}, got {describe(raw)}")
    if isinstance(raw, int):
        if raw < 1:
            raise reader.fail("workload.pods", f"{expected}; a number of pods is at least 1, got {raw}")
        if max_pods is not None and raw > max_pods:
            raise reader.fail("workload.pods", f"asks for {raw} pods, more than maxPods {max_pods}")
        return BlastRadius("count", raw, max_pods)
    if raw in ("one", "all"):
        return BlastRadius(raw, 1, max_pods)
    match = _PERCENT_RE.match(raw) if isinstance(raw, str) else None
    if match is None or not 1 <= int(match.group(1)) <= 100:
        shown = repr(raw) if isinstance(raw, str) else describe(raw)
        raise reader.fail("workload.pods", f"{expected} (1% to 100%), got {shown}")
    return BlastRadius("percent", int(match.group(1)), max_pods)


def with_replacement_check(
    workload: Workload, faults: tuple[FaultSpec, ...], expectations: tuple[Expectation, ...]
) -> tuple[Expectation, ...]:
    """An attached workload's pods deleted or evicted are their controller's to replace: the verdict
    says whether it did (a ``replaced`` expectation, added when the scenario has none)."""
    removes = any(isinstance(fault, PodDelete | NodeDrain) for fault in faults)
    if not workload.attached or not removes or any(isinstance(e, Replaced) for e in expectations):
        return expectations
    return (*expectations, Replaced())
