"""Bring the embedded local cluster up, report on it, and take it down.

``up`` is idempotent: a healthy cluster is left as it is, and a node that is only slow to report
Ready is given time. Anything else (a killed run's stale processes, mounts, namespaces, devices) is
cleaned away and the daemons started again on the data they had, like machines that rebooted: the
objects in etcd, and so the other sessions' namespaces, survive a crashed kubelet. Only when that
restart fails, or the data belongs to other component versions, is the data purged and the cluster
started empty. Certificates are always kept, so existing kubeconfigs stay valid.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from podchaos.cluster.local import build, components, config, host, images, network, storage, teardown
from podchaos.cluster.local.apiclient import AdminClient, NodeState, http_ok
from podchaos.cluster.local.layout import (
    ADDRESS_DEVICE,
    APISERVER_PORT,
    CONTROL_PLANE_IP,
    CONTROLLER_MANAGER_PORT,
    COREDNS_HEALTH_PORT,
    COREDNS_READY_PORT,
    DNS_IP,
    ETCD_CLIENT_PORT,
    ETCD_PEER_PORT,
    ETCD_VERSION,
    KUBE_PROXY_HEALTHZ_PORT,
    KUBE_PROXY_METRICS_PORT,
    SCHEDULER_PORT,
    SERVICE_IP,
    Layout,
    NodeLayout,
)
from podchaos.cluster.local.pki import CertificateAuthority, CertRequest
from podchaos.cluster.local.process import Daemon, pids_matching
from podchaos.cluster.local.versions import resolve_kubernetes_version
from podchaos.cluster.lock import exclusive
from podchaos.errors import ClusterSetupError, WaitTimeout
from podchaos.k8s.waiting import wait_for

Progress = Callable[[str], None]

START_TIMEOUT = 120.0
# A node whose daemons all run may be NotReady for a few seconds (a kubelet that just restarted).
NODE_READY_GRACE = 60.0
_DATA_VERSION_RE = re.compile(r"^kubernetes (v\S+), etcd ")


def data_version(kubernetes_version: str) -> str:
    """What the data directories were written by: other versions start from empty data."""
    return f"kubernetes {kubernetes_version}, etcd {ETCD_VERSION}"


def recorded_kubernetes_version(state: Path) -> str | None:
    """The Kubernetes release the cluster in ``state`` was last started with, if it was started."""
    try:
        match = _DATA_VERSION_RE.match((state / "data-version").read_text().strip())
    except OSError:
        return None
    return match.group(1) if match else None


@dataclass(frozen=True)
class ComponentStatus:
    """One daemon: running or not, its PID and its log."""

    name: str
    pid: int | None
    log: Path


@dataclass(frozen=True)
class LocalStatus:
    """What ``podchaos cluster status`` prints."""

    components: tuple[ComponentStatus, ...]
    nodes: tuple[NodeState, ...]
    server_version: str
    kubeconfig: Path
    state_dir: Path
    log_dir: Path

    @property
    def healthy(self) -> bool:
        return (
            all(component.pid is not None for component in self.components)
            and len(self.nodes) > 0
            and all(node.ready for node in self.nodes)
        )


COREDNS_USER = "podchaos:coredns"


def coredns_access() -> list[tuple[str, dict[str, Any]]]:
    """(API collection, object): what the cluster DNS may read, as kubeadm grants its CoreDNS."""
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    meta = {"name": COREDNS_USER}
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": meta,
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["endpoints", "services", "pods", "namespaces"],
                "verbs": ["list", "watch"],
            },
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": COREDNS_USER},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": COREDNS_USER}],
    }
    return [(f"{rbac}/clusterroles", role), (f"{rbac}/clusterrolebindings", binding)]


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


class LocalCluster:
    """A real multi-node Kubernetes here: etcd, the control plane, and per node containerd + kubelet."""

    def __init__(
        self, layout: Layout | None = None, progress: Progress | None = None, kubernetes: str | None = None
    ) -> None:
        """``kubernetes`` names the release to run (``1.36.3``, ``default``; ClusterSetupError for one
        that is not a release); without it, the release the cluster was last started with, else the
        layout's (the default)."""
        base = layout or Layout.default()
        self._requested = resolve_kubernetes_version(kubernetes) if kubernetes else None
        self._fallback = base.kubernetes_version
        self.layout = base
        self._follow_recorded()
        self.progress: Progress = progress or (lambda _message: None)
        self.ca = CertificateAuthority(self.layout.pki)

    def _follow_recorded(self) -> None:
        """Point the layout at the asked-for release, else at the one the cluster last ran.

        Read again under the cluster lock before acting: another process may have switched the cluster
        since this object was made (an xdist worker, a session waiting for its turn), and acting on the
        release read earlier would switch it back.
        """
        version = self._requested or recorded_kubernetes_version(self.layout.state) or self._fallback
        self.layout = dataclasses.replace(self.layout, kubernetes_version=version)

    # --- daemons -----------------------------------------------------------------------------
    def control_plane(self) -> list[Daemon]:
        layout = self.layout
        return [
            components.etcd(layout),
            components.apiserver(layout),
            components.controller_manager(layout),
            components.scheduler(layout),
        ]

    def node_daemons(self, node: NodeLayout) -> list[Daemon]:
        return [components.containerd(self.layout, node), components.kubelet(self.layout, node)]

    def service_daemons(self) -> list[Daemon]:
        """What makes Services work for both nodes: kube-proxy and the cluster DNS."""
        return [components.kube_proxy(self.layout), components.coredns(self.layout)]

    def all_daemons(self) -> list[Daemon]:
        return self._daemons_before_services() + self.service_daemons()

    def _daemons_before_services(self) -> list[Daemon]:
        daemons = self.control_plane()
        for node in self.layout.nodes:
            daemons += self.node_daemons(node)
        return daemons

    def admin(self) -> AdminClient:
        pki = self.layout.pki
        return AdminClient(self.layout.apiserver_url, pki / "ca.crt", pki / "admin.crt", pki / "admin.key")

    def _exclusive(self, what: str) -> AbstractContextManager[None]:
        """One ``up``/``down`` at a time on this machine (pytest-xdist workers all call ``up``)."""
        return exclusive(self.layout.state / "cluster.lock", what, self.progress)

    @property
    def _data_version_file(self) -> Path:
        return self.layout.state / "data-version"

    # --- status ------------------------------------------------------------------------------
    def status(self) -> LocalStatus:
        """Components, nodes and paths; works whether the cluster is up or not (as root, on Linux)."""
        # Without root the admin key is unreadable: say so instead of a PermissionError.
        host.check_platform()
        daemons = tuple(ComponentStatus(d.name, d.pid(), d.log_file) for d in self.all_daemons())
        nodes: tuple[NodeState, ...] = ()
        version = ""
        if (self.layout.pki / "admin.crt").exists() and all(c.pid for c in daemons[:2]):
            client = self.admin()
            nodes = tuple(client.nodes())
            version = client.server_version()
        return LocalStatus(
            components=daemons,
            nodes=nodes,
            server_version=version,
            kubeconfig=self.layout.kubeconfig,
            state_dir=self.layout.state,
            log_dir=self.layout.logs,
        )

    # --- restart one component ----------------------------------------------------------------
    def component_names(self) -> list[str]:
        """The names ``restart`` accepts: every daemon, as ``status`` lists them."""
        return [daemon.name for daemon in self.all_daemons()]

    def restart(self, name: str, down_for: float = 0.0) -> LocalStatus:
        """Stop one running component, keep it stopped ``down_for`` seconds, start it again with the
        same command line and wait until it serves; returns the status.

        An outage of one part, as a rollout or a crash would cause: the rest keeps running, the data
        stays, and the pid file names the new process (``status`` stays true throughout).
        """
        host.check_platform()
        daemons = {daemon.name: daemon for daemon in self.all_daemons()}
        if name not in daemons:
            raise ClusterSetupError(f"no component {name!r}; components: {', '.join(daemons)}")
        with self._exclusive(f"cluster restart {name}"):
            self._follow_recorded()
            # The daemon of the release running now, whose binary is the one to start again.
            daemon = {d.name: d for d in self.all_daemons()}[name]
            if not daemon.running():
                raise ClusterSetupError(
                    f"{name} is not running: bring the cluster up first (podchaos cluster up)"
                )
            self.progress(f"stopping {name}")
            daemon.stop()
            if down_for > 0:
                self.progress(f"{name} stays stopped for {down_for:g}s")
                time.sleep(down_for)
            ready, what = self._serving(name)
            self._start(daemon, ready, what)
        return self.status()

    def _serving(self, name: str) -> tuple[Callable[[], bool], str]:
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
            return self.admin().ready, "kube-apiserver ready"
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

    # --- up ----------------------------------------------------------------------------------
    def up(self) -> LocalStatus:
        """Make sure the cluster runs with every node Ready; returns its status."""
        host.check_platform()
        with self._exclusive("cluster up"):
            self._follow_recorded()
            return self._up()

    def _up(self) -> LocalStatus:
        # A running cluster of this version is used as it runs: no package or build checks, so that
        # `up` stays instant for every test session and xdist worker.
        current = self.status()
        running = self._running_status(current)
        if running is not None:
            self._preload_missing_images()
            self._refresh_running()
            self.progress("local cluster already running")
            return running
        installed = host.ensure_packages(self.progress)
        if installed:
            self.progress(f"installed Debian packages: {', '.join(installed)}")
        wanted = self.layout.kubernetes_version
        if current.server_version and current.server_version != wanted:
            # Build before stopping anything: the running cluster serves its users meanwhile.
            self.progress(
                f"switching the local cluster from Kubernetes {current.server_version} to {wanted}: "
                "it restarts on empty data (etcd data does not move between minors)"
            )
            build.ensure_all(self.layout, self.progress)
        stale = any(c.pid for c in current.components) or self.layout.run.exists()
        keep_data = self._data_is_current()
        if stale:
            self.progress("cleaning up a previous cluster that is not healthy")
        self._down(purge_data=not keep_data)
        # A port held by something else fails now, not after a build of several minutes.
        self._check_ports()
        build.ensure_all(self.layout, self.progress)
        try:
            return self._start_cluster()
        except (ClusterSetupError, WaitTimeout) as exc:
            if not keep_data:
                raise
            self.progress(f"restart on the existing data failed ({exc}); starting again with empty data")
            self._down(purge_data=True)
            return self._start_cluster()

    def _refresh_running(self) -> None:
        """Bring a running cluster that an older podchaos started up to this one's configuration:
        the stateless controller-manager and scheduler are restarted when their command lines differ
        (a flag added since), pod bridges get their fixed addresses, kubelets get the settings added
        to their configuration since, and the storage every cluster has is put in place."""
        ports = {"kube-controller-manager": CONTROLLER_MANAGER_PORT, "kube-scheduler": SCHEDULER_PORT}
        for daemon in self.control_plane()[2:]:
            argv = daemon.running_argv()
            # Flags only: the binary's path depends on the session's build cache (a test session
            # with another HOME), and a running binary of this version is as good as a cached one.
            if argv is not None and tuple(argv[1:]) != tuple(daemon.argv[1:]):
                self.progress(f"restarting {daemon.name}: its command line changed")
                daemon.stop()
                health = f"https://127.0.0.1:{ports[daemon.name]}/healthz"
                self._start(daemon, partial(http_ok, health), f"{daemon.name} healthy")
        for bridge in network.fix_bridge_addresses(self.layout):
            self.progress(f"gave pod bridge {bridge} its fixed address")
        for node in self.layout.nodes:
            self._refresh_kubelet(node)
        self._ensure_storage()

    def _refresh_kubelet(self, node: NodeLayout) -> None:
        """A kubelet started without a setting this podchaos gives it (the crash-loop back-off cap)
        gets it and is restarted to read it; its pods keep running."""
        try:
            text = node.kubelet_config.read_text()
        except FileNotFoundError:
            return
        refreshed = config.refreshed_kubelet(text, self.layout.kubernetes_version)
        if refreshed is None:
            return
        node.kubelet_config.write_text(refreshed)
        daemon = components.kubelet(self.layout, node)
        self.progress(f"restarting {daemon.name}: its configuration changed")
        daemon.stop()
        ready, what = self._serving(daemon.name)
        self._start(daemon, ready, what)

    def _ensure_storage(self) -> None:
        """The provisioner's volume directory under the state directory, and the default StorageClass."""
        said = storage.ensure_volume_dir(self.layout)
        if said:
            self.progress(said)
        self.admin().apply(*storage.storage_class())

    def _running_status(self, current: LocalStatus) -> LocalStatus | None:
        """The status of a running cluster of this version with every node Ready, else None.

        When every daemon runs but a node is not Ready yet, waits for it a little first: tearing a
        running cluster down would break every other session using it.
        """
        wanted = self.layout.kubernetes_version
        if current.healthy and current.server_version == wanted:
            return current if len(current.nodes) == self.layout.node_count else None
        if not all(component.pid for component in current.components):
            return None
        if current.server_version and current.server_version != wanted:
            return None
        # Every daemon runs: an API that does not answer this once (busy, or restarting) or a node
        # not Ready yet is waited for, since tearing a running cluster down would break every other
        # session using it.
        self.progress(
            f"every component runs but the API or a node is not ready: waiting up to {NODE_READY_GRACE:g}s"
        )
        try:
            self._wait_nodes_ready(NODE_READY_GRACE)
        except (ClusterSetupError, WaitTimeout):
            return None
        current = self.status()
        if current.server_version != wanted or len(current.nodes) != self.layout.node_count:
            return None
        return current if current.healthy else None

    def _data_is_current(self) -> bool:
        """False when the data directories were written by other component versions.

        Data of unknown origin is tried: a restart that fails on it purges it anyway.
        """
        try:
            return self._data_version_file.read_text().strip() == data_version(self.layout.kubernetes_version)
        except FileNotFoundError:
            return True

    def _start_cluster(self) -> LocalStatus:
        started = time.monotonic()
        self._prepare_files()
        host.ensure_address_device(
            ADDRESS_DEVICE, [CONTROL_PLANE_IP, DNS_IP, *(node.ip for node in self.layout.nodes)]
        )
        network.ensure(self.layout)
        self._start_control_plane()
        self._data_version_file.write_text(data_version(self.layout.kubernetes_version) + "\n")
        archives = images.write_archives(
            self.layout.images, self.layout.bin / "pause" / "pause", self.layout.traffic_binary
        )
        for node in self.layout.nodes:
            self._start_node(node, archives)
        self._wait_nodes_ready()
        self._start_services()
        self.progress(
            f"local cluster up in {time.monotonic() - started:.1f}s; kubeconfig: {self.layout.kubeconfig}"
        )
        return self.status()

    def _check_ports(self) -> None:
        """Fail, naming port and component, before starting anything on a port someone else holds."""
        host.check_ports_free(required_ports(self.layout))

    def _prepare_files(self) -> None:
        layout = self.layout
        for directory in (layout.logs, layout.pids, layout.control_plane):
            directory.mkdir(parents=True, exist_ok=True)
        self.ca.ensure()
        pki = layout.pki
        self.ca.issue(
            CertRequest(
                "apiserver",
                "kube-apiserver",
                server=True,
                ips=(CONTROL_PLANE_IP, SERVICE_IP, "127.0.0.1"),
                dns=(
                    "localhost",
                    "kubernetes",
                    "kubernetes.default",
                    "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local",
                ),
            )
        )
        self.ca.issue(
            CertRequest(
                "apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",), client=True
            )
        )
        users = {
            "admin": ("podchaos-admin", ("system:masters",), layout.kubeconfig),
            "controller-manager": (
                "system:kube-controller-manager",
                (),
                layout.control_plane / "controller-manager.kubeconfig",
            ),
            "scheduler": ("system:kube-scheduler", (), layout.control_plane / "scheduler.kubeconfig"),
            # Bound to the built-in role system:node-proxier by the apiserver's bootstrap policy.
            "kube-proxy": ("system:kube-proxy", (), layout.control_plane / "kube-proxy.kubeconfig"),
            "coredns": (COREDNS_USER, (), layout.control_plane / "coredns.kubeconfig"),
        }
        for stem, (user, groups, path) in users.items():
            cert, key = self.ca.issue(CertRequest(stem, user, groups, client=True))
            path.write_text(config.kubeconfig(layout.apiserver_url, pki / "ca.crt", cert, key, user))
            path.chmod(0o600)
        layout.corefile.write_text(config.corefile(layout.control_plane / "coredns.kubeconfig"))
        resolv = layout.control_plane / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\noptions ndots:1\n")
        for node in layout.nodes:
            for directory in (node.dir, node.cni_conf_dir, node.kubelet_root, node.pod_logs_dir):
                directory.mkdir(parents=True, exist_ok=True)
            cert, key = self.ca.issue(
                CertRequest(
                    f"kubelet-{node.name}", f"system:node:{node.name}", ("system:nodes",), client=True
                )
            )
            node.kubeconfig.write_text(
                config.kubeconfig(layout.apiserver_url, pki / "ca.crt", cert, key, f"system:node:{node.name}")
            )
            serving_cert, serving_key = self.ca.issue(
                CertRequest(
                    f"kubelet-serving-{node.name}", node.name, server=True, ips=(node.ip,), dns=(node.name,)
                )
            )
            node.kubelet_config.write_text(
                config.kubelet(
                    node, pki / "ca.crt", serving_cert, serving_key, resolv, layout.kubernetes_version
                )
            )
            node.containerd_config.write_text(config.containerd(node))
            (node.cni_conf_dir / "10-podchaos.conflist").write_text(config.cni(node))

    def _start(self, daemon: Daemon, ready: Callable[[], bool], what: str) -> None:
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

    def _start_control_plane(self) -> None:
        etcd, apiserver, controller_manager, scheduler = self.control_plane()
        self._start(etcd, lambda: http_ok(f"http://127.0.0.1:{ETCD_CLIENT_PORT}/health"), "etcd healthy")
        admin = self.admin()
        self._start(apiserver, admin.ready, "kube-apiserver ready")
        self._start(
            controller_manager,
            lambda: http_ok(f"https://127.0.0.1:{CONTROLLER_MANAGER_PORT}/healthz"),
            "kube-controller-manager healthy",
        )
        self._start(
            scheduler,
            lambda: http_ok(f"https://127.0.0.1:{SCHEDULER_PORT}/healthz"),
            "kube-scheduler healthy",
        )

    def _start_services(self) -> None:
        """kube-proxy and CoreDNS, once the nodes they serve are registered."""
        admin = self.admin()
        for collection, manifest in coredns_access():
            admin.apply(collection, manifest)
        self._ensure_storage()
        kube_proxy, coredns = self.service_daemons()
        self._start(
            kube_proxy,
            lambda: http_ok(f"http://127.0.0.1:{KUBE_PROXY_HEALTHZ_PORT}/healthz"),
            "kube-proxy serving Services",
        )
        self._start(
            coredns, lambda: http_ok(f"http://127.0.0.1:{COREDNS_READY_PORT}/ready"), "cluster DNS ready"
        )

    def _start_node(self, node: NodeLayout, archives: list[Path]) -> None:
        containerd, kubelet = self.node_daemons(node)
        socket = str(node.containerd_socket)
        self._start(
            containerd,
            lambda: (
                node.containerd_socket.exists() and host.succeeds(["ctr", "--address", socket, "version"])
            ),
            f"containerd of {node.name} serving",
        )
        self._load_images(node, archives)
        teardown.ensure_cgroup_root(node.cgroup_root)
        self._start(
            kubelet,
            lambda: http_ok(f"http://127.0.0.1:{node.kubelet_healthz_port}/healthz"),
            f"kubelet of {node.name} healthy",
        )

    def _load_images(self, node: NodeLayout, archives: list[Path]) -> None:
        for archive in archives:
            self.progress(f"loading image {archive.name} into {node.name}")
            ctr = ["ctr", "--address", str(node.containerd_socket), "-n", "k8s.io"]
            host.run([*ctr, "images", "import", str(archive)])

    def _preload_missing_images(self) -> None:
        """A running cluster started by an older podchaos may lack images this one preloads."""
        for node in self.layout.nodes:
            ctr = ["ctr", "--address", str(node.containerd_socket), "-n", "k8s.io"]
            present = set(host.run([*ctr, "images", "ls", "-q"]).split())
            if set(images.PRELOADED) <= present:
                continue
            build.ensure_all(self.layout, self.progress)
            archives = images.write_archives(
                self.layout.images, self.layout.bin / "pause" / "pause", self.layout.traffic_binary
            )
            missing = [a for a in archives if not set(images.archive_references(a)) <= present]
            self._load_images(node, missing)

    def _wait_nodes_ready(self, timeout: float = START_TIMEOUT) -> None:
        admin = self.admin()
        wanted = {node.name for node in self.layout.nodes}
        self.progress(f"waiting for nodes {', '.join(sorted(wanted))} to be Ready")

        def probe() -> bool | None:
            for daemon in self._daemons_before_services():
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

    # --- down --------------------------------------------------------------------------------
    def down(self, purge_data: bool = False) -> None:
        """Stop every daemon and container, remove mounts, namespaces, devices and cgroups.

        ``purge_data`` also removes etcd data, node directories and every PersistentVolume's data
        (certificates are kept).
        """
        host.check_platform()
        with self._exclusive("cluster down"):
            self._follow_recorded()
            self._down(purge_data)

    def _down(self, purge_data: bool) -> None:
        for daemon in reversed(self.service_daemons()):
            daemon.stop()
            # One whose pid file went with an older podchaos's down still holds its ports: it is
            # found by its configuration file, which only this cluster's daemon is given.
            teardown.kill_all(pids_matching([daemon.argv[0], daemon.argv[1]]))
        for node in self.layout.nodes:
            _containerd, kubelet = self.node_daemons(node)
            kubelet.stop()
            teardown.kill_node_workloads(node)
        for node in self.layout.nodes:
            containerd, _kubelet = self.node_daemons(node)
            containerd.stop()
            teardown.clean_node(node)
        for daemon in reversed(self.control_plane()):
            daemon.stop()
        teardown.remove_kubelet_chains()
        network.remove(self.layout, proxy_running=teardown.process_running("kube-proxy"))
        # The cluster's routes go with the device.
        host.delete_link(ADDRESS_DEVICE)
        teardown.unmount_all(self.layout.run)
        shutil.rmtree(self.layout.run, ignore_errors=True)
        if purge_data:
            shutil.rmtree(self.layout.etcd_data, ignore_errors=True)
            # The PersistentVolumes' data goes with the objects that described them.
            storage.remove_volumes(self.layout, unmount=teardown.unmount_all)
            for node in self.layout.nodes:
                teardown.unmount_all(node.dir)
                shutil.rmtree(node.dir, ignore_errors=True)
