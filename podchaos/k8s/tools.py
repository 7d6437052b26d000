"""Where podchaos finds the command-line tools that render a team's workloads: ``helm`` (``helm
template``) and ``kubectl`` (``kubectl kustomize``). A tool on PATH wins, as the user chose it;
else the build podchaos caches under its cache directory (``podchaos helm`` builds helm,
``podchaos kubectl`` the kubectl of the local cluster's release)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

HELM_MODULE = "helm.sh/helm/v4"
HELM_VERSION = "v4.3.2"


def default_cache_dir() -> Path:
    """podchaos's build and image cache: ``$PODCHAOS_CACHE_DIR``, else ``$XDG_CACHE_HOME/podchaos``
    (``~/.cache/podchaos``)."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return Path(os.environ.get("PODCHAOS_CACHE_DIR", cache_home / "podchaos"))


def helm_dir(cache: Path) -> Path:
    """The directory podchaos builds helm into (its program is ``helm`` there)."""
    return cache / "bin" / f"helm-{HELM_VERSION}"


def kubetools_dir(cache: Path, version: str) -> Path:
    """The directory of the ``kubetools`` binary (kubeadm and kubectl) of Kubernetes ``version``."""
    return cache / "bin" / "kind" / f"kubetools-{version}"


def find_helm() -> list[str] | None:
    """The command that runs helm, or None when there is none."""
    on_path = shutil.which("helm")
    if on_path:
        return [on_path]
    built = helm_dir(default_cache_dir()) / "helm"
    return [str(built)] if os.access(built, os.X_OK) else None


def find_kubectl() -> list[str] | None:
    """The command that runs kubectl: the one on PATH, else the newest release podchaos built; None
    when there is none."""
    on_path = shutil.which("kubectl")
    if on_path:
        return [on_path]
    built = [
        path / "kubetools"
        for path in kubetools_dir(default_cache_dir(), "v0").parent.glob("kubetools-v*")
        if os.access(path / "kubetools", os.X_OK)
    ]
    if not built:
        return None
    newest = max(built, key=lambda path: _release(path.parent.name))
    return [str(newest), "kubectl"]


def _release(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))
