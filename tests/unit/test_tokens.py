"""File tokens tell a token, an absent file and an unreadable one apart (pure: a fake exec and a fake
node agent, no cluster; the node-side scripts run in real shells on this machine's own /proc)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from podchaos.errors import ClusterError, FaultError, Forbidden
from podchaos.inject import tokens
from podchaos.k8s.execute import ExecResult
from podchaos.model.timeline import ContainerSnapshot, FileToken, PodSnapshot, PodState


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


def exec_files(kube: FakeKube) -> tokens.ExecFiles:
    return tokens.ExecFiles(kube, "ns")  # type: ignore[arg-type]


def read(result: ExecResult | Exception) -> FileToken:
    return tokens.read_file(exec_files(FakeKube(result)), TARGET, "app", "/data/t", 5.0)


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
    token = tokens.write_token(exec_files(kube), TARGET, "app", "/data/t", 2.0)
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


# --- the node way: the container's root through the node agent ------------------------------------

RUNNING = ContainerSnapshot(
    at=1, pod="web", pod_uid="uid-1", container="app", role="main", state="running", reason="",
    restart_count=0, ready=True, container_id="containerd://" + "ab" * 32,
)  # fmt: skip
ON_NODE = PodState(TARGET.pod, (RUNNING,))


@dataclass
class FakeAgent:
    """Answers like the node agent: the init PID of the container, then the script's fixed result."""

    result: ExecResult
    runs: list[tuple[str, ...]] = field(default_factory=list)

    def run(self, script: str, *args: str) -> ExecResult:
        self.runs.append((script, *args))
        return self.result

    def container_init_pid(self, container_id: str) -> int:
        if not container_id.endswith("ab" * 32):
            raise FaultError(f"no init process for {container_id}")
        return 4242


@dataclass
class FakePool:
    """Hands out the agent on a node, or fails to start it."""

    agent: FakeAgent | Exception
    nodes: list[str] = field(default_factory=list)

    def on(self, node: str) -> FakeAgent:
        self.nodes.append(node)
        if isinstance(self.agent, Exception):
            raise self.agent
        return self.agent


def agent_files(pool: FakePool, kube: FakeKube | None = None) -> tokens.AgentFiles:
    return tokens.AgentFiles(pool.on, exec_files(kube or FakeKube(ExecResult("", "no exec expected", 1))))


def test_the_node_way_reads_through_the_containers_init_process() -> None:
    agent = FakeAgent(ExecResult("podchaos-abc", "", 0))
    token = tokens.read_file(agent_files(FakePool(agent)), ON_NODE, "app", "/data/t", 5.0)
    assert (token.content, token.via) == ("podchaos-abc", "node agent")
    assert agent.runs == [(tokens.NODE_READ, "4242", "/data/t")]


def test_the_node_way_writes_and_checks_the_token() -> None:
    class Echo(FakeAgent):
        def run(self, script: str, *args: str) -> ExecResult:
            super().run(script, *args)
            return ExecResult(args[-1], "", 0)  # the script prints back what it wrote

    agent = Echo(ExecResult("", "", 0))
    token = tokens.write_token(agent_files(FakePool(agent)), ON_NODE, "app", "/data/t", 2.0)
    assert token.content is not None
    assert token.content.startswith("podchaos-")
    assert agent.runs[0][:3] == (tokens.NODE_WRITE, "4242", "/data/t")
    assert token.via == "node agent"


@pytest.mark.parametrize(
    ("pod", "path", "error"),
    [
        (TARGET, "/data/t", "container app of pod web is not running (not in the pod)"),
        (ON_NODE, "data/t", "path 'data/t' is not absolute"),
        (ON_NODE, "/data/../etc/passwd", "path '/data/../etc/passwd' has a '..' step"),
    ],
)
def test_the_node_way_refuses_what_it_cannot_reach(pod: PodState, path: str, error: str) -> None:
    token = tokens.read_file(agent_files(FakePool(FakeAgent(ExecResult("", "", 0)))), pod, "app", path, 5.0)
    assert (token.content, token.error) == (None, error)
    assert not token.absent


def test_exec_only_when_the_agent_cannot_start_and_then_for_the_whole_run() -> None:
    denied = 'pods is forbidden: User "system:serviceaccount:chaos:runner" cannot create resource "pods"'
    pool = FakePool(Forbidden("create pod pc-agents-1/podchaos-agent-n1", 403, "Forbidden", denied))
    kube = FakeKube(ExecResult("podchaos-abc", "", 0))
    files = agent_files(pool, kube)
    first = tokens.read_file(files, ON_NODE, "app", "/data/t", 5.0)
    second = tokens.read_file(files, ON_NODE, "app", "/data/t", 6.0)
    assert first.content == second.content == "podchaos-abc"
    assert first.via.startswith("exec (node agent unavailable: create pod pc-agents-1/podchaos-agent-n1: ")
    assert len(pool.nodes) == 1  # not tried again
    assert len(kube.commands) == 2


def test_a_failure_on_the_node_is_an_error_not_a_reason_to_exec() -> None:
    gone = PodState(TARGET.pod, (dataclasses.replace(RUNNING, container_id="containerd://ff"),))
    kube = FakeKube(ExecResult("podchaos-abc", "", 0))
    token = tokens.read_file(
        agent_files(FakePool(FakeAgent(ExecResult("", "", 0))), kube), gone, "app", "/t", 5.0
    )
    assert token.error == "no init process for containerd://ff"
    assert kube.commands == []


# The agent's shell is busybox; the scripts must work there and in the machine's own sh. The test
# process's own /proc/<pid>/root is "/", so absolute tmp paths stand in for paths in a container.
SHELLS = [["sh"]] + ([["busybox", "sh"]] if shutil.which("busybox") else [])


def node_script(shell: list[str], script: str, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [*shell, "-c", script, "podchaos-agent", str(os.getpid()), *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("shell", SHELLS, ids=" ".join)
def test_node_scripts_in_a_real_shell(tmp_path: Path, shell: list[str]) -> None:
    path = str(tmp_path / "it's here")
    wrote = node_script(shell, tokens.NODE_WRITE, path, "podchaos-123")
    assert (wrote.returncode, wrote.stdout) == (0, "podchaos-123"), wrote.stderr
    assert (tmp_path / "it's here").read_text() == "podchaos-123"
    read = node_script(shell, tokens.NODE_READ, path)
    assert (read.returncode, read.stdout) == (0, "podchaos-123")
    missing = node_script(shell, tokens.NODE_READ, str(tmp_path / "none"))
    assert (missing.returncode, missing.stderr.strip()) == (tokens.ABSENT_EXIT, tokens.ABSENT_MARK)
    directory = node_script(shell, tokens.NODE_READ, str(tmp_path))
    assert directory.returncode not in (0, tokens.ABSENT_EXIT)


@pytest.mark.parametrize("shell", SHELLS, ids=" ".join)
def test_node_scripts_follow_no_symbolic_link(tmp_path: Path, shell: list[str]) -> None:
    """Seen from the node, an absolute link would resolve outside the container's root."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "t").write_text("elsewhere")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "file-link").symlink_to(tmp_path / "real" / "t")
    for script in (tokens.NODE_READ, tokens.NODE_WRITE):
        through = node_script(shell, script, str(tmp_path / "linked" / "t"), "x")
        assert through.returncode == 4
        assert "linked is a symbolic link" in through.stderr
        at = node_script(shell, script, str(tmp_path / "file-link"), "x")
        assert at.returncode == 4
        assert "file-link is a symbolic link" in at.stderr
    assert (tmp_path / "real" / "t").read_text() == "elsewhere"
