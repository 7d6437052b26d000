"""File tokens tell a token, an absent file and an unreadable one apart (pure: a fake exec, no cluster)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from podchaos import tokens
from podchaos.errors import ClusterError
from podchaos.k8s.client import ExecResult
from podchaos.model.timeline import FileToken, PodSnapshot, PodState


@dataclass
class FakeKube:
    """Answers exec with a fixed result (or error), remembering the commands."""

    result: ExecResult | Exception
    commands: list[list[str]] = field(default_factory=list)

    def exec(self, namespace: str, pod: str, container: str, command: list[str]) -> ExecResult:
        self.commands.append(command)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


TARGET = PodState(
    PodSnapshot(at=1, pod="web", pod_uid="uid-1", node="n1", phase="Running", ready=True, deleting=False), ()
)


def read(result: ExecResult | Exception) -> FileToken:
    return tokens.read_file(FakeKube(result), "ns", TARGET, "app", "/data/t", 5.0)  # type: ignore[arg-type]


def test_content_is_read_back() -> None:
    token = read(ExecResult("podchaos-abc", "", 0))
    assert (token.content, token.error, token.absent) == ("podchaos-abc", "", False)
    assert (token.pod_uid, token.phase) == ("uid-1", "after-recovery")


def test_absent_only_with_the_scripts_own_mark_and_exit_code() -> None:
    token = read(ExecResult("", tokens.ABSENT_MARK + "\n", tokens.ABSENT_EXIT))
    assert token.absent
    assert token.error == ""


@pytest.mark.parametrize(
    ("result", "error"),
    [
        # No shell in the image: the runtime cannot start sh.
        (ExecResult("", 'exec: "sh": executable file not found in $PATH', 126), "exit code 126: exec: "),
        # Same exit code as "absent" but not the script's mark: a failure, not an absent file.
        (ExecResult("", "sh: can't open", tokens.ABSENT_EXIT), "exit code 3: sh: can't open"),
        (ExecResult("", "cat: read error: Is a directory", 1), "exit code 1: cat: read error"),
        (ExecResult("", "", -1), "exit code -1"),
        (ClusterError("exec in ns/web/app timed out"), "exec in ns/web/app timed out"),
    ],
)
def test_an_exec_or_read_failure_is_never_absent(result: ExecResult | Exception, error: str) -> None:
    token = read(result)
    assert token.content is None
    assert not token.absent
    assert token.error.startswith(error)


def test_write_failure_says_why() -> None:
    kube = FakeKube(ExecResult("", "sh: can't create /data/t: Read-only file system", 1))
    token = tokens.write_token(kube, "ns", TARGET, "app", "/data/t", 2.0)  # type: ignore[arg-type]
    assert token.content is None
    assert token.error == "exit code 1: sh: can't create /data/t: Read-only file system"
    assert token.phase == "before-fault"


@pytest.mark.parametrize("kind", ["file", "missing", "directory"])
def test_read_script_in_a_real_shell(tmp_path: Path, kind: str) -> None:
    """The script itself: content for a file, the absent mark only when nothing is there."""
    target = tmp_path / "it's here"
    if kind == "file":
        target.write_text("tok")
    elif kind == "directory":
        target.mkdir()
    done = subprocess.run(tokens.read_script(str(target)), capture_output=True, text=True, check=False)
    if kind == "file":
        assert (done.returncode, done.stdout) == (0, "tok")
    elif kind == "missing":
        assert (done.returncode, done.stderr.strip()) == (tokens.ABSENT_EXIT, tokens.ABSENT_MARK)
    else:
        assert done.returncode not in (0, tokens.ABSENT_EXIT)
