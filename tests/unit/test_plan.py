"""The plan and the permissions derived from scenarios: ``podchaos plan`` and ``podchaos rbac``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podchaos.catalogue import builtin_scenario_dir, load
from podchaos.cli import main
from podchaos.engine.plan import permissions, rbac_yaml

CATALOGUE = builtin_scenario_dir()


def _rules(document: dict[str, object]) -> dict[str, set[str]]:
    rules = document["rules"]
    assert isinstance(rules, list)
    return {
        "/".join(filter(None, [rule["apiGroups"][0], rule["resources"][0]])): set(rule["verbs"])
        for rule in rules
    }


KINDS = (
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
)


def test_the_admission_policy_is_for_the_runner_and_names_what_it_refuses() -> None:
    perms = permissions([load(CATALOGUE / "sidecar-kill.scenario.yaml")])
    policy, binding = list(yaml.safe_load_all(rbac_yaml(perms, "chaos/runner", "chaos-runner")))[4:]
    assert binding["spec"] == {"policyName": "chaos-runner-limits", "validationActions": ["Deny"]}
    [condition] = policy["spec"]["matchConditions"]
    assert condition["expression"] == "request.userInfo.username == 'system:serviceaccount:chaos:runner'"
    rules = policy["spec"]["matchConstraints"]["resourceRules"]
    assert [(r["resources"], r["operations"]) for r in rules] == [
        (["namespaces", "pods"], ["DELETE"]),
        (["pods", "pods/eviction"], ["CREATE"]),
        (["pods/exec"], ["CONNECT"]),
    ]
    deletes, pods, confined = policy["spec"]["validations"]
    assert confined["expression"] == "!variables.podAction || variables.own"
    assert "oldObject.metadata.labels['app.kubernetes.io/managed-by'] == 'podchaos'" in deletes["expression"]
    assert "namespaceObject.metadata.labels['podchaos.io/scenario'] == 'agents'" in pods["expression"]
    assert "object.spec.hostPID" in pods["expression"]


def test_a_container_kill_needs_no_node_permissions_but_holds_a_lease() -> None:
    perms = permissions([load(CATALOGUE / "sidecar-kill.scenario.yaml")])
    documents = list(yaml.safe_load_all(rbac_yaml(perms, "chaos/runner")))
    assert [d["kind"] for d in documents] == [*KINDS]
    # Its shared hold: a Lease of its own in default, listed to find the node faults' one.
    assert documents[2]["metadata"]["namespace"] == "default"
    assert _rules(documents[2])["coordination.k8s.io/leases"] == {"create", "delete", "get", "list", "update"}
    assert documents[3]["subjects"] == [{"kind": "ServiceAccount", "name": "runner", "namespace": "chaos"}]
    rules = _rules(documents[0])
    assert rules["namespaces"] == {"create", "delete", "get", "list", "watch"}
    assert rules["pods/exec"] == {"create", "get"}
    assert rules["secrets"] == {"create"}  # created, never read back
    assert "nodes" not in rules
    assert "pods/eviction" not in rules
    assert documents[1]["subjects"] == [{"kind": "ServiceAccount", "name": "runner", "namespace": "chaos"}]
    assert perms.agent


def test_a_drain_needs_nodes_eviction_and_the_lease() -> None:
    perms = permissions([load(CATALOGUE / "node-drain-with-pdb.scenario.yaml")])
    documents = list(yaml.safe_load_all(rbac_yaml(perms)))
    assert [d["kind"] for d in documents] == [*KINDS]
    rules = _rules(documents[0])
    assert rules["nodes"] == {"get", "list", "patch"}
    assert rules["pods/eviction"] == {"create"}
    assert rules["apps/deployments"] == {"create"}
    assert rules["policy/poddisruptionbudgets"] == {"create"}
    role = documents[2]
    assert role["metadata"]["namespace"] == "default"
    assert _rules(role)["coordination.k8s.io/leases"] == {"create", "delete", "get", "list", "update"}


def test_rbac_of_the_catalogue_covers_every_kind_it_creates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rbac"]) == 0
    out, err = capsys.readouterr()
    rules = _rules(next(yaml.safe_load_all(out)))
    for path in CATALOGUE.glob("*.scenario.yaml"):
        for manifest in load(path).workload.manifests:
            group = manifest.api_version.split("/")[0] if "/" in manifest.api_version else ""
            assert any(key.startswith(group) for key in rules), manifest.kind
    assert {"nodes", "pods/eviction", "batch/jobs", "discovery.k8s.io/endpointslices"} <= set(rules)
    assert "privileged pod with hostPID" in err


def test_plan_prints_objects_faults_expectations_traffic_and_permissions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", str(CATALOGUE / "traffic-drain-with-pdb.scenario.yaml")]) == 0
    out = capsys.readouterr().out
    for line in (
        "    PodDisruptionBudget/web",
        "    Deployment/web",
        "    1. node-drain: a pod labelled app=web (timeout=90)",
        "    - failed-requests: at_most=0",
        "  traffic probe: service=web port=80",
        "leases.coordination.k8s.io default/podchaos-node-faults",
    ):
        assert line in out


def test_plan_of_a_bad_file_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text("name: bad\nfaults: 5\n")
    assert main(["plan", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("podchaos: error: ")


def test_the_policy_names_the_labels_podchaos_gives_its_namespaces() -> None:
    from podchaos.deploy import namespace
    from podchaos.model import admission

    assert (admission.MANAGED_BY_LABEL, admission.MANAGED_BY) == (
        namespace.MANAGED_BY_LABEL,
        namespace.MANAGED_BY,
    )
    assert admission.SCENARIO_LABEL == namespace.SCENARIO_LABEL
