"""podchaos.k8s.client.Kube against the real cluster: what the official client gets wrong under threads."""

from __future__ import annotations

import threading
from typing import Any

from kubernetes import client

from podchaos.cluster.provider import ClusterAccess
from podchaos.errors import PodchaosError
from podchaos.k8s.client import Kube

EXECS = 15


def test_execs_do_not_break_requests_made_meanwhile_on_other_threads(
    podchaos_cluster: ClusterAccess, core: client.CoreV1Api, namespace: str, e2e: Any
) -> None:
    # A recorder's watches list and watch from their own threads while the run execs into pods; the
    # client's stream() used to turn those requests into failing websocket handshakes.
    container = e2e.busybox_container(
        "main", "touch /tmp/ready; exec sleep 3600", readinessProbe=e2e.ready_file_probe()
    )
    core.create_namespaced_pod(namespace, e2e.pod_manifest("target", [container]))
    e2e.wait_pod_ready(core, namespace, "target", 90)
    kube = Kube.from_kubeconfig(podchaos_cluster.kubeconfig, podchaos_cluster.context)
    failures: list[str] = []
    listed = 0
    done = threading.Event()

    def list_meanwhile() -> None:
        nonlocal listed
        while not done.is_set():
            try:
                kube.pods(namespace, "")
                listed += 1
            except PodchaosError as exc:
                failures.append(str(exc))

    lister = threading.Thread(target=list_meanwhile)
    lister.start()
    try:
        outputs = [kube.exec(namespace, "target", "main", ["echo", str(i)]).stdout for i in range(EXECS)]
    finally:
        done.set()
        lister.join()

    assert outputs == [f"{i}\n" for i in range(EXECS)]
    assert listed > EXECS, f"only {listed} lists ran alongside {EXECS} execs: the check proves little"
    assert not failures, (
        f"{len(failures)} of {listed + len(failures)} requests failed meanwhile: {failures[:3]}"
    )
