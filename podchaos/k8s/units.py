"""Durations as Kubernetes and kubectl write them (Go's ``1m30s``), parsed by durationpy, the library
the Kubernetes client itself depends on for them."""

from __future__ import annotations

import re

import durationpy

# Go's time.ParseDuration units: durationpy also knows days, weeks, months and years, which no
# Kubernetes field or kubectl flag accepts.
GO_DURATION_RE = r"^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$"
_GO_DURATION = re.compile(GO_DURATION_RE)
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
