"""A JSON Schema (draft 2020-12) for scenario files, generated from the model and the loader's rules.

Faults and expectations come from the model's spec dataclasses (``FAULT_TYPES``,
``EXPECTATION_TYPES``): each field's YAML key, type, choices, integer bounds and durations, exactly as
the loader reads them. Editors use it through yaml-language-server::

    # yaml-language-server: $schema=podchaos-scenario.schema.json

The schema catches the shape (unknown keys, types, choices, bounds); the loader checks more (container
names against the workload, targets that select a pod template, contradictory expectations), so a file
the schema accepts can still be refused, never the reverse.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from podchaos.k8s.units import GO_DURATION_RE
from podchaos.loader.fields import _DURATION_FIELDS, _INT_RANGE_DEFAULT, _INT_RANGES, MAX_DURATION, camel
from podchaos.model import EXPECTATION_TYPES, FAULT_TYPES
from podchaos.model.repetitions import REPETITION_TYPES
from podchaos.model.versions import VERSION_SPEC_PATTERN

SCHEMA_ID = "https://podchaos.dev/schemas/scenario.schema.json"

DURATION: dict[str, Any] = {
    "description": "seconds, or a Go duration such as '30s', '2m', '1m30s', '500ms', '1.5h' (at most 24h)",
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": MAX_DURATION},
        {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
        {"type": "string", "pattern": GO_DURATION_RE},
    ],
}


def _field_schema(hint: Any, name: str) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        inner = _field_schema(options[0], name)
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if name in _DURATION_FIELDS or hint is float:
        return dict(DURATION)
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        least, most = _INT_RANGES.get(name, _INT_RANGE_DEFAULT)
        return {"type": "integer", "minimum": least, "maximum": most}
    if hint is str:
        return {"type": "string", "minLength": 1}
    if origin is tuple:  # tuple[X, ...]: a list of X
        return {"type": "array", "items": _field_schema(get_args(hint)[0], name)}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _object_schema(hint)  # a nested section: a fault's ``when``
    raise TypeError(f"no schema for field {name} of type {hint!r}")


def _object_schema(cls: type[Any], fixed: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A dataclass as an object: its camelCase fields (after ``fixed`` ones), the required ones."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = dict(fixed or {})
    required = list(properties)
    for spec_field in dataclasses.fields(cls):
        key = camel(spec_field.name)
        properties[key] = _field_schema(hints[spec_field.name], spec_field.name)
        if spec_field.default is dataclasses.MISSING and spec_field.default_factory is dataclasses.MISSING:
            required.append(key)
    doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    return {
        "description": doc,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def spec_schema(kind: str, cls: type[Any]) -> dict[str, Any]:
    """The schema of one fault or expectation type: ``type`` fixed, its fields, the required ones."""
    return {"title": kind, **_object_schema(cls, {"type": {"const": kind}})}


def _one_of(registry: Mapping[str, type[Any]]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(registry)}},
        "oneOf": [spec_schema(kind, cls) for kind, cls in registry.items()],
    }


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "podchaos scenario",
        "description": "A pod-lifecycle chaos scenario: <name>.scenario.yaml",
        "type": "object",
        "required": ["workload", "faults", "expect"],
        "additionalProperties": False,
        "properties": {
            "name": {
                "description": "the scenario's name; must match the file name (<name>.scenario.yaml),"
                " which names it when it is left out",
                "type": "string",
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            },
            "description": {"type": "string"},
            "tags": {
                "description": "pytest markers: -m TAG",
                "type": "array",
                "items": {"type": "string", "minLength": 1},
            },
            "workload": {
                "type": "object",
                "required": ["target"],
                "additionalProperties": False,
                "properties": {
                    "target": {
                        "description": "labels of the pods under test",
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "string"},
                    },
                    "manifests": {
                        "description": "Kubernetes objects to deploy",
                        "type": "array",
                        "items": {"type": "object", "required": ["apiVersion", "kind"]},
                    },
                    "files": {
                        "description": "manifest files next to the scenario file",
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                    },
                    "helm": {
                        "description": "a chart rendered with helm template (paths relative to this file)",
                        "type": "object",
                        "required": ["chart"],
                        "additionalProperties": False,
                        "properties": {
                            "chart": {"type": "string", "minLength": 1},
                            "release": {"type": "string", "minLength": 1},
                            "values": {
                                "oneOf": [
                                    {"type": "string", "minLength": 1},
                                    {"type": "array", "items": {"type": "string", "minLength": 1}},
                                ]
                            },
                            "set": {"type": "object"},
                        },
                    },
                    "kustomize": {
                        "description": "a kustomization directory rendered with kubectl kustomize",
                        "type": "string",
                        "minLength": 1,
                    },
                    "namespace": {
                        "description": "attach to a workload that already runs in this namespace (no "
                        "manifests or files): nothing is deployed; it must be allowed with "
                        "--podchaos-allow-namespace",
                        "type": "string",
                        "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
                    },
                    "pods": {
                        "description": "attached: which selected pods each fault takes: one (at random), "
                        "all, a count, or a percentage like '50%'",
                        "oneOf": [
                            {"enum": ["one", "all"]},
                            {"type": "integer", "minimum": 1},
                            {"type": "string", "pattern": "^[0-9]{1,3}%$"},
                        ],
                    },
                    "maxPods": {
                        "description": "attached: refuse a target selecting more pods than this",
                        "type": "integer",
                        "minimum": 1,
                    },
                },
            },
            "traffic": {"description": "a traffic probe (checked by the loader)", "type": "object"},
            "faults": {"type": "array", "minItems": 1, "items": _one_of(FAULT_TYPES)},
            "expect": {"type": "array", "minItems": 1, "items": _one_of(EXPECTATION_TYPES)},
            "requires": {
                "description": "what the scenario needs of the cluster; on a cluster without it the "
                "scenario is skipped with the reason",
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "kubernetes": {
                        "description": 'Kubernetes versions, such as ">=1.35" or ">=1.34, <1.37" (quoted)',
                        "type": "string",
                        "pattern": VERSION_SPEC_PATTERN,
                    }
                },
            },
            "repeat": {
                "description": "run the scenario at least this many times (--podchaos-repeat may ask more)",
                "type": "integer",
                "minimum": 1,
                "maximum": 100,
            },
            "repetitions": {
                "description": "expectations judged over all of the scenario's runs together",
                "type": "array",
                "items": _one_of(REPETITION_TYPES),
            },
            "timeouts": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"steady": DURATION, "observe": DURATION, "settle": DURATION},
            },
        },
    }
