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
