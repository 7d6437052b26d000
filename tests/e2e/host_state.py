"""A snapshot of what a kind cluster must leave on this host as it found it: cgroup hierarchies and
the cgroup mounts' options, global sysctls, nftables tables and iptables rules, network devices and
mounts. Two snapshots are compared line by line."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

# Global (not per network namespace) sysctls a node's systemd or kubelet would write, and the
# switches the embedded cluster and kind's images care about.
SYSCTLS = (
    "kernel/pid_max",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "fs/inotify/max_user_watches",
    "fs/inotify/max_user_instances",
    "net/ipv4/ip_forward",
    "net/bridge/bridge-nf-call-iptables",
    "net/ipv4/conf/all/route_localnet",
    "net/ipv4/conf/all/rp_filter",
    "net/ipv4/conf/all/arp_ignore",
)


def _run(argv: list[str]) -> list[str]:
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    return completed.stdout.splitlines()


def _mountinfo() -> list[list[str]]:
    return [line.split() for line in Path("/proc/self/mountinfo").read_text().splitlines()]


@dataclass(frozen=True)
class HostState:
    """One snapshot, section by section."""

    sections: dict[str, tuple[str, ...]]

    @classmethod
    def take(
        cls, ignore_mounts_under: tuple[str, ...] = (), ignore_devices: tuple[str, ...] = ()
    ) -> HostState:
        """``ignore_*``: prefixes of mount points and device names others churn meanwhile (the
        embedded cluster's pods)."""
        cgroups = [" ".join(line.split()[:2]) for line in Path("/proc/cgroups").read_text().splitlines()]
        mounts = _mountinfo()
        cgroup_mounts = sorted(
            f"{fields[4]} {fields[-1]}"
            for fields in mounts
            if fields[fields.index("-") + 1] in {"cgroup", "cgroup2"}
        )
        sysctls = []
        for key in SYSCTLS:
            path = Path("/proc/sys") / key
            sysctls.append(f"{key} {path.read_text().strip() if path.exists() else '(absent)'}")
        iptables = [
            line.split("[")[0] if line.startswith(":") else line
            for line in _run(["iptables-save"])
            if not line.startswith("#")
        ]
        links = sorted(
            name
            for name in (line.split(":")[1].strip().split("@")[0] for line in _run(["ip", "-o", "link"]))
            if not name.startswith(ignore_devices)
        )
        mount_points = sorted(
            {
                fields[4]
                for fields in mounts
                if not any(fields[4].startswith(prefix) for prefix in ignore_mounts_under)
            }
        )
        return cls(
            {
                "cgroup hierarchies": tuple(cgroups),
                "cgroup mounts": tuple(cgroup_mounts),
                "sysctls": tuple(sysctls),
                "nftables tables": tuple(_run(["nft", "list", "tables"])),
                "iptables rules": tuple(iptables),
                "network devices": tuple(links),
                "mounts": tuple(mount_points),
            }
        )

    def differences(self, later: HostState) -> list[str]:
        """What changed from this snapshot to ``later``, one line per added or removed entry."""
        changes = []
        for name, before in self.sections.items():
            after = later.sections.get(name, ())
            changes += [f"{name}: gone: {line}" for line in before if line not in after]
            changes += [f"{name}: new: {line}" for line in after if line not in before]
        return changes
