"""Scenarios run through a least-privileged account: a ServiceAccount bound to exactly what
``podchaos rbac`` prints, its token from the TokenRequest API, in a kubeconfig of its own. Two catalogue
scenarios (a container kill through the privileged node agent, a pod delete) pass; with the same roles,
which have no node permissions, a node fault ends in an error naming the missing permission."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from pod_access import (
    BYSTANDER_POD,
    bystander,
    delete_refusal,
    evict_refusal,
    exec_refusal,
    refusal,
    refused_delete_and_exec,
)

from podchaos.catalogue import builtin_scenario_dir
from podchaos.cluster.local.layout import Layout

SCENARIOS = ("main-kill-restart-always", "pod-delete-force")
NODE_FAULT = "node-cordon-reschedule"
CONTEXT = "podchaos-e2e-least-privilege"
ACCOUNT = "runner"


@dataclass(frozen=True)
class Account:
    namespace: str
    kubeconfig: Path
    roles: str


def rbac_documents(namespace: str, name: str) -> list[dict[str, Any]]:
    """What ``podchaos rbac`` prints for SCENARIOS, bound to the account."""
    files = [str(builtin_scenario_dir() / f"{scenario}.scenario.yaml") for scenario in SCENARIOS]
    command = [sys.executable, "-m", "podchaos.cli", "rbac", *files]
    printed = subprocess.run(
        [*command, f"--service-account={namespace}/{ACCOUNT}", f"--name={name}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "privileged pod with hostPID" in printed.stderr
    return [doc for doc in yaml.safe_load_all(printed.stdout) if doc]


def account_kubeconfig(path: Path, token: str) -> None:
    """A kubeconfig for the token, with the admin kubeconfig's server and CA."""
    admin = yaml.safe_load(Layout.default().kubeconfig.read_text())
    cluster = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": CONTEXT, "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
        "current-context": CONTEXT,
    }
    path.write_text(json.dumps(config))


@pytest.fixture
def account(
    e2e: Any, core: client.CoreV1Api, api_client: client.ApiClient, tmp_path: Path
) -> Iterator[Account]:
    rbac = client.RbacAuthorizationV1Api(api_client)
    admission = client.AdmissionregistrationV1Api(api_client)
    namespace = e2e.namespace_name("least-privilege")
    name = f"podchaos-e2e-{uuid.uuid4().hex[:6]}"
    e2e.create_namespace(core, namespace)
    try:
        core.create_namespaced_service_account(
            namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=ACCOUNT))
        )
        documents = rbac_documents(namespace, name)
        kinds = ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]
        kinds += ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]
        assert [doc["kind"] for doc in documents] == kinds
        # The client sends plain dicts as they are: exactly what `podchaos rbac` printed. The Role
        # in default is for the Leases that keep parallel runs apart (every run holds one).
        role: Any = documents[0]
        binding: Any = documents[1]
        holds_role: Any = documents[2]
        holds_binding: Any = documents[3]
        rbac.create_cluster_role(role)
        rbac.create_cluster_role_binding(binding)
        rbac.create_namespaced_role(holds_role["metadata"]["namespace"], holds_role)
        rbac.create_namespaced_role_binding(holds_binding["metadata"]["namespace"], holds_binding)
        policy: Any = documents[4]
        policy_binding: Any = documents[5]
        admission.create_validating_admission_policy(policy)
        admission.create_validating_admission_policy_binding(policy_binding)
        request = client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
        )
        issued: Any = core.create_namespaced_service_account_token(ACCOUNT, namespace, request)
        token = str(issued.status.token)
        kubeconfig = tmp_path / "kubeconfig"
        account_kubeconfig(kubeconfig, token)
        yield Account(namespace, kubeconfig, yaml.safe_dump_all(documents))
    finally:
        for delete in (
            rbac.delete_cluster_role_binding,
            rbac.delete_cluster_role,
            lambda n: rbac.delete_namespaced_role_binding(f"{n}-holds", "default"),
            lambda n: rbac.delete_namespaced_role(f"{n}-holds", "default"),
            lambda n: admission.delete_validating_admission_policy_binding(f"{n}-limits"),
            lambda n: admission.delete_validating_admission_policy(f"{n}-limits"),
        ):
            try:
                delete(name)
            except client.ApiException as exc:
                if exc.status != 404:
                    raise
        e2e.delete_namespace(core, namespace)


def run_as(
    pytester: pytest.Pytester, account: Account, scenarios: tuple[str, ...], *extra: str
) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *extra,
        *(f"--scenario={name}" for name in scenarios),
        "--podchaos-cluster=existing",
        f"--podchaos-kubeconfig={account.kubeconfig}",
        f"--podchaos-allow-context={CONTEXT}",
        "--podchaos-report-dir=out",
        timeout=300,
    )


@pytest.mark.e2e
def test_scenarios_pass_with_exactly_the_printed_roles(
    pytester: pytest.Pytester, account: Account, core: client.CoreV1Api
) -> None:
    result = run_as(pytester, account, SCENARIOS, "-n", "2")
    result.assert_outcomes(passed=len(SCENARIOS))

    # The same roles have no node permissions: a node fault is refused, and says what is missing.
    refused = run_as(pytester, account, (NODE_FAULT,))
    refused.assert_outcomes(errors=1)
    output = refused.stdout.str() + refused.stderr.str()
    assert f"system:serviceaccount:{account.namespace}:{ACCOUNT} lacks the permission to" in output
    assert "podchaos rbac" in output
    assert "Traceback" not in output


@pytest.mark.e2e
def test_the_admission_policy_refuses_the_runner_other_namespaces_and_privileged_pods(
    account: Account, core: client.CoreV1Api, e2e: Any
) -> None:
    """RBAC lets the runner delete any namespace (it must delete its own); the printed policy narrows
    that to podchaos's. Every request here is a server-side dry run: admission runs in full, and
    nothing is deleted or created whatever the answer."""
    runner_api: Any = config.new_client_from_config(config_file=str(account.kubeconfig))  # type: ignore[no-untyped-call]
    runner = client.CoreV1Api(runner_api)
    unlabelled, labelled = e2e.namespace_name("unlabelled"), e2e.namespace_name("labelled")
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=unlabelled)))
    e2e.create_namespace(core, labelled)  # labelled as podchaos's, like every run's namespace
    try:

        def delete(name: str) -> Callable[[], object]:
            return lambda: runner.delete_namespace(name, dry_run="All")

        # A new policy is enforced once the API server's informers have it: wait for that.
        message = e2e.wait("the policy enforced", 30.0).until(lambda _w: refusal(delete(unlabelled)))
        assert "podchaos deletes only the namespaces it created" in message, message
        # default is immortal: the NamespaceLifecycle plugin refuses before the policy is asked.
        message = refusal(delete("default"))
        assert message is not None
        print(f"delete default as the runner: {message}")
        # Not RBAC: a namespace labelled as podchaos's may be deleted.
        assert refusal(delete(labelled)) is None

        agent = client.V1Pod(
            metadata=client.V1ObjectMeta(name="not-an-agent"),
            spec=client.V1PodSpec(
                host_pid=True,
                containers=[
                    client.V1Container(
                        name="toolbox",
                        image="docker.io/library/busybox:1.35",
                        security_context=client.V1SecurityContext(privileged=True),
                    )
                ],
            ),
        )
        message = refusal(lambda: runner.create_namespaced_pod(labelled, agent, dry_run="All"))
        assert message is not None
        assert "privileged pods only in its agents' namespace" in message, message
    finally:
        for name in (unlabelled, labelled):
            e2e.delete_namespace(core, name)


def grant_evictions(account: Account, api_client: client.ApiClient, namespace: str) -> None:
    """A Role and RoleBinding in ``namespace`` letting the account create pods/eviction there."""
    rbac = client.RbacAuthorizationV1Api(api_client)
    role: Any = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "evictions", "namespace": namespace},
        "rules": [{"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]}],
    }
    binding: Any = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "evictions", "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "evictions"},
        "subjects": [{"kind": "ServiceAccount", "name": ACCOUNT, "namespace": account.namespace}],
    }
    rbac.create_namespaced_role(namespace, role)
    rbac.create_namespaced_role_binding(namespace, binding)


@pytest.mark.e2e
def test_the_runner_deletes_evicts_and_execs_into_pods_only_in_podchaos_namespaces(
    account: Account, core: client.CoreV1Api, api_client: client.ApiClient, e2e: Any
) -> None:
    """RBAC lets the runner delete and exec into pods in every namespace (its own are named per run);
    the printed policy, made with no attached namespace, narrows them (and evictions) to podchaos's
    namespaces. A pod in a namespace of nobody's is refused all three; the same pod in a podchaos
    namespace is not (deletes and evictions are dry runs, an exec runs ``true``)."""
    runner_api: Any = config.new_client_from_config(config_file=str(account.kubeconfig))  # type: ignore[no-untyped-call]
    runner = client.CoreV1Api(runner_api)
    own = e2e.namespace_name("own")
    e2e.create_namespace(core, own)  # labelled as podchaos's, like every run's namespace
    try:
        container = e2e.busybox_container("main", "sleep 3600")
        core.create_namespaced_pod(own, e2e.body(e2e.pod_manifest(BYSTANDER_POD, [container])))
        e2e.wait_pod_ready(core, own, BYSTANDER_POD)
        with bystander(core, e2e, e2e.namespace_name("elsewhere")) as elsewhere:
            message = refused_delete_and_exec(runner, core, e2e, elsewhere)
            assert f"(app.kubernetes.io/managed-by=podchaos), not in {elsewhere}" in message, message
            # These scenarios need no evictions: granted here by a Role of the test's, only the
            # policy stands in the way.
            grant_evictions(account, api_client, elsewhere)

            def refused_by_the_policy(waiter: Any) -> str | None:
                said = evict_refusal(runner, elsewhere, BYSTANDER_POD)
                waiter.last_seen = f"the eviction's answer: {said or 'allowed (dry run)'}"
                return said if said and "podchaos evicts" in said else None

            # RBAC's answer until the RoleBinding is in the API server's cache.
            message = e2e.wait("the eviction refused by the policy", 30.0).until(refused_by_the_policy)
            assert "podchaos evicts pods only in its own namespaces" in message, message
        assert delete_refusal(runner, own, BYSTANDER_POD) is None
        assert exec_refusal(runner, own, BYSTANDER_POD) is None
    finally:
        e2e.delete_namespace(core, own)
