"""The local cluster's storage: the provisioner's directory links into the state directory, only
what is ours is replaced, and a purge removes every volume's data."""

from __future__ import annotations

from pathlib import Path

from podchaos.cluster.local import components, storage
from podchaos.cluster.local.layout import Layout


def layout(tmp_path: Path) -> Layout:
    return Layout(state=tmp_path / "state", run=tmp_path / "run", cache=tmp_path / "cache")


def test_the_provisioner_directory_becomes_a_link_into_the_state_directory(tmp_path: Path) -> None:
    where = layout(tmp_path)
    link = tmp_path / "tmp" / "hostpath_pv"

    said = storage.ensure_volume_dir(where, link)

    assert link.is_symlink()
    assert link.resolve() == where.volumes.resolve()
    assert str(where.volumes) in said
    assert storage.ensure_volume_dir(where, link) == ""  # already in place: nothing to say


def test_an_empty_directory_or_a_stale_link_is_replaced(tmp_path: Path) -> None:
    where = layout(tmp_path)
    link = tmp_path / "hostpath_pv"
    link.mkdir()
    storage.ensure_volume_dir(where, link)
    assert link.is_symlink()
    link.unlink()
    link.symlink_to(tmp_path / "elsewhere")
    storage.ensure_volume_dir(where, link)
    assert link.readlink() == where.volumes


def test_a_directory_with_content_is_left_alone_and_said_so(tmp_path: Path) -> None:
    where = layout(tmp_path)
    link = tmp_path / "hostpath_pv"
    (link / "someone-else").mkdir(parents=True)

    said = storage.ensure_volume_dir(where, link)

    assert not link.is_symlink()
    assert (link / "someone-else").is_dir()
    assert "with content" in said


def test_purge_removes_the_data_and_only_our_own_link(tmp_path: Path) -> None:
    where = layout(tmp_path)
    link = tmp_path / "hostpath_pv"
    storage.ensure_volume_dir(where, link)
    (link / "pv-1").mkdir()
    (link / "pv-1" / "data").write_text("x")
    unmounted: list[Path] = []

    storage.remove_volumes(where, link, unmount=unmounted.append)

    assert unmounted == [where.volumes]
    assert not where.volumes.exists()
    assert not link.is_symlink()
    assert not link.exists()
    foreign = tmp_path / "foreign"
    foreign.symlink_to(tmp_path / "other")
    storage.remove_volumes(where, foreign)
    assert foreign.is_symlink()


def test_the_default_storage_class_uses_the_controller_managers_provisioner(tmp_path: Path) -> None:
    collection, manifest = storage.storage_class()
    assert collection.endswith("/storageclasses")
    assert manifest["provisioner"] == "kubernetes.io/host-path"
    assert manifest["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert storage.CONTROLLER_MANAGER_FLAG in components.controller_manager(layout(tmp_path)).argv
