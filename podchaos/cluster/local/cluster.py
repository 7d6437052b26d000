"""Bring the embedded local cluster up, report on it, and take it down.

``up`` is idempotent: a healthy cluster is left as it is, and a node that is only slow to report
Ready is given time. Anything else (a killed run's stale processes, mounts, namespaces, devices) is
cleaned away and the daemons started again on the data they had, like machines that rebooted: the
objects in etcd, and so the other sessions' namespaces, survive a crashed kubelet. Only when that
restart fails, or the data belongs to other component versions, is the data purged and the cluster
started empty. Certificates are always kept, so existing kubeconfigs stay valid.

Its parts live beside this module: the processes in ``daemons``, the files they read in ``files``,
the preloaded images in ``preload``, what it reports in ``status``.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path

from podchaos.cluster.local import (
    admission,
    build,
    components,
    config,
    files,
    host,
    network,
    preload,
    storage,
    teardown,
)
from podchaos.cluster.local.apiclient import AdminClient, NodeState, http_ok
from podchaos.cluster.local.daemons import Daemons, admin_client, required_ports
from podchaos.cluster.local.layout import (
    ADDRESS_DEVICE,
    CONTROL_PLANE_IP,
    CONTROLLER_MANAGER_PORT,
    DNS_IP,
    SCHEDULER_PORT,
    Layout,
    NodeLayout,
)
from podchaos.cluster.local.pki import CertificateAuthority
from podchaos.cluster.local.process import pids_matching
from podchaos.cluster.local.status import (
    ComponentStatus,
    LocalStatus,
    data_version,
    recorded_kubernetes_version,
)
from podchaos.cluster.local.versions import resolve_kubernetes_version
from podchaos.cluster.lock import exclusive
from podchaos.errors import ClusterSetupError, WaitTimeout

Progress = Callable[[str], None]

# A node whose daemons all run may be NotReady for a few seconds (a kubelet that just restarted).
NODE_READY_GRACE = 60.0


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

    def admin(self) -> AdminClient:
        return admin_client(self.layout)

    def _daemons(self) -> Daemons:
        """The daemons of the release the layout names now (``_follow_recorded`` may change it)."""
        return Daemons(self.layout, self.progress)

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
        daemons = tuple(ComponentStatus(d.name, d.pid(), d.log_file) for d in self._daemons().all())
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
        return [daemon.name for daemon in self._daemons().all()]

    def restart(self, name: str, down_for: float = 0.0) -> LocalStatus:
        """Stop one running component, keep it stopped ``down_for`` seconds, start it again with the
        same command line and wait until it serves; returns the status.

        An outage of one part, as a rollout or a crash would cause: the rest keeps running, the data
        stays, and the pid file names the new process (``status`` stays true throughout).
        """
        host.check_platform()
        daemons = {daemon.name: daemon for daemon in self._daemons().all()}
        if name not in daemons:
            raise ClusterSetupError(f"no component {name!r}; components: {', '.join(daemons)}")
        with self._exclusive(f"cluster restart {name}"):
            self._follow_recorded()
            # The daemon of the release running now, whose binary is the one to start again.
            daemon = {d.name: d for d in self._daemons().all()}[name]
            if not daemon.running():
                raise ClusterSetupError(
                    f"{name} is not running: bring the cluster up first (podchaos cluster up)"
                )
            self.progress(f"stopping {name}")
            daemon.stop()
            if down_for > 0:
                self.progress(f"{name} stays stopped for {down_for:g}s")
                time.sleep(down_for)
            self._daemons().start_serving(daemon)
        return self.status()

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
            preload.load_missing(self.layout, self.progress)
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
        host.check_ports_free(required_ports(self.layout))
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
        for daemon in self._daemons().control_plane()[2:]:
            argv = daemon.running_argv()
            # Flags only: the binary's path depends on the session's build cache (a test session
            # with another HOME), and a running binary of this version is as good as a cached one.
            if argv is not None and tuple(argv[1:]) != tuple(daemon.argv[1:]):
                self.progress(f"restarting {daemon.name}: its command line changed")
                daemon.stop()
                health = f"https://127.0.0.1:{ports[daemon.name]}/healthz"
                self._daemons().start(daemon, partial(http_ok, health), f"{daemon.name} healthy")
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
        self._daemons().start_serving(daemon)

    def _ensure_storage(self) -> None:
        """The provisioner's volume directory under the state directory, and the default StorageClass."""
        said = storage.ensure_volume_dir(self.layout)
        if said:
            self.progress(said)
        self.admin().apply(*storage.storage_class())
        admission.install_runner_policy(self.admin())  # not storage, but run on every up as storage is

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
            self._daemons().wait_nodes_ready(NODE_READY_GRACE)
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
        daemons = self._daemons()
        files.prepare_files(self.layout, self.ca)
        host.ensure_address_device(
            ADDRESS_DEVICE, [CONTROL_PLANE_IP, DNS_IP, *(node.ip for node in self.layout.nodes)]
        )
        network.ensure(self.layout)
        daemons.start_control_plane()
        self._data_version_file.write_text(data_version(self.layout.kubernetes_version) + "\n")
        archives = preload.write_archives(self.layout)
        for node in self.layout.nodes:
            daemons.start_node(node, partial(preload.load, archives=archives, progress=self.progress))
        daemons.wait_nodes_ready()
        # kube-proxy and CoreDNS once the nodes they serve are registered.
        admin = self.admin()
        for collection, manifest in files.coredns_access():
            admin.apply(collection, manifest)
        self._ensure_storage()
        daemons.start_services()
        self.progress(
            f"local cluster up in {time.monotonic() - started:.1f}s; kubeconfig: {self.layout.kubeconfig}"
        )
        return self.status()

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
        daemons = self._daemons()
        for daemon in reversed(daemons.services()):
            daemon.stop()
            # One whose pid file went with an older podchaos's down still holds its ports: it is
            # found by its configuration file, which only this cluster's daemon is given.
            teardown.kill_all(pids_matching([daemon.argv[0], daemon.argv[1]]))
        for node in self.layout.nodes:
            _containerd, kubelet = daemons.node(node)
            kubelet.stop()
            teardown.kill_node_workloads(node)
        for node in self.layout.nodes:
            containerd, _kubelet = daemons.node(node)
            containerd.stop()
            teardown.clean_node(node)
        for daemon in reversed(daemons.control_plane()):
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
