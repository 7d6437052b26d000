"""Typed reading of YAML data into the frozen spec dataclasses, keeping the field path for every error."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

from podchaos.errors import ScenarioError
from podchaos.k8s.units import seconds_of
from podchaos.loader.known import EVENT_REASONS, TERMINATION_REASONS, did_you_mean, misspelling_of
from podchaos.loader.yamlsafe import scenario_error
from podchaos.model.controllers import JOB_REASONS, JobOutcome
from podchaos.model.expectations import EventSeen, LastTerminated

SpecT = TypeVar("SpecT")

_DURATION_FIELDS = {"grace_period", "within", "steady_timeout", "observe_timeout", "settle"}
MAX_DURATION = 24 * 3600.0
"""A day: longer than any scenario phase, short enough that every wait and sleep stays representable."""

# Inclusive bounds by field name. repeat and restarts drive real kills and back-offs (minutes each at the
# top); an exit code is a byte; the rest only need to stay ordinary integers.
_INT_RANGES = {
    "repeat": (1, 100),
    "restarts": (1, 100),
    "exit_code": (0, 255),
    "delta": (0, 1000),
    "count": (0, 10_000),
    "pods": (1, 1000),
    "failed": (0, 10_000),
}
_INT_RANGE_DEFAULT = (0, 2**31 - 1)

# Free-text fields checked for misspellings of the reasons Kubernetes uses.
_KNOWN_VALUES: dict[tuple[type, str], tuple[str, ...]] = {
    (LastTerminated, "reason"): TERMINATION_REASONS,
    (EventSeen, "reason"): EVENT_REASONS,
    (JobOutcome, "reason"): JOB_REASONS,
}


def parse_duration(text: str) -> float | None:
    """Seconds in ``text`` ('90', '30s', '2m', '1m30s', '1.5h', '500ms'), or None when it is not a
    duration: Go's duration syntax, as Kubernetes and kubectl write them."""
    return seconds_of(text)


def camel(name: str) -> str:
    """The YAML key for a Python field name: ``exit_code`` -> ``exitCode``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def describe(value: Any) -> str:
    """A value as an error message shows it: its YAML kind, and short scalars themselves."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    shown = repr(value)
    return f"{type(value).__name__} {shown[:60]}{'...' if len(shown) > 60 else ''}"


class Reader:
    """Walks YAML data keeping the file and field path for error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> ScenarioError:
        return scenario_error(self.source, path, problem)

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a mapping, got {describe(value)}")
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {describe(value)}")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"expected a non-empty string, got {describe(value)}")
        return value

    def duration(self, value: Any, path: str) -> float:
        expected = "expected a duration (seconds, or '30s', '2m', '500ms')"
        if isinstance(value, bool):
            raise self.fail(path, f"{expected}, got {value!r}")
        if not isinstance(value, int | float | str):
            raise self.fail(path, f"{expected}, got {describe(value)}")
        if isinstance(value, str):
            parsed = parse_duration(value)
            if parsed is None:
                raise self.fail(path, f"{expected}, got {value!r}")
            seconds = parsed
        else:
            # abs() first: a huge integer does not convert to float, and NaN compares False.
            seconds = float(value) if abs(value) <= MAX_DURATION else math.inf
        if not math.isfinite(seconds) or seconds > MAX_DURATION:
            raise self.fail(path, f"expected a duration of at most 24h, got {value!r}")
        if seconds < 0:
            raise self.fail(path, f"expected a duration >= 0, got {value!r}")
        return seconds

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        unknown = sorted(str(key) for key in set(data) - allowed)
        if unknown:
            where = f"{path}." if path else ""
            hint = did_you_mean(unknown[0], allowed)
            raise self.fail(
                f"{where}{unknown[0]}", f"unknown field{hint}; expected one of: {', '.join(sorted(allowed))}"
            )

    def spec(self, data: Any, path: str, registry: Mapping[str, type[SpecT]], what: str) -> SpecT:
        """Build a frozen spec dataclass from ``{type: ..., field: ...}`` checking each field's type."""
        data = self.mapping(data, path)
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in registry:
            raise self.fail(
                f"{path}.type",
                f"expected a {what} type, one of: {', '.join(registry)}; got {describe(kind)}"
                f"{did_you_mean(kind, registry)}",
            )
        return self.build(registry[kind], data, path, f"{what} {kind!r}", {"type"})

    def build(self, cls: type[SpecT], data: Mapping[str, Any], path: str, what: str, keys: set[str]) -> SpecT:
        """A frozen dataclass from a mapping of its camelCase fields (and ``keys`` read elsewhere)."""
        hints = typing.get_type_hints(cls)
        fields = {camel(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        self.unknown_keys(data, {*keys, *fields}, path)
        values: dict[str, Any] = {}
        for key, spec_field in fields.items():
            field_path = f"{path}.{key}"
            if key not in data:
                if spec_field.default is dataclasses.MISSING:
                    raise self.fail(field_path, f"required for {what}")
                continue
            value = self.field_value(data[key], hints[spec_field.name], field_path, spec_field.name)
            known = _KNOWN_VALUES.get((cls, spec_field.name))
            if known and isinstance(value, str) and (meant := misspelling_of(value, known)):
                raise self.fail(field_path, f"unknown reason {value!r}; did you mean {meant}?")
            values[spec_field.name] = value
        return cls(**values)

    def compound(self, value: Any, hint: Any, path: str, name: str) -> Any:
        """An optional value (``X | None``: YAML null is None) or a list (``tuple[X, ...]``)."""
        if get_origin(hint) is tuple:
            item_hint = get_args(hint)[0]
            items = self.sequence(value, path)
            return tuple(self.typed(item, item_hint, f"{path}[{i}]", name) for i, item in enumerate(items))
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        return None if value is None else self.typed(value, options[0], path, name)

    def field_value(self, value: Any, hint: Any, path: str, name: str) -> Any:
        """A field's value: a nested section (a fault's ``when``) is built with its own fields, checked
        the same way; anything else is typed."""
        nested = _nested_section(hint)
        if nested is not None and value is not None:
            return self.build(nested, self.mapping(value, path), path, path.rsplit(".", 1)[-1], set())
        return self.typed(value, hint, path, name)

    def typed(self, value: Any, hint: Any, path: str, name: str) -> Any:
        origin = get_origin(hint)
        if origin in (typing.Union, types.UnionType, tuple):
            return self.compound(value, hint, path, name)
        if origin is Literal:
            choices = get_args(hint)
            if not isinstance(value, str) or value not in choices:
                raise self.fail(
                    path,
                    f"expected one of {', '.join(map(str, choices))};"
                    f" got {repr(value) if isinstance(value, str) else describe(value)}"
                    f"{did_you_mean(value, choices)}",
                )
            return value
        if name in _DURATION_FIELDS or hint is float:
            return self.duration(value, path)
        if hint is bool:
            if not isinstance(value, bool):
                raise self.fail(path, f"expected true or false, got {describe(value)}")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(path, f"expected an integer, got {describe(value)}")
            least, most = _INT_RANGES.get(name, _INT_RANGE_DEFAULT)
            if not least <= value <= most:
                shown = value if abs(value) < 10**12 else f"{value:.3g}"
                raise self.fail(path, f"expected an integer from {least} to {most}, got {shown}")
            return value
        if hint is str:
            return self.string(value, path)
        raise self.fail(path, f"unsupported field type {hint!r}")  # a podchaos bug, not the user's


def _nested_section(hint: Any) -> type[Any] | None:
    """The dataclass a field of type ``X`` or ``X | None`` holds, if X is one."""
    options = [arg for arg in get_args(hint) if arg is not type(None)] if get_origin(hint) else [hint]
    first = options[0] if len(options) == 1 else None
    return first if isinstance(first, type) and dataclasses.is_dataclass(first) else None
