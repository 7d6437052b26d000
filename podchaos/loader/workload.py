"""The ``workload`` section: manifests inline or from files, the pod templates they hold, the target labels.

Pod templates are read with their field paths because the faults, expectations and target are checked
against them; the rest of a manifest is left to the API server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podchaos.loader.attach import is_attached, read_attach
from podchaos.loader.fields import Reader, describe
from podchaos.loader.namespacing import into_run_namespace
from podchaos.loader.render import rendered
from podchaos.loader.yamlsafe import load_all, read_text
from podchaos.model import Manifest, Workload
from podchaos.model.scenario import freeze

# Where each kind keeps its pod template (the Pod is its own).
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_JOB_LABELS = {
    "job-name",
    "controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
}
# Labels the controllers add to the pods they create, which a target may select on.
_ADDED_LABELS: dict[str, set[str]] = {
    "Deployment": {"pod-template-hash"},
    "StatefulSet": {
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
    },
    "DaemonSet": {"controller-revision-hash", "pod-template-generation"},
    "Job": _JOB_LABELS,
    "CronJob": _JOB_LABELS,
}

_LABEL_NAME = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_LABEL_VALUE_RE = re.compile(rf"^{_LABEL_NAME}$")
_LABEL_KEY_RE = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$")


@dataclass(frozen=True)
class Container:
    """A container of a pod template, with what the fault checks need to know."""

    name: str
    path: str
    init: bool
    sidecar: bool
    """An init container with ``restartPolicy: Always`` (a native sidecar): it runs with the pod."""
    memory_limit: bool
    startup_probe: bool = False
    empty_dirs: tuple[tuple[str, str], ...] = ()
    """The container's disk emptyDir mounts as (mountPath, sizeLimit or "" when it has none)."""


@dataclass(frozen=True)
class PodTemplate:
    """The pods one manifest creates."""

    owner: str
    labels: Mapping[str, str]
    added_labels: frozenset[str]
    containers: tuple[Container, ...]

    def selected_by(self, target: Mapping[str, str]) -> bool:
        return all(self.labels.get(k) == v or k in self.added_labels for k, v in target.items())


def read_workload(reader: Reader, raw: Any, base_dir: Path | None) -> tuple[Workload, list[PodTemplate]]:
    data = reader.mapping(raw, "workload")
    if is_attached(data):
        namespace, blast = read_attach(reader, data)
        target = _target(reader, data.get("target"))
        return Workload(manifests=(), target=freeze(target), namespace=namespace, blast=blast), []
    reader.unknown_keys(data, {"manifests", "files", "helm", "kustomize", "target"}, "workload")
    documents: list[tuple[str, Any]] = [
        (f"workload.manifests[{i}]", item)
        for i, item in enumerate(reader.sequence(data.get("manifests", []), "workload.manifests"))
    ]
    for i, name in enumerate(reader.sequence(data.get("files", []), "workload.files")):
        field = f"workload.files[{i}]"
        path = (base_dir or Path.cwd()) / reader.string(name, field)
        text = read_text(path, reader.source, field)
        documents += [
            (f"{field} ({path.name} document {j})", doc)
            for j, doc in enumerate(load_all(text, reader.source, f"{field} ({path.name})"))
            if doc
        ]
    documents += rendered(reader, data, base_dir)
    if not documents:
        raise reader.fail(
            "workload",
            "expected 'manifests', 'files', 'helm' or 'kustomize' with at least one Kubernetes object,"
            " or 'namespace' (and 'target') for a workload that already runs there",
        )
    manifests = tuple(_manifest(reader, path, doc) for path, doc in documents)
    templates = [
        template
        for (path, doc), manifest in zip(documents, manifests, strict=True)
        for template in _templates(reader, path, manifest, doc)
    ]
    target = _target(reader, data.get("target"))
    return Workload(manifests=manifests, target=freeze(target)), templates


def pod_specs(manifest: Manifest) -> list[Mapping[str, Any]]:
    """The pod specs a manifest creates: a Pod's own, a controller's template (a CronJob's job's)."""
    node: Any = manifest.body
    for key in (*_TEMPLATE_PATHS.get(manifest.kind, ("-",)), "spec"):
        node = node.get(key) if isinstance(node, Mapping) else None
    return [node] if isinstance(node, Mapping) else []


def _manifest(reader: Reader, path: str, doc: Any) -> Manifest:
    body = reader.mapping(doc, path)
    api_version = reader.string(body.get("apiVersion"), f"{path}.apiVersion")
    kind = reader.string(body.get("kind"), f"{path}.kind")
    metadata = reader.mapping(body.get("metadata"), f"{path}.metadata")
    name = reader.string(metadata.get("name"), f"{path}.metadata.name")
    placed, moved_from = into_run_namespace(reader, path, kind, body)
    return Manifest(api_version=api_version, kind=kind, name=name, body=freeze(placed), moved_from=moved_from)


def _templates(reader: Reader, path: str, manifest: Manifest, body: Mapping[str, Any]) -> list[PodTemplate]:
    """The manifest's pod template, if it has one with a spec; a part of the wrong type is an error."""
    if manifest.kind not in _TEMPLATE_PATHS:
        return []
    node = body
    for key in _TEMPLATE_PATHS[manifest.kind]:
        if key not in node:
            return []
        path = f"{path}.{key}"
        node = reader.mapping(node[key], path)
    if "spec" not in node:
        return []
    spec = reader.mapping(node["spec"], f"{path}.spec")
    metadata = reader.mapping(node.get("metadata", {}), f"{path}.metadata")
    labels = _labels(reader, metadata.get("labels", {}), f"{path}.metadata.labels")
    empty_dirs = _empty_dirs(spec)
    containers = [
        _container(
            reader, item, f"{path}.spec.{key}[{index}]", init=key == "initContainers", empty_dirs=empty_dirs
        )
        for key in ("initContainers", "containers")
        for index, item in enumerate(reader.sequence(spec.get(key, []), f"{path}.spec.{key}"))
    ]
    return [
        PodTemplate(
            owner=f"{manifest.kind} {manifest.name}",
            labels=labels,
            added_labels=frozenset(_ADDED_LABELS.get(manifest.kind, ())),
            containers=tuple(containers),
        )
    ]


def _empty_dirs(spec: Mapping[str, Any]) -> dict[str, str]:
    """The pod's disk emptyDir volumes by name, with their sizeLimit ("" when none); a volume of the
    wrong shape is left to the API server."""
    found: dict[str, str] = {}
    volumes = spec.get("volumes", [])
    for volume in volumes if isinstance(volumes, list | tuple) else []:
        empty_dir = volume.get("emptyDir") if isinstance(volume, Mapping) else None
        if isinstance(empty_dir, Mapping) and empty_dir.get("medium", "") != "Memory":
            found[str(volume.get("name"))] = str(empty_dir.get("sizeLimit") or "")
    return found


def _mounts(data: Mapping[str, Any], empty_dirs: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    mounts = data.get("volumeMounts", [])
    return tuple(
        (str(mount.get("mountPath")), empty_dirs[str(mount.get("name"))])
        for mount in (mounts if isinstance(mounts, list | tuple) else [])
        if isinstance(mount, Mapping) and str(mount.get("name")) in empty_dirs
    )


def _container(
    reader: Reader, raw: Any, path: str, *, init: bool, empty_dirs: Mapping[str, str]
) -> Container:
    data = reader.mapping(raw, path)
    resources = reader.mapping(data.get("resources", {}), f"{path}.resources")
    limits = reader.mapping(resources.get("limits", {}), f"{path}.resources.limits")
    return Container(
        name=reader.string(data.get("name"), f"{path}.name"),
        path=path,
        init=init,
        sidecar=init and data.get("restartPolicy") == "Always",
        memory_limit=limits.get("memory") is not None,
        startup_probe=data.get("startupProbe") is not None,
        empty_dirs=_mounts(data, empty_dirs),
    )


def _labels(reader: Reader, raw: Any, path: str) -> dict[str, str]:
    labels = reader.mapping(raw, path)
    for key, value in labels.items():
        if not isinstance(value, str):
            raise reader.fail(
                f"{path}.{key}", f"expected a string label value (quote it), got {describe(value)}"
            )
    return dict(labels)


def _target(reader: Reader, raw: Any) -> dict[str, str]:
    target = _labels(reader, raw, "workload.target")
    if not target:
        raise reader.fail("workload.target", "expected at least one label, like {app: web}")
    for key, value in target.items():
        if not _LABEL_KEY_RE.match(key):
            raise reader.fail(
                f"workload.target.{key}", "expected a label name (like app or example.com/tier)"
            )
        if not _LABEL_VALUE_RE.match(value):
            raise reader.fail(
                f"workload.target.{key}",
                f"expected a label value (up to 63 letters, digits, '-', '_', '.'), got {value!r}",
            )
    return target
