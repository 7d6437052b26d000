"""The Go build runner: a heartbeat while it runs, its exit status, and a bound on a wedged build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podchaos.cluster.local import build
from podchaos.errors import ClusterSetupError


def test_a_long_build_says_it_still_runs_and_returns_its_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "HEARTBEAT_S", 0.2)
    said: list[str] = []
    log = tmp_path / "build.log"

    status = build.run_build(
        ["sh", "-c", "echo compiling; sleep 0.7; exit 3"],
        str(tmp_path),
        dict(os.environ),
        log,
        "kube",
        said.append,
    )

    assert status == 3
    assert len(said) >= 2, said
    assert all(line.startswith("still building kube: ") and str(log) in line for line in said), said
    assert log.read_text() == "compiling\n"


def test_a_wedged_build_is_stopped_with_an_error_naming_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "HEARTBEAT_S", 0.1)
    monkeypatch.setattr(build, "BUILD_TIMEOUT_S", 0.3)
    pid_file = tmp_path / "pid"
    log = tmp_path / "build.log"

    with pytest.raises(
        ClusterSetupError, match=r"go build of etcd did not finish within 0s \(log: .*build.log\)"
    ):
        build.run_build(
            ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"],
            str(tmp_path),
            dict(os.environ),
            log,
            "etcd",
            print,
        )

    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists(), "the wedged build still runs"
