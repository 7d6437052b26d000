"""Fixtures for the end-to-end tests: API clients for the session's cluster and a throw-away namespace.

Every test collected from this directory is marked ``e2e``; tests that stop or restart the cluster
itself carry ``disruptive`` as well (registered here) so they can be run last or left out.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from host_tools import PROXY_VARIABLES, running_pushgateway
from kubernetes import client
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream

from podchaos.cluster.provider import ClusterAccess
from podchaos.k8s.client import Kube
from podchaos.pytest_plugin.settings import SETTINGS

HERE = Path(__file__).resolve().parent
MANAGED_BY = {"app.kubernetes.io/managed-by": "podchaos"}
NAMESPACE_GONE_TIMEOUT = 120.0
SERVICE_ACCOUNT_TIMEOUT = 60.0

T = TypeVar("T")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "disruptive: stops, kills or restarts the cluster itself (run these last, never in parallel)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Hooks in a conftest see the whole session's items: mark only those collected from this directory.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def isolated_cluster_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest sessions and commands a test starts see no kubeconfig or podchaos setting of the
    machine's environment (pytester points HOME at its directory too): with no kubeconfig they run on
    the embedded local cluster, unless the test names another."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


# --- waiting -----------------------------------------------------------------------------------------


@dataclass
class Waiter:
    """Bounded polling with a description of what was last seen, for clear failure messages."""

    what: str
    timeout: float
    interval: float = 0.5
    last_seen: str = "(nothing yet)"

    def until(self, probe: Callable[[Waiter], T | None]) -> T:
        deadline = time.monotonic() + self.timeout
        while True:
            result = probe(self)
            if result is not None:
                return result
            if time.monotonic() >= deadline:
                message = f"timed out after {self.timeout:.0f}s waiting for {self.what}"
                pytest.fail(f"{message}; last seen: {self.last_seen}", pytrace=False)
            time.sleep(self.interval)


def wait(what: str, timeout: float, interval: float = 0.5) -> Waiter:
    return Waiter(what, timeout, interval)


# --- API clients -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def api_client(podchaos_cluster: ClusterAccess) -> Iterator[client.ApiClient]:
    # The client's loader is not annotated (podchaos.k8s calls it under the same exemption).
    api = kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=str(podchaos_cluster.kubeconfig) if podchaos_cluster.kubeconfig else None,
        context=podchaos_cluster.context,
    )
    yield api
    api.close()


@pytest.fixture(scope="session")
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture(scope="session")
def apps(api_client: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api_client)


@pytest.fixture(scope="session")
def policy(api_client: client.ApiClient) -> client.PolicyV1Api:
    return client.PolicyV1Api(api_client)


@pytest.fixture(scope="module")
def kube(podchaos_cluster: ClusterAccess) -> Iterator[Kube]:
    """podchaos's own client for the session's cluster, for tests that run scenarios through the engine."""
    connection = Kube.from_kubeconfig(podchaos_cluster.kubeconfig, podchaos_cluster.context)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def local_cluster(podchaos_cluster: ClusterAccess) -> ClusterAccess:
    """The session's cluster, which must be the embedded local one (nodes on this machine)."""
    if podchaos_cluster.provider != "local":
        pytest.skip(f"needs the embedded local cluster, not {podchaos_cluster.provider!r}")
    return podchaos_cluster


@pytest.fixture
def pushgateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Pushgateway on 127.0.0.1 and a free port, reached without any proxy; stopped by PID afterwards."""
    for variable in PROXY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    with running_pushgateway(tmp_path) as url:
        yield url


# --- namespaces --------------------------------------------------------------------------------------


def namespace_name(test_name: str) -> str:
    base = test_name.split("[", maxsplit=1)[0].lower().replace("_", "-")
    stem = re.sub(r"[^a-z0-9-]+", "-", base).strip("-")
    suffix = uuid.uuid4().hex[:6]
    return f"e2e-{stem[: 63 - len(suffix) - 5].rstrip('-')}-{suffix}"


def create_namespace(core: client.CoreV1Api, name: str) -> None:
    """Create a labelled namespace and wait until pods can be created in it (its default ServiceAccount)."""
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=MANAGED_BY)))

    def has_service_account(waiter: Waiter) -> bool | None:
        try:
            core.read_namespaced_service_account("default", name)
        except ApiException as exc:
            if exc.status != 404:
                raise
            waiter.last_seen = "no ServiceAccount 'default' yet"
            return None
        return True

    wait(f"ServiceAccount default in namespace {name}", SERVICE_ACCOUNT_TIMEOUT).until(has_service_account)


def delete_namespace(core: client.CoreV1Api, name: str, timeout: float = NAMESPACE_GONE_TIMEOUT) -> None:
    """Delete a namespace and wait until the API no longer has it (already gone is fine)."""
    try:
        core.delete_namespace(name, grace_period_seconds=0, propagation_policy="Background")
    except ApiException as exc:
        if exc.status != 404:
            raise

    def gone(waiter: Waiter) -> bool | None:
        try:
            namespace = core.read_namespace(name)
        except ApiException as exc:
            if exc.status == 404:
                return True
            raise
        status = namespace.status
        waiter.last_seen = f"phase {status and status.phase}, conditions {status and status.conditions}"
        return None

    wait(f"namespace {name} to be deleted", timeout, interval=1.0).until(gone)


@pytest.fixture
def namespace(request: pytest.FixtureRequest, core: client.CoreV1Api) -> Iterator[str]:
    """A fresh namespace labelled managed-by podchaos, deleted (and waited for) after the test."""
    name = namespace_name(request.node.name)
    create_namespace(core, name)
    try:
        yield name
    finally:
        delete_namespace(core, name)


# --- pods --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exec:
    stdout: str
    stderr: str
    exit_code: int | None


def exec_in(
    core: client.CoreV1Api, namespace: str, pod: str, command: list[str], timeout: float = 30.0
) -> Exec:
    """Run a command in a pod's (first) container through the apiserver and the kubelet."""
    response = stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        command=command,
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    stdout: list[str] = []
    stderr: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while response.is_open() and time.monotonic() < deadline:
            response.update(timeout=1)
            stdout.append(response.read_stdout())
            stderr.append(response.read_stderr())
        if response.is_open():
            pytest.fail(f"exec {command!r} in {namespace}/{pod} did not finish within {timeout:.0f}s")
    finally:
        response.close()
    return Exec("".join(stdout), "".join(stderr), response.returncode)


def body(manifest: Mapping[str, Any]) -> Any:
    """A manifest as a create call's body: the client sends a dict as it is, though its annotations
    name only its model classes (V1Pod ...)."""
    return manifest


def name_of(obj: Any) -> str:
    """An API object's name."""
    return str(obj.metadata.name)


def is_ready(obj: Any) -> bool:
    """True when a pod's or a node's Ready condition is True."""
    conditions = obj.status.conditions or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def describe_pod(pod: Any) -> str:
    """Phase, node, conditions and container states in one line, for failure messages."""
    status = pod.status
    conditions = ", ".join(f"{c.type}={c.status}" for c in status.conditions or [])
    containers = []
    for cs in status.container_statuses or []:
        state = cs.state
        if state.running:
            now = "running"
        elif state.terminated:
            now = f"terminated({state.terminated.reason}, exit {state.terminated.exit_code})"
        elif state.waiting:
            now = f"waiting({state.waiting.reason}: {state.waiting.message})"
        else:
            now = "unknown"
        containers.append(f"{cs.name}: {now}, ready={cs.ready}, restarts={cs.restart_count}")
    return (
        f"pod {pod.metadata.name} phase={status.phase} node={pod.spec.node_name} "
        f"[{conditions}] containers [{'; '.join(containers)}]"
    )


def wait_pod_ready(core: client.CoreV1Api, namespace: str, name: str, timeout: float = 90.0) -> Any:
    def ready(waiter: Waiter) -> Any:
        pod = core.read_namespaced_pod(name, namespace)
        waiter.last_seen = describe_pod(pod)
        return pod if is_ready(pod) else None

    return wait(f"pod {namespace}/{name} to be Ready", timeout).until(ready)


def busybox_container(name: str, script: str, **extra: Any) -> dict[str, Any]:
    """A small busybox container running ``sh -c script``."""
    container: dict[str, Any] = {
        "name": name,
        "image": "docker.io/library/busybox:1.35",
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", script],
        "resources": {
            "requests": {"cpu": "10m", "memory": "16Mi"},
            "limits": {"cpu": "200m", "memory": "64Mi"},
        },
    }
    container.update(extra)
    return container


def ready_file_probe() -> dict[str, Any]:
    """An exec readiness probe that passes once the container has created /tmp/ready."""
    return {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 1, "failureThreshold": 1}


def pod_manifest(name: str, containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": containers, "terminationGracePeriodSeconds": 1, **spec},
    }


@dataclass(frozen=True)
class Helpers:
    """The helpers above as one fixture (test modules cannot import this conftest by name)."""

    wait = staticmethod(wait)
    exec_in = staticmethod(exec_in)
    is_ready = staticmethod(is_ready)
    name_of = staticmethod(name_of)
    body = staticmethod(body)
    describe_pod = staticmethod(describe_pod)
    wait_pod_ready = staticmethod(wait_pod_ready)
    busybox_container = staticmethod(busybox_container)
    ready_file_probe = staticmethod(ready_file_probe)
    pod_manifest = staticmethod(pod_manifest)
    create_namespace = staticmethod(create_namespace)
    delete_namespace = staticmethod(delete_namespace)
    namespace_name = staticmethod(namespace_name)


@pytest.fixture(scope="session")
def e2e() -> Helpers:
    return Helpers()
