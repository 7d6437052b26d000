"""The ``podchaos`` command: the embedded local cluster, scenario files, leftovers of killed runs,
reports."""

from __future__ import annotations

from podchaos.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
