"""A 403 from the API becomes Forbidden, naming the missing permission (verb and resource)."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException

from podchaos.errors import Forbidden
from podchaos.k8s.translate import CallPolicy, transient_wait, translated


def _denied(message: str) -> ApiException:
    exc = ApiException(status=403, reason="Forbidden")
    exc.body = json.dumps({"kind": "Status", "reason": "Forbidden", "message": message, "code": 403})
    return exc


NODE = (
    'nodes "podchaos-node-1" is forbidden: User "system:serviceaccount:chaos:runner" cannot patch '
    'resource "nodes" in API group "" at the cluster scope'
)
LEASE = (
    'leases.coordination.k8s.io is forbidden: User "system:serviceaccount:chaos:runner" cannot create '
    'resource "leases" in API group "coordination.k8s.io" in the namespace "default"'
)


def test_a_denied_patch_names_verb_and_resource() -> None:
    with pytest.raises(Forbidden) as caught, translated("cordon node podchaos-node-1"):
        raise _denied(NODE)
    error = caught.value
    assert (error.verb, error.resource, error.scope) == ("patch", "nodes", "at the cluster scope")
    assert str(error) == (
        "cordon node podchaos-node-1: forbidden: system:serviceaccount:chaos:runner lacks the permission "
        "to patch nodes (at the cluster scope); `podchaos rbac` prints the roles a run needs"
    )


def test_a_denied_lease_names_group_and_namespace() -> None:
    with pytest.raises(Forbidden) as caught, translated("create lease default/podchaos-node-faults"):
        raise _denied(LEASE)
    assert caught.value.resource == "leases.coordination.k8s.io"
    assert caught.value.scope == "in namespace default"
    assert "to create leases.coordination.k8s.io (in namespace default)" in str(caught.value)


def test_forbidden_is_final_not_retried() -> None:
    calls = 0

    def call() -> None:
        nonlocal calls
        calls += 1
        raise _denied(NODE)

    with pytest.raises(Forbidden):
        CallPolicy(outage_s=5).call("cordon node podchaos-node-1", call)
    assert calls == 1
    assert transient_wait(Forbidden("x", 403, "Forbidden", NODE)) is None


def test_a_refused_exec_websocket_is_forbidden_too() -> None:
    exc = ApiException(status=0, reason="Handshake status 403 Forbidden -+-+- {} -+-+- b'forbidden'")
    with pytest.raises(Forbidden, match="exec in ns/pod/c: forbidden"), translated("exec in ns/pod/c"):
        raise exc


def test_an_exec_refused_by_an_admission_policy_says_what_the_policy_said() -> None:
    said = (
        "pods \"web-0\" is forbidden: ValidatingAdmissionPolicy 'podchaos-limits' with binding"
        " 'podchaos-limits' denied request: podchaos execs into pods only in its own namespaces"
    )
    body = json.dumps({"kind": "Status", "status": "Failure", "message": said, "code": 403})
    reason = f"Handshake status 403 Forbidden -+-+- {{'content-type': 'application/json'}} -+-+- {body}"
    with pytest.raises(Forbidden) as caught, translated("exec in shop/web-0/app"):
        raise ApiException(status=0, reason=reason)
    assert str(caught.value) == (
        f"exec in shop/web-0/app: forbidden (HTTP 403): {said}; `podchaos rbac` prints the roles a run needs"
    )


def test_an_exec_refused_by_rbac_names_the_missing_permission() -> None:
    said = (
        'pods "web-0" is forbidden: User "system:serviceaccount:chaos:runner" cannot create resource'
        ' "pods/exec" in API group "" in the namespace "shop"'
    )
    body = json.dumps({"kind": "Status", "message": said})
    with pytest.raises(Forbidden) as caught, translated("exec in shop/web-0/app"):
        raise ApiException(status=0, reason=f"Handshake status 403 Forbidden -+-+- {{}} -+-+- {body}")
    assert (caught.value.verb, caught.value.resource, caught.value.scope) == (
        "create",
        "pods/exec",
        "in namespace shop",
    )


MISSING_ACCOUNT = (
    'pods "worker" is forbidden: error looking up service account pc-main-kill-1f2e/default: '
    'serviceaccount "default" not found'
)


def test_a_missing_service_account_is_not_a_permission_problem_and_is_waited_out() -> None:
    with pytest.raises(Forbidden) as caught, translated("create Pod/worker in pc-main-kill-1f2e"):
        raise _denied(MISSING_ACCOUNT)
    error = caught.value
    assert error.missing_account == "pc-main-kill-1f2e/default"
    assert "podchaos rbac" not in str(error)
    assert "not a missing permission" in str(error)
    assert transient_wait(error) == 0.5
    calls = 0

    def call() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise _denied(MISSING_ACCOUNT)
        return "created"

    # The controller-manager made the account meanwhile: the create goes through.
    assert CallPolicy(outage_s=5).call("create Pod/worker", call) == "created"
    assert calls == 3
    # A real RBAC denial names no account and stays final.
    with pytest.raises(Forbidden) as denied, translated("cordon"):
        raise _denied(NODE)
    assert denied.value.missing_account == ""
