"""Storage of the local cluster: a default StorageClass whose claims the controller-manager's built-in
hostPath provisioner binds, with every volume's data under the cluster's state directory.

The provisioner (``kube-controller-manager --enable-hostpath-provisioner``, StorageClass provisioner
``kubernetes.io/host-path``) makes each PersistentVolume a directory ``/tmp/hostpath_pv/<uuid>`` (a path
fixed in its source) and its deleter removes it when the claim goes (reclaim policy Delete). Both nodes
run on this machine, so a volume follows its pod to the other node, as network storage would.

``/tmp/hostpath_pv`` is made a symbolic link to ``<state>/volumes``: the data lives with the rest of the
cluster's state, survives ``down`` like etcd does, and ``down --purge`` removes it. The link is only
ever replaced when it is ours, missing, or an empty directory; anything else there is left alone.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podchaos.cluster.local.layout import Layout

# Where the hostPath provisioner puts volumes (pkg/volume/hostpath: fmt.Sprintf("/tmp/%s/%s", ...)).
PROVISIONER_DIR = Path("/tmp/hostpath_pv")
STORAGE_CLASS = "podchaos-hostpath"
PROVISIONER = "kubernetes.io/host-path"
CONTROLLER_MANAGER_FLAG = "--enable-hostpath-provisioner=true"


def storage_class() -> tuple[str, dict[str, Any]]:
    """(API collection, object): the default StorageClass, bound at once (no topology to wait for)."""
    return (
        "/apis/storage.k8s.io/v1/storageclasses",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": STORAGE_CLASS,
                "labels": {"app.kubernetes.io/managed-by": "podchaos"},
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": PROVISIONER,
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        },
    )


def link_target(link: Path) -> Path | None:
    """Where ``link`` points, when it is a symbolic link."""
    return Path(link.readlink()) if link.is_symlink() else None


def ensure_volume_dir(layout: Layout, link: Path = PROVISIONER_DIR) -> str:
    """Make the provisioner's directory a link to ``layout.volumes``; what was done, or why not, in words.

    An empty directory or a dangling or foreign-but-ours link is replaced; a non-empty directory or a
    file is someone else's and stays (the volumes then land there, outside the state directory).
    """
    layout.volumes.mkdir(parents=True, exist_ok=True)
    target = link_target(link)
    if target == layout.volumes:
        return ""
    if target is not None:
        link.unlink()
    elif link.is_dir():
        try:
            link.rmdir()
        except OSError:
            return (
                f"{link} is a directory with content: volumes are provisioned there, not in {layout.volumes}"
            )
    elif link.exists():
        return f"{link} exists and is not a directory: the hostPath provisioner cannot use it"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(layout.volumes, target_is_directory=True)
    return f"volumes of the hostPath provisioner in {layout.volumes} ({link} links there)"


def remove_volumes(
    layout: Layout, link: Path = PROVISIONER_DIR, unmount: Callable[[Path], None] | None = None
) -> None:
    """Delete every volume's data, and the provisioner's link when it is ours (``down --purge``)."""
    if unmount is not None:
        unmount(layout.volumes)
    shutil.rmtree(layout.volumes, ignore_errors=True)
    if link_target(link) == layout.volumes:
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
