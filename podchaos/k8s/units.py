"""Durations as Kubernetes and kubectl write them (Go's ``1m30s``), parsed by durationpy, the library
the Kubernetes client itself depends on for them."""

from __future__ import annotations

import math
import re

import durationpy

# Go's time.ParseDuration units: durationpy also knows days, weeks, months and years, which no
# Kubernetes field or kubectl flag accepts.
GO_DURATION_RE = r"^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$"
_GO_DURATION = re.compile(GO_DURATION_RE)
_INT64_MAX = 2**63 - 1
_SECONDS = re.compile(r"^\d+(\.\d+)?$")


def seconds_of(text: str) -> float | None:
    """Seconds in ``text``: a Go duration (``1m30s``, ``500ms``, ``1.5h``) or a plain number of
    seconds (``90``); None when it is neither (negative ones included)."""
    text = text.strip()
    if _SECONDS.match(text):
        return float(text)
    if not _GO_DURATION.match(text):
        return None
    try:
        return float(durationpy.from_str(text).total_seconds())
    except (OverflowError, ValueError):  # durationpy's DurationError is a ValueError
        return None


def bytes_of(quantity: str) -> int | None:
    """The number of bytes a Kubernetes quantity (``32Mi``, ``1G``, ``500k``, ``1e3``) stands for,
    rounded up as Kubernetes rounds byte amounts, parsed by the Kubernetes client's own
    ``parse_quantity``; None when it is not a quantity, is negative or is past int64."""
    # Imported here: kubernetes.utils pulls in the whole client (0.2 s), which only a scenario with a
    # byte quantity needs at load time.
    from kubernetes.utils import parse_quantity

    try:
        value = parse_quantity(quantity.strip())
    except (ValueError, ArithmeticError):  # decimal's InvalidOperation is an ArithmeticError
        return None
    # Past int64 (what Kubernetes stores) is no byte amount; ceil of 1e99999999999 would not fit in memory.
    return math.ceil(value) if 0 <= value <= _INT64_MAX else None
