"""The kind node image, built here and cached per Kubernetes release.

kind's ``images/base`` steps (its files from the ``sigs.k8s.io/kind`` module, the services it enables
and masks) on the bookworm rootfs, then what ``kind build node-image`` adds: kubeadm, kubelet and
kubectl, ``/kind/version``, the control-plane images under ``/kind/images``, the CNI and storage
manifests; and what podchaos adds (see ``nodefiles``): the host-safety entrypoint, the masked
``systemd-sysctl``, the image import and pod network units, and the toolbox, sandbox and traffic images.

The result is a docker-archive tar (one layer) that ``nerdctl load`` or ``docker load`` reads.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.kindhost import controlplane, nodefiles, rootfs
from podchaos.cluster.kindhost.tools import KindTools, kind_module_dir
from podchaos.cluster.local import images, preload
from podchaos.cluster.local.layout import Layout
from podchaos.errors import ClusterSetupError

Progress = Callable[[str], None]

IMAGE_REPOSITORY = "localhost/podchaos/kind-node"
# Changes when the image is assembled differently, so images built the old way are rebuilt.
RECIPE = 3
STORAGE_CLASS = "standard"
# podchaos's host-safety step, then kind's entrypoint, then systemd.
ENTRYPOINT = ["/usr/local/bin/podchaos-entrypoint", "/usr/local/bin/entrypoint", "/sbin/init"]
# Where the hostPath provisioner of the controller-manager puts volumes; podchaos mounts one host
# directory there on every node, so a volume follows its pod to another node.
VOLUMES_IN_NODE = "/tmp/hostpath_pv"

STORAGE_MANIFEST = f"""apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: {STORAGE_CLASS}
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
"""


@dataclass(frozen=True)
class NodeImage:
    """A built node image: its archive and its reference, which names the release and the build, so
    an engine holding an older build of the same release loads the new one."""

    archive: Path
    reference: str
    kubernetes_version: str


def node_image_reference(kubernetes_version: str, key: str) -> str:
    return f"{IMAGE_REPOSITORY}:{kubernetes_version}-{key}"


def _run(argv: list[str]) -> str:
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    if completed.returncode != 0:
        raise ClusterSetupError(f"{' '.join(argv)} failed: {completed.stderr.strip()[-1500:]}")
    return completed.stdout


def _inputs_key(paths: list[Path], extra: str) -> str:
    digest = hashlib.sha256(f"{extra} {RECIPE}".encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for text in (
        nodefiles.ENTRYPOINT,
        nodefiles.IMAGES_SERVICE,
        nodefiles.CNI_SCRIPT,
        nodefiles.CNI_SERVICE,
        nodefiles.KUBELET_DROP_IN,
        nodefiles.CNI_MANIFEST,
        STORAGE_MANIFEST,
    ):
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def _write(path: Path, text: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    path.chmod(mode)


def _copy_tree(source: Path, target: Path, mode: int) -> None:
    for item in sorted(source.rglob("*")):
        destination = target / item.relative_to(source)
        if item.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item, destination)
            destination.chmod(mode)


def apply_base_steps(root: Path, kind_dir: Path, tools: KindTools) -> None:
    """kind's images/base Dockerfile, step by step, on the rootfs in ``root``."""
    files = kind_dir / "images" / "base" / "files"
    _copy_tree(files / "usr" / "local" / "bin", root / "usr/local/bin", 0o755)
    _copy_tree(files / "kind", root / "kind", 0o644)
    _copy_tree(files / "kind" / "bin", root / "kind/bin", 0o755)
    _copy_tree(files / "etc", root / "etc", 0o644)
    for wants in ("multi-user.target.wants", "local-fs.target.wants", "basic.target.wants"):
        for unit in (root / "lib/systemd/system" / wants).glob("*"):
            unit.unlink()
    for unit in (root / "etc/systemd/system").glob("*.wants/*"):
        unit.unlink()
    for pattern in ("*udev*", "*initctl*"):
        for unit in (root / "lib/systemd/system/sockets.target.wants").glob(pattern):
            unit.unlink()
    for unit in (root / "lib/systemd/system/sysinit.target.wants").glob("systemd-tmpfiles-setup.service"):
        unit.unlink()
    with (root / "etc/systemd/journald.conf").open("a") as journald:
        journald.write("ReadKMsg=no\n")
    (root / "etc/kubernetes/manifests").mkdir(parents=True, exist_ok=True)
    for program in sorted(tools.containerd_dir.iterdir()):
        if program.is_file() and program.name in {"containerd", "containerd-shim-runc-v2", "ctr"}:
            _write(root / "usr/local/bin" / program.name, program.read_bytes(), 0o755)
    _write(root / "usr/local/bin/crictl", tools.crictl.read_bytes(), 0o755)
    spec = json.loads(_run([str(tools.containerd_dir / "ctr"), "oci", "spec"]))
    spec.setdefault("hooks", {}).setdefault("createContainer", []).append(
        {"path": "/kind/bin/mount-product-files.sh"}
    )
    spec["process"].pop("rlimits", None)
    _write(root / "etc/containerd/cri-base.json", json.dumps(spec, indent=2))
    cni = root / "opt/cni/bin"
    cni.mkdir(parents=True, exist_ok=True)
    for plugin in ("host-local", "loopback", "ptp", "portmap", "bridge"):
        (cni / plugin).unlink(missing_ok=True)
        (cni / plugin).symlink_to(f"/usr/lib/cni/{plugin}")


def apply_podchaos_steps(root: Path) -> None:
    """What podchaos adds for host safety and for a node without a registry."""
    _write(root / "usr/local/bin/podchaos-entrypoint", nodefiles.ENTRYPOINT, 0o755)
    _write(root / "usr/local/bin/podchaos-cni", nodefiles.CNI_SCRIPT, 0o755)
    _write(root / "etc/systemd/system/podchaos-images.service", nodefiles.IMAGES_SERVICE)
    _write(root / "etc/systemd/system/podchaos-cni.service", nodefiles.CNI_SERVICE)
    _write(root / "etc/systemd/system/kubelet.service.d/20-podchaos.conf", nodefiles.KUBELET_DROP_IN)
    config = root / "etc/containerd/config.toml"
    # The host lacks CAP_SYS_RESOURCE: a negative oom_score_adj for a pod sandbox fails there.
    config.write_text(
        config.read_text().replace("restrict_oom_score_adj = false", "restrict_oom_score_adj = true")
    )
    _write(root / "kind/manifests/default-cni.yaml", nodefiles.CNI_MANIFEST)
    _write(root / "kind/manifests/default-storage.yaml", STORAGE_MANIFEST)


def enable_units(root: Path) -> None:
    systemctl = ["systemctl", f"--root={root}"]
    _run([*systemctl, "enable", "kubelet.service", "containerd.service", "undo-mount-hacks.service"])
    _run([*systemctl, "enable", "podchaos-images.service", "podchaos-cni.service"])
    # systemd-sysctl would write the image's global sysctls (kernel.pid_max ...) into the host's kernel.
    _run([*systemctl, "mask", "systemd-binfmt.service", "systemd-sysctl.service"])


def add_kubernetes(root: Path, layout: Layout, tools: KindTools, names: controlplane.ImageNames) -> None:
    """kubelet (the kube binary), kubeadm and kubectl, the version file and the images."""
    _write(root / "usr/bin/kube", layout.kube_binary.read_bytes(), 0o755)
    (root / "usr/bin/kubelet").symlink_to("kube")
    _write(root / "usr/bin/kubetools", tools.kubetools.read_bytes(), 0o755)
    for name in ("kubeadm", "kubectl"):
        (root / "usr/bin" / name).symlink_to("kubetools")
    _write(root / "kind/version", layout.kubernetes_version + "\n")
    archives = root / "kind/images"
    archives.mkdir(parents=True, exist_ok=True)
    _write(archives / "kube.tar", controlplane.kube_archive(layout.kube_binary, names, root))
    _write(archives / "etcd.tar", controlplane.etcd_archive(layout.etcd_binary, names))
    _write(archives / "coredns.tar", controlplane.coredns_archive(tools.coredns, names))
    for archive in preload.write_archives(layout):
        shutil.copyfile(archive, archives / archive.name)
    sandbox_tags = set(images.archive_references(archives / "sandbox.tar"))
    if names.get("pause") not in sandbox_tags:
        _write(archives / "pause.tar", controlplane.pause_archive(layout.bin / "pause" / "pause", names, ()))


def write_docker_archive(root: Path, reference: str, target: Path) -> None:
    """``root`` as a one-layer docker-archive with kind's entrypoint behind podchaos's."""
    with tempfile.TemporaryDirectory(prefix="podchaos-node-layer-", dir=target.parent) as work:
        layer = Path(work) / "layer.tar"
        _run(["tar", "-C", str(root), "--numeric-owner", "--xattrs", "-cf", str(layer), "."])
        digest = hashlib.sha256()
        with layer.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        diff_id = "sha256:" + digest.hexdigest()
        config = images.image_config(
            diff_id,
            {
                "Entrypoint": [
                    "/usr/local/bin/podchaos-entrypoint",
                    "/usr/local/bin/entrypoint",
                    "/sbin/init",
                ],
                "Env": [images.PATH_ENV, "container=docker"],
                "StopSignal": "SIGRTMIN+3",
                "WorkingDir": "/",
            },
            created="1970-01-01T00:00:00Z",
        )
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        layer_name = diff_id.removeprefix("sha256:") + "/layer.tar"
        manifest = json.dumps([{"Config": config_name, "RepoTags": [reference], "Layers": [layer_name]}])
        partial = target.with_suffix(".partial")
        with tarfile.open(partial, "w") as archive:
            for name, content in ((config_name, config), ("manifest.json", manifest.encode())):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(content))
            archive.add(layer, arcname=layer_name)
        partial.replace(target)


def ensure_node_image(layout: Layout, tools: KindTools, progress: Progress) -> NodeImage:
    """The node image archive of the layout's Kubernetes release, built unless cached."""
    cache = layout.cache / "kind"
    base = rootfs.ensure_rootfs(cache, progress)
    inputs = [
        base,
        layout.kube_binary,
        layout.etcd_binary,
        layout.bin / "pause" / "pause",
        layout.traffic_binary,
        tools.kubetools,
        tools.coredns,
        tools.crictl,
        tools.containerd_dir / "containerd",
    ]
    key = _inputs_key(inputs, IMAGE_REPOSITORY)
    reference = node_image_reference(layout.kubernetes_version, key)
    target = cache / f"node-{layout.kubernetes_version}-{key}.tar"
    image = NodeImage(target, reference, layout.kubernetes_version)
    if target.exists():
        return image
    started = time.monotonic()
    progress(f"building the kind node image {reference}")
    with tempfile.TemporaryDirectory(prefix="podchaos-node-", dir=cache) as work:
        root = Path(work) / "root"
        root.mkdir()
        _run(["tar", "-C", str(root), "--numeric-owner", "-xpf", str(base)])
        apply_base_steps(root, kind_module_dir(), tools)
        apply_podchaos_steps(root)
        enable_units(root)
        names = controlplane.image_names(tools.kubetools, layout.kubernetes_version)
        add_kubernetes(root, layout, tools, names)
        write_docker_archive(root, reference, target)
    for old in cache.glob(f"node-{layout.kubernetes_version}-*.tar"):
        if old != target:
            old.unlink()
    progress(f"built {target} in {time.monotonic() - started:.0f}s")
    return image
