"""What the local cluster needs from this machine, checked (and installed) before anything starts."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from collections.abc import Sequence

from podchaos.errors import ClusterSetupError

# Debian packages the local cluster runs on; `podchaos cluster up` installs the missing ones.
DEBIAN_PACKAGES = {
    "containerd": "/usr/bin/containerd",
    "runc": "/usr/sbin/runc",
    "containernetworking-plugins": "/usr/lib/cni/bridge",
    "busybox-static": "/bin/busybox",
    "iptables": "/usr/sbin/iptables",
    "iproute2": "/usr/sbin/ip",
    "util-linux": "/usr/bin/nsenter",
    "mount": "/usr/bin/mount",
    "conntrack": "/usr/sbin/conntrack",
}

CAP_SYS_ADMIN = 21
CAP_NET_ADMIN = 12


def run(argv: Sequence[str], *, check: bool = True, input_text: str | None = None) -> str:
    """Run a host command; a failure becomes a ClusterSetupError that says what ran and what it printed."""
    try:
        result = subprocess.run(list(argv), capture_output=True, text=True, input=input_text, check=False)
    except FileNotFoundError as exc:
        raise ClusterSetupError(f"{argv[0]} is not installed") from exc
    if check and result.returncode != 0:
        raise ClusterSetupError(
            f"`{' '.join(argv)}` failed (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result.stdout


def succeeds(argv: Sequence[str]) -> bool:
    """True when a host command exits 0."""
    try:
        return subprocess.run(list(argv), capture_output=True, check=False).returncode == 0
    except FileNotFoundError:
        return False


def check_platform() -> None:
    """Linux, root, and the capabilities a kubelet and containerd need."""
    if platform.system() != "Linux":
        raise ClusterSetupError(f"the local cluster runs on Linux only (this is {platform.system()})")
    if os.geteuid() != 0:
        raise ClusterSetupError("the local cluster needs root (it runs kubelet, containerd and runc)")
    effective = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("CapEff:"):
                effective = int(line.split()[1], 16)
    for cap, name in ((CAP_SYS_ADMIN, "CAP_SYS_ADMIN"), (CAP_NET_ADMIN, "CAP_NET_ADMIN")):
        if not effective & (1 << cap):
            raise ClusterSetupError(f"the local cluster needs {name} (mounts, network devices)")
    if not os.path.isdir("/sys/fs/cgroup/memory") and not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        raise ClusterSetupError("no memory cgroup found under /sys/fs/cgroup")


def missing_packages() -> list[str]:
    """Debian packages whose files are absent."""
    return [package for package, path in DEBIAN_PACKAGES.items() if not os.path.exists(path)]


def ensure_packages(progress: object = None) -> list[str]:
    """Install the missing Debian packages with apt-get; returns what was installed."""
    missing = missing_packages()
    if not missing:
        return []
    if shutil.which("apt-get") is None:
        raise ClusterSetupError(f"missing packages {', '.join(missing)} and no apt-get to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            raise ClusterSetupError(f"`{' '.join(argv)}` failed: {result.stderr.strip()[-1500:]}")
    return missing


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def ensure_address_device(name: str, addresses: Sequence[str]) -> None:
    """A port-less bridge carrying the control-plane and node addresses (idempotent).

    A bridge rather than a dummy device: some kernels (this sandbox's among them) lack the dummy
    driver, and a bridge with no ports holds local addresses just as well.
    """
    if run(["ip", "-o", "link", "show", name], check=False).strip() == "":
        run(["ip", "link", "add", name, "type", "bridge"])
    present = run(["ip", "-o", "-4", "addr", "show", "dev", name])
    for address in addresses:
        if f" {address}/" not in present:
            run(["ip", "addr", "add", f"{address}/32", "dev", name])
    run(["ip", "link", "set", name, "up"])


def delete_link(name: str) -> None:
    """Remove a network device if it exists."""
    if run(["ip", "-o", "link", "show", name], check=False).strip():
        run(["ip", "link", "delete", name])
