"""Project-wide test setup: run the fast layers first so a broken unit fails before the cluster starts,
and the tests that stop or kill the cluster itself (marked ``disruptive``) after everything else."""

from __future__ import annotations

import pytest

_ORDER = ("tests/unit", "tests/plugin", "tests/e2e")


def _rank(item: pytest.Item) -> tuple[int, int]:
    path = str(item.path)
    layer = next((index for index, part in enumerate(_ORDER) if f"/{part}/" in path), len(_ORDER))
    return (item.get_closest_marker("disruptive") is not None, layer)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)
