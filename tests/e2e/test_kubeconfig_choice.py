"""The cluster found as kubectl finds it, on the local cluster: a ``$KUBECONFIG`` of two files (the
cluster and user in one, the context under a kind-style name and the current context in the other),
merged by the Kubernetes client, is what a pytest session with no podchaos setting runs on."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from podchaos.cluster.provider import ClusterAccess

SESSION_TEST = """
def test_session_cluster(podchaos_cluster, podchaos_kube):
    print("ACCESS", podchaos_cluster.provider, podchaos_cluster.context, podchaos_kube.server_version())
"""


def test_a_kubeconfig_of_two_files_is_merged_and_its_kind_style_context_used(
    pytester: pytest.Pytester, local_cluster: ClusterAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert local_cluster.kubeconfig is not None
    admin = yaml.safe_load(local_cluster.kubeconfig.read_text())
    (context,) = admin["contexts"]
    clusters = pytester.path / "clusters.yaml"
    clusters.write_text(
        json.dumps(
            {"apiVersion": "v1", "kind": "Config", **{key: admin[key] for key in ("clusters", "users")}}
        )
    )
    contexts = pytester.path / "contexts.yaml"
    renamed = {"name": "kind-podchaos-e2e", "context": context["context"]}
    contexts.write_text(
        json.dumps(
            {"apiVersion": "v1", "kind": "Config", "contexts": [renamed], "current-context": renamed["name"]}
        )
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(clusters), str(contexts)]))
    pytester.makepyfile(test_session=SESSION_TEST)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", timeout=300)

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*ACCESS existing kind-podchaos-e2e v1.*"])
