"""A run as it ended: its result, and the serialised run the reports are made of."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cached_property

from podchaos.model.expectations import Expectation
from podchaos.model.faults import FaultSpec
from podchaos.model.measure import Measurements, measure
from podchaos.model.repetitions import RepetitionExpectation
from podchaos.model.timeline import Timeline
from podchaos.model.traffic import Traffic
from podchaos.model.verdict import Verdict


class RunOutcome(StrEnum):
    """How a run ended: every expectation passed, one failed, or the run could not complete."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


@dataclass(frozen=True)
class PhaseTimes:
    """Seconds the run spent in each phase of the flow, wall clock.

    ``queued``: waiting, before deploying, for another run's node fault to end (a run with a node
    fault holds the cluster's node-fault lease from then on); ``deploy``: namespace and objects
    created; ``steady``: waiting for the targets to be Ready (with
    file tokens written); ``inject``: faults injected and confirmed; ``observe``: watching until every
    expectation is decided; ``settle``: watching on after that, in case something changes a verdict;
    ``restore``: faults undone; ``cleanup``: the namespace's deletion started (its end is confirmed at
    session end, not waited for here).
    """

    queued: float = 0.0
    deploy: float = 0.0
    steady: float = 0.0
    inject: float = 0.0
    observe: float = 0.0
    settle: float = 0.0
    restore: float = 0.0
    cleanup: float = 0.0

    def items(self) -> Iterator[tuple[str, float]]:
        """(phase, seconds) in flow order."""
        for f in fields(self):
            yield f.name, float(getattr(self, f.name))


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced, and what it was asked (faults, expectations, target labels)."""

    scenario: str
    namespace: str
    verdict: Verdict
    timeline: Timeline
    started_at: str
    duration_s: float
    error: str = ""
    diagnostics: tuple[str, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    target: Mapping[str, str] = field(default_factory=dict)
    phases: PhaseTimes = field(default_factory=PhaseTimes)
    traffic: Traffic | None = None
    notes: tuple[str, ...] = ()
    """What the run changed of the workload to deploy it (namespaces it replaced)."""

    @cached_property
    def measurements(self) -> Measurements:
        """The recovery times, measured from the timeline once, on first use: the reports, the metrics
        and the JUnit properties all read them here."""
        return measure(self.timeline)

    @property
    def outcome(self) -> RunOutcome:
        """ERROR when the run could not complete, else PASSED or FAILED by its verdict."""
        if self.error:
            return RunOutcome.ERROR
        return RunOutcome.PASSED if self.verdict.passed else RunOutcome.FAILED

    @property
    def passed(self) -> bool:
        """True when the run finished without error and every expectation passed."""
        return self.outcome is RunOutcome.PASSED

    @property
    def first_problem(self) -> str:
        """One line: the error's first line, else the first failed expectation, expected vs seen;
        empty for a run that passed."""
        if self.error:
            return self.error.strip().splitlines()[0] if self.error.strip() else "error"
        failures = self.verdict.failures()
        if not failures:
            return ""
        first = failures[0]
        return f"{first.expectation.type}: expected {first.expected}; seen {first.seen}"


@dataclass(frozen=True)
class ClusterInfo:
    """Which cluster a run used; empty strings where unknown (the server version is optional)."""

    provider: str = ""
    description: str = ""
    server_version: str = ""


@dataclass(frozen=True)
class ScenarioRun:
    """One run with where it came from: the unit of the JSON and HTML reports and the metrics."""

    result: RunResult
    description: str = ""
    source: str = ""
    nodeid: str = ""
    worker: str = ""
    cluster: ClusterInfo = field(default_factory=ClusterInfo)
    podchaos_version: str = ""
    # Which of the scenario's repeated runs this is (1, 2 ...; 0 when it ran once), and what its
    # scenario expects of all its runs together (``repetitions:``).
    repetition: int = 0
    repetitions: tuple[RepetitionExpectation, ...] = ()

    @property
    def outcome(self) -> RunOutcome:
        """The result's outcome."""
        return self.result.outcome

    @property
    def faults(self) -> tuple[FaultSpec, ...]:
        """The faults the run injected (or was to inject)."""
        return self.result.faults

    @property
    def expectations(self) -> tuple[Expectation, ...]:
        """The expectations the run judged (or was to judge)."""
        return self.result.expectations

    @property
    def file_name(self) -> str:
        """``<scenario>-<namespace>.json``: unique per run, as namespaces carry a random run id.

        A test's node id names its run (``tests/test_web.py::test_kill[a]``): characters that are not
        safe in a file name become ``_``.
        """
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", self.result.scenario).strip("._")
        return f"{stem}-{self.result.namespace}.json"


@dataclass(frozen=True)
class RunReport:
    """Every scenario run of one pytest run (all xdist workers together), and the run namespaces
    whose deletion could not be confirmed (``leftovers``: ``podchaos sweep`` removes them)."""

    run_id: str
    created_at: str
    podchaos_version: str
    runs: tuple[ScenarioRun, ...]
    leftovers: tuple[str, ...] = ()

    @property
    def cluster(self) -> ClusterInfo:
        """The cluster as the runs describe it, preferring one that knows the server version."""
        known = [run.cluster for run in self.runs if run.cluster.server_version or run.cluster.description]
        known.sort(key=lambda info: not info.server_version)
        return known[0] if known else ClusterInfo()

    def counts(self) -> dict[str, int]:
        """How many runs had each outcome."""
        outcomes = [run.outcome for run in self.runs]
        return {outcome.value: outcomes.count(outcome) for outcome in RunOutcome}
