"""The local cluster's processes: which daemons it has, starting one and waiting until it serves, in
the order the cluster needs them, and the ports they listen on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from podchaos.cluster.local import components, host, teardown
from podchaos.cluster.local.apiclient import AdminClient, http_ok
from podchaos.cluster.local.layout import (
    APISERVER_PORT,
    CONTROLLER_MANAGER_PORT,
    COREDNS_HEALTH_PORT,
    COREDNS_READY_PORT,
    ETCD_CLIENT_PORT,
    ETCD_PEER_PORT,
    KUBE_PROXY_HEALTHZ_PORT,
    KUBE_PROXY_METRICS_PORT,
    SCHEDULER_PORT,
    Layout,
    NodeLayout,
)
from podchaos.cluster.local.process import Daemon
from podchaos.errors import ClusterSetupError, WaitTimeout
from podchaos.k8s.waiting import wait_for

Progress = Callable[[str], None]

START_TIMEOUT = 120.0


def required_ports(layout: Layout) -> list[tuple[str, int, str]]:
    """(bind address, port, component) for every port the cluster listens on."""
    wanted = [
        ("127.0.0.1", ETCD_CLIENT_PORT, "etcd"),
        ("127.0.0.1", ETCD_PEER_PORT, "etcd peer"),
        ("0.0.0.0", APISERVER_PORT, "kube-apiserver"),
        ("127.0.0.1", CONTROLLER_MANAGER_PORT, "kube-controller-manager"),
        ("127.0.0.1", SCHEDULER_PORT, "kube-scheduler"),
        ("127.0.0.1", KUBE_PROXY_HEALTHZ_PORT, "kube-proxy healthz"),
        ("127.0.0.1", KUBE_PROXY_METRICS_PORT, "kube-proxy metrics"),
        ("127.0.0.1", COREDNS_HEALTH_PORT, "coredns health"),
        ("127.0.0.1", COREDNS_READY_PORT, "coredns ready"),
    ]
    for node in layout.nodes:
        wanted += [
            ("0.0.0.0", node.kubelet_port, f"kubelet of {node.name}"),
            ("127.0.0.1", node.kubelet_healthz_port, f"kubelet healthz of {node.name}"),
        ]
    return wanted


def admin_client(layout: Layout) -> AdminClient:
    """The API client with the cluster's admin certificate."""
    pki = layout.pki
    return AdminClient(layout.apiserver_url, pki / "ca.crt", pki / "admin.crt", pki / "admin.key")


@dataclass(frozen=True)
class Daemons:
    """The daemons of the cluster ``layout`` describes, and how each is started and checked."""

    layout: Layout
    progress: Progress

    def control_plane(self) -> list[Daemon]:
        layout = self.layout
        return [
            components.etcd(layout),
            components.apiserver(layout),
            components.controller_manager(layout),
            components.scheduler(layout),
        ]

    def node(self, node: NodeLayout) -> list[Daemon]:
        return [components.containerd(self.layout, node), components.kubelet(self.layout, node)]

    def services(self) -> list[Daemon]:
        """What makes Services work for both nodes: kube-proxy and the cluster DNS."""
        return [components.kube_proxy(self.layout), components.coredns(self.layout)]

    def before_services(self) -> list[Daemon]:
        daemons = self.control_plane()
        for node in self.layout.nodes:
            daemons += self.node(node)
        return daemons

    def all(self) -> list[Daemon]:
        return self.before_services() + self.services()

    def start(self, daemon: Daemon, ready: Callable[[], bool], what: str) -> None:
        """Start ``daemon`` and wait until ``ready``; ClusterSetupError with its log if it exits or
        does not get ready in time."""
        self.progress(f"starting {daemon.name}")
        daemon.start()

        def probe() -> bool | None:
            if not daemon.running():
                raise ClusterSetupError(
                    f"{daemon.name} exited during start-up; "
                    f"last lines of {daemon.log_file}:\n{daemon.log_tail()}"
                )
            return True if ready() else None

        try:
            wait_for(what, probe, START_TIMEOUT, interval=0.25)
        except WaitTimeout as exc:
            raise ClusterSetupError(f"{exc}; last lines of {daemon.log_file}:\n{daemon.log_tail()}") from exc

    def serving(self, name: str) -> tuple[Callable[[], bool], str]:
        """How to tell that component ``name`` serves again, and the words for it."""
        health = {
            "etcd": f"http://127.0.0.1:{ETCD_CLIENT_PORT}/health",
            "kube-controller-manager": f"https://127.0.0.1:{CONTROLLER_MANAGER_PORT}/healthz",
            "kube-scheduler": f"https://127.0.0.1:{SCHEDULER_PORT}/healthz",
            "kube-proxy": f"http://127.0.0.1:{KUBE_PROXY_HEALTHZ_PORT}/healthz",
            "coredns": f"http://127.0.0.1:{COREDNS_READY_PORT}/ready",
        }
        if name in health:
            url = health[name]
            return (lambda: http_ok(url)), f"{name} healthy"
        if name == "kube-apiserver":
            return admin_client(self.layout).ready, "kube-apiserver ready"
        for node in self.layout.nodes:
            if name == f"kubelet-{node.name}":
                url = f"http://127.0.0.1:{node.kubelet_healthz_port}/healthz"
                return (lambda url=url: http_ok(url)), f"kubelet of {node.name} healthy"
            if name == f"containerd-{node.name}":
                socket = str(node.containerd_socket)
                return (
                    lambda socket=socket: host.succeeds(["ctr", "--address", socket, "version"]),
                    f"containerd of {node.name} serving",
                )
        raise ClusterSetupError(f"no health check known for {name}")

    def start_serving(self, daemon: Daemon) -> None:
        """Start ``daemon`` and wait until its health check passes."""
        ready, what = self.serving(daemon.name)
        self.start(daemon, ready, what)

    def start_control_plane(self) -> None:
        for daemon in self.control_plane():
            self.start_serving(daemon)

    def start_services(self) -> None:
        """kube-proxy, then the cluster DNS."""
        kube_proxy, coredns = self.services()
        self.start(
            kube_proxy,
            lambda: http_ok(f"http://127.0.0.1:{KUBE_PROXY_HEALTHZ_PORT}/healthz"),
            "kube-proxy serving Services",
        )
        self.start(
            coredns, lambda: http_ok(f"http://127.0.0.1:{COREDNS_READY_PORT}/ready"), "cluster DNS ready"
        )

    def start_node(self, node: NodeLayout, load_images: Callable[[NodeLayout], None]) -> None:
        """The node's containerd, its images (``load_images``), then its kubelet."""
        containerd, kubelet = self.node(node)
        socket = str(node.containerd_socket)
        self.start(
            containerd,
            lambda: (
                node.containerd_socket.exists() and host.succeeds(["ctr", "--address", socket, "version"])
            ),
            f"containerd of {node.name} serving",
        )
        load_images(node)
        teardown.ensure_cgroup_root(node.cgroup_root)
        self.start(
            kubelet,
            lambda: http_ok(f"http://127.0.0.1:{node.kubelet_healthz_port}/healthz"),
            f"kubelet of {node.name} healthy",
        )

    def wait_nodes_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Until every node is Ready; ClusterSetupError as soon as a daemon they need stops."""
        admin = admin_client(self.layout)
        wanted = {node.name for node in self.layout.nodes}
        self.progress(f"waiting for nodes {', '.join(sorted(wanted))} to be Ready")

        def probe() -> bool | None:
            for daemon in self.before_services():
                if not daemon.running():
                    raise ClusterSetupError(f"{daemon.name} stopped; last lines:\n{daemon.log_tail()}")
            ready = {node.name for node in admin.nodes() if node.ready}
            return True if wanted <= ready else None

        wait_for(
            "all nodes Ready",
            probe,
            timeout,
            interval=0.5,
            last_seen=lambda: ", ".join(f"{n.name} ready={n.ready}" for n in admin.nodes()) or "no nodes",
        )
