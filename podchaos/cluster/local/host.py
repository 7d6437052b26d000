"""What the local cluster needs from this machine, checked (and installed) before anything starts."""

from __future__ import annotations

import errno
import os
import platform
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from podchaos.errors import ClusterSetupError

# Debian packages the local cluster runs on; `podchaos cluster up` installs the missing ones.
DEBIAN_PACKAGES = {
    "containerd": "/usr/bin/containerd",
    "runc": "/usr/sbin/runc",
    "containernetworking-plugins": "/usr/lib/cni/bridge",
    "busybox-static": "/bin/busybox",
    "iptables": "/usr/sbin/iptables",
    # kube-proxy's nftables mode programs Services through the nft command.
    "nftables": "/usr/sbin/nft",
    "iproute2": "/usr/sbin/ip",
    "util-linux": "/usr/bin/nsenter",
    "mount": "/usr/bin/mount",
    "conntrack": "/usr/sbin/conntrack",
}

# Capability bits (linux/capability.h) the cluster cannot start without, and what each is for.
CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21
REQUIRED_CAPABILITIES = {
    CAP_SYS_ADMIN: ("CAP_SYS_ADMIN", "mounts, cgroups and namespaces"),
    CAP_NET_ADMIN: ("CAP_NET_ADMIN", "network devices, addresses and pod network namespaces"),
}
PROC = Path("/proc")
CGROUP_BASE = Path("/sys/fs/cgroup")
# The alternative the errors suggest when this machine cannot run the local cluster.
ELSEWHERE = (
    "or run against an existing cluster instead "
    "(pytest --podchaos-kubeconfig PATH, or --podchaos-cluster=kind)"
)


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


def effective_capabilities(status_file: Path = PROC / "self" / "status") -> int:
    """The effective capability mask (``CapEff``) of this process."""
    try:
        text = status_file.read_text(encoding="ascii")
    except OSError as exc:
        raise ClusterSetupError(
            f"cannot read {status_file} to check this process's capabilities: {exc}"
        ) from exc
    for line in text.splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    raise ClusterSetupError(f"{status_file} has no CapEff line: cannot check this process's capabilities")


def check_platform(
    *,
    system: str | None = None,
    euid: int | None = None,
    capabilities: int | None = None,
    cgroup_base: Path = CGROUP_BASE,
) -> None:
    """Linux, root, the capabilities a kubelet and containerd need, and a memory cgroup.

    Each input defaults to this machine's and is read only once the checks before it passed (so a
    non-Linux machine is never asked for ``/proc``); tests pass their own.
    """
    system = platform.system() if system is None else system
    if system != "Linux":
        raise ClusterSetupError(
            f"the embedded local cluster runs on Linux only (this machine runs {system}); "
            f"use a Linux machine, {ELSEWHERE}"
        )
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        raise ClusterSetupError(
            f"the embedded local cluster needs root (this process runs as uid {euid}): it starts kubelet, "
            f"containerd and runc and creates mounts and network devices; run it as root (e.g. `sudo "
            f"podchaos cluster up`, or pytest under sudo), {ELSEWHERE}"
        )
    capabilities = effective_capabilities() if capabilities is None else capabilities
    missing = [needed for bit, needed in REQUIRED_CAPABILITIES.items() if not capabilities & (1 << bit)]
    if missing:
        names = " and ".join(name for name, _why in missing)
        uses = "; ".join(f"{name} for {why}" for name, why in missing)
        raise ClusterSetupError(
            f"the embedded local cluster needs {names}, which this root process lacks "
            f"(effective capabilities {capabilities:#x}; {uses}); run it with full root privileges, "
            f"e.g. in a container started with --privileged, {ELSEWHERE}"
        )
    if not (cgroup_base / "memory").is_dir() and not (cgroup_base / "cgroup.controllers").exists():
        raise ClusterSetupError(
            f"no memory cgroup found under {cgroup_base} (neither cgroup v1 memory nor cgroup v2): "
            f"mount the cgroup filesystem there, {ELSEWHERE}"
        )


def missing_packages() -> list[str]:
    """Debian packages whose files are absent."""
    return [package for package, path in DEBIAN_PACKAGES.items() if not os.path.exists(path)]


# apt-get on a slow mirror takes minutes; a wedged one must not hang a CI job for its 90 minutes.
APT_TIMEOUT_S = 20 * 60.0


def ensure_packages(progress: Callable[[str], None]) -> list[str]:
    """Install the missing Debian packages with apt-get; returns what was installed."""
    missing = missing_packages()
    if not missing:
        return []
    if shutil.which("apt-get") is None:
        raise ClusterSetupError(f"missing packages {', '.join(missing)} and no apt-get to install them")
    progress(f"installing Debian packages with apt-get: {', '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        try:
            result = subprocess.run(
                argv, capture_output=True, text=True, env=env, check=False, timeout=APT_TIMEOUT_S
            )
        except subprocess.TimeoutExpired as exc:
            raise ClusterSetupError(f"`{' '.join(argv)}` did not finish within {APT_TIMEOUT_S:.0f}s") from exc
        if result.returncode != 0:
            raise ClusterSetupError(f"`{' '.join(argv)}` failed: {result.stderr.strip()[-1500:]}")
    return missing


def port_in_use(host: str, port: int) -> bool:
    """True when something already has host:port (the probe ignores TIME_WAIT leftovers of a stopped run)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            # Anything else (an address missing here, no permission) is not "taken": say what it is.
            raise ClusterSetupError(f"cannot check whether {host}:{port} is free: {exc}") from exc
    return False


def port_holder(port: int, proc: Path = PROC) -> str | None:
    """Best effort: ``PID n (command)`` of a process holding a TCP socket on ``port``, else None.

    Finds the socket's inode in ``/proc/net/tcp{,6}``, then the process with that inode open; without
    root, other users' file descriptors are unreadable and the answer is None.
    """
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            # fields: sl, local "ADDR:PORT" (hex), remote, state, queues, ..., uid, timeout, inode
            if len(fields) > 9 and int(fields[1].rsplit(":", 1)[1], 16) == port and fields[9] != "0":
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            descriptors = list((entry / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue
            if target in inodes:
                try:
                    command = (entry / "comm").read_text().strip()
                except OSError:
                    command = "?"
                return f"PID {entry.name} ({command})"
    return None


def check_ports_free(wanted: Iterable[tuple[str, int, str]]) -> None:
    """Raise for the first (address, port, component) whose port something else already holds."""
    for address, port, user in wanted:
        if not port_in_use(address, port):
            continue
        holder = port_holder(port)
        held_by = f"held by {holder}" if holder else "held by another program"
        raise ClusterSetupError(
            f"port {port} on {address}, needed by {user}, is already in use ({held_by}); "
            "stop that program and retry"
        )


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
