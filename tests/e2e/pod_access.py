"""What a runner's account may do to pods, asked of the API server: delete (a server-side dry run),
evict (a dry run too) and exec (a real exec: the API refuses a dry-run CONNECT). Each call returns the
API's refusal message, or None when the request was allowed, so a test states both sides. And a
bystander: a namespace that is neither podchaos's nor attached, with a pod running in it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kubernetes import client
from kubernetes.stream import stream

BYSTANDER_POD = "bystander"


def refusal(call: Callable[[], object]) -> str | None:
    """The API's message when ``call`` is refused with 403, None when it is allowed."""
    try:
        call()
    except client.ApiException as exc:
        if exc.status != 403:
            raise
        return str(json.loads(exc.body or "{}").get("message", exc.body))
    return None


def delete_refusal(api: client.CoreV1Api, namespace: str, pod: str) -> str | None:
    """Deleting the pod, as a dry run: admission runs in full, nothing is deleted."""
    return refusal(lambda: api.delete_namespaced_pod(pod, namespace, dry_run="All"))


def evict_refusal(api: client.CoreV1Api, namespace: str, pod: str) -> str | None:
    """Evicting the pod, as a dry run (a budget's 429 is an answer, not a refusal: it is raised)."""
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=namespace))
    return refusal(lambda: api.create_namespaced_pod_eviction(pod, namespace, body, dry_run="All"))


def exec_refusal(api: client.CoreV1Api, namespace: str, pod: str) -> str | None:
    """Running ``true`` in the pod. A refused exec fails its websocket handshake, which the client
    reports as status 0 with the API's answer (status line, headers, body) in words."""
    try:
        response: Any = stream(
            api.connect_get_namespaced_pod_exec,
            pod,
            namespace,
            command=["true"],
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
        )
    except client.ApiException as exc:
        if exc.status != 0 or "Handshake status 403" not in str(exc.reason):
            raise
        return str(exc.reason)
    try:
        response.run_forever(timeout=30)
        assert response.returncode == 0, f"true exited {response.returncode} in {namespace}/{pod}"
    finally:
        response.close()
    return None


def refused_delete_and_exec(
    runner: client.CoreV1Api, admin: client.CoreV1Api, e2e: Any, namespace: str
) -> str:
    """The policy's refusals of the runner's delete and exec of the bystander pod in ``namespace``
    (waiting until the API server enforces a new policy), the delete's returned; the exec's is checked
    here, and that the pod can be exec'd into at all (so the refusal is the runner's, not the pod's)."""
    message: str = e2e.wait("the policy enforced", 30.0).until(
        lambda _w: delete_refusal(runner, namespace, BYSTANDER_POD)
    )
    assert "podchaos deletes pods only in its own namespaces" in message, message
    refused = exec_refusal(runner, namespace, BYSTANDER_POD)
    assert refused is not None
    assert "podchaos execs into pods only in its own namespaces" in refused, refused
    assert f"not in {namespace}" in refused, refused
    assert exec_refusal(admin, namespace, BYSTANDER_POD) is None
    print(f"exec in {namespace} as the runner: {refused[:400]}")
    return message


@contextmanager
def bystander(core: client.CoreV1Api, e2e: Any, name: str) -> Iterator[str]:
    """Namespace ``name``, not labelled as podchaos's, with a Ready pod ``bystander``; deleted after."""
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    try:
        # Pods are refused until the controller-manager has made the namespace's default account.
        def has_account(_waiter: Any) -> bool | None:
            accounts: list[Any] = core.list_namespaced_service_account(name).items
            return any(account.metadata.name == "default" for account in accounts) or None

        e2e.wait(f"ServiceAccount default in {name}", 60.0).until(has_account)
        container = e2e.busybox_container("main", "sleep 3600")
        core.create_namespaced_pod(name, e2e.body(e2e.pod_manifest(BYSTANDER_POD, [container])))
        e2e.wait_pod_ready(core, name, BYSTANDER_POD)
        yield name
    finally:
        e2e.delete_namespace(core, name)
