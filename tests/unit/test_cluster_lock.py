"""The cluster lock: a second up/down waits, says for whom, and gives up naming the holder."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest

from podchaos.cluster import lock
from podchaos.errors import ClusterSetupError


def test_the_holder_writes_its_pid_and_clears_it_when_done(tmp_path: Path) -> None:
    path = tmp_path / "state" / "cluster.lock"
    with lock.exclusive(path, "cluster up", lambda _m: None):
        assert path.read_text() == f"{os.getpid()}\n"
    assert path.read_text() == ""


def test_a_waiter_names_the_holder_and_gives_up_after_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock, "POLL_S", 0.01)
    path = tmp_path / "cluster.lock"
    said: list[str] = []
    # flock locks belong to the open file, so a second open in this process is a second holder.
    with (
        lock.exclusive(path, "cluster up", said.append),
        pytest.raises(ClusterSetupError) as error,
        lock.exclusive(path, "cluster down", said.append, timeout=0.2),
    ):
        pytest.fail("entered a held lock")
    assert f"PID {os.getpid()}" in str(error.value)
    assert "cluster down" in str(error.value)
    assert said
    assert f"waiting for PID {os.getpid()} to finish its cluster down" in said[0]


def test_a_waiter_gets_the_lock_once_the_holder_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock, "POLL_S", 0.01)
    path = tmp_path / "cluster.lock"
    held = path.open("a+")
    fcntl.flock(held, fcntl.LOCK_EX)

    def release() -> None:
        fcntl.flock(held, fcntl.LOCK_UN)
        held.close()

    releaser = threading.Timer(0.2, release)
    releaser.start()
    said: list[str] = []
    with lock.exclusive(path, "cluster up", said.append, timeout=5):
        assert path.read_text() == f"{os.getpid()}\n"
    releaser.join()
    assert len(said) == 1, f"one waiting message, not one per poll: {said}"
