"""Container images built on this machine, since no registry is reachable.

Each image is a docker-archive tar (one layer) that ``ctr images import`` loads into a node's
containerd. The toolbox is static busybox (sh, sleep, httpd, dd, kill, nsenter, ...), tagged with
the public reference the scenario files use, so the same files run on kind (pulled) and here
(preloaded). The sandbox image holds our ``pause``, the traffic image our static traffic client.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import struct
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local.config import SANDBOX_IMAGE, SHELLLESS_IMAGE, TOOLBOX_IMAGE, TRAFFIC_IMAGE
from podchaos.errors import ClusterSetupError

BUSYBOX = Path("/bin/busybox")
_EPOCH = 0
PT_INTERP = 3
# Image config architecture names (GOARCH) of the machines the builder runs on.
_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class ImageFile:
    """A file to place in an image: its path in the image, content and mode."""

    path: str
    content: bytes
    mode: int = 0o644


def _add_dir(layer: tarfile.TarFile, path: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(path)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    info.mtime = _EPOCH
    layer.addfile(info)


def _add_file(layer: tarfile.TarFile, item: ImageFile) -> None:
    info = tarfile.TarInfo(item.path)
    info.size = len(item.content)
    info.mode = item.mode
    info.mtime = _EPOCH
    layer.addfile(info, io.BytesIO(item.content))


def _add_symlink(layer: tarfile.TarFile, path: str, target: str) -> None:
    info = tarfile.TarInfo(path)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    info.mtime = _EPOCH
    layer.addfile(info)


def layer_tar(dirs: list[str], files: list[ImageFile], links: dict[str, str]) -> bytes:
    """One image layer: ``dirs`` (``tmp`` sticky), ``files`` and symbolic ``links`` (path -> target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as layer:
        for directory in dirs:
            _add_dir(layer, directory, 0o1777 if directory == "tmp" else 0o755)
        for item in files:
            _add_file(layer, item)
        for path, target in sorted(links.items()):
            _add_symlink(layer, path, target)
    return buffer.getvalue()


PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def image_config(diff_id: str, config: dict[str, object], created: str | None = None) -> bytes:
    """The image configuration JSON of a single-layer image whose layer has ``diff_id``.

    ``created`` (RFC 3339) dates the image and its history entry: nerdctl's ``inspect`` crashes on a
    history entry without a date (nerdctl 2.2.1), so images it inspects carry one.
    """
    history: dict[str, object] = {"created_by": "podchaos local image builder"}
    document: dict[str, object] = {
        "architecture": _ARCHITECTURES.get(platform.machine(), platform.machine()),
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [history],
    }
    if created is not None:
        history["created"] = created
        document["created"] = created
    return json.dumps(document, sort_keys=True).encode()


def docker_archive(
    reference: str, layer: bytes, entrypoint: list[str], cmd: list[str], also: tuple[str, ...] = ()
) -> bytes:
    """A docker-archive tar holding one single-layer image tagged ``reference`` (and ``also``)."""
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = image_config(
        diff_id,
        {"Entrypoint": entrypoint or None, "Cmd": cmd or None, "Env": [PATH_ENV], "WorkingDir": "/"},
    )
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_name = diff_id.removeprefix("sha256:") + "/layer.tar"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": [reference, *also], "Layers": [layer_name]}]
    ).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for item in (
            ImageFile(config_name, config),
            ImageFile(layer_name, layer),
            ImageFile("manifest.json", manifest),
        ):
            _add_file(archive, item)
    return buffer.getvalue()


def busybox_applets() -> list[str]:
    """The applets the machine's static busybox provides."""
    if not BUSYBOX.exists():
        raise ClusterSetupError(f"{BUSYBOX} is missing: install the Debian package busybox-static")
    listed = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True, check=True).stdout
    return [name for name in listed.split() if name and name != "busybox"]


def toolbox_archive() -> bytes:
    """The toolbox image: static busybox with every applet linked in /bin."""
    files = [
        ImageFile("bin/busybox", BUSYBOX.read_bytes(), 0o755),
        ImageFile("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
        ImageFile("etc/group", b"root:x:0:\nnobody:x:65534:\n"),
    ]
    links = {f"bin/{applet}": "busybox" for applet in busybox_applets()}
    layer = layer_tar(["bin", "etc", "tmp", "root", "var", "var/www", "proc", "sys", "dev"], files, links)
    return docker_archive(TOOLBOX_IMAGE, layer, [], ["sh"])


def sandbox_archive(pause_binary: Path) -> bytes:
    """The pod sandbox image: only our pause process. Also tagged as the public pause image, which
    scenarios use as a container image without a shell (kind nodes have that one preloaded too)."""
    layer = layer_tar(["proc", "sys", "dev"], [ImageFile("pause", pause_binary.read_bytes(), 0o755)], {})
    return docker_archive(SANDBOX_IMAGE, layer, ["/pause"], [], also=(SHELLLESS_IMAGE,))


def traffic_archive(traffic_binary: Path) -> bytes:
    """The traffic probe's image: only the static client, which is its entrypoint."""
    layer = layer_tar(
        ["etc", "tmp", "proc", "sys", "dev"], [ImageFile("traffic", traffic_binary.read_bytes(), 0o755)], {}
    )
    return docker_archive(TRAFFIC_IMAGE, layer, ["/traffic"], [])


PRELOADED = (TOOLBOX_IMAGE, SANDBOX_IMAGE, SHELLLESS_IMAGE, TRAFFIC_IMAGE)
"""Every image reference the local nodes have without a registry."""


def archive_references(archive: Path) -> list[str]:
    """The image references a docker-archive tar carries."""
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        manifest = json.loads(member.read()) if member else []
    return [tag for image in manifest for tag in image.get("RepoTags", [])]


def is_static_executable(path: Path) -> bool:
    """True for a 64-bit little-endian ELF file without a program interpreter (no shared libraries).

    Only such a busybox works as the whole of an image: a dynamic one needs a libc the image lacks.
    """
    try:
        with path.open("rb") as binary:
            header = binary.read(64)
            if len(header) < 64 or header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
                return False
            (table,) = struct.unpack_from("<Q", header, 0x20)
            entry_size, entries = struct.unpack_from("<HH", header, 0x36)
            binary.seek(table)
            program_headers = binary.read(entry_size * entries)
    except OSError:
        return False
    return all(
        struct.unpack_from("<I", program_headers, index * entry_size)[0] != PT_INTERP
        for index in range(entries)
    )


def _write_if_changed(path: Path, content: bytes) -> Path:
    """Write ``content`` unless ``path`` holds it already (containerd then sees the same file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != content:
        path.write_bytes(content)
    return path


def write_toolbox_archive(directory: Path) -> Path | None:
    """Write the toolbox image archive for a cluster that could also pull it (kind); None when this
    machine has no static busybox to build it from."""
    if not is_static_executable(BUSYBOX):
        return None
    return _write_if_changed(directory / "toolbox.tar", toolbox_archive())


def write_traffic_archive(directory: Path, traffic_binary: Path) -> Path:
    """Write the traffic image archive alone, for a cluster that cannot build it (kind)."""
    return _write_if_changed(directory / "traffic.tar", traffic_archive(traffic_binary))


def write_archives(directory: Path, pause_binary: Path, traffic_binary: Path) -> list[Path]:
    """Write every image archive (only when its content changed); returns their paths."""
    return [
        _write_if_changed(directory / "toolbox.tar", toolbox_archive()),
        _write_if_changed(directory / "sandbox.tar", sandbox_archive(pause_binary)),
        write_traffic_archive(directory, traffic_binary),
    ]
