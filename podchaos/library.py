"""The library API for users' own tests: a chaos namespace, faults, a recorder and expectations.

Example (the ``chaos`` fixture hands out a :class:`Chaos`)::

    def test_sidecar_restarts(chaos):
        chaos.apply([pod_manifest])
        with chaos.record(app="web") as run:
            run.kill_container("log-agent")
            verdict = run.expect(RestartCount("log-agent", 1), PodReady(within=30))
        assert verdict.passed, run.explain(verdict)

A :class:`Chaos` is a run of the same engine that runs scenario files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from podchaos.engine import Recording, Run, Services
from podchaos.engine.attach import Attachment
from podchaos.errors import ScenarioError
from podchaos.k8s.client import Kube
from podchaos.model import (
    ContainerKill,
    Expectation,
    FaultSpec,
    PodDelete,
    RunResult,
    Timeline,
    Traffic,
    Verdict,
)
from podchaos.model.blast import BlastRadius
from podchaos.model.faults import Signal
from podchaos.model.timeline import FaultRecord, PodState
from podchaos.observe import diagnostics
from podchaos.report.text import format_timeline


class ChaosRun:
    """Faults and expectations against the pods some labels pick, with a recording timeline."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording

    @property
    def targets(self) -> list[PodState]:
        """The target pods as they were Ready before any fault."""
        return self.recording.targets

    @property
    def faults(self) -> list[FaultRecord]:
        """The injected faults' records."""
        return self.recording.faults

    def inject(self, spec: FaultSpec) -> FaultRecord:
        """Inject a fault into the first target pod; returns once it is confirmed to have taken effect.

        What the fault leaves in place (a cordoned node, a hidden probe file) is undone when the
        ``record`` block ends. A spec with ``when`` (a :class:`~podchaos.model.triggers.Trigger`)
        first waits for its moment, and raises TriggerNotReached when the moment does not come.
        """
        return self.recording.inject(spec)

    def kill_container(self, container: str, signal: Signal = "SIGKILL") -> FaultRecord:
        """Signal one container's init process from the node side."""
        return self.inject(ContainerKill(container=container, signal=signal))

    def delete_pod(self, grace_period: float | None = None, force: bool = False) -> FaultRecord:
        """Delete the target pod (its own grace period unless given; ``force`` for grace 0)."""
        return self.inject(PodDelete(grace_period=grace_period, force=force))

    def write_token(self, container: str, path: str) -> None:
        """Write a token before a fault, so EmptyDirKept/EmptyDirLost can check it afterwards."""
        self.recording.write_token(container, path)

    def expect(self, *expectations: Expectation, timeout: float = 60.0, settle: float = 3.0) -> Verdict:
        """Watch until the expectations are decided (or ``timeout`` after the first fault); the verdict."""
        return self.recording.observe(expectations, timeout, settle)

    @property
    def timeline(self) -> Timeline:
        """What was recorded so far."""
        return self.recording.timeline

    def explain(self, verdict: Verdict) -> str:
        """Why the verdict failed, for an assertion message: expected vs seen for each failed
        expectation, then what the cluster shows now (container statuses, previous logs of restarted
        containers, events) and the recorded timeline."""
        failed = [f"expected {r.expected}; seen {r.seen}" for r in verdict.failures()]
        if not failed:
            return "every expectation passed"
        run = self.recording.run
        evidence = diagnostics.collect(run.kube, run.pods_namespace, self.recording.selector)
        return "\n\n".join(["\n".join(failed), *evidence, "timeline:\n" + format_timeline(self.timeline)])


class Chaos:
    """A throw-away namespace to deploy into and break things in."""

    def __init__(self, run: Run, allowed_namespaces: Sequence[str] = ()) -> None:
        self.run = run
        self.allowed_namespaces = tuple(allowed_namespaces)

    @property
    def kube(self) -> Kube:
        """The API connection."""
        return self.run.kube

    @property
    def namespace(self) -> str:
        """The run's namespace."""
        return self.run.namespace

    @classmethod
    @contextmanager
    def namespace_for(
        cls,
        kube: Kube | Services,
        test_name: str,
        keep: bool = False,
        run_id: str = "",
        allowed_namespaces: Sequence[str] = (),
    ) -> Iterator[Chaos]:
        """Create a labelled namespace, yield a Chaos in it, delete it afterwards. ``allowed_namespaces``
        are those :meth:`attach` may touch."""
        services = kube if isinstance(kube, Services) else Services(kube)
        run = Run(test_name, lambda: services, run_id=run_id, keep_namespace=keep).open()
        try:
            yield cls(run, allowed_namespaces)
        finally:
            run.close()

    def apply(self, manifests: Sequence[Mapping[str, Any]] | Path) -> None:
        """Create objects from dicts, or from a YAML file of one or more documents."""
        if isinstance(manifests, Path):
            try:
                documents = [d for d in yaml.safe_load_all(manifests.read_text()) if d]
            except (OSError, yaml.YAMLError) as exc:
                raise ScenarioError(str(manifests), "", f"cannot read manifests: {exc}") from exc
        else:
            documents = [dict(m) for m in manifests]
        self.run.apply(documents)

    def wait_ready(self, timeout: float = 120.0, **labels: str) -> list[PodState]:
        """Wait until every pod with these labels is Ready; returns them."""
        return self.run.wait_ready(labels, timeout)

    @contextmanager
    def record(
        self,
        timeout: float = 120.0,
        traffic: Traffic | None = None,
        *,
        until_ready: bool = True,
        **labels: str,
    ) -> Iterator[ChaosRun]:
        """Wait for the labelled pods to be Ready and record a timeline while the block runs.

        With ``traffic``, a client in the namespace calls that Service from now until ``expect``
        ends, and its requests must succeed before any fault; ``Availability``, ``FailedRequests``,
        ``LongestOutage`` and ``Latency`` judge what it saw. ``until_ready=False`` waits only until
        the pods are scheduled, for a first fault whose trigger (``when``) comes before Ready: an
        init container running.
        """
        with self.run.record(labels, timeout, traffic, until_ready=until_ready) as recording:
            yield ChaosRun(recording)

    @contextmanager
    def attach(
        self,
        namespace: str,
        labels: Mapping[str, str],
        timeout: float = 120.0,
        traffic: Traffic | None = None,
        *,
        pods: BlastRadius | None = None,
    ) -> Iterator[ChaosRun]:
        """Record the pods carrying ``labels`` of a workload that already runs in ``namespace``, as
        :meth:`record` does with the test's own: nothing is deployed or deleted there, and what the
        faults change is undone when the block ends. The namespace must be allowed
        (``--podchaos-allow-namespace``) and is never a system one; ``pods`` says which of the selected
        pods a fault takes (default: one at random). A ``traffic`` client, in the test's own namespace,
        calls the Service by its full name."""
        self.run.attach(Attachment(namespace, self.allowed_namespaces, pods or BlastRadius()))
        if traffic is not None and not traffic.namespace:
            traffic = dataclasses.replace(traffic, namespace=namespace)
        with self.run.record(labels, timeout, traffic) as recording:
            yield ChaosRun(recording)

    def result(self, error: str = "") -> RunResult:
        """What the test did so far, as a run result (the reports' unit)."""
        return self.run.result(error=error)


__all__ = ["Chaos", "ChaosRun", "RunResult"]
