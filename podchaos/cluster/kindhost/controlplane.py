"""The control-plane images of a kind node, from the binaries the project builds: kube-apiserver,
kube-controller-manager, kube-scheduler and kube-proxy (one image holding the one ``kube`` binary,
tagged four times), etcd, CoreDNS and pause, each tagged as ``kubeadm config images list`` names it.

kube-proxy needs ``nft`` (nftables mode) or ``iptables`` (iptables mode, kind's default): the image
carries both from the node rootfs, with the shared libraries they load.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local import images
from podchaos.cluster.local.images import ImageFile
from podchaos.errors import ClusterSetupError

KUBE_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
XTABLES = "/usr/sbin/xtables-legacy-multi"
IPTABLES_COMMANDS = (
    "iptables",
    "iptables-save",
    "iptables-restore",
    "ip6tables",
    "ip6tables-save",
    "ip6tables-restore",
)


@dataclass(frozen=True)
class ImageNames:
    """The references kubeadm of one release expects, by component."""

    by_component: dict[str, str]

    def get(self, component: str) -> str:
        try:
            return self.by_component[component]
        except KeyError:
            raise ClusterSetupError(
                f"kubeadm config images list names no {component} image: {sorted(self.by_component)}"
            ) from None


def image_names(kubeadm: Path, kubernetes_version: str) -> ImageNames:
    """``kubeadm config images list`` of the release, keyed by the image's last path element
    (``kube-apiserver``, ``etcd``, ``coredns``, ``pause``)."""
    listed = subprocess.run(
        [str(kubeadm), "kubeadm", "config", "images", "list", "--kubernetes-version", kubernetes_version],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if listed.returncode != 0:
        raise ClusterSetupError(f"kubeadm config images list failed: {listed.stderr.strip()}")
    names = {}
    for line in listed.stdout.split():
        names[line.rsplit("/", 1)[-1].split(":", 1)[0]] = line
    return ImageNames(names)


def library_closure(root: Path, program: str) -> list[str]:
    """``program`` and the shared libraries it loads, as paths inside ``root`` (ldd in a chroot)."""
    listed = subprocess.run(
        ["chroot", str(root), "ldd", program], capture_output=True, text=True, timeout=60, check=False
    )
    if listed.returncode != 0:
        raise ClusterSetupError(f"ldd {program} in {root} failed: {listed.stderr.strip()}")
    paths = [program]
    for line in listed.stdout.splitlines():
        parts = line.split()
        candidates = [part for part in parts if part.startswith("/")]
        if candidates:
            paths.append(candidates[0])
    return paths


def _files_from_root(root: Path, paths: list[str]) -> list[ImageFile]:
    files = []
    for path in paths:
        real = (root / path.lstrip("/")).resolve()
        # Resolve symbolic links inside root (the rootfs's /lib is a link to usr/lib).
        if not real.is_relative_to(root.resolve()):
            real = root / real.relative_to("/")
        files.append(ImageFile(path.lstrip("/"), real.read_bytes(), 0o755))
    return files


def netfilter_paths(root: Path) -> list[str]:
    """nft, the legacy iptables commands' program with its extension modules (loaded with dlopen, so
    ldd does not list them), and every shared library they load: what kube-proxy runs in either mode."""
    programs = ["/usr/sbin/nft", XTABLES]
    programs += ["/" + str(path.relative_to(root)) for path in sorted(root.glob("usr/lib/*/xtables/*.so"))]
    paths: dict[str, None] = {}
    for program in programs:
        for path in library_closure(root, program):
            paths[path] = None
    return list(paths)


def kube_archive(kube: Path, names: ImageNames, root: Path) -> bytes:
    """One image with the ``kube`` binary in /usr/local/bin under every component's name, and the
    netfilter commands kube-proxy calls (nftables mode: nft; iptables mode: legacy iptables)."""
    links = {f"usr/local/bin/{name}": "kube" for name in KUBE_COMPONENTS}
    links |= {f"usr/sbin/{command}": Path(XTABLES).name for command in IPTABLES_COMMANDS}
    files = [ImageFile("usr/local/bin/kube", kube.read_bytes(), 0o755)]
    files += _files_from_root(root, netfilter_paths(root))
    files.append(ImageFile("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"))
    dirs = sorted(
        {"tmp", "proc", "sys", "dev", "run", "var", "etc", "usr", "usr/local", "usr/local/bin", "usr/sbin"}
        | {str(Path(item.path).parent) for item in files if str(Path(item.path).parent) != "."}
    )
    layer = images.layer_tar(dirs, files, links)
    references = [names.get(name) for name in KUBE_COMPONENTS]
    return images.docker_archive(references[0], layer, [], [], also=tuple(references[1:]))


def etcd_archive(etcd: Path, names: ImageNames) -> bytes:
    """etcd in /usr/local/bin (kubeadm's static pod runs the command ``etcd``)."""
    layer = images.layer_tar(
        ["tmp", "proc", "sys", "dev", "var", "usr", "usr/local", "usr/local/bin"],
        [ImageFile("usr/local/bin/etcd", etcd.read_bytes(), 0o755)],
        {},
    )
    return images.docker_archive(names.get("etcd"), layer, [], [])


def coredns_archive(coredns: Path, names: ImageNames) -> bytes:
    """CoreDNS as ``/coredns``, the entrypoint kubeadm's Deployment gives arguments to."""
    layer = images.layer_tar(
        ["tmp", "proc", "sys", "dev", "etc"], [ImageFile("coredns", coredns.read_bytes(), 0o755)], {}
    )
    return images.docker_archive(names.get("coredns"), layer, ["/coredns"], [])


def pause_archive(pause: Path, names: ImageNames, also: tuple[str, ...]) -> bytes:
    """Our pause, tagged as kubeadm's pause and as the sandbox images the node's containerd names."""
    layer = images.layer_tar(["proc", "sys", "dev"], [ImageFile("pause", pause.read_bytes(), 0o755)], {})
    return images.docker_archive(names.get("pause"), layer, ["/pause"], [], also=also)
