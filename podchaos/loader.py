"""Scenario files (YAML) to :class:`~podchaos.model.Scenario`, with precise errors.

Every problem is reported as a :class:`~podchaos.errors.ScenarioError` naming the file,
the field path (``faults[0].signal``) and what was expected, before anything touches a cluster.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

from podchaos.errors import ScenarioError
from podchaos.model import EXPECTATION_TYPES, FAULT_TYPES, FaultSpec, Manifest, PodDelete, Scenario, Workload
from podchaos.model.expectations import Eviction
from podchaos.model.scenario import freeze

SpecT = TypeVar("SpecT")
# libyaml's safe loader when PyYAML was built with it: ten times faster on manifests-heavy scenarios.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str) -> float | None:
    """Seconds in ``text`` ('90', '30s', '2m', '1.5h', '500ms'), or None when it is not a duration."""
    match = _DURATION_RE.match(text.strip())
    return None if match is None else float(match.group(1)) * _DURATION_UNITS[match.group(2)]


_DURATION_FIELDS = {"grace_period", "within", "steady_timeout", "observe_timeout", "settle"}
_AT_LEAST = {"repeat": 1, "restarts": 1}
_POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
_SCENARIO_KEYS = {"name", "description", "workload", "faults", "expect", "timeouts", "tags"}


def camel(name: str) -> str:
    """The YAML key for a Python field name: ``exit_code`` -> ``exitCode``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Reader:
    """Walks YAML data keeping the file and field path for error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> ScenarioError:
        return ScenarioError(self.source, path, problem)

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a mapping, got {_describe(value)}")
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_describe(value)}")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"expected a non-empty string, got {_describe(value)}")
        return value

    def duration(self, value: Any, path: str) -> float:
        if isinstance(value, bool):
            raise self.fail(path, f"expected a duration (seconds, or '30s', '2m', '500ms'), got {value!r}")
        if isinstance(value, int | float):
            seconds = float(value)
        else:
            parsed = parse_duration(str(value))
            if parsed is None:
                raise self.fail(
                    path, f"expected a duration (seconds, or '30s', '2m', '500ms'), got {value!r}"
                )
            seconds = parsed
        if seconds < 0:
            raise self.fail(path, f"expected a duration >= 0, got {value!r}")
        return seconds

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            where = f"{path}." if path else ""
            raise self.fail(
                f"{where}{unknown[0]}", f"unknown field; expected one of: {', '.join(sorted(allowed))}"
            )

    def spec(self, data: Any, path: str, registry: Mapping[str, type[SpecT]], what: str) -> SpecT:
        """Build a frozen spec dataclass from ``{type: ..., field: ...}`` checking each field's type."""
        data = self.mapping(data, path)
        kind = data.get("type")
        if kind not in registry:
            raise self.fail(
                f"{path}.type", f"expected a {what} type, one of: {', '.join(registry)}; got {kind!r}"
            )
        cls = registry[kind]
        hints = typing.get_type_hints(cls)
        fields = {camel(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        self.unknown_keys(data, {"type", *fields}, path)
        values: dict[str, Any] = {}
        for key, spec_field in fields.items():
            field_path = f"{path}.{key}"
            if key not in data:
                if spec_field.default is dataclasses.MISSING:
                    raise self.fail(field_path, f"required for {what} {kind!r}")
                continue
            values[spec_field.name] = self.typed(
                data[key], hints[spec_field.name], field_path, spec_field.name
            )
        return cls(**values)

    def typed(self, value: Any, hint: Any, path: str, name: str) -> Any:
        origin = get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            options = [arg for arg in get_args(hint) if arg is not type(None)]
            if value is None:
                return None
            return self.typed(value, options[0], path, name)
        if origin is Literal:
            choices = get_args(hint)
            if value not in choices:
                raise self.fail(path, f"expected one of {', '.join(map(str, choices))}; got {value!r}")
            return value
        if name in _DURATION_FIELDS or hint is float:
            return self.duration(value, path)
        if hint is bool:
            if not isinstance(value, bool):
                raise self.fail(path, f"expected true or false, got {_describe(value)}")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(path, f"expected an integer, got {_describe(value)}")
            least = _AT_LEAST.get(name, 0)
            if value < least:
                raise self.fail(path, f"expected an integer of at least {least}, got {value}")
            return value
        if hint is str:
            return self.string(value, path)
        raise self.fail(path, f"unsupported field type {hint!r}")  # a podchaos bug, not the user's


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file: {exc.strerror}") from exc
    return parse_scenario(text, source, base_dir=path.parent)


def parse_scenario(text: str, source: str, base_dir: Path | None = None) -> Scenario:
    """Validate scenario YAML text; ``source`` names it in errors, ``base_dir`` resolves workload files."""
    reader = _Reader(source)
    try:
        raw = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(source, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    data = reader.mapping(raw, "(document)")
    reader.unknown_keys(data, _SCENARIO_KEYS, "")
    name = reader.string(data.get("name"), "name")
    if not _NAME_RE.match(name):
        raise reader.fail(
            "name", f"expected lowercase letters, digits and '-' (like sidecar-kill), got {name!r}"
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise reader.fail("description", f"expected a string, got {_describe(description)}")
    workload = _workload(reader, data.get("workload"), base_dir)
    faults = tuple(
        reader.spec(item, f"faults[{index}]", FAULT_TYPES, "fault")
        for index, item in enumerate(reader.sequence(data.get("faults"), "faults"))
    )
    if not faults:
        raise reader.fail("faults", "expected at least one fault")
    expectations = tuple(
        reader.spec(item, f"expect[{index}]", EXPECTATION_TYPES, "expectation")
        for index, item in enumerate(reader.sequence(data.get("expect"), "expect"))
    )
    if not expectations:
        raise reader.fail("expect", "expected at least one expectation")
    _check_containers(reader, workload, faults, "faults")
    _check_pod_deletes(reader, faults)
    _check_containers(reader, workload, expectations, "expect")
    _check_evictions(reader, expectations)
    timeouts = reader.mapping(data.get("timeouts", {}), "timeouts")
    reader.unknown_keys(timeouts, {"steady", "observe", "settle"}, "timeouts")
    tags = data.get("tags", [])
    tag_list = [reader.string(tag, f"tags[{i}]") for i, tag in enumerate(reader.sequence(tags, "tags"))]
    return Scenario(
        name=name,
        description=description,
        source=source,
        workload=workload,
        faults=faults,
        expectations=expectations,
        steady_timeout=reader.duration(timeouts.get("steady", 120), "timeouts.steady"),
        observe_timeout=reader.duration(timeouts.get("observe", 120), "timeouts.observe"),
        settle=reader.duration(timeouts.get("settle", 3), "timeouts.settle"),
        tags=tuple(tag_list),
    )


def pod_specs(manifest: Manifest) -> list[Mapping[str, Any]]:
    """The pod specs a manifest creates: a Pod's own, a controller's template (a CronJob's job's)."""
    body = manifest.body
    if manifest.kind == "Pod":
        spec = body.get("spec")
    elif manifest.kind in _POD_TEMPLATE_KINDS:
        spec = body.get("spec", {}).get("template", {}).get("spec")
    elif manifest.kind == "CronJob":
        spec = body.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    else:
        return []
    return [spec] if isinstance(spec, Mapping) else []


def _check_containers(reader: _Reader, workload: Workload, specs: tuple[Any, ...], section: str) -> None:
    """A fault or expectation naming a container the workload does not have fails before deploying."""
    names: list[str] = []
    for manifest in workload.manifests:
        for spec in pod_specs(manifest):
            for key in ("initContainers", "containers"):
                names += [str(c.get("name")) for c in spec.get(key, ()) if isinstance(c, Mapping)]
    if not names:
        return  # only custom kinds: nothing to check against
    for index, spec in enumerate(specs):
        container = getattr(spec, "container", None)
        if container is not None and container not in names:
            raise reader.fail(
                f"{section}[{index}].container",
                f"expected a container of the workload ({', '.join(dict.fromkeys(names))}),"
                f" got {container!r}",
            )


def _check_pod_deletes(reader: _Reader, faults: tuple[FaultSpec, ...]) -> None:
    """A pod-delete grace period the API would round into another fault fails before deploying."""
    for index, fault in enumerate(faults):
        if isinstance(fault, PodDelete) and (problem := fault.grace_problem()) is not None:
            raise reader.fail(f"faults[{index}].gracePeriod", problem)


def _check_evictions(reader: _Reader, expectations: tuple[Any, ...]) -> None:
    """``refusedFirst`` says how an allowed eviction went; with ``outcome: refused`` it means nothing."""
    for index, spec in enumerate(expectations):
        if isinstance(spec, Eviction) and spec.outcome == "refused" and spec.refused_first is not None:
            raise reader.fail(
                f"expect[{index}].refusedFirst",
                "only with outcome 'evicted' (a refused eviction is refused at every attempt)",
            )


def _workload(reader: _Reader, raw: Any, base_dir: Path | None) -> Workload:
    data = reader.mapping(raw, "workload")
    reader.unknown_keys(data, {"manifests", "files", "target"}, "workload")
    documents: list[tuple[str, Any]] = [
        (f"workload.manifests[{i}]", item)
        for i, item in enumerate(reader.sequence(data.get("manifests", []), "workload.manifests"))
    ]
    for i, name in enumerate(reader.sequence(data.get("files", []), "workload.files")):
        path = (base_dir or Path.cwd()) / reader.string(name, f"workload.files[{i}]")
        try:
            loaded = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER))
        except OSError as exc:
            raise reader.fail(f"workload.files[{i}]", f"cannot read {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise reader.fail(f"workload.files[{i}]", f"{path} is not valid YAML: {exc}") from exc
        documents += [
            (f"workload.files[{i}] ({path.name} document {j})", doc) for j, doc in enumerate(loaded) if doc
        ]
    if not documents:
        raise reader.fail("workload", "expected 'manifests' or 'files' with at least one Kubernetes object")
    manifests = tuple(_manifest(reader, path, doc) for path, doc in documents)
    target_raw = reader.mapping(data.get("target"), "workload.target")
    if not target_raw:
        raise reader.fail("workload.target", "expected at least one label, like {app: web}")
    target = {str(k): reader.string(str(v), f"workload.target.{k}") for k, v in target_raw.items()}
    return Workload(manifests=manifests, target=freeze(target))


def _manifest(reader: _Reader, path: str, doc: Any) -> Manifest:
    body = reader.mapping(doc, path)
    api_version = reader.string(body.get("apiVersion"), f"{path}.apiVersion")
    kind = reader.string(body.get("kind"), f"{path}.kind")
    metadata = reader.mapping(body.get("metadata"), f"{path}.metadata")
    name = reader.string(metadata.get("name"), f"{path}.metadata.name")
    if "namespace" in metadata:
        raise reader.fail(f"{path}.metadata.namespace", "must be left out: each run gets its own namespace")
    return Manifest(api_version=api_version, kind=kind, name=name, body=freeze(body))
