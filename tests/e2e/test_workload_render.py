"""``workload.helm`` and ``workload.kustomize`` rendered by the real tools (helm built from Go modules by
``make test-tools``, kubectl of the local cluster's release), and namespaced objects moved into the run's
namespace. Loading needs no cluster; the user-project test deploys such workloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from podchaos.errors import ScenarioError
from podchaos.k8s.tools import find_helm, find_kubectl
from podchaos.loader import load_scenario

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: app
          image: "docker.io/library/busybox:{tag}"
          command: [sleep, "3600"]
"""
SCENARIO = """\
name: rendered
workload:
  target: {{app: web}}
{workload}
faults:
  - {{type: container-kill, container: app}}
expect:
  - {{type: restart-count, container: app, delta: 1}}
"""


def require(found: list[str] | None, name: str) -> None:
    if found is None:
        pytest.fail(f"no {name}: `make test-tools` builds it (a step of `make test`)", pytrace=False)


def chart(root: Path) -> Path:
    (root / "web" / "templates").mkdir(parents=True)
    (root / "web" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (root / "web" / "values.yaml").write_text("replicas: 1\ntag: '1.0'\n")
    template = DEPLOYMENT.format(
        name="{{ .Release.Name }}-web",
        namespace="{{ .Release.Namespace }}",
        replicas="{{ .Values.replicas }}",
        tag="{{ .Values.tag }}",
    )
    (root / "web" / "templates" / "deployment.yaml").write_text(template)
    return root / "web"


def scenario_file(root: Path, workload: str) -> Path:
    path = root / "rendered.scenario.yaml"
    path.write_text(SCENARIO.format(workload=workload))
    return path


def test_a_chart_renders_with_values_and_set_keeping_types_and_moves_into_the_run_namespace(
    tmp_path: Path,
) -> None:
    require(find_helm(), "helm")
    chart(tmp_path)
    (tmp_path / "ci.yaml").write_text("replicas: 2\n")
    workload = "  helm:\n    chart: web\n    release: shop\n    values: [ci.yaml]\n    set: {tag: '1.10'}"
    scenario = load_scenario(scenario_file(tmp_path, workload))
    (manifest,) = scenario.workload.manifests
    body = manifest.to_dict()
    assert (manifest.kind, manifest.name, manifest.moved_from) == ("Deployment", "shop-web", "default")
    assert "namespace" not in body["metadata"]
    assert body["spec"]["replicas"] == 2
    # --set would have made the number 1.1 of it.
    assert body["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/library/busybox:1.10"


def test_a_chart_that_does_not_render_names_the_field_and_helm_s_words(tmp_path: Path) -> None:
    require(find_helm(), "helm")
    chart(tmp_path)
    (tmp_path / "web" / "templates" / "broken.yaml").write_text("{{ .Values.nope.deeper }}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_file(tmp_path, "  helm: {chart: web}"))
    assert caught.value.field == "workload.helm"
    assert "helm template failed" in caught.value.problem
    assert "nil pointer" in caught.value.problem


def test_a_kustomization_renders_and_its_namespace_is_replaced(tmp_path: Path) -> None:
    require(find_kubectl(), "kubectl")
    base = tmp_path / "deploy"
    base.mkdir()
    (base / "deployment.yaml").write_text(
        DEPLOYMENT.format(name="web", namespace="ignored", replicas=1, tag="1.0")
    )
    (base / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\nnamespace: team-a\nnamePrefix: prod-\n"
    )
    scenario = load_scenario(scenario_file(tmp_path, "  kustomize: deploy"))
    (manifest,) = scenario.workload.manifests
    assert (manifest.name, manifest.moved_from) == ("prod-web", "team-a")


def test_a_cluster_scoped_object_in_a_chart_is_refused_with_the_reason(tmp_path: Path) -> None:
    require(find_helm(), "helm")
    chart(tmp_path)
    (tmp_path / "web" / "templates" / "class.yaml").write_text(
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_file(tmp_path, "  helm: {chart: web}"))
    assert caught.value.field.startswith("workload.helm (rendered document")
    assert caught.value.field.endswith(".kind")
    assert "PriorityClass is cluster-scoped" in caught.value.problem


def test_without_the_tool_the_error_names_it_and_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_file(tmp_path, "  helm: {chart: web}"))
    assert caught.value.field == "workload.helm"
    assert "needs helm, and there is none: put helm on PATH" in caught.value.problem
    assert "podchaos helm version" in caught.value.problem
