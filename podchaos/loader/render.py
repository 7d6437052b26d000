"""Workloads as teams keep them: ``workload.helm`` rendered with ``helm template``, ``workload.kustomize``
with ``kubectl kustomize``. Rendering happens when the scenario is loaded, as the other manifests are
read then: the loader checks the faults and the target against the rendered pod templates, and
``pytest --co`` shows a chart that does not render. Neither tool talks to a cluster here."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podchaos.k8s.tools import HELM_VERSION, find_helm, find_kubectl
from podchaos.loader.fields import Reader, describe
from podchaos.loader.yamlsafe import load_all

DEFAULT_RELEASE = "podchaos"
"""The Helm release name when ``workload.helm.release`` is left out."""

_TIMEOUT = 120.0
_HELM_KEYS = {"chart", "values", "set", "release"}


def rendered(reader: Reader, data: Any, base_dir: Path | None) -> list[tuple[str, Any]]:
    """The documents ``workload.helm`` and ``workload.kustomize`` render to, each with the field path
    its errors name; none when the workload has neither."""
    base = base_dir or Path.cwd()
    documents: list[tuple[str, Any]] = []
    if "helm" in data:
        documents += _documents(
            reader, "workload.helm", "helm template", _helm_command(reader, data["helm"], base)
        )
    if "kustomize" in data:
        documents += _documents(
            reader,
            "workload.kustomize",
            "kubectl kustomize",
            _kustomize_command(reader, data["kustomize"], base),
        )
    return documents


def _helm_command(reader: Reader, raw: Any, base: Path) -> list[str]:
    field = "workload.helm"
    spec = reader.mapping(raw, field)
    reader.unknown_keys(spec, _HELM_KEYS, field)
    if "chart" not in spec:
        raise reader.fail(f"{field}.chart", "expected the chart: a directory or .tgz (relative to this file)")
    chart = reader.string(spec["chart"], f"{field}.chart")
    local = base / chart
    # A local chart by path; anything else (repo/name, oci://...) is helm's to resolve.
    by_path = local.exists() or chart.startswith((".", "/"))
    if by_path and not local.exists():
        raise reader.fail(f"{field}.chart", f"no chart at {local}")
    release = reader.string(spec.get("release", DEFAULT_RELEASE), f"{field}.release")
    command = ["template", release, str(local) if by_path else chart]
    values = spec.get("values", [])
    for i, name in enumerate(
        [values] if isinstance(values, str) else reader.sequence(values, f"{field}.values")
    ):
        path = base / reader.string(name, f"{field}.values[{i}]")
        if not path.is_file():
            raise reader.fail(f"{field}.values[{i}]", f"no values file at {path}")
        command += ["--values", str(path)]
    # --set-json keeps each value's YAML type: --set would read tag "1.10" as the number 1.1.
    for key, value in reader.mapping(spec.get("set", {}), f"{field}.set").items():
        if not isinstance(value, str | int | float | bool | list | dict):
            raise reader.fail(f"{field}.set.{key}", f"expected a value, got {describe(value)}")
        command += ["--set-json", f"{key}={json.dumps(value)}"]
    return [
        *_tool(reader, field, "helm", find_helm, f"podchaos helm version (builds helm {HELM_VERSION})"),
        *command,
    ]


def _kustomize_command(reader: Reader, raw: Any, base: Path) -> list[str]:
    field = "workload.kustomize"
    directory = base / reader.string(raw, field)
    if not (directory.is_dir() and any((directory / name).is_file() for name in _KUSTOMIZATION_FILES)):
        raise reader.fail(field, f"expected a directory with a kustomization.yaml, got {directory}")
    kubectl = _tool(reader, field, "kubectl", find_kubectl, "podchaos kubectl version (builds kubectl)")
    return [*kubectl, "kustomize", str(directory)]


_KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _tool(
    reader: Reader, field: str, name: str, find: Callable[[], list[str] | None], build_hint: str
) -> list[str]:
    command = find()
    if command is None:
        raise reader.fail(
            field,
            f"needs {name}, and there is none: put {name} on PATH, or build podchaos's with `{build_hint}`",
        )
    return command


def _documents(reader: Reader, field: str, what: str, command: list[str]) -> list[tuple[str, Any]]:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    except OSError as exc:
        raise reader.fail(field, f"cannot run {command[0]}: {exc.strerror or exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise reader.fail(field, f"{what} did not finish rendering in {_TIMEOUT:.0f}s") from exc
    if completed.returncode != 0:
        said = completed.stderr.strip() or completed.stdout.strip() or f"exit status {completed.returncode}"
        raise reader.fail(field, f"{what} failed: {said}")
    return [
        (f"{field} (rendered document {j})", doc)
        for j, doc in enumerate(load_all(completed.stdout, reader.source, f"{field} (rendered)"))
        if doc
    ]
