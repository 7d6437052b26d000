"""`podchaos cluster ...` where the local cluster cannot run: a clear error and exit 2, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podchaos import cli


@pytest.mark.parametrize("action", ["status", "up", "down"])
def test_not_root_is_a_clear_error_for_every_action(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PODCHAOS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)

    assert cli.main(["cluster", action]) == 2

    err = capsys.readouterr().err
    assert err.startswith(
        "podchaos: error: the embedded local cluster needs root (this process runs as uid 1000)"
    )
    assert "Traceback" not in err
    assert not (tmp_path / "state").exists(), f"{action} created state before checking the platform"


def test_sweep_older_than_takes_a_duration_and_refuses_anything_else(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["sweep", "--older-than", "2h"]).older_than == 7200.0
    assert parser.parse_args(["sweep"]).older_than == 0.0
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["sweep", "--older-than", "two hours"])
    assert exit_info.value.code == 2
    assert "expected a duration such as 90s, 30m or 2h, got 'two hours'" in capsys.readouterr().err
