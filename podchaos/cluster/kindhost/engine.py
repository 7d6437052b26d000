"""A container engine for kind where no Docker answers: kind's nerdctl provider on a containerd v2
that podchaos owns, with its own root, state directory, socket, namespace and CNI configuration.

The kind network is a CNI bridge of its own name and subnet (``pckind0``, ``10.253.0.0/24``, apart
from the embedded cluster's 10.250.0.0/24, 10.251.0.0/16 and 10.252.0.0/24) without masquerading,
port mapping or firewall plugins, so no rule is added to the host's tables. The host holds the
bridge's first address, so it reaches the nodes; the nodes get no default route, so nothing in them
reaches any other address. ``stop`` removes the bridge, the engine's mounts and cgroups.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from podchaos.cluster.kindhost.tools import KindTools
from podchaos.cluster.local import host, teardown
from podchaos.cluster.local.process import Daemon
from podchaos.errors import ClusterSetupError, WaitTimeout
from podchaos.k8s.waiting import wait_for

Progress = Callable[[str], None]

NETWORK_NAME = "kind"  # the name kind's nerdctl provider uses (fixedNetworkName)
BRIDGE = "pckind0"
SUBNET = "10.253.0.0/24"
HOST_ADDRESS = "10.253.0.1"
NAMESPACE = "podchaos-kind"
CGROUP_BASE = Path("/sys/fs/cgroup")
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class EngineLayout:
    """Where the engine keeps its data (``base``) and its runtime state (``run``)."""

    base: Path = Path("/var/lib/podchaos-kind")
    run: Path = Path("/run/podchaos-kind")

    @property
    def socket(self) -> Path:
        return self.run / "containerd" / "containerd.sock"

    @property
    def containerd_config(self) -> Path:
        return self.base / "containerd.toml"

    @property
    def nerdctl_toml(self) -> Path:
        return self.base / "nerdctl.toml"

    @property
    def netconf_dir(self) -> Path:
        return self.base / "cni"

    @property
    def volumes(self) -> Path:
        """Host directory mounted on every node at the hostPath provisioner's path."""
        return self.base / "volumes"


def containerd_config(layout: EngineLayout) -> str:
    """containerd v2 without its CRI plugins (nothing but nerdctl talks to it)."""
    return f"""version = 3
root = "{layout.base / "containerd"}"
state = "{layout.run / "containerd"}"
disabled_plugins = [
  "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"
]

[grpc]
  address = "{layout.socket}"

[ttrpc]
  address = "{layout.socket}.ttrpc"
"""


def nerdctl_toml(layout: EngineLayout) -> str:
    return f"""address = "unix://{layout.socket}"
namespace = "{NAMESPACE}"
data_root = "{layout.base / "nerdctl"}"
cni_path = "/usr/lib/cni"
cni_netconfpath = "{layout.netconf_dir}"
cgroup_manager = "cgroupfs"
"""


def network_conflist() -> str:
    """The kind network: a plain bridge, addresses from host-local, no gateway route in the nodes."""
    return json.dumps(
        {
            "cniVersion": "1.0.0",
            "name": NETWORK_NAME,
            "nerdctlID": "0" * 63 + "1",
            "nerdctlLabels": {"app.kubernetes.io/managed-by": "podchaos"},
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": BRIDGE,
                    "isGateway": False,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": SUBNET, "rangeStart": "10.253.0.2"}]],
                        "routes": [],
                    },
                }
            ],
        },
        indent=2,
    )


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class Engine:
    """podchaos's containerd for kind's nerdctl provider: started, and stopped, by podchaos."""

    tools: KindTools
    layout: EngineLayout = field(default_factory=EngineLayout)
    progress: Progress = _quiet

    def daemon(self) -> Daemon:
        return Daemon(
            "kind-containerd",
            (str(self.tools.containerd_dir / "containerd"), "--config", str(self.layout.containerd_config)),
            self.layout.run / "containerd.pid",
            self.layout.base / "containerd.log",
            env={"PATH": self.path()},
        )

    def path(self) -> str:
        entries = [str(p) for p in self.tools.path_entries()]
        return os.pathsep.join([*entries, os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")])

    def environment(self) -> dict[str, str]:
        """What kind (and nerdctl) need in their environment to use this engine."""
        return {
            "PATH": self.path(),
            "KIND_EXPERIMENTAL_PROVIDER": "nerdctl",
            "NERDCTL_TOML": str(self.layout.nerdctl_toml),
        }

    def nerdctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [str(self.tools.nerdctl), *args],
            env={**os.environ, **self.environment()},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if check and completed.returncode != 0:
            raise ClusterSetupError(f"nerdctl {' '.join(args)} failed: {completed.stderr.strip()[-1500:]}")
        return completed

    def start(self) -> None:
        """Start containerd (unless it runs) with the network and configuration in place."""
        layout = self.layout
        for directory in (layout.base, layout.run, layout.netconf_dir, layout.volumes):
            directory.mkdir(parents=True, exist_ok=True)
        layout.containerd_config.write_text(containerd_config(layout))
        layout.nerdctl_toml.write_text(nerdctl_toml(layout))
        (layout.netconf_dir / f"nerdctl-{NETWORK_NAME}.conflist").write_text(network_conflist())
        self._ensure_bridge()
        daemon = self.daemon()
        if daemon.running():
            return
        self.progress("starting podchaos's containerd for kind")
        daemon.start()

        def serving() -> bool | None:
            if not daemon.running():
                raise ClusterSetupError(f"containerd for kind exited; last lines:\n{daemon.log_tail()}")
            return True if self.nerdctl("version", check=False).returncode == 0 else None

        try:
            wait_for("containerd for kind serving", serving, START_TIMEOUT, interval=0.5)
        except WaitTimeout as exc:
            raise ClusterSetupError(f"{exc}; last lines:\n{daemon.log_tail()}") from exc

    def _ensure_bridge(self) -> None:
        """The bridge with the host's address on it; the CNI bridge plugin attaches the nodes."""
        if not Path(f"/sys/class/net/{BRIDGE}").exists():
            host.run(["ip", "link", "add", BRIDGE, "type", "bridge"])
        addresses = host.run(["ip", "-4", "-o", "addr", "show", "dev", BRIDGE])
        if f" {HOST_ADDRESS}/" not in addresses:
            host.run(["ip", "addr", "add", f"{HOST_ADDRESS}/24", "dev", BRIDGE])
        host.run(["ip", "link", "set", BRIDGE, "up"])

    def image_loaded(self, reference: str) -> bool:
        return self.nerdctl("image", "inspect", reference, check=False).returncode == 0

    def load_image(self, archive: Path, reference: str) -> None:
        """``nerdctl load`` the node image unless the engine has that reference already."""
        if self.image_loaded(reference):
            return
        self.progress(f"loading {archive.name} into podchaos's containerd")
        self.nerdctl("load", "-i", str(archive))

    def remove_images_except(self, repository: str, keep: str) -> None:
        """Remove older builds of the node image (each is most of a gigabyte)."""
        listed = self.nerdctl("images", "--format", "{{.Repository}}:{{.Tag}}", check=False)
        for reference in listed.stdout.split():
            if reference.startswith(f"{repository}:") and reference != keep:
                self.nerdctl("rmi", reference, check=False)

    def containers(self) -> list[str]:
        listed = self.nerdctl("ps", "-a", "-q", check=False)
        return listed.stdout.split() if listed.returncode == 0 else []

    def stop(self, remove_data: bool = False) -> None:
        """Stop containerd and remove what it left on the host: the bridge, mounts, cgroups.

        Refuses while containers exist (delete the kind clusters first). ``remove_data`` also removes
        images and volumes.
        """
        daemon = self.daemon()
        if daemon.running() and self.containers():
            raise ClusterSetupError(
                f"podchaos's containerd for kind still has containers: {' '.join(self.containers())}"
            )
        daemon.stop()
        # Shims of deleted containers have exited; any left belong to this engine's state directory.
        teardown.unmount_all(self.layout.run)
        shutil.rmtree(self.layout.run, ignore_errors=True)
        host.delete_link(BRIDGE)
        for cgroup in sorted(CGROUP_BASE.glob(f"*/{NAMESPACE}"), reverse=True):
            with contextlib.suppress(OSError):
                cgroup.rmdir()
        if remove_data:
            teardown.unmount_all(self.layout.base)
            shutil.rmtree(self.layout.base, ignore_errors=True)
