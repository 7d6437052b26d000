"""``podchaos kubectl``: the local cluster's own kubectl, already pointed at it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from podchaos.cluster.provider import ClusterAccess
from podchaos.k8s.client import Kube


def test_podchaos_kubectl_lists_the_local_clusters_nodes(local_cluster: ClusterAccess, kube: Kube) -> None:
    podchaos = Path(sys.executable).with_name("podchaos")
    # No KUBECONFIG of the caller's (the isolating fixture removed it): the command sets its own.
    done = subprocess.run(
        [str(podchaos), "kubectl", "get", "nodes", "-o", "name"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == sorted(f"node/{node.name}" for node in kube.nodes())
    version = subprocess.run(
        [str(podchaos), "kubectl", "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The kubectl of the release the cluster runs.
    assert f'"gitVersion": "{kube.server_version()}"' in version.stdout


def test_kubectl_exit_status_is_podchaos_kubectls(local_cluster: ClusterAccess) -> None:
    podchaos = Path(sys.executable).with_name("podchaos")
    done = subprocess.run(
        [str(podchaos), "kubectl", "get", "pod", "no-such-pod", "-n", "default"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert 'pods "no-such-pod" not found' in done.stderr
