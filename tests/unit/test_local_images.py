"""Local images: the archives carry the references scenarios use, so the same files run on kind."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from podchaos.cluster.local import images
from podchaos.cluster.local.config import SANDBOX_IMAGE, SHELLLESS_IMAGE


def test_the_sandbox_archive_is_also_the_public_shellless_image(tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    pause.write_bytes(b"\x7fELF not really")
    archive = tmp_path / "sandbox.tar"
    archive.write_bytes(images.sandbox_archive(pause))
    assert images.archive_references(archive) == [SANDBOX_IMAGE, SHELLLESS_IMAGE]
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        (layer_name,) = manifest[0]["Layers"]
        with tarfile.open(fileobj=tar.extractfile(layer_name)) as layer:
            files = {m.name for m in layer.getmembers() if m.isfile()}
    assert files == {"pause"}, "the shell-less image must hold nothing but the pause binary"


def test_every_preloaded_reference_comes_from_an_archive(tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    pause.write_bytes(b"pause")
    written = images.write_archives(tmp_path / "images", pause, pause)
    references = {ref for archive in written for ref in images.archive_references(archive)}
    assert set(images.PRELOADED) <= references


def test_only_a_static_elf_can_be_the_whole_toolbox(tmp_path: Path) -> None:
    text = tmp_path / "script"
    text.write_text("#!/bin/sh\n")
    assert images.is_static_executable(images.BUSYBOX), "busybox-static provides a static /bin/busybox"
    assert not images.is_static_executable(Path("/bin/sh").resolve()), "a dynamic executable"
    assert not images.is_static_executable(text)
    assert not images.is_static_executable(tmp_path / "absent")
