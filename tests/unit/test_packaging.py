"""The wheel carries every package and the scenario catalogue, so `pip install podchaos` is enough."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from setuptools import find_namespace_packages, find_packages

from podchaos import catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_the_listed_packages_are_every_package_plus_the_catalogue() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    # The Go sources' folders are listed too (as data packages), or `python -m build` warns about them.
    go_sources = find_namespace_packages(where=str(ROOT), include=["podchaos.cluster.local.gosrc*"])
    packages = find_packages(where=str(ROOT), include=["podchaos*"])
    assert listed == {*packages, *go_sources, "podchaos.scenarios"}
    assert setuptools["package-dir"] == {"podchaos.scenarios": "scenarios"}
    assert setuptools["package-data"]["podchaos.scenarios"] == ["*.yaml"]


def test_an_installed_catalogue_is_found_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "podchaos"
    (package / "scenarios").mkdir(parents=True)
    monkeypatch.setattr(catalogue, "__file__", str(package / "catalogue.py"))
    assert catalogue.builtin_scenario_dir() == package / "scenarios"


def test_a_source_checkout_uses_the_top_level_catalogue() -> None:
    assert catalogue.builtin_scenario_dir() == ROOT / "scenarios"


def test_test_modules_have_unique_names_across_the_layers() -> None:
    # The test layers are imported by bare module name (no __init__.py: rootdir-less import mode),
    # so two test files of one name in tests/unit and tests/e2e stop the whole session at collection.
    seen: dict[str, Path] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "conftest.py" or "fake_" in str(path.parent.name):
            continue
        other = seen.setdefault(path.name, path)
        assert other == path, f"{path.relative_to(ROOT)} and {other.relative_to(ROOT)} share a module name"
