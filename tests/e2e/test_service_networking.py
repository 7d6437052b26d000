"""Service networking in the embedded local cluster works as in any cluster: pod to pod across nodes,
ClusterIP Services through kube-proxy to ready endpoints only, and Service names through the cluster DNS.

The client runs on the first node and the only ready server on the second, so every answer crossed
from one node's pod bridge to the other's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kubernetes import client

from podchaos.cluster.provider import ClusterAccess

NODE_1, NODE_2 = "podchaos-node-1", "podchaos-node-2"
HTTP_PORT = 8080
SERVICE_PORT = 80
REQUESTS = 20
# Debian's static busybox crashes in `wget -T`; `timeout` bounds a request instead.
FETCH = "timeout 5 wget -q -O - {url}"


def web_server(name: str, node: str, ready: bool) -> dict[str, Any]:
    """A busybox httpd answering its own name, Ready only once /tmp/ready exists."""
    script = (
        f"mkdir -p /www && echo {name} > /www/index.html && "
        f"{'touch /tmp/ready && ' if ready else ''}exec httpd -f -p {HTTP_PORT} -h /www"
    )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web", "role": "server" if ready else "spare"}},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "httpd",
                    "image": "docker.io/library/busybox:1.35",
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["sh", "-c", script],
                    "ports": [{"containerPort": HTTP_PORT}],
                    "readinessProbe": {
                        "exec": {"command": ["cat", "/tmp/ready"]},
                        "periodSeconds": 1,
                        "failureThreshold": 1,
                    },
                    "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}, "limits": {"memory": "32Mi"}},
                }
            ],
        },
    }


def service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": selector, "ports": [{"port": SERVICE_PORT, "targetPort": HTTP_PORT}]},
    }


@dataclass(frozen=True)
class Net:
    """The namespace's pods and Services: a client on node 1, the servers, and their addresses."""

    namespace: str
    server_ip: str
    only_server: str  # ClusterIP of the Service whose only endpoint is the server on node 2
    with_spare: str  # ClusterIP of the Service that also selects the not-ready spare


@pytest.fixture(scope="module")
def net(podchaos_cluster: ClusterAccess, core: client.CoreV1Api, e2e: Any) -> Iterator[Net]:
    if podchaos_cluster.provider != "local":
        pytest.skip(f"checks the embedded local cluster's networking, not {podchaos_cluster.provider!r}'s")
    namespace = e2e.namespace_name("service-networking")
    e2e.create_namespace(core, namespace)
    try:
        client_pod = e2e.busybox_container("client", "exec sleep 3600")
        core.create_namespaced_pod(namespace, e2e.pod_manifest("client", [client_pod], nodeName=NODE_1))
        core.create_namespaced_pod(namespace, e2e.body(web_server("server", NODE_2, ready=True)))
        core.create_namespaced_pod(namespace, e2e.body(web_server("spare", NODE_1, ready=False)))
        only = core.create_namespaced_service(namespace, e2e.body(service("web", {"role": "server"})))
        both = core.create_namespaced_service(namespace, e2e.body(service("web-all", {"app": "web"})))
        e2e.wait("pod client to run", 90).until(lambda w: _running(core, namespace, "client", w))
        e2e.wait("pod spare to run", 90).until(lambda w: _running(core, namespace, "spare", w))
        server = e2e.wait_pod_ready(core, namespace, "server", 90)
        assert server.spec.node_name == NODE_2
        only_ip = only.spec.cluster_ip if only.spec else None
        both_ip = both.spec.cluster_ip if both.spec else None
        assert only_ip
        assert both_ip
        yield Net(namespace, server.status.pod_ip, only_ip, both_ip)
    finally:
        e2e.delete_namespace(core, namespace)


def _running(core: client.CoreV1Api, namespace: str, name: str, waiter: Any) -> bool | None:
    status = core.read_namespaced_pod(name, namespace).status
    phase = status and status.phase
    waiter.last_seen = f"phase {phase}"
    return True if phase == "Running" else None


def _in_client(core: client.CoreV1Api, e2e: Any, net: Net, script: str) -> Any:
    return e2e.exec_in(core, net.namespace, "client", ["sh", "-c", script], timeout=60)


def _answers(core: client.CoreV1Api, e2e: Any, net: Net, url: str, count: int = REQUESTS) -> Counter[str]:
    """Who answered ``count`` requests, each on a new connection (busybox wget does not reuse them)."""
    fetch = FETCH.format(url=url)
    result = _in_client(core, e2e, net, f"for i in $(seq {count}); do {fetch} || echo FAILED; done")
    return Counter(result.stdout.split())


def test_a_pod_reaches_a_pod_on_the_other_node_by_its_ip(core: client.CoreV1Api, e2e: Any, net: Net) -> None:
    result = _in_client(core, e2e, net, FETCH.format(url=f"http://{net.server_ip}:{HTTP_PORT}/"))
    assert result.stdout.strip() == "server", f"pod {net.server_ip} on {NODE_2} from {NODE_1}: {result}"


def test_a_service_whose_only_endpoint_is_on_the_other_node_answers_by_cluster_ip(
    core: client.CoreV1Api, e2e: Any, net: Net
) -> None:
    answers = _answers(core, e2e, net, f"http://{net.only_server}:{SERVICE_PORT}/")
    assert answers == Counter({"server": REQUESTS}), f"ClusterIP {net.only_server} answered {answers}"


def test_the_cluster_dns_resolves_service_names_and_they_answer(
    core: client.CoreV1Api, e2e: Any, net: Net
) -> None:
    name = f"web.{net.namespace}.svc.cluster.local"
    lookup = _in_client(core, e2e, net, f"nslookup {name}")
    assert lookup.exit_code == 0, f"nslookup {name}: {lookup}"
    assert net.only_server in lookup.stdout, (
        f"nslookup {name} did not give ClusterIP {net.only_server}: {lookup}"
    )
    for url in (f"http://{name}/", "http://web/", f"http://web.{net.namespace}/"):
        answers = _answers(core, e2e, net, url, count=3)
        assert answers == Counter({"server": 3}), f"{url} answered {answers}"
    missing = _in_client(core, e2e, net, f"nslookup nothing.{net.namespace}.svc.cluster.local")
    assert missing.exit_code != 0, f"a Service that does not exist resolved: {missing}"


def test_a_not_ready_endpoint_receives_no_traffic_until_it_is_ready(
    core: client.CoreV1Api, e2e: Any, net: Net
) -> None:
    url = f"http://{net.with_spare}:{SERVICE_PORT}/"
    answers = _answers(core, e2e, net, url)
    assert answers == Counter({"server": REQUESTS}), f"not-ready spare in the Service: {answers}"

    # The spare turns Ready: the Service now spreads over both, which shows the selector included it.
    e2e.exec_in(core, net.namespace, "spare", ["touch", "/tmp/ready"])
    e2e.wait_pod_ready(core, net.namespace, "spare", 30)
    e2e.wait("the spare to receive traffic", 30).until(
        lambda w: _serves(core, e2e, net, url, w, wanted={"server", "spare"})
    )

    # Not Ready again: kube-proxy stops sending it requests.
    e2e.exec_in(core, net.namespace, "spare", ["rm", "/tmp/ready"])
    e2e.wait("the spare to be not Ready", 30).until(lambda w: _not_ready(core, net, "spare", w))
    e2e.wait("the spare to receive no traffic", 30).until(
        lambda w: _serves(core, e2e, net, url, w, wanted={"server"})
    )
    answers = _answers(core, e2e, net, url)
    assert answers == Counter({"server": REQUESTS}), f"the spare still answers once not Ready: {answers}"


def _serves(
    core: client.CoreV1Api, e2e: Any, net: Net, url: str, waiter: Any, wanted: set[str]
) -> bool | None:
    answers = _answers(core, e2e, net, url)
    waiter.last_seen = f"answers {dict(answers)}"
    return True if set(answers) == wanted else None


def _not_ready(core: client.CoreV1Api, net: Net, name: str, waiter: Any) -> bool | None:
    pod = core.read_namespaced_pod(name, net.namespace)
    ready = [c.status for c in (pod.status and pod.status.conditions) or [] if c.type == "Ready"]
    waiter.last_seen = f"Ready={ready}"
    return True if ready == ["False"] else None
