"""Attach mode on the local cluster: a Deployment and a StatefulSet applied with kubectl into a namespace
of their own (``shop``, as a team's CD would), then scenarios attached to them: the README's (the issue's)
container kill through ``pytest --podchaos-scenario-dir``, a pod delete under traffic and a drain under
their PodDisruptionBudget, ``chaos.attach`` on the StatefulSet, and a run through a ServiceAccount bound
to exactly what ``podchaos rbac --namespace shop`` prints. The guards refuse a namespace not allowed and a
system one. Afterwards the workloads are the same objects, all Ready, and nothing of podchaos's is left
in their namespace. One module fixture sets the workloads up once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
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
    refused_delete_and_exec,
)

from podchaos.cluster.local.layout import Layout
from podchaos.cluster.provider import ClusterAccess

SHOP = "shop"
ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
PODCHAOS = Path(sys.executable).with_name("podchaos")
# The local cluster's cache (kubectl's build), read before pytester points HOME elsewhere.
BUILD_CACHE = Layout.default().cache
CONTEXT = "podchaos-e2e-attach"

WEB = (
    "mkdir -p /www; echo ok > /www/index.html; httpd -f -p 8080 -h /www & pid=$!;"
    " trap 'kill $pid; exit 0' TERM; wait $pid"
)


def app_container() -> dict[str, Any]:
    return {
        "name": "app",
        "image": "docker.io/library/busybox:1.35",
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", WEB],
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 1},
    }


def shop_manifests() -> list[dict[str, Any]]:
    """What a team's CD applies: orders (Deployment, Service, PodDisruptionBudget) and ledger
    (StatefulSet and its headless Service)."""
    pod_spec = {"terminationGracePeriodSeconds": 5, "containers": [app_container()]}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "orders"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "orders"}},
                "template": {"metadata": {"labels": {"app": "orders"}}, "spec": pod_spec},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "orders"},
            "spec": {"selector": {"app": "orders"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "orders"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "orders"}}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "ledger"},
            "spec": {"clusterIP": "None", "selector": {"app": "ledger"}, "ports": [{"port": 8080}]},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "ledger"},
            "spec": {
                "serviceName": "ledger",
                "replicas": 2,
                "selector": {"matchLabels": {"app": "ledger"}},
                "template": {"metadata": {"labels": {"app": "ledger"}}, "spec": pod_spec},
            },
        },
    ]


def kubectl(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(PODCHAOS), "kubectl", *args],
        # The kubectl build cached under the real HOME, also while pytester points HOME elsewhere
        # (without it, podchaos kubectl would build kubectl again: minutes of CPU).
        env={**os.environ, "PODCHAOS_CACHE_DIR": str(BUILD_CACHE)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def readme_block(language: str, start: str) -> str:
    (block,) = [
        b for b in re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL) if b.startswith(start)
    ]
    return str(block)


def shop_state(core: client.CoreV1Api, apps: client.AppsV1Api) -> dict[str, Any]:
    """The shop's workloads as the test compares them: object UIDs, ready replicas."""
    deployment: Any = apps.read_namespaced_deployment("orders", SHOP)
    statefulset: Any = apps.read_namespaced_stateful_set("ledger", SHOP)
    services: list[Any] = core.list_namespaced_service(SHOP).items
    return {
        "orders": (deployment.metadata.uid, deployment.status.ready_replicas),
        "ledger": (statefulset.metadata.uid, statefulset.status.ready_replicas),
        "services": sorted(s.metadata.uid for s in services),
    }


@pytest.fixture(scope="module")
def shop(
    podchaos_cluster: ClusterAccess, core: client.CoreV1Api, apps: client.AppsV1Api
) -> Iterator[dict[str, Any]]:
    """Namespace ``shop`` with orders and ledger Ready, applied with kubectl; deleted at the end."""
    if kubectl("get", "namespace", SHOP, check=False).returncode == 0:
        kubectl("delete", "namespace", SHOP, "--wait=true", "--timeout=120s")
    kubectl("create", "namespace", SHOP)
    try:
        kubectl("apply", "-n", SHOP, "-f", "-", stdin=yaml.safe_dump_all(shop_manifests()))
        for workload in ("deployment/orders", "statefulset/ledger"):
            kubectl("rollout", "status", "-n", SHOP, workload, "--timeout=180s")
        yield shop_state(core, apps)
    finally:
        kubectl("delete", "namespace", SHOP, "--wait=true", "--timeout=120s", check=False)


def run_pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--podchaos-report-dir=out", *args, timeout=420
    )


def write_scenario(pytester: pytest.Pytester, name: str, text: str) -> None:
    (pytester.path / "chaos").mkdir(exist_ok=True)
    (pytester.path / "chaos" / f"{name}.scenario.yaml").write_text(text)


def results(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(pytester.path.glob("out/*/runs/*.json"))]


def test_the_readme_scenario_runs_as_written_and_the_guards_refuse(
    pytester: pytest.Pytester, shop: dict[str, Any]
) -> None:
    write_scenario(pytester, "orders-kill", readme_block("yaml", "workload: {namespace: shop"))
    command = readme_block("sh", "pytest --podchaos-scenario-dir=chaos").splitlines()[0].split()
    assert command[1:] == [
        "--podchaos-scenario-dir=chaos",
        "--scenario=orders-kill",
        "--podchaos-allow-namespace=shop",
    ]
    passed = run_pytest(pytester, *command[1:], "--podchaos-cluster=local")
    passed.assert_outcomes(passed=1)
    (run,) = results(pytester)
    assert run["namespace"].startswith("pc-orders-kill-"), run["namespace"]
    assert {r["outcome"] for r in run["verdict"]["results"]} == {"passed"}

    # Not allowed: refused before anything touches the cluster.
    refused = run_pytest(
        pytester, "--podchaos-scenario-dir=chaos", "--scenario=orders-kill", "--podchaos-cluster=local"
    )
    refused.assert_outcomes(errors=1)
    assert "refused to attach to namespace 'shop': it is not allowed explicitly" in refused.stdout.str()

    # A system namespace is refused whatever is allowed.
    write_scenario(
        pytester,
        "dns-kill",
        "workload: {namespace: kube-system, target: {k8s-app: kube-dns}}\n"
        "faults: [{type: pod-delete}]\nexpect: [{type: pod-ready, within: 60s}]\n",
    )
    system = run_pytest(
        pytester,
        "--podchaos-scenario-dir=chaos",
        "--scenario=dns-kill",
        "--podchaos-allow-namespace=kube-system",
        "--podchaos-cluster=local",
    )
    system.assert_outcomes(errors=1)
    assert "'kube-system': kube-system, kube-public, kube-node-lease, default are never chaos targets" in (
        system.stdout.str()
    )

    # podchaos plan lists the pods the target selects now.
    plan = subprocess.run(
        [str(PODCHAOS), "plan", str(pytester.path / "chaos" / "orders-kill.scenario.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "pods selected now in shop (app=orders): 2" in plan.stdout, plan.stdout
    assert "each fault would take 1 of them (one pod at random)" in plan.stdout


def test_pod_delete_under_traffic_and_drain_under_the_pdb(
    pytester: pytest.Pytester, shop: dict[str, Any]
) -> None:
    write_scenario(
        pytester,
        "orders-delete",
        "workload: {namespace: shop, target: {app: orders}, maxPods: 2}\n"
        "traffic: {service: orders, port: 80, rate: 10, timeout: 1s, steady: 3s}\n"
        "faults: [{type: pod-delete}]\n"
        "expect: [{type: availability, atLeast: 0.9}]\n",
    )
    write_scenario(
        pytester,
        "orders-drain",
        "workload: {namespace: shop, target: {app: orders}}\n"
        "faults: [{type: node-drain, timeout: 90s}]\n"
        "expect: [{type: eviction, outcome: evicted}, {type: min-available, count: 1}]\n"
        "timeouts: {observe: 120s}\n",
    )
    done = run_pytest(
        pytester,
        "--podchaos-scenario-dir=chaos",
        "--podchaos-builtin=no",
        "--scenario=orders-*",
        "--podchaos-allow-namespace=shop",
        "--podchaos-cluster=local",
        "-rA",
    )
    done.assert_outcomes(passed=2)
    runs = {run["scenario"]: run for run in results(pytester)}
    for name in ("orders-delete", "orders-drain"):
        # The controller's replacement is judged even though the scenario did not ask.
        judged = {r["expectation"]["type"]: r for r in runs[name]["verdict"]["results"]}
        assert judged["replaced"]["outcome"] == "passed", judged["replaced"]
    requests = [e for e in runs["orders-delete"]["timeline"] if e.get("kind") == "request"]
    print(f"traffic to orders.shop.svc.cluster.local: {len(requests)} requests recorded")


def test_chaos_attach_kills_a_statefulset_container(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shop: dict[str, Any]
) -> None:
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(BUILD_CACHE))
    pytester.makepyfile(test_attach_example=readme_block("python attach", "from podchaos"))
    done = run_pytest(pytester, "-q", "--podchaos-allow-namespace=shop", "--podchaos-cluster=local")
    done.assert_outcomes(passed=1)
    not_allowed = run_pytest(pytester, "-q", "--podchaos-cluster=local")
    not_allowed.assert_outcomes(failed=1)
    assert "UnsafeNamespace" in not_allowed.stdout.str()


@pytest.fixture
def attach_account(
    e2e: Any, core: client.CoreV1Api, pytester: pytest.Pytester, shop: dict[str, Any]
) -> Iterator[Path]:
    """A ServiceAccount bound to exactly what ``podchaos rbac --namespace shop FILE`` prints; its
    kubeconfig."""
    namespace = e2e.namespace_name("attach-account")
    name = f"podchaos-e2e-attach-{uuid.uuid4().hex[:6]}"
    write_scenario(pytester, "orders-kill", readme_block("yaml", "workload: {namespace: shop"))
    e2e.create_namespace(core, namespace)
    printed = subprocess.run(
        [
            str(PODCHAOS),
            "rbac",
            "--namespace",
            SHOP,
            str(pytester.path / "chaos" / "orders-kill.scenario.yaml"),
            f"--service-account={namespace}/runner",
            f"--name={name}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    documents = [doc for doc in yaml.safe_load_all(printed.stdout) if doc]
    kinds = [doc["kind"] for doc in documents]
    assert kinds[-2:] == ["Role", "RoleBinding"], kinds
    assert documents[-2]["metadata"]["namespace"] == SHOP
    manifest = pytester.path / "rbac.yaml"
    manifest.write_text(printed.stdout)
    try:
        core.create_namespaced_service_account(
            namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="runner"))
        )
        kubectl("apply", "-f", str(manifest))
        request = client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
        )
        issued: Any = core.create_namespaced_service_account_token("runner", namespace, request)
        admin = yaml.safe_load(Layout.default().kubeconfig.read_text())
        kubeconfig = pytester.path / "kubeconfig"
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": CONTEXT, "cluster": admin["clusters"][0]["cluster"]}],
                    "users": [{"name": CONTEXT, "user": {"token": str(issued.status.token)}}],
                    "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
                    "current-context": CONTEXT,
                }
            )
        )
        yield kubeconfig
    finally:
        kubectl("delete", "-f", str(manifest), "--ignore-not-found", check=False)
        e2e.delete_namespace(core, namespace)


def test_an_attached_run_passes_with_exactly_the_printed_roles(
    pytester: pytest.Pytester, attach_account: Path
) -> None:
    done = run_pytest(
        pytester,
        "--podchaos-scenario-dir=chaos",
        "--scenario=orders-kill",
        "--podchaos-allow-namespace=shop",
        "--podchaos-cluster=existing",
        f"--podchaos-kubeconfig={attach_account}",
        f"--podchaos-allow-context={CONTEXT}",
    )
    done.assert_outcomes(passed=1)


def test_the_printed_roles_keep_pod_deletes_and_execs_to_podchaos_and_shop(
    attach_account: Path, core: client.CoreV1Api, e2e: Any
) -> None:
    """The ClusterRole grants pods delete and pods/exec everywhere; the policy printed with
    --namespace shop lets the runner use them in shop (and podchaos's namespaces) only. Deletes and
    evictions are dry runs: admission runs in full and nothing is removed from shop."""
    runner = client.CoreV1Api(config.new_client_from_config(config_file=str(attach_account)))  # type: ignore[no-untyped-call]
    orders: list[Any] = core.list_namespaced_pod(SHOP, label_selector="app=orders").items
    target = str(orders[0].metadata.name)
    with bystander(core, e2e, e2e.namespace_name("elsewhere")) as elsewhere:
        message = refused_delete_and_exec(runner, core, e2e, elsewhere)
        assert f"and the attached ones (shop), not in {elsewhere}" in message, message
        # Evictions are granted in shop only (its Role): elsewhere RBAC refuses them first.
        evicted = evict_refusal(runner, elsewhere, BYSTANDER_POD)
        assert evicted is not None
        assert 'cannot create resource "pods/eviction"' in evicted, evicted
    assert delete_refusal(runner, SHOP, target) is None
    assert evict_refusal(runner, SHOP, target) is None
    assert exec_refusal(runner, SHOP, target) is None


KILLED_RUN = """\
import sys
from pathlib import Path
from podchaos.engine import Services
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.runner import RunOptions, run_scenario

kube = Kube.from_kubeconfig(Path(sys.argv[1]))
options = RunOptions(allowed_namespaces=("shop",), run_id=sys.argv[3])
run_scenario(lambda: Services(kube), load_scenario(Path(sys.argv[2])), options)
"""


def hidden_in(core: client.CoreV1Api, e2e: Any) -> list[str]:
    """The orders pods whose page is hidden by a probe-fail."""
    pods: list[Any] = core.list_namespaced_pod(SHOP, label_selector="app=orders").items
    return [
        pod.metadata.name
        for pod in pods
        if "index.html.podchaos-hidden" in e2e.exec_in(core, SHOP, pod.metadata.name, ["ls", "/www"]).stdout
    ]


def test_sweep_puts_back_what_a_killed_attached_run_hid(
    pytester: pytest.Pytester, shop: dict[str, Any], core: client.CoreV1Api, kube: Any, e2e: Any
) -> None:
    """A run without a pytest session (its agents in its own namespace) hides the orders page with a
    probe-fail and is killed with SIGKILL while the page is hidden; sweep's restore of attached runs
    puts it back from the mark on the run's namespace, and the namespace is deleted as sweep does."""
    from podchaos.cleanup.attached import mark_of, restore_marked
    from podchaos.cleanup.namespace import delete_namespace

    write_scenario(
        pytester,
        "orders-probe",
        "workload: {namespace: shop, target: {app: orders}}\n"
        "faults: [{type: probe-fail, container: app, path: /www/index.html, duration: 300s}]\n"
        "expect: [{type: pod-ready, within: 400s}]\n"
        "timeouts: {observe: 400s}\n",
    )
    run_id = uuid.uuid4().hex[:8]
    script = pytester.path / "killed_run.py"
    script.write_text(KILLED_RUN)
    scenario = pytester.path / "chaos" / "orders-probe.scenario.yaml"
    process = subprocess.Popen(
        [sys.executable, str(script), str(Layout.default().kubeconfig), str(scenario), run_id],
        start_new_session=True,
    )
    namespace = f"pc-orders-probe-{run_id}"
    try:
        hidden = e2e.wait("a page hidden by the run", 120.0).until(lambda _w: hidden_in(core, e2e) or None)
        assert process.poll() is None, "the run ended before it was killed"
    finally:
        process.kill()
        process.wait(timeout=30)
    try:
        assert hidden_in(core, e2e) == hidden  # killed: nothing put it back
        mark = mark_of(kube, namespace)
        assert mark is not None
        assert mark.hidden == (("app", "/www/index.html"),)
        done = restore_marked(kube, {namespace: mark})
        assert done == [f"shop/{hidden[0]} app: /www/index.html put back (left by {namespace})"], done
        assert hidden_in(core, e2e) == []
        assert restore_marked(kube, {namespace: mark}) == []  # nothing left to do
    finally:
        delete_namespace(kube, namespace)


def test_afterwards_the_workloads_are_intact_and_nothing_of_podchaos_is_left(
    shop: dict[str, Any], core: client.CoreV1Api, apps: client.AppsV1Api, e2e: Any
) -> None:
    kubectl("rollout", "status", "-n", SHOP, "deployment/orders", "--timeout=120s")
    kubectl("rollout", "status", "-n", SHOP, "statefulset/ledger", "--timeout=120s")
    assert shop_state(core, apps) == shop
    pods: list[Any] = core.list_namespaced_pod(SHOP).items
    for pod in pods:
        found = {**(pod.metadata.labels or {}), **(pod.metadata.annotations or {})}
        assert not [key for key in found if "podchaos" in key or found[key] == "podchaos"], pod.metadata.name
    listed: dict[str, list[Any]] = {
        "configmaps": core.list_namespaced_config_map(SHOP).items,
        "serviceaccounts": core.list_namespaced_service_account(SHOP).items,
        "secrets": core.list_namespaced_secret(SHOP).items,
    }
    kinds = {kind: [item.metadata.name for item in items] for kind, items in listed.items()}
    assert kinds == {"configmaps": ["kube-root-ca.crt"], "serviceaccounts": ["default"], "secrets": []}
    # No node left cordoned by these runs, and their own namespaces are gone or going.
    nodes: list[Any] = core.list_node().items
    marks = {
        n.metadata.name: (n.metadata.annotations or {}).get("podchaos.io/cordoned-by", "") for n in nodes
    }
    assert not [node for node, by in marks.items() if by.startswith(("pc-orders-", "pc-test-"))], marks
