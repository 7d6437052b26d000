"""The programs the e2e tests need come from setup (``make test-tools``); a missing one fails the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from host_tools import PACKAGES, require

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_binary_fails_and_names_the_setup_step(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"missing\.pcx is missing: .*make test-tools"):
        require(tmp_path / "missing.pcx")


def test_the_makefile_installs_every_binary_the_tests_require() -> None:
    makefile = (ROOT / "Makefile").read_text()
    (tools,) = re.findall(r"^TEST_TOOLS := (.*)$", makefile, flags=re.MULTILINE)
    listed = dict(tool.split(":") for tool in tools.split())
    assert listed == {str(binary): package for binary, package in PACKAGES.items()}
    assert re.search(r"^test: .*\btest-tools\b", makefile, flags=re.MULTILINE)
    for binary in PACKAGES:
        assert require(binary).exists()
