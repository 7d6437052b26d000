"""Project-wide test setup: run the fast layers first so a broken unit fails before the cluster starts."""

from __future__ import annotations

import pytest

_ORDER = ("tests/unit", "tests/plugin", "tests/e2e")


def _rank(item: pytest.Item) -> int:
    path = str(item.path)
    return next((index for index, part in enumerate(_ORDER) if f"/{part}/" in path), len(_ORDER))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)
