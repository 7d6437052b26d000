"""The runner's admission policy as ``podchaos rbac`` prints it: which requests it is asked about, and
that pod deletes, evictions and execs are confined to podchaos's namespaces and the attached ones.
No CEL evaluator here: these check the objects; tests/e2e (least privilege, attach mode) check what
the API server does with them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from podchaos.cli import main
from podchaos.model.admission import runner_policy

OWN = "namespaceObject.metadata.labels['app.kubernetes.io/managed-by'] == 'podchaos'"


def _validations(policy: dict[str, Any]) -> list[dict[str, str]]:
    validations: list[dict[str, str]] = policy["spec"]["validations"]
    return validations


def _variables(policy: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["expression"] for v in policy["spec"]["variables"]}


def test_it_is_asked_about_pod_deletes_evictions_and_execs() -> None:
    policy, _ = runner_policy("chaos/runner", "chaos")
    asked = {
        (op, resource)
        for rule in policy["spec"]["matchConstraints"]["resourceRules"]
        for op in rule["operations"]
        for resource in rule["resources"]
    }
    assert asked == {
        ("DELETE", "namespaces"),
        ("DELETE", "pods"),
        ("CREATE", "pods"),
        ("CREATE", "pods/eviction"),
        ("CONNECT", "pods/exec"),
    }


def test_without_attached_namespaces_pods_are_confined_to_podchaos_own() -> None:
    policy, _ = runner_policy("chaos/runner", "chaos")
    confine = _validations(policy)[2]
    assert confine["expression"] == "!variables.podAction || variables.own"
    assert OWN in _variables(policy)["own"]
    assert confine["reason"] == "Forbidden"
    assert "only in its own namespaces (app.kubernetes.io/managed-by=podchaos)" in confine["message"]
    assert "podchaos rbac --namespace NS" in confine["message"]


def test_attached_namespaces_are_allowed_by_name_and_named_in_the_messages() -> None:
    policy, _ = runner_policy("chaos/runner", "chaos", ["shop", "web-2"])
    confine = _validations(policy)[2]
    assert confine["expression"] == (
        "!variables.podAction || variables.own || request.namespace in ['shop', 'web-2']"
    )
    assert "and the attached ones (shop, web-2)" in confine["message"]
    # The refusal names the action and the namespace it was refused in.
    assert "'deletes'" in confine["messageExpression"]
    assert "'evicts'" in confine["messageExpression"]
    assert "'execs into'" in confine["messageExpression"]
    assert "' + request.namespace + '" in confine["messageExpression"]


def test_the_pod_actions_are_deletes_evictions_and_execs_read_safely() -> None:
    variables = _variables(runner_policy("chaos/runner", "chaos")[0])
    # An absent subResource is left out of the request: reading it unguarded is an error (denied).
    assert variables["subresource"] == "has(request.subResource) ? request.subResource : ''"
    assert variables["podAction"] == (
        "request.resource.resource == 'pods' && (request.operation == 'DELETE' || "
        "variables.subresource in ['eviction', 'exec'])"
    )


def test_the_privileged_pod_check_reads_a_pod_only_on_a_pod_create() -> None:
    privileged = _validations(runner_policy("chaos/runner", "chaos")[0])[1]
    # A delete has no object and an eviction's is an Eviction: object.spec would be an error.
    guard = "request.resource.resource != 'pods' || request.operation != 'CREATE' || "
    guard += "variables.subresource != '' || "
    assert privileged["expression"].startswith(guard + "!((has(object.spec.hostPID)")


@pytest.mark.parametrize("bad", ["Shop", "shop'] || true || ['", "", "a" * 64])
def test_an_attached_name_that_is_not_a_namespace_name_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="namespace names"):
        runner_policy("chaos/runner", "chaos", [bad])


def test_rbac_namespace_prints_the_policy_for_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rbac", "--namespace", "shop", "--service-account", "chaos/runner"]) == 0
    out, err = capsys.readouterr()
    documents = [doc for doc in yaml.safe_load_all(out) if doc]
    [policy] = [doc for doc in documents if doc["kind"] == "ValidatingAdmissionPolicy"]
    assert _validations(policy)[2]["expression"].endswith("request.namespace in ['shop']")
    assert [doc["metadata"]["namespace"] for doc in documents if doc["kind"] == "Role"] == ["default", "shop"]
    assert "# evicts and execs into pods only in its own namespaces" in out
    assert "and the attached ones (shop)" in err


@pytest.mark.parametrize(
    ("namespace", "said"),
    [("Shop", "expected a namespace name"), ("kube-system", "'kube-system' is never a chaos target")],
)
def test_rbac_refuses_a_namespace_it_cannot_be_made_for(
    namespace: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["rbac", "--namespace", namespace])
    assert exit_info.value.code == 2
    assert said in capsys.readouterr().err
