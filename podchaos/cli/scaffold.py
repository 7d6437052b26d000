"""``podchaos new``: a scenario file for a user's own manifest, with expectations its spec implies.

From a Deployment, StatefulSet or Pod: kill the first container with SIGKILL, and expect

- a restart of it (``restartPolicy`` Always or OnFailure; Deployments and StatefulSets are always
  Always), or the pod ending in phase Failed (``Never``);
- its termination with reason Error and exit code 137 (what SIGKILL leaves);
- no restart of the other containers;
- the pod Ready again within a margin over its readiness probe's timing, when it has one;
- each emptyDir it mounts keeping its data across the restart.

With a readiness probe and a Service of the manifest that selects the pods, it also writes a
``traffic:`` section: a client calls that Service while the fault plays out, so the report shows what
callers saw (expectations on it, such as ``failed-requests``, are for the user to choose). The first line
names the JSON Schema (``scenario.schema.json``, written beside the scenario when absent) for editors
with yaml-language-server.

The result is checked by the loader before it is written, so it is ready to run and to edit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from podchaos.catalogue import SCENARIO_SUFFIXES, is_scenario_file, load
from podchaos.errors import ScenarioError
from podchaos.loader.schema import scenario_schema

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Pod")


def _workload(documents: list[Any], source: str) -> Mapping[str, Any]:
    for document in documents:
        if isinstance(document, Mapping) and document.get("kind") in WORKLOAD_KINDS:
            return document
    kinds = [str(d.get("kind")) for d in documents if isinstance(d, Mapping)]
    raise ScenarioError(
        source, "", f"expected a {', '.join(WORKLOAD_KINDS)}; found {', '.join(kinds) or 'nothing'}"
    )


def _pod(workload: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The pod's labels and spec (a Pod's own, or a controller's template)."""
    if workload.get("kind") == "Pod":
        return workload.get("metadata", {}).get("labels") or {}, workload.get("spec") or {}
    template = (workload.get("spec") or {}).get("template") or {}
    return (template.get("metadata") or {}).get("labels") or {}, template.get("spec") or {}


SCHEMA_FILE = "scenario.schema.json"


def _service(documents: list[Any], labels: Mapping[str, Any]) -> tuple[str, int] | None:
    """The first Service of ``documents`` that selects pods with ``labels``, and its first port."""
    for document in documents:
        if not isinstance(document, Mapping) or document.get("kind") != "Service":
            continue
        spec = document.get("spec") or {}
        selector = spec.get("selector") or {}
        ports = [p.get("port") for p in spec.get("ports") or [] if isinstance(p, Mapping)]
        name = (document.get("metadata") or {}).get("name")
        selects = bool(selector) and all(labels.get(k) == v for k, v in selector.items())
        if selects and name and ports and isinstance(ports[0], int):
            return str(name), ports[0]
    return None


def _traffic(
    documents: list[Any], labels: Mapping[str, Any], probe: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A traffic probe of the Service in front of the pods: HTTP on the readiness probe's path when
    that probe is an HTTP one, else a TCP connect."""
    found = _service(documents, labels)
    if found is None:
        return None
    http = probe.get("httpGet")
    path = http.get("path") if isinstance(http, Mapping) else None
    mode: dict[str, Any] = (
        {"mode": "http", "path": path} if isinstance(path, str) and path.startswith("/") else {"mode": "tcp"}
    )
    return {"service": found[0], "port": found[1], **mode, "rate": 20, "timeout": "1s", "steady": "3s"}


def scenario_for(
    workload: Mapping[str, Any], manifest_file: str, name: str, documents: list[Any] | None = None
) -> dict[str, Any]:
    """The scenario document for ``workload``, deployed from ``manifest_file`` (whose ``documents``
    may hold a Service in front of it)."""
    source = str(manifest_file)
    labels, spec = _pod(workload)
    if not labels:
        raise ScenarioError(source, "metadata.labels", "the pods need labels for the scenario's target")
    containers = [c for c in spec.get("containers") or [] if isinstance(c, Mapping) and c.get("name")]
    if not containers:
        raise ScenarioError(source, "spec.containers", "expected at least one named container")
    victim = containers[0]
    others = [str(c["name"]) for c in containers[1:]]
    policy = spec.get("restartPolicy", "Always") if workload.get("kind") == "Pod" else "Always"
    grace = float(spec.get("terminationGracePeriodSeconds", 30))
    expect: list[dict[str, Any]] = []
    if policy == "Never":
        expect.append({"type": "pod-phase", "phase": "Failed"})
    else:
        expect.append({"type": "restart-count", "container": victim["name"], "delta": 1})
    expect.append(
        {"type": "last-terminated", "container": victim["name"], "reason": "Error", "exitCode": 137}
    )
    expect += [{"type": "restart-count", "container": other, "delta": 0} for other in others]
    probe = victim.get("readinessProbe")
    if isinstance(probe, Mapping) and policy != "Never":
        margin = int(probe.get("initialDelaySeconds", 0)) + 3 * int(probe.get("periodSeconds", 10))
        expect.append({"type": "pod-ready", "within": f"{max(30, margin + 20)}s"})
    empty_dirs = {v["name"] for v in spec.get("volumes") or [] if isinstance(v, Mapping) and "emptyDir" in v}
    if policy != "Never":
        for mount in victim.get("volumeMounts") or []:
            if isinstance(mount, Mapping) and mount.get("name") in empty_dirs and not mount.get("readOnly"):
                path = f"{str(mount['mountPath']).rstrip('/')}/podchaos-token"
                expect.append({"type": "emptydir-kept", "container": victim["name"], "path": path})
    kind = workload.get("kind")
    workload_name = (workload.get("metadata") or {}).get("name", "workload")
    traffic = (
        _traffic(documents or [], labels, probe) if isinstance(probe, Mapping) and policy != "Never" else None
    )
    return {
        "name": name,
        "description": (
            f"Kill {victim['name']} of {kind} {workload_name} with SIGKILL: "
            + ("the pod fails (restartPolicy Never)." if policy == "Never" else "only it restarts.")
        ),
        "tags": ["container-kill"],
        "workload": {"target": {str(k): str(v) for k, v in labels.items()}, "files": [manifest_file]},
        **({"traffic": traffic} if traffic else {}),
        "faults": [{"type": "container-kill", "container": victim["name"], "signal": "SIGKILL"}],
        "expect": expect,
        "timeouts": {"steady": "120s", "observe": f"{int(max(60, grace + 30))}s", "settle": "3s"},
    }


def scaffold(manifest: Path, name: str | None = None, output: Path | None = None) -> Path:
    """Write the scenario for ``manifest`` (beside it unless ``output`` is given); its path."""
    source = str(manifest)
    try:
        documents = [d for d in yaml.safe_load_all(manifest.read_text(encoding="utf-8")) if d is not None]
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(source, "", f"not valid YAML: {exc}") from exc
    workload = _workload(documents, source)
    workload_name = str((workload.get("metadata") or {}).get("name") or "workload")
    name = name or f"{workload_name}-kill"
    if output is not None and not is_scenario_file(output):
        # pytest would never collect it.
        raise ScenarioError(
            str(output),
            "",
            f"pytest collects only files named <name>{SCENARIO_SUFFIXES[0]}: "
            f"give -o {output.with_name(name + SCENARIO_SUFFIXES[0])}",
        )
    target = output or manifest.parent / f"{name}{SCENARIO_SUFFIXES[0]}"
    if target.exists():
        raise ScenarioError(str(target), "", "already exists; not overwritten (give -o FILE)")
    relative = os.path.relpath(manifest.resolve(), target.resolve().parent)
    document = scenario_for(workload, relative, name, documents)
    text = (
        f"# yaml-language-server: $schema={SCHEMA_FILE}\n"
        "# Written by podchaos new; edit to taste. Check: pytest --co "
        + target.name
        + "\n"
        + yaml.safe_dump(document, sort_keys=False, width=100)
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.new")
    temporary.write_text(text, encoding="utf-8")
    try:
        # Checked as pytest would check it, under its final name (the name must match the file's).
        temporary.replace(target)
        load(target)
    except ScenarioError:
        target.unlink(missing_ok=True)
        raise
    schema = target.parent / SCHEMA_FILE
    if not schema.exists():
        # The line above names it: without the file, editors would have nothing to check against.
        schema.write_text(json.dumps(scenario_schema(), indent=2) + "\n", encoding="utf-8")
    return target
