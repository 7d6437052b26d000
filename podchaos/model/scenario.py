"""A scenario: the workload to deploy, the faults to inject and what must happen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from podchaos.model.blast import BlastRadius
from podchaos.model.expectations import Expectation
from podchaos.model.faults import FaultSpec
from podchaos.model.repetitions import RepetitionExpectation
from podchaos.model.traffic import Traffic
from podchaos.model.versions import Requirements


def freeze(value: Any) -> Any:
    """Deep read-only copy of YAML data: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Mutable deep copy of frozen data, for handing to an API client."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object of a workload, read-only."""

    api_version: str
    kind: str
    name: str
    body: Mapping[str, Any]
    moved_from: str = ""
    """The namespace the object named (a rendered chart's, say), replaced by the run's own; "" when
    it named none."""

    def to_dict(self) -> dict[str, Any]:
        """A fresh mutable copy of the object."""
        result: dict[str, Any] = thaw(self.body)
        return result


@dataclass(frozen=True)
class Workload:
    """The objects a scenario deploys and the labels that pick the pods under test.

    An attached workload (``namespace`` set, no manifests) is one that already runs: the run deploys
    nothing and picks the target pods in that namespace (see :mod:`podchaos.loader.attach`)."""

    manifests: tuple[Manifest, ...]
    target: Mapping[str, str]
    namespace: str = ""
    """The namespace of an attached workload; "" for one the run deploys into its own namespace."""
    blast: BlastRadius = field(default_factory=BlastRadius)
    """Which of the selected pods each fault takes, and the most pods an attached target may select."""

    @property
    def attached(self) -> bool:
        """The workload already runs in ``namespace``: nothing is deployed."""
        return bool(self.namespace)

    @property
    def target_selector(self) -> str:
        """The target labels as a Kubernetes label selector string."""
        return ",".join(f"{key}={value}" for key, value in sorted(self.target.items()))

    @property
    def notes(self) -> tuple[str, ...]:
        """What a run changes of these objects to deploy them: the namespaces it replaces."""
        return tuple(
            f"{m.kind}/{m.name}: namespace {m.moved_from} replaced by the run's own"
            for m in self.manifests
            if m.moved_from
        )


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    name: str
    description: str
    source: str
    workload: Workload
    faults: tuple[FaultSpec, ...]
    expectations: tuple[Expectation, ...]
    steady_timeout: float = 120.0
    observe_timeout: float = 120.0
    settle: float = 3.0
    tags: tuple[str, ...] = field(default=())
    traffic: Traffic | None = None
    # The Kubernetes versions the scenario is written for; on other clusters it is skipped.
    requires: Requirements = field(default_factory=Requirements)
    # How many times a pytest run runs it at least (--podchaos-repeat may ask more), and what is
    # judged over those runs together.
    repeat: int = 1
    repetitions: tuple[RepetitionExpectation, ...] = ()
