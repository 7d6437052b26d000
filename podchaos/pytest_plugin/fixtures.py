"""Fixtures for users' own chaos tests, and the result such a test contributes to the reports and metrics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from podchaos.pytest_plugin.reporting import CALL_FAILURE, CallFailure
from podchaos.pytest_plugin.stash import SESSION_KEY

if TYPE_CHECKING:
    from podchaos.cluster.provider import ClusterAccess
    from podchaos.engine import Services
    from podchaos.k8s.client import Kube
    from podchaos.library import Chaos
    from podchaos.model import Verdict


def ready_cluster(config: pytest.Config) -> ClusterAccess:
    """Make the session's cluster ready; the first time, call ``pytest_podchaos_cluster_ready``."""
    session = config.stash[SESSION_KEY]
    if session.options.dry_run:
        pytest.skip("--podchaos-dry-run: no cluster is used")
    first = not session.started
    access = session.access()
    if first:
        config.hook.pytest_podchaos_cluster_ready(config=config, access=access)
    return access


def session_services(config: pytest.Config) -> Services:
    """What the session's runs share (API connection, node agents, cleaner), the cluster made ready first."""
    ready_cluster(config)
    return config.stash[SESSION_KEY].services()


@pytest.fixture(scope="session")
def podchaos_cluster(pytestconfig: pytest.Config) -> ClusterAccess:
    """The cluster chaos runs on, made ready on first use (the embedded local cluster by default)."""
    return ready_cluster(pytestconfig)


@pytest.fixture(scope="session")
def podchaos_kube(pytestconfig: pytest.Config) -> Kube:
    """A Kubernetes API connection to that cluster."""
    return session_services(pytestconfig).kube


def run_error(verdict: Verdict, failure: CallFailure | None) -> str:
    """Why the test did not complete: none when it passed, or failed on a failed verdict's assertion."""
    if failure is None or (failure.assertion and not verdict.passed):
        return ""
    return failure.description


@pytest.fixture
def chaos(request: pytest.FixtureRequest, podchaos_kube: Kube) -> Iterator[Chaos]:
    """A fresh, labelled namespace for one test, deleted afterwards (kept with --podchaos-keep-namespace).

    When the test ends, what it recorded (``chaos.record`` blocks: faults, verdicts of ``run.expect``,
    the timeline) is reported like a scenario run named by the test's node id: in ``results.json``,
    the HTML report, the metrics and the JUnit properties.
    """
    from podchaos.library import Chaos

    config = request.config
    keep = config.stash[SESSION_KEY].options.keep_namespace
    allowed = config.stash[SESSION_KEY].options.allowed_namespaces
    name = request.node.name.split("[")[0].replace("_", "-").lower()
    services = session_services(config)
    item = request.node
    with Chaos.namespace_for(services, name, keep=keep, allowed_namespaces=allowed) as instance:
        yield instance
        run = instance.run
        if not run.recordings:
            return  # a test that recorded nothing contributes nothing
        error = run_error(run.verdict, item.stash.get(CALL_FAILURE, None))
        # The namespace still exists here: keep the evidence before it is deleted.
        run.explain_failures()
    result = run.result(error=error, name=item.nodeid)
    item.ihook.pytest_podchaos_scenario_finished(item=item, scenario=None, result=result)
