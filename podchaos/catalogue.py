"""Find scenario files and pick them by name or glob.

The discovery rule: a scenario file is named ``<name>.scenario.yaml`` (or ``.scenario.yml``), and the
scenario inside is called ``<name>``. Any other YAML file (a workload a scenario reads with
``files: [workload.yaml]``, a kind config, a Helm values file) is never taken for a scenario.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from podchaos.errors import ScenarioError, UnknownScenario, UsageProblem

if TYPE_CHECKING:
    from podchaos.model import Scenario

SCENARIO_SUFFIXES = (".scenario.yaml", ".scenario.yml")
"""What a scenario file's name ends with (the first is the one to use)."""

SCENARIO_GLOB = "*.scenario.yaml"


def builtin_scenario_dir() -> Path:
    """The catalogue shipped with podchaos: ``podchaos/scenarios`` when installed from a wheel, else
    the source checkout's ``scenarios/`` (an editable install)."""
    package = Path(__file__).resolve().parent
    installed = package / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def is_scenario_file(path: Path) -> bool:
    """Whether the name says scenario file: ``<name>.scenario.yaml`` or ``<name>.scenario.yml``."""
    return scenario_name(path) != ""


def scenario_name(path: Path) -> str:
    """The scenario name a file's name gives (``sidecar-kill.scenario.yaml`` -> ``sidecar-kill``), or
    ``""`` for a file that is not a scenario file."""
    for suffix in SCENARIO_SUFFIXES:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            return path.name[: -len(suffix)]
    return ""


# Top-level keys every scenario file has and a Kubernetes manifest never does.
_SCENARIO_KEYS = re.compile(r"^faults:", re.MULTILINE), re.compile(r"^expect:", re.MULTILINE)


def misnamed_scenario(path: Path) -> str | None:
    """Why ``path``, a YAML file that is not named as a scenario file, looks like one that pytest
    silently leaves out (top-level ``faults:`` and ``expect:``); None when it does not."""
    if path.suffix not in {".yaml", ".yml"} or is_scenario_file(path):
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not all(key.search(text) for key in _SCENARIO_KEYS):
        return None
    return (
        f"{path.name} has faults: and expect: but is not collected: scenario files are named "
        f"<name>{SCENARIO_SUFFIXES[0]} (rename it {path.stem}{SCENARIO_SUFFIXES[0]})"
    )


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files directly in ``directory``, sorted by name."""
    return sorted(path for path in directory.iterdir() if is_scenario_file(path) and path.is_file())


def check_directory(directory: Path) -> list[Path]:
    """The directory's scenario files; a missing directory, or one without scenario files, is a
    :class:`UsageProblem` (a mistyped path must not turn into a run that checks nothing)."""
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise UsageProblem(f"scenario directory {directory} {what}")
    files = scenario_files(directory)
    if not files:
        others = sorted(p.name for p in directory.iterdir() if p.suffix in {".yaml", ".yml"})
        hint = (
            f" (found {', '.join(others[:5])}{', ...' if len(others) > 5 else ''}: scenario files are named "
            f"<name>{SCENARIO_SUFFIXES[0]})"
            if others
            else f" (scenario files are named <name>{SCENARIO_SUFFIXES[0]})"
        )
        raise UsageProblem(f"scenario directory {directory} holds no scenario files{hint}")
    return files


def discover(directories: Iterable[Path]) -> dict[str, Path]:
    """Scenario name -> file, over the given directories, sorted by name.

    Every directory must exist and hold scenario files; two files with the same scenario name (in one
    directory, ``x.scenario.yaml`` and ``x.scenario.yml``, or in two) are a :class:`UsageProblem`
    naming both, never one silently replacing the other.
    """
    found: dict[str, Path] = {}
    for directory in dict.fromkeys(directories):
        for path in check_directory(directory):
            name = scenario_name(path)
            if name in found:
                raise UsageProblem(
                    f"two scenarios are named {name!r}: {found[name]} and {path}; rename one "
                    "(a clash with the built-in catalogue: or leave it out with --podchaos-builtin=no)"
                )
            found[name] = path
    return dict(sorted(found.items()))


def load(path: Path) -> Scenario:
    """Load and validate a scenario file, whose ``name`` must be the one its file name gives."""
    from podchaos.loader import load_scenario

    scenario = load_scenario(path)
    expected = scenario_name(path)
    if expected and scenario.name != expected:
        raise ScenarioError(
            str(path), "name", f"must match the file name {expected!r}, got {scenario.name!r}"
        )
    return scenario


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
