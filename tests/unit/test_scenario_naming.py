"""The ``<name>.scenario.yaml`` rule, said where a user trips over it: ``podchaos new -o`` refuses
another suffix, and a YAML file that looks like a scenario under another name is named as such."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_help import DEPLOYMENT

from podchaos.catalogue import misnamed_scenario
from podchaos.cli import main


def test_new_refuses_an_output_pytest_would_never_collect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "orders.yaml").write_text(DEPLOYMENT)
    output = tmp_path / "chaos" / "kill.yaml"

    assert main(["new", str(tmp_path / "orders.yaml"), "-o", str(output)]) == 2

    error = capsys.readouterr().err
    assert "pytest collects only files named <name>.scenario.yaml" in error
    assert f"give -o {tmp_path / 'chaos' / 'orders-kill.scenario.yaml'}" in error
    assert not output.exists()


def test_a_yaml_file_with_faults_and_expect_is_named_as_a_misnamed_scenario(tmp_path: Path) -> None:
    misnamed = tmp_path / "kill.yaml"
    misnamed.write_text("name: kill\nworkload: {}\nfaults: []\nexpect: []\n")
    manifest = tmp_path / "web.yaml"
    manifest.write_text("kind: Pod\nmetadata: {name: web}\nspec: {}\n")
    proper = tmp_path / "kill.scenario.yaml"
    proper.write_text(misnamed.read_text())

    problem = misnamed_scenario(misnamed)

    assert problem is not None
    assert "kill.yaml has faults: and expect: but is not collected" in problem
    assert "rename it kill.scenario.yaml" in problem
    assert misnamed_scenario(manifest) is None
    assert misnamed_scenario(proper) is None
    assert misnamed_scenario(tmp_path / "notes.txt") is None
