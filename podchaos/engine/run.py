"""The one run engine: namespace -> apply -> steady -> record -> inject -> observe/judge -> restore
-> cleanup. The scenario runner and the ``chaos`` fixture both drive it, and only :meth:`Run.result`
makes a :class:`~podchaos.model.RunResult`."""

from __future__ import annotations

import datetime
import random
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from podchaos import cleanup, deploy
from podchaos.cleanup.namespace import NamespaceCleaner
from podchaos.deploy.namespace import selector_of
from podchaos.deploy.steady import undecided_if_blind, wait_steady
from podchaos.engine.attach import Attachment
from podchaos.engine.blast import check_selection
from podchaos.engine.endpoints import EndpointWait, wait_endpoints
from podchaos.engine.hold import NodeHold
from podchaos.engine.phases import PhaseClock
from podchaos.engine.recording import Recording
from podchaos.errors import PodchaosError, ScenarioError, WaitTimeout, describe_error
from podchaos.inject.agent import AgentPool
from podchaos.k8s.client import Kube
from podchaos.model import Expectation, FaultSpec, RunResult, Timeline, Traffic, Verdict
from podchaos.model.restore_mark import MARK_ANNOTATION
from podchaos.model.timeline import PodState
from podchaos.model.traffic import TrafficSummary
from podchaos.observe import Recorder, diagnostics
from podchaos.observe.traffic import ROLE_LABEL, TrafficProbe


@dataclass(frozen=True)
class Services:
    """What runs share: the API connection, and, under a pytest session, node agents kept for the
    whole session and a cleaner that confirms namespaces gone at its end. Without those, a run starts
    its agents in its own namespace and waits for that namespace to be gone when it closes."""

    kube: Kube
    agents: AgentPool | None = None
    cleaner: NamespaceCleaner | None = None


class Run:
    """One run in its own namespace. ``connect`` gives the services when the run opens, so a cluster
    that cannot be reached is this run's error like any other.

    With ``attach``, the run's pods are those of a workload that already runs in another namespace
    (allowed by ``allowed_namespaces``, see :mod:`podchaos.deploy.guard`): the run still has a
    namespace of its own, for its traffic client and node agents and to name it in holds and cordon
    marks, and never deletes nor creates anything in the attached one."""

    def __init__(
        self,
        name: str,
        connect: Callable[[], Services],
        *,
        run_id: str = "",
        keep_namespace: bool = False,
        attach: Attachment | None = None,
    ) -> None:
        self.name = name
        self.run_id = run_id or deploy.new_run_id()
        self.namespace = deploy.namespace_name(name, self.run_id)
        self.attached = attach
        # Where the target pods live: an attached workload's namespace, else the run's own.
        self.pods_namespace = attach.namespace if attach is not None else self.namespace
        self.rng = random.Random()
        self.keep_namespace = keep_namespace
        self.phases = PhaseClock()
        self.recordings: list[Recording] = []
        self.steady_timelines: list[Timeline] = []  # of recordings whose steady phase failed
        self.error = ""
        self.evidence: tuple[str, ...] = ()
        self._connect = connect
        self._services: Services | None = None
        self._own_agents: AgentPool | None = None
        self._created = False
        self._closed = False
        self.started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.started = time.monotonic()

    @property
    def services(self) -> Services:
        """The services, connected on first use."""
        if self._services is None:
            self._services = self._connect()
        return self._services

    @property
    def kube(self) -> Kube:
        """The API connection."""
        return self.services.kube

    @property
    def agents(self) -> AgentPool:
        """The node agents faults act through: the session's, else agents in the run's namespace."""
        if self.services.agents is not None:
            return self.services.agents
        if self._own_agents is None:
            self._own_agents = AgentPool(self.kube, self.namespace)
        return self._own_agents

    def open(self) -> Run:
        """Create the run's labelled namespace (for an attached workload, once its namespace passed
        the guard and is found)."""
        if self.attached is not None:
            self.attached.check_guard()  # before anything connects to the cluster
            self.attached.check(self.kube)
        with self.phases.timing("deploy"):
            mark = self.attached.mark if self.attached is not None else None
            annotations = {MARK_ANNOTATION: mark.to_annotation()} if mark is not None else None
            deploy.create_namespace(self.kube, self.namespace, self.name, self.run_id, annotations)
            self._created = True
        return self

    def attach(self, attachment: Attachment) -> None:
        """From now on, record the pods of a workload that already runs in ``attachment.namespace``
        (the library's ``chaos.attach``); its guard is checked first."""
        if self.recordings:
            raise ScenarioError("(test)", "attach", "attach before the first record block")
        attachment.check_guard()
        attachment.check(self.kube)
        self.attached = attachment
        self.pods_namespace = attachment.namespace

    @contextmanager
    def nodes_held(self, faults: Sequence[FaultSpec]) -> Iterator[NodeHold]:
        """Hold the cluster's nodes as the run needs them, from before its objects are deployed until
        its observation ends and its faults are undone: exclusively for a run with a node fault, shared
        otherwise (see :mod:`podchaos.inject.holds`). The wait is the ``queued`` phase.

        Taken only at the cordon, another run's cordon could be in place while this run's pods are
        scheduled (so they all land on one node, and the drain finds none of them on its node). A run
        without node faults holds it too: another run's cordon would leave a workload that needs both
        nodes unschedulable, or make its steady phase wait for that cordon. Its namespace is created
        before (the holds name it) and deleted after (nothing is scheduled then). A shared hold may
        be given back earlier (:meth:`NodeHold.release_when_steady`)."""
        hold = NodeHold.for_faults(self.kube, self.namespace, faults)
        with self.phases.timing("queued"):
            hold.acquire()
        try:
            yield hold
        finally:
            hold.release()

    def apply(self, manifests: Sequence[Mapping[str, Any]]) -> None:
        """Create the objects in the run's namespace, in order."""
        with self.phases.timing("deploy"):
            for manifest in manifests:
                self.kube.create(dict(manifest), self.namespace)

    @contextmanager
    def record(
        self,
        target: Mapping[str, str],
        steady_timeout: float = 120.0,
        traffic: Traffic | None = None,
        *,
        until_ready: bool = True,
        endpoints: EndpointWait = "none",
    ) -> Iterator[Recording]:
        """Watch the target pods (those carrying all ``target`` labels), wait until they are Ready
        (and, with ``traffic``, until a client's requests to the Service succeed), and record a
        timeline while the block runs; what its faults left in place is undone after.

        ``until_ready=False`` waits only until the target pods are scheduled: for a first fault whose
        trigger comes before Ready (an init container running). ``endpoints`` (see
        :func:`~podchaos.engine.endpoints.endpoint_wait`) waits, after Ready, for their endpoints too."""
        if not target:
            raise ScenarioError("(test)", "labels", "expected at least one label to pick the target pods")
        selector = selector_of(target)
        with Recorder(self.kube, self.pods_namespace, selector, origin=self.started) as recorder:
            probe: TrafficProbe | None = None
            try:
                with self.phases.timing("steady"), undecided_if_blind(recorder, self.steady_timelines.append):
                    targets = wait_steady(
                        recorder,
                        selector,
                        steady_timeout,
                        lambda: self.kube.pod_labels(self.pods_namespace),
                        ready=until_ready,
                    )
                    if self.attached is not None:
                        check_selection(self.attached.blast, targets, f"namespace {self.pods_namespace}")
                    if until_ready:
                        wait_endpoints(recorder, targets, endpoints, steady_timeout)
                    if traffic is not None:
                        probe = self._start_traffic(recorder, traffic, steady_timeout)
                recorder.follow_logs(targets)
                recording = Recording(self, target, recorder, targets, probe)
                self.recordings.append(recording)
                try:
                    yield recording
                finally:
                    recording.restore()
            finally:
                if probe is not None:
                    probe.stop()

    def _start_traffic(self, recorder: Recorder, traffic: Traffic, timeout: float) -> TrafficProbe:
        """Start the traffic client and wait until the last ``traffic.steady`` seconds of its requests
        succeeded (at least 99 %); WorkloadNotSteady, saying what failed, when they never do."""
        probe = TrafficProbe(
            self.kube, self.namespace, traffic, recorder.add, recorder.wall_origin, recorder.spawn
        )
        probe.start(
            lambda pod, within: (
                self.kube.wait_pod_running(self.namespace, pod, f"{ROLE_LABEL}=traffic", within).pod.pod
            )
        )

        def steady_window() -> TrafficSummary | None:
            records = probe.records()
            if not records or records[-1].at - records[0].at < traffic.steady:
                return None
            try:
                return probe.check_steady(records[-1].at - traffic.steady)
            except PodchaosError:
                return None  # not yet: the window slides on

        try:
            recorder.wait_until(f"traffic to {traffic.target} succeeding", steady_window, timeout)
        except WaitTimeout:
            records = probe.records()
            probe.check_steady(records[-1].at - traffic.steady if records else 0.0)
            raise
        return probe

    def wait_ready(self, target: Mapping[str, str], timeout: float = 120.0) -> list[PodState]:
        """Wait until every pod carrying the ``target`` labels is Ready (at least one); returns them."""
        selector = selector_of(target)
        with self.phases.timing("steady"), Recorder(self.kube, self.pods_namespace, selector) as recorder:
            return wait_steady(recorder, selector, timeout, lambda: self.kube.pod_labels(self.pods_namespace))

    @contextmanager
    def errors_recorded(self) -> Iterator[None]:
        """Whatever the block raises becomes the run's error (:meth:`fail`): podchaos's own errors, and
        a bug or a library error no boundary expected too, so the run still counts, as an error with
        what was recorded so far. The one place a run's errors turn into its outcome."""
        try:
            yield
        except Exception as exc:
            self.fail(exc)

    def fail(self, exc: BaseException) -> None:
        """Record why the run could not complete, with what the cluster shows (and, for an error
        outside podchaos's own tree, the traceback)."""
        self.error = describe_error(exc)
        evidence = self._diagnostics()
        if not isinstance(exc, PodchaosError):
            trace = "".join(traceback.format_exception(exc)).rstrip()
            evidence = (f"traceback:\n{trace}", *evidence)
        self.evidence = evidence

    def explain_failures(self) -> None:
        """Keep what the cluster shows about the target pods, when a verdict failed."""
        if not self.error and not self.verdict.passed:
            self.evidence = self._diagnostics()

    def _diagnostics(self) -> tuple[str, ...]:
        if not self._created:
            return ()
        selector = self.recordings[0].selector if self.recordings else ""
        return diagnostics.collect(self.kube, self.pods_namespace, selector)

    def close(self) -> None:
        """Delete the namespace (kept with ``keep_namespace``): the deletion is started and handed to
        the session's cleaner, or waited for when there is none. A failed cleanup names the leftover."""
        if self._closed or not self._created or self.keep_namespace:
            return
        self._closed = True
        with self.phases.timing("cleanup"):
            try:
                if self.services.cleaner is not None:
                    self.services.cleaner.delete(self.namespace)
                else:
                    cleanup.delete_namespace(self.kube, self.namespace)
            except PodchaosError as exc:
                # The run's result still counts; the leftover is named so `podchaos sweep` can be used.
                self.error = self.error or f"cleanup of namespace {self.namespace} failed: {exc}"

    @property
    def verdict(self) -> Verdict:
        """Every verdict of every recording, as one."""
        return Verdict(tuple(r for rec in self.recordings for v in rec.verdicts for r in v.results))

    @property
    def timeline(self) -> Timeline:
        """Every recording's timeline, on the run's one clock."""
        timelines = [*(rec.timeline for rec in self.recordings), *self.steady_timelines]
        origin = next((timeline.wall_origin for timeline in timelines), None)
        return Timeline((), origin).plus(*(entry for timeline in timelines for entry in timeline.entries))

    def result(
        self,
        *,
        faults: Sequence[FaultSpec] | None = None,
        expectations: Sequence[Expectation] | None = None,
        target: Mapping[str, str] | None = None,
        error: str = "",
        name: str = "",
        traffic: Traffic | None = None,
        notes: Sequence[str] = (),
    ) -> RunResult:
        """The run as it ended, named ``name`` (default: the run's name). What it was asked (faults,
        expectations, target) defaults to what its recordings did; ``error`` is used when the run
        itself recorded none."""
        verdict = self.verdict
        return RunResult(
            scenario=name or self.name,
            namespace=self.namespace,
            verdict=verdict,
            timeline=self.timeline,
            started_at=self.started_at,
            duration_s=round(time.monotonic() - self.started, 3),
            error=self.error or error,
            diagnostics=self.evidence,
            faults=tuple(faults if faults is not None else (s for rec in self.recordings for s in rec.specs)),
            expectations=tuple(
                expectations if expectations is not None else (r.expectation for r in verdict.results)
            ),
            target=dict(
                target if target is not None else (self.recordings[0].target if self.recordings else {})
            ),
            phases=self.phases.times(),
            traffic=traffic or next((r.traffic.spec for r in self.recordings if r.traffic), None),
            notes=tuple(notes),
        )
