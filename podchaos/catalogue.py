"""Find scenario files and pick them by name or glob."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import Path

from podchaos.errors import ScenarioError, UnknownScenario

SCENARIO_SUFFIXES = (".yaml", ".yml")


def builtin_scenario_dir() -> Path:
    """The catalogue shipped with podchaos: ``podchaos/scenarios`` when installed from a wheel, else
    the source checkout's ``scenarios/`` (an editable install)."""
    package = Path(__file__).resolve().parent
    installed = package / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def discover(directories: Iterable[Path]) -> dict[str, Path]:
    """Scenario name (file stem) -> file, over the given directories; a later directory wins a name clash."""
    found: dict[str, Path] = {}
    for directory in directories:
        if not directory.is_dir():
            raise ScenarioError(str(directory), "", "scenario directory does not exist")
        for path in sorted(directory.iterdir()):
            if path.suffix in SCENARIO_SUFFIXES and path.is_file():
                found[path.stem] = path
    return found


def select(patterns: Sequence[str], available: dict[str, Path]) -> list[Path]:
    """Files whose names match any pattern (``fnmatch`` globs), in catalogue order, each once.

    Raises :class:`UnknownScenario` for a pattern that matches nothing, with close matches.
    """
    chosen: dict[str, Path] = {}
    names = sorted(available)
    for pattern in patterns:
        matches = fnmatch.filter(names, pattern)
        if not matches:
            close = difflib.get_close_matches(pattern, names, n=3, cutoff=0.5)
            raise UnknownScenario(pattern, close, names)
        for name in matches:
            chosen[name] = available[name]
    return [chosen[name] for name in names if name in chosen]
