"""Every module of podchaos sits in a layer of an import-linter layers contract: the top-level modules
and packages in the flow's contract, every other module in its own package's contract. A module in no
layer is checked by no contract, so lint-imports would pass whatever it imports; this test makes a new
module name its place.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "podchaos"


def modules_of(root: Path) -> list[str]:
    """Every module and package under ``root/podchaos`` by dotted name (a package by its own name,
    not its ``__init__``); folders without Python (the Go sources) hold none."""
    names = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:
            names.append(".".join(parts))
    return names


def placed_by(contracts: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Container -> the names its layers contracts place; the contract without containers is the
    flow's, rooted at podchaos and naming modules in full."""
    placed: dict[str, set[str]] = {}
    for contract in contracts:
        if contract["type"] != "layers":
            continue
        # "a | b" (independent), "a : b" (not), "(a)" (optional) all place their modules.
        names = {name.strip(" ()\n") for layer in contract["layers"] for name in re.split(r"[|:]", layer)}
        for container in contract.get("containers", [PACKAGE]):
            prefix = f"{container}."
            placed.setdefault(container, set()).update(name.removeprefix(prefix) for name in names if name)
    return placed


def unplaced(modules: Sequence[str], placed: Mapping[str, set[str]]) -> list[str]:
    """The modules that no layers contract of their package places."""
    missing = []
    for module in modules:
        container, _, name = module.rpartition(".")
        if name not in placed.get(container, set()):
            missing.append(module)
    return missing


def importlinter_contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_podchaos_module_belongs_to_a_layer() -> None:
    modules = modules_of(ROOT)
    assert "podchaos.engine.run" in modules
    assert "podchaos.cluster.local" in modules
    assert unplaced(modules, placed_by(importlinter_contracts())) == []


def test_a_module_in_no_layer_is_found() -> None:
    placed = placed_by(
        [
            {"type": "layers", "layers": ["podchaos.cli", "podchaos.engine | podchaos.errors"]},
            {"type": "layers", "containers": ["podchaos.engine"], "layers": ["run", "plan : phases"]},
            {"type": "forbidden", "source_modules": ["podchaos.stray"]},
        ]
    )
    modules = ["podchaos.cli", "podchaos.engine", "podchaos.engine.run", "podchaos.engine.phases"]
    assert unplaced(modules, placed) == []
    assert unplaced([*modules, "podchaos.stray", "podchaos.engine.new"], placed) == [
        "podchaos.stray",
        "podchaos.engine.new",
    ]
    # A package's modules need the package's own contract, not only a place for the package.
    assert unplaced(["podchaos.cli.main"], placed) == ["podchaos.cli.main"]
