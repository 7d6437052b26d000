"""The Debian bookworm root filesystem of kind nodes built here, from Debian packages (mmdebstrap).

What kind's ``images/base`` Dockerfile installs, less what these nodes never use (NFS, iSCSI,
fuse-overlayfs for rootless, curl): systemd, the netfilter tools the entrypoint and kube-proxy call,
runc and the CNI plugins. Bookworm on purpose: its systemd 252 still runs on cgroup v1 hosts without
extra flags. Cached by the package list; built once per machine.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from podchaos.errors import ClusterSetupError

Progress = Callable[[str], None]

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "conntrack",
    "iptables",
    "nftables",
    "iproute2",
    "ethtool",
    "util-linux",
    "mount",
    "kmod",
    "libseccomp2",
    "pigz",
    "bash",
    "ca-certificates",
    "procps",
    # kind's mount-product-files.sh hook (every container of the node) calls jq
    "jq",
    "runc",
    "containernetworking-plugins",
    "e2fsprogs",
)
BUILD_TIMEOUT_S = 30 * 60.0


def rootfs_key() -> str:
    return hashlib.sha256(f"{SUITE} {MIRROR} {' '.join(PACKAGES)}".encode()).hexdigest()[:12]


def ensure_rootfs(cache: Path, progress: Progress) -> Path:
    """The rootfs tar, built with mmdebstrap unless cached (a few minutes, mostly downloads)."""
    target = cache / f"rootfs-{SUITE}-{rootfs_key()}.tar"
    if target.exists():
        return target
    mmdebstrap = shutil.which("mmdebstrap")
    if mmdebstrap is None:
        progress("installing mmdebstrap (Debian package) to build the kind node's root filesystem")
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "mmdebstrap"],
            check=False,
            capture_output=True,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        mmdebstrap = shutil.which("mmdebstrap")
        if mmdebstrap is None:
            raise ClusterSetupError(
                "mmdebstrap is needed to build the kind node image: apt-get install mmdebstrap"
            )
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    log = target.with_suffix(".log")
    started = time.monotonic()
    progress(f"building the {SUITE} root filesystem of kind nodes with mmdebstrap (log: {log})")
    argv = [
        mmdebstrap,
        "--variant=minbase",
        "--mode=root",
        "--format=tar",
        f"--include={','.join(PACKAGES)}",
        SUITE,
        str(partial),
        MIRROR,
    ]
    with log.open("w") as log_file:
        try:
            completed = subprocess.run(
                argv, stdout=log_file, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise ClusterSetupError(
                f"mmdebstrap did not finish in {BUILD_TIMEOUT_S:.0f}s (log: {log})"
            ) from None
    if completed.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise ClusterSetupError(f"mmdebstrap failed (log: {log}):\n{tail}")
    partial.replace(target)
    for old in cache.glob(f"rootfs-{SUITE}-*.tar"):
        if old != target:
            old.unlink()
    progress(f"built {target} in {(time.monotonic() - started) / 60:.1f} min")
    return target
