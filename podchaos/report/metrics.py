"""Prometheus metrics of scenario runs: the only module that imports prometheus_client.

Every export builds a fresh :class:`CollectorRegistry` from finished run results, so nothing is
kept between exports and the numbers are exactly those of the runs given (with pytest-xdist, the
controller passes every worker's runs, so the exported values are the sums over the workers).

Labels are bounded on purpose: ``scenario`` (the catalogue, or the node id of a test that used
the ``chaos`` fixture), ``outcome``, ``fault`` and ``expectation`` (fixed type names). Pod names,
namespaces and run ids are unbounded and stay out; the run id goes into the Pushgateway grouping
key instead.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

from prometheus_client import CollectorRegistry, generate_latest, push_to_gateway
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from podchaos.errors import MetricsError
from podchaos.model import FaultRecord, Outcome, RequestRecord, RunResult, ScenarioRun
from podchaos.model.measure import Measurements
from podchaos.model.traffic import TrafficSummary
from podchaos.report.files import write_atomically

RUNS = "podchaos_scenario_runs"
DURATION = "podchaos_scenario_duration_seconds"
INJECTIONS = "podchaos_fault_injections"
EXPECTATION_FAILURES = "podchaos_expectation_failures"

# Recovery steps take from tens of milliseconds (a container restart, an endpoint dropped by the
# EndpointSlice controller) to minutes: a pod on a lost node is only evicted after its 300 s
# not-ready toleration, then rescheduled, so the top buckets reach past five minutes.
RECOVERY_BUCKETS: tuple[float, ...] = (
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2,
    5,
    10,
    20,
    30,
    60,
    120,
    300,
    600,
    900,
)
# A whole scenario: deploy, steady state, fault, observation, settle and cleanup.
DURATION_BUCKETS: tuple[float, ...] = (5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200)

JOB = "podchaos"


@dataclass(frozen=True)
class RecoveryMetric:
    """A recovery-time histogram and the measurement it observes."""

    name: str
    measurement: str
    help: str

    def value(self, measurements: Measurements) -> float | None:
        """The observed value of one run, if the step was seen."""
        value: float | None = getattr(measurements, self.measurement)
        return value


RECOVERY_METRICS: tuple[RecoveryMetric, ...] = (
    RecoveryMetric(
        "podchaos_recovery_not_ready_seconds",
        "not_ready_s",
        "Seconds from the first fault until the pod is not Ready.",
    ),
    RecoveryMetric(
        "podchaos_recovery_container_restart_seconds",
        "container_restart_s",
        "Seconds from the first fault until the kubelet restarts the faulted container.",
    ),
    RecoveryMetric(
        "podchaos_recovery_ready_seconds",
        "ready_s",
        "Seconds from the first fault until the pod or its replacement is Ready again.",
    ),
    RecoveryMetric(
        "podchaos_recovery_endpoint_removed_seconds",
        "endpoint_removed_s",
        "Seconds from the first fault until the pod leaves its Service endpoints.",
    ),
    RecoveryMetric(
        "podchaos_recovery_endpoint_returned_seconds",
        "endpoint_returned_s",
        "Seconds from the first fault until the pod or its replacement serves in the endpoints again.",
    ),
    RecoveryMetric(
        "podchaos_recovery_rescheduled_seconds",
        "rescheduled_s",
        "Seconds from the first fault until a replacement pod is scheduled on another node.",
    ),
    RecoveryMetric(
        "podchaos_recovery_service_restored_seconds",
        "service_restored_s",
        "Seconds from the first fault until the traffic probe's requests succeed again after the last"
        " failure.",
    ),
)
TRAFFIC_REQUESTS = "podchaos_traffic_requests"
TRAFFIC_OUTAGES = "podchaos_traffic_outage_seconds"
# One series per export: which podchaos and Kubernetes release the runs were made with. Dashboards
# join it on the export's own labels (job, instance, and the Pushgateway's run_id) to split by release,
# so the other metrics need no version labels.
RUN_INFO = "podchaos_run_info"

METRIC_NAMES: tuple[str, ...] = (
    RUNS,
    DURATION,
    INJECTIONS,
    EXPECTATION_FAILURES,
    *(metric.name for metric in RECOVERY_METRICS),
    TRAFFIC_REQUESTS,
    TRAFFIC_OUTAGES,
    RUN_INFO,
)


def _histogram(
    name: str,
    documentation: str,
    labels: Sequence[str],
    buckets: Sequence[float],
    observations: Mapping[tuple[str, ...], list[float]],
) -> HistogramMetricFamily:
    # Bucket bounds are spelt as Prometheus clients spell them ("1.0", "0.25").
    family = HistogramMetricFamily(name, documentation, labels=labels)
    for key, values in sorted(observations.items()):
        cumulative = [(repr(float(bound)), float(sum(v <= bound for v in values))) for bound in buckets]
        family.add_metric(list(key), [*cumulative, ("+Inf", float(len(values)))], sum_value=sum(values))
    return family


def _counter(
    name: str, documentation: str, labels: Sequence[str], counts: Mapping[tuple[str, ...], int]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, count in sorted(counts.items()):
        family.add_metric(list(key), float(count))
    return family


# The ``fault`` label of a run in which no fault was injected (it ended in an error before).
NO_FAULT = "none"


def fault_label(run: RunResult | ScenarioRun) -> str:
    """The run's first fault type: as the scenario declares it, else as injected, else ``none``.

    The declared fault comes first so that a scenario's runs keep one label whether or not the
    injection was reached.
    """
    if isinstance(run, ScenarioRun) and run.faults:
        return run.faults[0].type
    result = run.result if isinstance(run, ScenarioRun) else run
    injected = result.timeline.of_type(FaultRecord)
    return injected[0].fault if injected else NO_FAULT


class RunsCollector(Collector):
    """Collects the metrics of a fixed set of finished runs (computed at collect time, never mutated).

    Runs are scenario runs as the reports hold them (with the declared faults) or bare run results.
    """

    def __init__(self, runs: Iterable[RunResult | ScenarioRun]) -> None:
        self._runs = tuple(runs)

    def collect(self) -> Iterator[Metric]:
        runs: collections.Counter[tuple[str, ...]] = collections.Counter()
        injections: collections.Counter[tuple[str, ...]] = collections.Counter()
        failures: collections.Counter[tuple[str, ...]] = collections.Counter()
        durations: dict[tuple[str, ...], list[float]] = collections.defaultdict(list)
        recovery: dict[str, dict[tuple[str, ...], list[float]]] = {
            metric.name: collections.defaultdict(list) for metric in RECOVERY_METRICS
        }
        requests: collections.Counter[tuple[str, ...]] = collections.Counter()
        outages: dict[tuple[str, ...], list[float]] = collections.defaultdict(list)
        for run in self._runs:
            result = run.result if isinstance(run, ScenarioRun) else run
            scenario = result.scenario
            runs[scenario, fault_label(run), result.outcome.value] += 1
            durations[(scenario,)].append(result.duration_s)
            faults = result.timeline.of_type(FaultRecord)
            for fault in faults:
                injections[scenario, fault.fault] += 1
            for judged in result.verdict.results:
                # An undecided expectation is no failure of the workload: its run is an error.
                if judged.outcome not in (Outcome.PASSED, Outcome.UNDECIDED):
                    failures[scenario, judged.expectation.type] += 1
            if faults:
                # A traffic probe's requests after the fault, and each outage it suffered.
                seen = TrafficSummary.of(result.timeline.of_type(RequestRecord), faults[0].at)
                for outcome, count in seen.counts().items():
                    requests[scenario, outcome] += count
                outages[(scenario,)] += [o.length(result.duration_s) for o in seen.outages()]
                for metric in RECOVERY_METRICS:
                    value = metric.value(result.measurements)
                    if value is not None:
                        recovery[metric.name][scenario, faults[0].fault].append(value)
        yield _counter(
            RUNS,
            "Scenario runs by first fault and outcome (passed, failed, error).",
            ["scenario", "fault", "outcome"],
            runs,
        )
        yield _histogram(
            DURATION, "Wall-clock seconds of a scenario run.", ["scenario"], DURATION_BUCKETS, durations
        )
        yield _counter(INJECTIONS, "Faults injected, by fault type.", ["scenario", "fault"], injections)
        yield _counter(
            EXPECTATION_FAILURES,
            "Expectations that did not pass, by expectation type.",
            ["scenario", "expectation"],
            failures,
        )
        for metric in RECOVERY_METRICS:
            yield _histogram(
                metric.name, metric.help, ["scenario", "fault"], RECOVERY_BUCKETS, recovery[metric.name]
            )
        yield _counter(
            TRAFFIC_REQUESTS,
            "Traffic probe requests after the first fault, by outcome (ok, refused, timeout, http-503 ...).",
            ["scenario", "outcome"],
            requests,
        )
        yield _histogram(
            TRAFFIC_OUTAGES,
            "Seconds each run of consecutive failed traffic probe requests lasted.",
            ["scenario"],
            RECOVERY_BUCKETS,
            outages,
        )
        yield self._info()

    def _info(self) -> GaugeMetricFamily:
        """The versions the runs were made with (the first run that knows each); no sample for bare run
        results."""
        described = [run for run in self._runs if isinstance(run, ScenarioRun)]
        kubernetes = next((run.cluster.server_version for run in described if run.cluster.server_version), "")
        podchaos = next((run.podchaos_version for run in described if run.podchaos_version), "")
        family = GaugeMetricFamily(
            RUN_INFO,
            "Always 1: the podchaos version and Kubernetes release of the exported runs.",
            labels=["podchaos_version", "kubernetes_version"],
        )
        if described:  # bare run results carry no versions: nothing to say
            family.add_metric([podchaos or "unknown", kubernetes or "unknown"], 1.0)
        return family


def build_registry(runs: Iterable[RunResult | ScenarioRun]) -> CollectorRegistry:
    """A fresh registry holding the metrics of ``runs`` (one per export: nothing global)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(RunsCollector(runs))
    return registry


def exposition(registry: CollectorRegistry) -> str:
    """The registry in the Prometheus text format."""
    return generate_latest(registry).decode("utf-8")


def write_textfile(path: Path, registry: CollectorRegistry) -> None:
    """Write the metrics for node-exporter's textfile collector, atomically (it may read at any time)."""
    try:
        write_atomically(path, exposition(registry))
    except OSError as exc:
        raise MetricsError(f"cannot write metrics file {path}: {exc.strerror or exc}") from exc


def push(gateway: str, registry: CollectorRegistry, run_id: str, timeout: float = 10.0) -> None:
    """Replace the group ``job=podchaos, run_id=<run_id>`` on a Pushgateway with these metrics.

    The run id in the grouping key keeps each run's push apart, so runs (and CI jobs) never
    overwrite each other's numbers.
    """
    try:
        push_to_gateway(gateway, job=JOB, registry=registry, grouping_key={"run_id": run_id}, timeout=timeout)
    except (URLError, OSError) as exc:
        raise MetricsError(f"cannot push metrics to {gateway}: {exc}") from exc
