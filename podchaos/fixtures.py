"""Fixtures for users' own chaos tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from podchaos.cluster.provider import ClusterAccess
from podchaos.k8s.client import Kube
from podchaos.library import Chaos
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


@pytest.fixture
def chaos(request: pytest.FixtureRequest, podchaos_kube: Kube) -> Iterator[Chaos]:
    """A fresh, labelled namespace for one test, deleted afterwards (kept with --podchaos-keep-namespace)."""
    keep = request.config.stash[SESSION_KEY].options.keep_namespace
    name = request.node.name.split("[")[0].replace("_", "-").lower()
    with Chaos.namespace_for(podchaos_kube, name, keep=keep) as instance:
        yield instance
