"""Fixtures for users' own chaos tests, and the result such a test contributes to the reports and metrics."""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import time
from collections.abc import Iterator

import pytest

from podchaos import diagnostics
from podchaos.cluster.provider import ClusterAccess
from podchaos.k8s.client import Kube
from podchaos.library import Chaos, ChaosRun
from podchaos.model import RunResult, Scenario, Timeline, Verdict, Workload
from podchaos.reporting import CALL_FAILURE, CallFailure
from podchaos.stash import SESSION_KEY


def ready_cluster(config: pytest.Config) -> ClusterAccess:
    """Make the session's cluster ready; the first time, call ``pytest_podchaos_cluster_ready``."""
    session = config.stash[SESSION_KEY]
    first = not session.started
    access = session.access()
    if first:
        config.hook.pytest_podchaos_cluster_ready(config=config, access=access)
    return access


def session_kube(config: pytest.Config) -> Kube:
    """The session's API connection, the cluster made ready first."""
    ready_cluster(config)
    return config.stash[SESSION_KEY].kube()


@pytest.fixture(scope="session")
def podchaos_cluster(pytestconfig: pytest.Config) -> ClusterAccess:
    """The cluster chaos runs on, made ready on first use (the embedded local cluster by default)."""
    return ready_cluster(pytestconfig)


@pytest.fixture(scope="session")
def podchaos_kube(pytestconfig: pytest.Config) -> Kube:
    """A Kubernetes API connection to that cluster."""
    return session_kube(pytestconfig)


def merged_timeline(runs: list[ChaosRun]) -> Timeline:
    # Each record block's recorder counts from its own start: put them all on the first one's clock.
    origin = runs[0].recorder.started
    entries = [
        dataclasses.replace(entry, at=round(entry.at + run.recorder.started - origin, 3))
        for run in runs
        for entry in run.recorder.timeline().entries
    ]
    return Timeline().plus(*entries)


def _target(selector: str) -> dict[str, str]:
    # ``record`` builds the selector from keyword labels (``app=web,tier=front``).
    return dict(part.split("=", 1) for part in selector.split(",") if "=" in part)


def run_error(verdict: Verdict, failure: CallFailure | None) -> str:
    """Why the test did not complete: none when it passed, or failed on a failed verdict's assertion."""
    if failure is None or (failure.assertion and not verdict.passed):
        return ""
    return failure.description


def library_run(
    item: pytest.Item,
    chaos: Chaos,
    started_at: str,
    duration_s: float,
    failure: CallFailure | None,
) -> tuple[Scenario, RunResult] | None:
    """What a test that used the ``chaos`` fixture did, as a scenario run named by its node id.

    The faults and verdicts are those of its ``record`` blocks; a test that recorded nothing
    contributes nothing.
    """
    if not chaos.runs:
        return None
    verdict = Verdict(tuple(r for run in chaos.runs for v in run.verdicts for r in v.results))
    function = getattr(item, "function", None)
    doc = inspect.getdoc(function) if function is not None else None
    scenario = Scenario(
        name=item.nodeid,
        description=(doc or "").split("\n\n")[0],
        source=str(item.path),
        workload=Workload(manifests=(), target=_target(chaos.runs[0].selector)),
        faults=tuple(spec for run in chaos.runs for spec in run.specs),
        expectations=tuple(r.expectation for r in verdict.results),
    )
    result = RunResult(
        scenario=item.nodeid,
        namespace=chaos.namespace,
        verdict=verdict,
        timeline=merged_timeline(chaos.runs),
        started_at=started_at,
        duration_s=round(duration_s, 3),
        error=run_error(verdict, failure),
    )
    return scenario, result


@pytest.fixture
def chaos(request: pytest.FixtureRequest, podchaos_kube: Kube) -> Iterator[Chaos]:
    """A fresh, labelled namespace for one test, deleted afterwards (kept with --podchaos-keep-namespace).

    When the test ends, what it recorded (``chaos.record`` blocks: faults, verdicts of ``run.expect``,
    the timeline) is reported like a scenario run named by the test's node id: in ``results.json``,
    the HTML report, the metrics and the JUnit properties.
    """
    keep = request.config.stash[SESSION_KEY].options.keep_namespace
    name = request.node.name.split("[")[0].replace("_", "-").lower()
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    with Chaos.namespace_for(podchaos_kube, name, keep=keep) as instance:
        yield instance
        item = request.node
        finished = library_run(
            item, instance, started_at, time.monotonic() - started, item.stash.get(CALL_FAILURE, None)
        )
        if finished is not None:
            scenario, result = finished
            if not result.passed:
                # The namespace still exists here: keep the evidence before it is deleted.
                evidence = diagnostics.collect(podchaos_kube, instance.namespace, instance.runs[0].selector)
                result = dataclasses.replace(result, diagnostics=evidence)
            item.ihook.pytest_podchaos_scenario_finished(item=item, scenario=scenario, result=result)
