"""The library API for users' own tests: a chaos namespace, faults, a recorder and expectations.

Example (the ``chaos`` fixture hands out a :class:`Chaos`)::

    def test_sidecar_restarts(chaos):
        chaos.apply([pod_manifest])
        with chaos.record(app="web") as run:
            run.kill_container("log-agent")
            verdict = run.expect(RestartCount("log-agent", 1), PodReady(within=30))
        assert verdict.passed, run.explain(verdict)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from podchaos import cleanup, deploy, diagnostics, probes
from podchaos.errors import FaultError, ScenarioError
from podchaos.faults import Fault, FaultContext, fault_for
from podchaos.k8s.client import Kube
from podchaos.model import ContainerKill, Expectation, FaultSpec, PodDelete, RunResult, Timeline, Verdict
from podchaos.model.faults import Signal
from podchaos.model.timeline import FaultRecord, PodState
from podchaos.observe import Recorder
from podchaos.report.text import format_timeline
from podchaos.runner import observe_until_decided, restore_all
from podchaos.steady import wait_steady


class ChaosRun:
    """Faults and expectations against the pods one label selector picks, with a recording timeline."""

    def __init__(self, chaos: Chaos, selector: str, recorder: Recorder, targets: list[PodState]) -> None:
        self.chaos = chaos
        self.selector = selector
        self.recorder = recorder
        self.targets = targets
        self.faults: list[FaultRecord] = []
        # What was asked and concluded, for the reports and metrics of the test that used this run.
        self.specs: list[FaultSpec] = []
        self.verdicts: list[Verdict] = []
        self.context = FaultContext(chaos.kube, chaos.namespace, selector, tuple(targets), recorder)
        self._injected: list[Fault] = []

    def inject(self, spec: FaultSpec) -> FaultRecord:
        """Inject a fault into the first target pod; returns once it is confirmed to have taken effect.

        What the fault leaves in place (a cordoned node, a hidden probe file) is undone when the
        ``record`` block ends.
        """
        fault = fault_for(spec)
        self._injected.append(fault)
        self.specs.append(spec)
        record = fault.inject(self.context)
        self.faults.append(record)
        return record

    def restore(self) -> None:
        """Undo what the injected faults left in place (called when the ``record`` block ends)."""
        faults, self._injected = self._injected, []
        restore_all(faults, self.context)

    def kill_container(self, container: str, signal: Signal = "SIGKILL") -> FaultRecord:
        """Signal one container's init process from the node side."""
        return self.inject(ContainerKill(container=container, signal=signal))

    def delete_pod(self, grace_period: float | None = None, force: bool = False) -> FaultRecord:
        """Delete the target pod (its own grace period unless given; ``force`` for grace 0)."""
        return self.inject(PodDelete(grace_period=grace_period, force=force))

    def write_token(self, container: str, path: str) -> None:
        """Write a token before a fault, so EmptyDirKept/EmptyDirLost can check it afterwards."""
        self.recorder.add(
            probes.write_token(
                self.chaos.kube, self.chaos.namespace, self.targets[0], container, path, self.recorder.clock()
            )
        )

    def expect(self, *expectations: Expectation, timeout: float = 60.0, settle: float = 3.0) -> Verdict:
        """Watch until the expectations are decided (or ``timeout`` after the first fault); the verdict."""
        if not self.faults:
            raise FaultError("inject a fault before expecting its effects")
        verdict = observe_until_decided(
            self.chaos.kube,
            self.chaos.namespace,
            self.recorder,
            tuple(expectations),
            self.faults[0],
            timeout,
            settle,
        )
        self.verdicts.append(verdict)
        return verdict

    @property
    def timeline(self) -> Timeline:
        return self.recorder.timeline()

    def explain(self, verdict: Verdict) -> str:
        """Why the verdict failed, for an assertion message: expected vs seen for each failed
        expectation, then what the cluster shows now (container statuses, previous logs of restarted
        containers, events) and the recorded timeline."""
        failed = [f"expected {r.expected}; seen {r.seen}" for r in verdict.failures()]
        if not failed:
            return "every expectation passed"
        evidence = diagnostics.collect(self.chaos.kube, self.chaos.namespace, self.selector)
        return "\n\n".join(["\n".join(failed), *evidence, "timeline:\n" + format_timeline(self.timeline)])


class Chaos:
    """A throw-away namespace to deploy into and break things in."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        self.kube = kube
        self.namespace = namespace
        # Every ``record`` block, in order (the pytest fixture reports them when the test ends).
        self.runs: list[ChaosRun] = []

    @classmethod
    @contextmanager
    def namespace_for(cls, kube: Kube, test_name: str, keep: bool = False) -> Iterator[Chaos]:
        """Create a labelled namespace, yield a Chaos in it, delete it afterwards."""
        run_id = deploy.new_run_id()
        namespace = deploy.namespace_name(test_name, run_id)
        deploy.create_namespace(kube, namespace, test_name, run_id)
        try:
            yield cls(kube, namespace)
        finally:
            if not keep:
                cleanup.delete_namespace(kube, namespace)

    def apply(self, manifests: Sequence[Mapping[str, Any]] | Path) -> None:
        """Create objects from dicts, or from a YAML file of one or more documents."""
        if isinstance(manifests, Path):
            try:
                documents = [d for d in yaml.safe_load_all(manifests.read_text()) if d]
            except (OSError, yaml.YAMLError) as exc:
                raise ScenarioError(str(manifests), "", f"cannot read manifests: {exc}") from exc
        else:
            documents = [dict(m) for m in manifests]
        for document in documents:
            self.kube.create(document, self.namespace)

    def wait_ready(self, timeout: float = 120.0, **labels: str) -> list[PodState]:
        """Wait until every pod with these labels is Ready; returns them."""
        return wait_steady(self.kube, self.namespace, _selector(labels), timeout)

    @contextmanager
    def record(self, timeout: float = 120.0, **labels: str) -> Iterator[ChaosRun]:
        """Wait for the labelled pods to be Ready and record a timeline while the block runs."""
        selector = _selector(labels)
        with Recorder(self.kube, self.namespace, selector) as recorder:
            targets = wait_steady(self.kube, self.namespace, selector, timeout)
            recorder.follow_logs(targets)
            run = ChaosRun(self, selector, recorder, targets)
            self.runs.append(run)
            try:
                yield run
            finally:
                run.restore()


def _selector(labels: Mapping[str, str]) -> str:
    if not labels:
        raise ScenarioError("(test)", "labels", "expected at least one label to pick the target pods")
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


__all__ = ["Chaos", "ChaosRun", "RunResult"]
