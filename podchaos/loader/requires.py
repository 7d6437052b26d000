"""A scenario's ``requires:``: the Kubernetes versions it is written for."""

from __future__ import annotations

from typing import Any

from podchaos.loader.fields import Reader, describe
from podchaos.model.versions import SPEC_HELP, Requirements, parse_version_spec

_REQUIRES_KEYS = {"kubernetes"}


def read_requires(reader: Reader, value: Any) -> Requirements:
    """``requires: {kubernetes: ">=1.35"}``; nothing required when the field is absent."""
    if value is None:
        return Requirements()
    data = reader.mapping(value, "requires")
    reader.unknown_keys(data, _REQUIRES_KEYS, "requires")
    if "kubernetes" not in data:
        return Requirements()
    spec = data["kubernetes"]
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        # YAML reads an unquoted 1.30 as the number 1.3: the spec must be a string.
        raise reader.fail(
            "requires.kubernetes",
            f'expected a quoted string such as ">=1.35", got the number {spec!r} (quote it: YAML reads '
            "1.30 as 1.3)",
        )
    if not isinstance(spec, str):
        raise reader.fail("requires.kubernetes", f"expected {SPEC_HELP}, got {describe(spec)}")
    try:
        return Requirements(kubernetes=parse_version_spec(spec))
    except ValueError as exc:
        raise reader.fail("requires.kubernetes", str(exc)) from None
