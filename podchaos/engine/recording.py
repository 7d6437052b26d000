"""A recording: faults and expectations against the pods some labels pick, while the run's recorder
builds the timeline; what the faults left in place is undone by :meth:`Recording.restore`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from podchaos.deploy.namespace import selector_of
from podchaos.engine.blast import choose
from podchaos.engine.decide import observe_until_decided, raise_if_undecided
from podchaos.engine.trigger import await_trigger
from podchaos.errors import FaultError, PodchaosError
from podchaos.inject import Fault, FaultContext, fault_for, tokens
from podchaos.inject.base import restore_all
from podchaos.inject.token_removal import remove_tokens
from podchaos.model import Expectation, FaultRecord, FaultSpec, Timeline, Verdict
from podchaos.model.timeline import FileToken, PodState
from podchaos.observe import Recorder
from podchaos.observe.traffic import TrafficProbe

if TYPE_CHECKING:
    from podchaos.engine.run import Run


class Recording:
    """Faults and expectations against the pods some labels pick, with a recording timeline."""

    def __init__(
        self,
        run: Run,
        target: Mapping[str, str],
        recorder: Recorder,
        targets: list[PodState],
        traffic: TrafficProbe | None = None,
    ) -> None:
        self.run = run
        self.traffic = traffic
        self.target = dict(target)
        self.selector = selector_of(target)
        self.recorder = recorder
        self.targets = targets
        self.faults: list[FaultRecord] = []
        self.specs: list[FaultSpec] = []
        self.verdicts: list[Verdict] = []
        self.context = FaultContext(
            run.kube, run.pods_namespace, self.selector, tuple(targets), recorder, run.agents, run.namespace
        )
        # File tokens go through the node agent, as the faults do; exec in the container only where
        # the agent cannot run.
        self.files = tokens.AgentFiles(run.agents.on, tokens.ExecFiles(run.kube, run.pods_namespace))
        self._injected: list[tuple[Fault, FaultContext]] = []
        self._tokens: list[FileToken] = []

    def inject(self, spec: FaultSpec) -> FaultRecord:
        """Inject a fault into the first target pod; returns once it is confirmed to have taken effect.

        What the fault leaves in place (a cordoned node, a hidden probe file) is undone by
        :meth:`restore`, which the ``record`` block calls when it ends.
        """
        self.specs.append(spec)
        contexts = [self.context]
        if self.run.attached is not None:
            # An attached workload: the blast radius draws the pods the fault takes.
            chosen = choose(self.run.attached.blast, self.targets, self.run.rng)
            contexts = [
                dataclasses.replace(self.context, targets=(pod, *(t for t in self.targets if t != pod)))
                for pod in chosen
            ]
        with self.run.phases.timing("inject"):
            if spec.when is not None:
                # Looked for from the previous fault on, so a moment it caused is not missed.
                since = self.faults[-1].at if self.faults else self.recorder.clock()
                self.recorder.add(
                    await_trigger(self.recorder, spec.type, contexts[0].target, spec.when, since)
                )
            records = []
            for context in contexts:
                fault = fault_for(spec)
                self._injected.append((fault, context))
                records.append(fault.inject(context))
        self.faults.extend(records)
        return records[0]

    def write_token(self, container: str, path: str) -> None:
        """Write a token before a fault, so emptydir-kept / emptydir-lost can check it afterwards."""
        with self.run.phases.timing("steady"):
            token = tokens.write_token(self.files, self.targets[0], container, path, self.recorder.clock())
            self.recorder.add(token)
            self._tokens.append(token)

    def observe(
        self, expectations: Sequence[Expectation], timeout: float = 60.0, settle: float = 3.0
    ) -> Verdict:
        """Watch until the expectations are decided (or ``timeout`` after the first fault); the verdict."""
        if not self.faults:
            raise FaultError("inject a fault before expecting its effects")
        verdict = observe_until_decided(
            self.files,
            self.recorder,
            tuple(expectations),
            self.faults[0],
            timeout,
            settle,
            self.run.phases,
            self.run.kube.policy.outage_s,
        )
        if self.traffic is not None:
            self.traffic.stop()  # the probe records until the observation ends
        self.verdicts.append(verdict)
        raise_if_undecided(verdict)
        return verdict

    def restore(self) -> None:
        """Undo what the injected faults left in place."""
        faults, self._injected = self._injected, []
        with self.run.phases.timing("restore"):
            errors: list[PodchaosError] = []
            for fault, context in reversed(faults):
                try:
                    restore_all([fault], context)
                except PodchaosError as exc:
                    errors.append(exc)
            if self.run.attached is not None:
                # The attached workload keeps its files: the run's tokens are taken out again.
                written, self._tokens = self._tokens, []
                try:
                    remove_tokens(self.run.kube, self.run.pods_namespace, written, self.recorder.live_pods())
                except PodchaosError as exc:
                    errors.append(exc)
            if errors:
                raise errors[0]

    @property
    def timeline(self) -> Timeline:
        """What was recorded so far."""
        return self.recorder.timeline()
